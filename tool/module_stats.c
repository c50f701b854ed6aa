// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: the module-wide counters (ZCOPY_CMD_STATS), parsed once.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "module_stats.h"

struct stats_reply {
	bool seen;
	struct module_stats *s;
};

static int parse_stats(struct nlmsghdr *nlh, void *arg)
{
	static struct nla_policy policy[ZCOPY_A_MAX + 1] = {
		[ZCOPY_A_STATS]	= { .type = NLA_NESTED },
		[ZCOPY_A_OBSERVER_ERROR] = { .type = NLA_STRING },
	};
	static struct nla_policy stats_policy[ZCOPY_STATS_A_MAX + 1];
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	struct nlattr *stb[ZCOPY_STATS_A_MAX + 1];
	struct stats_reply *reply = arg;
	struct module_stats *s = reply->s;
	int attr;

	/* Every counter is a u64; PAD and UNSPEC are framing. */
	for (attr = ZCOPY_STATS_A_PAD + 1; attr <= ZCOPY_STATS_A_MAX; attr++)
		stats_policy[attr].type = NLA_U64;

	if (genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, policy) < 0 ||
	    !tb[ZCOPY_A_STATS] ||
	    nla_parse_nested(stb, ZCOPY_STATS_A_MAX, tb[ZCOPY_A_STATS],
			     stats_policy) < 0)
		return -EPROTO;

	reply->seen = true;
	if (tb[ZCOPY_A_OBSERVER_ERROR])
		nla_strlcpy(s->observer_error, tb[ZCOPY_A_OBSERVER_ERROR],
			    sizeof(s->observer_error));
	for (attr = ZCOPY_STATS_A_PAD + 1; attr <= ZCOPY_STATS_A_MAX; attr++) {
		s->present[attr] = stb[attr];
		if (stb[attr])
			s->value[attr] = nla_get_u64(stb[attr]);
	}
	return 0;
}

int module_stats_read(struct nl_ctx *ctx, struct module_stats *s)
{
	const char *what = "reading statistics";
	struct stats_reply reply = { .s = s };
	struct nl_msg *msg;
	int err;

	memset(s, 0, sizeof(*s));
	msg = nl_ctx_new_msg(ctx, ZCOPY_CMD_STATS, 0);
	if (msg)
		err = nl_ctx_request(ctx, what, msg, parse_stats, &reply);
	else
		err = -ENOMEM;
	if (!err && !reply.seen)
		err = -EPROTO;	/* an ACK without the reply */
	if (err)
		ctx->what = what;
	return err;
}
