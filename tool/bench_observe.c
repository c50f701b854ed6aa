// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the module's observer on a user-space socket
 * (ZCOPY_CMD_OBSERVE_START/STOP), and its module-wide counters (STATS).
 */
#include <errno.h>
#include <string.h>

#include <linux/zcopy.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "bench.h"

struct observe_reply {
	bool seen;
	uint64_t id;
	struct bench_observation obs;
};

static void get_u64(struct nlattr *attr, uint64_t *value)
{
	if (attr)
		*value = nla_get_u64(attr);
}

/* The OBSERVE nest of a reply; a bare OBSERVE_ID is taken too. */
static int parse_observe(struct nlmsghdr *nlh, void *arg)
{
	static struct nla_policy policy[ZCOPY_A_MAX + 1] = {
		[ZCOPY_A_OBSERVE]	= { .type = NLA_NESTED },
		[ZCOPY_A_OBSERVE_ID]	= { .type = NLA_U64 },
	};
	static struct nla_policy opolicy[ZCOPY_OBSERVE_A_MAX + 1] = {
		[ZCOPY_OBSERVE_A_ID]		= { .type = NLA_U64 },
		[ZCOPY_OBSERVE_A_PROBES]	= { .type = NLA_U64 },
		[ZCOPY_OBSERVE_A_BYTES]		= { .type = NLA_U64 },
		[ZCOPY_OBSERVE_A_COPIED_BYTES]	= { .type = NLA_U64 },
		[ZCOPY_OBSERVE_A_REF_BYTES]	= { .type = NLA_U64 },
		[ZCOPY_OBSERVE_A_DMA_OUT_BYTES]	= { .type = NLA_U64 },
		[ZCOPY_OBSERVE_A_RETRANS_BYTES]	= { .type = NLA_U64 },
	};
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	struct nlattr *ob[ZCOPY_OBSERVE_A_MAX + 1];
	struct observe_reply *r = arg;

	if (genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, policy) < 0)
		return -EPROTO;
	if (tb[ZCOPY_A_OBSERVE_ID]) {
		r->id = nla_get_u64(tb[ZCOPY_A_OBSERVE_ID]);
		r->seen = true;
	}
	if (!tb[ZCOPY_A_OBSERVE])
		return r->seen ? 0 : -EPROTO;
	if (nla_parse_nested(ob, ZCOPY_OBSERVE_A_MAX, tb[ZCOPY_A_OBSERVE],
			     opolicy) < 0)
		return -EPROTO;
	r->seen = true;
	get_u64(ob[ZCOPY_OBSERVE_A_ID], &r->id);
	get_u64(ob[ZCOPY_OBSERVE_A_PROBES], &r->obs.probes);
	get_u64(ob[ZCOPY_OBSERVE_A_BYTES], &r->obs.bytes);
	get_u64(ob[ZCOPY_OBSERVE_A_COPIED_BYTES], &r->obs.copied_bytes);
	get_u64(ob[ZCOPY_OBSERVE_A_REF_BYTES], &r->obs.ref_bytes);
	get_u64(ob[ZCOPY_OBSERVE_A_DMA_OUT_BYTES], &r->obs.dma_out_bytes);
	get_u64(ob[ZCOPY_OBSERVE_A_RETRANS_BYTES], &r->obs.retrans_bytes);
	return 0;
}

int bench_observe_start(struct bench_env *env, int sock_fd, int file_fd,
			uint64_t *id)
{
	struct observe_reply r = { 0 };
	struct nl_msg *msg;
	int err;

	if (!env->nl || env->observe_broken)
		return -EOPNOTSUPP;
	msg = nl_ctx_new_msg(env->nl, ZCOPY_CMD_OBSERVE_START, 0);
	if (!msg || nla_put_s32(msg, ZCOPY_A_SOCK_FD, sock_fd) < 0 ||
	    nla_put_s32(msg, ZCOPY_A_FILE_FD, file_fd) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = nl_ctx_request(env->nl, "starting an observation", msg,
			     parse_observe, &r);
	if (!err && !r.seen)
		err = -EPROTO;
	if (err) {
		/* Said once; later runs go without (verified false). */
		env->observe_broken = true;
		snprintf(env->observe_why, sizeof(env->observe_why), "%s%s%s",
			 strerror(-err), env->nl->extack[0] ? ": " : "",
			 env->nl->extack);
		return err;
	}
	*id = r.id;
	return 0;
}

int bench_observe_stop(struct bench_env *env, uint64_t id,
		       struct bench_observation *obs)
{
	struct observe_reply r = { 0 };
	struct nl_msg *msg;
	int err;

	msg = nl_ctx_new_msg(env->nl, ZCOPY_CMD_OBSERVE_STOP, 0);
	if (!msg || nla_put_u64(msg, ZCOPY_A_OBSERVE_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	err = nl_ctx_request(env->nl, "stopping an observation", msg,
			     parse_observe, &r);
	if (!err && !r.seen)
		err = -EPROTO;
	if (!err)
		*obs = r.obs;
	return err;
}

int bench_module_stats(struct bench_env *env, struct module_stats *s)
{
	return env->nl ? module_stats_read(env->nl, s) : -ENOENT;
}
