// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "zcopy".
 */
#include <net/genetlink.h>

#include "stats.h"
#include "zcopy.h"

static struct genl_family zcopy_genl_family;

static int zcopy_nl_put_stats(struct sk_buff *skb)
{
	struct nlattr *nest;
	int attr;

	nest = nla_nest_start(skb, ZCOPY_A_STATS);
	if (!nest)
		return -EMSGSIZE;

	for (attr = ZCOPY_STATS_FIRST; attr <= ZCOPY_STATS_A_MAX; attr++) {
		if (nla_put_u64_64bit(skb, attr, zcopy_stats_read(attr),
				      ZCOPY_STATS_A_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}

	nla_nest_end(skb, nest);
	return 0;
}

static int zcopy_nl_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &zcopy_genl_family, 0,
				ZCOPY_CMD_STATS);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto err_free;
	}

	ret = zcopy_nl_put_stats(msg);
	if (ret)
		goto err_free;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

/* No policy on an op means it takes no attributes (strict validation). */
static const struct genl_ops zcopy_genl_ops[] = {
	{
		.cmd = ZCOPY_CMD_STATS,
		.doit = zcopy_nl_stats_doit,
	},
};

static const struct genl_multicast_group zcopy_genl_mcgrps[] = {
	{ .name = ZCOPY_GENL_MCGRP_EVENTS },
};

static struct genl_family zcopy_genl_family __ro_after_init = {
	.name = ZCOPY_GENL_NAME,
	.version = ZCOPY_GENL_VERSION,
	.maxattr = ZCOPY_A_MAX,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = zcopy_genl_ops,
	.n_ops = ARRAY_SIZE(zcopy_genl_ops),
	.resv_start_op = 0,
	.mcgrps = zcopy_genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(zcopy_genl_mcgrps),
};

int zcopy_genl_init(void)
{
	return genl_register_family(&zcopy_genl_family);
}

void zcopy_genl_exit(void)
{
	genl_unregister_family(&zcopy_genl_family);
}
