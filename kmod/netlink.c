// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "zcopy": SUBMIT, GET (one job or a dump),
 * CANCEL, STATS, and completion events on the "events" group. Callers see
 * the jobs of their network namespace they submitted, and others' only
 * with CAP_NET_ADMIN over that namespace.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/limits.h>
#include <linux/slab.h>
#include <net/genetlink.h>

#include "job.h"
#include "netlink.h"
#include "observe.h"
#include "observe_user.h"
#include "stats.h"
#include "zcopy.h"

static struct genl_family zcopy_genl_family;

enum zcopy_nl_mcgrp {
	ZCOPY_NL_MCGRP_EVENTS,
};

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

static int zcopy_nl_put_u64(struct sk_buff *skb, int attr, u64 value)
{
	return nla_put_u64_64bit(skb, attr, value, ZCOPY_A_PAD);
}

static int zcopy_nl_put_job(struct sk_buff *skb,
			    const struct zcopy_completion *rec)
{
	const struct {
		int attr;
		u64 value;
	} counters[] = {
		{ ZCOPY_A_ID, rec->id },
		{ ZCOPY_A_OFFSET, rec->offset },
		{ ZCOPY_A_LENGTH, rec->length },
		{ ZCOPY_A_USER_DATA, rec->user_data },
		{ ZCOPY_A_BYTES_SENT, rec->bytes_sent },
		{ ZCOPY_A_CPU_COPY_BYTES, rec->cpu_copy_bytes },
		{ ZCOPY_A_REF_BYTES, rec->ref_bytes },
		{ ZCOPY_A_DMA_IN_BYTES, rec->dma_in_bytes },
		{ ZCOPY_A_DMA_OUT_BYTES, rec->dma_out_bytes },
		{ ZCOPY_A_CACHE_HIT_PAGES, rec->cache_hit_pages },
		{ ZCOPY_A_CACHE_MISS_PAGES, rec->cache_miss_pages },
		{ ZCOPY_A_SKBS, rec->skbs },
		{ ZCOPY_A_FRAGS, rec->frags },
		{ ZCOPY_A_SYSCALLS, rec->syscalls },
		{ ZCOPY_A_CONTEXT_SWITCHES, rec->context_switches },
		{ ZCOPY_A_QUEUED_NS, rec->queued_ns },
		{ ZCOPY_A_START_NS, rec->start_ns },
		{ ZCOPY_A_END_NS, rec->end_ns },
		{ ZCOPY_A_CPU_NS, rec->cpu_ns },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(counters); i++)
		if (zcopy_nl_put_u64(skb, counters[i].attr, counters[i].value))
			return -EMSGSIZE;

	if (nla_put_u32(skb, ZCOPY_A_MODE, rec->mode) ||
	    nla_put_u32(skb, ZCOPY_A_STATE, rec->state) ||
	    nla_put_s32(skb, ZCOPY_A_ERROR, rec->error) ||
	    nla_put_u8(skb, ZCOPY_A_VERIFIED, rec->verified) ||
	    nla_put_string(skb, ZCOPY_A_EGRESS_DEV, rec->egress_dev) ||
	    nla_put_u32(skb, ZCOPY_A_HEADER_LEN, rec->header_len) ||
	    nla_put_u32(skb, ZCOPY_A_TRAILER_LEN, rec->trailer_len))
		return -EMSGSIZE;
	return 0;
}

static struct sk_buff *zcopy_nl_job_msg(const struct zcopy_completion *rec,
					u32 portid, u32 seq, int flags, u8 cmd)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, portid, seq, &zcopy_genl_family, flags, cmd);
	if (!hdr || zcopy_nl_put_job(msg, rec)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

/* A required attribute: say which is missing, in words too. */
#define zcopy_nl_missing(info, attr, msg) ({				\
	struct genl_info *__info = (info);				\
	int __attr = (attr);						\
	bool __missing = !__info->attrs[__attr];			\
									\
	if (__missing) {						\
		NL_SET_ERR_MSG(__info->extack, msg);			\
		NL_SET_ERR_ATTR_MISS(__info->extack, NULL, __attr);	\
	}								\
	__missing;							\
})

static bool zcopy_nl_admin(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_NET_ADMIN);
}

static u32 zcopy_nl_len(const struct nlattr *attr)
{
	return attr ? nla_len(attr) : 0;
}

/* The job's header and trailer, copied out of the request. */
static int zcopy_nl_submit_frame(struct zcopy_job *job, struct nlattr **attrs,
				 struct netlink_ext_ack *extack)
{
	const struct nlattr *header = attrs[ZCOPY_A_HEADER];
	const struct nlattr *trailer = attrs[ZCOPY_A_TRAILER];
	u32 header_len = zcopy_nl_len(header);
	int ret;

	ret = zcopy_job_set_frame(job, header_len, zcopy_nl_len(trailer),
				  extack);
	if (ret)
		return ret;
	if (header)
		nla_memcpy(job->frame, header, header_len);
	if (trailer)
		nla_memcpy(job->frame + header_len, trailer, nla_len(trailer));
	return 0;
}

static int zcopy_nl_submit_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct netlink_ext_ack *extack = info->extack;
	struct zcopy_request req = {};
	struct zcopy_job *job;
	struct sk_buff *msg;
	void *hdr;
	u64 id;
	int ret;

	if (zcopy_nl_missing(info, ZCOPY_A_MODE, "missing mode"))
		return -EINVAL;
	req.mode = nla_get_u32(attrs[ZCOPY_A_MODE]);
	if (attrs[ZCOPY_A_FLAGS])
		req.flags = nla_get_u32(attrs[ZCOPY_A_FLAGS]);
	/* It would run under genetlink's lock, which rmmod waits for. */
	if (req.flags & ZCOPY_SUBMIT_INLINE) {
		NL_SET_ERR_MSG_ATTR(extack, attrs[ZCOPY_A_FLAGS],
				    "inline submission is for /dev/zcopy only");
		return -EINVAL;
	}
	if (attrs[ZCOPY_A_OFFSET])
		req.offset = nla_get_u64(attrs[ZCOPY_A_OFFSET]);
	if (attrs[ZCOPY_A_LENGTH])
		req.length = nla_get_u64(attrs[ZCOPY_A_LENGTH]);
	if (attrs[ZCOPY_A_USER_DATA])
		req.user_data = nla_get_u64(attrs[ZCOPY_A_USER_DATA]);

	ret = zcopy_request_check(&req, extack);
	if (ret)
		return ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	job = zcopy_job_alloc(NULL, NULL);
	if (!job) {
		ret = -ENOMEM;
		goto err_msg;
	}
	ret = zcopy_nl_submit_frame(job, attrs, extack);
	if (ret)
		goto err_job;

	if (attrs[ZCOPY_A_FILE_FD] || attrs[ZCOPY_A_SOCK_FD]) {
		if (attrs[ZCOPY_A_PATH] || attrs[ZCOPY_A_ADDR]) {
			NL_SET_ERR_MSG(extack, "give fds or a path and an address, not both");
			ret = -EINVAL;
			goto err_job;
		}
		if (zcopy_nl_missing(info, ZCOPY_A_FILE_FD, "missing file fd") ||
		    zcopy_nl_missing(info, ZCOPY_A_SOCK_FD, "missing socket fd")) {
			ret = -EINVAL;
			goto err_job;
		}
		ret = zcopy_job_prepare_fds(job,
					    nla_get_s32(attrs[ZCOPY_A_FILE_FD]),
					    nla_get_s32(attrs[ZCOPY_A_SOCK_FD]),
					    extack);
	} else {
		if (zcopy_nl_missing(info, ZCOPY_A_PATH,
				     "missing fds, or a path and an address") ||
		    zcopy_nl_missing(info, ZCOPY_A_ADDR, "missing address")) {
			ret = -EINVAL;
			goto err_job;
		}
		if (!zcopy_nl_admin(skb)) {
			NL_SET_ERR_MSG(extack, "a path and an address need CAP_NET_ADMIN");
			ret = -EPERM;
			goto err_job;
		}
		ret = zcopy_job_prepare_path(job, nla_data(attrs[ZCOPY_A_PATH]),
					     nla_data(attrs[ZCOPY_A_ADDR]),
					     nla_len(attrs[ZCOPY_A_ADDR]),
					     extack);
	}
	if (ret)
		goto err_job;

	ret = zcopy_job_submit(job, &req, &id, extack);
	if (ret)
		goto err_job;

	hdr = genlmsg_put_reply(msg, info, &zcopy_genl_family, 0,
				ZCOPY_CMD_SUBMIT);
	if (!hdr || zcopy_nl_put_u64(msg, ZCOPY_A_ID, id)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_job:
	zcopy_job_free(job);
err_msg:
	nlmsg_free(msg);
	return ret;
}

static int zcopy_nl_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct zcopy_completion rec;
	struct zcopy_caller caller;
	struct sk_buff *msg;
	u64 id;

	if (zcopy_nl_missing(info, ZCOPY_A_ID, "missing job id"))
		return -EINVAL;
	id = nla_get_u64(info->attrs[ZCOPY_A_ID]);
	zcopy_caller_init(&caller, skb);
	if (zcopy_job_lookup(id, &caller, &rec)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ZCOPY_A_ID],
				    "no such job");
		return -ENOENT;
	}
	msg = zcopy_nl_job_msg(&rec, info->snd_portid, info->snd_seq, 0,
			       ZCOPY_CMD_GET);
	if (!msg)
		return -ENOMEM;
	return genlmsg_reply(msg, info);
}

/*
 * A dump walks the jobs by id from a cursor, cb->args[0]: it holds nothing
 * between its calls, however slowly its reader reads. cb->args[1] keeps
 * the caller's CAP_NET_ADMIN, once asked (+1).
 */
static int zcopy_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct zcopy_completion rec;
	struct zcopy_caller caller;
	u64 id = cb->args[0];
	void *hdr;

	zcopy_caller_init(&caller, cb->skb);
	caller.listing = true;
	caller.admin = (int)cb->args[1] - 1;
	while (!zcopy_job_next(&id, &caller, &rec)) {
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &zcopy_genl_family,
				  NLM_F_MULTI, ZCOPY_CMD_GET);
		if (!hdr)
			break;
		if (zcopy_nl_put_job(skb, &rec)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	cb->args[0] = id;
	cb->args[1] = caller.admin + 1;
	return skb->len;
}

static int zcopy_nl_cancel_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct zcopy_caller caller;
	u64 id;

	if (zcopy_nl_missing(info, ZCOPY_A_ID, "missing job id"))
		return -EINVAL;
	id = nla_get_u64(info->attrs[ZCOPY_A_ID]);
	zcopy_caller_init(&caller, skb);
	if (zcopy_job_cancel(id, &caller)) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ZCOPY_A_ID],
				    "no such job running");
		return -ENOENT;
	}
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
	if (zcopy_observe_error() &&
	    nla_put_string(msg, ZCOPY_A_OBSERVER_ERROR, zcopy_observe_error())) {
		ret = -EMSGSIZE;
		goto err_free;
	}

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return ret;
}

/* The devices and files of b, each a nest of its own. */
static int zcopy_nl_put_breakdown(struct sk_buff *skb,
				  const struct zcopy_obs_breakdown *b)
{
	struct nlattr *nest;
	unsigned int i;

	for (i = 0; i < ZCOPY_OBS_DEVS && b->devs[i].ifindex; i++) {
		const struct zcopy_obs_dev *d = &b->devs[i];

		nest = nla_nest_start(skb, ZCOPY_OBSERVE_A_DEVICE);
		if (!nest ||
		    nla_put_string(skb, ZCOPY_OBSERVE_DEV_A_NAME, d->name) ||
		    nla_put_u32(skb, ZCOPY_OBSERVE_DEV_A_IFINDEX, d->ifindex) ||
		    nla_put_u64_64bit(skb, ZCOPY_OBSERVE_DEV_A_BYTES, d->bytes,
				      ZCOPY_OBSERVE_DEV_A_PAD) ||
		    nla_put_u64_64bit(skb, ZCOPY_OBSERVE_DEV_A_COPIED_BYTES,
				      d->copied_bytes, ZCOPY_OBSERVE_DEV_A_PAD) ||
		    nla_put_u64_64bit(skb, ZCOPY_OBSERVE_DEV_A_REF_BYTES,
				      d->ref_bytes, ZCOPY_OBSERVE_DEV_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	for (i = 0; i < ZCOPY_OBS_FILES && b->files[i].ref_bytes; i++) {
		const struct zcopy_obs_file *f = &b->files[i];

		nest = nla_nest_start(skb, ZCOPY_OBSERVE_A_FILE);
		if (!nest ||
		    nla_put_u32(skb, ZCOPY_OBSERVE_FILE_A_DEV, f->dev) ||
		    nla_put_u64_64bit(skb, ZCOPY_OBSERVE_FILE_A_INO, f->ino,
				      ZCOPY_OBSERVE_FILE_A_PAD) ||
		    nla_put_u32(skb, ZCOPY_OBSERVE_FILE_A_GENERATION,
				f->generation) ||
		    nla_put_u64_64bit(skb, ZCOPY_OBSERVE_FILE_A_REF_BYTES,
				      f->ref_bytes, ZCOPY_OBSERVE_FILE_A_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, nest);
	}
	if (nla_put_u64_64bit(skb, ZCOPY_OBSERVE_A_OTHER_DEVICES_BYTES,
			      b->other_dev_bytes, ZCOPY_OBSERVE_A_PAD) ||
	    nla_put_u64_64bit(skb, ZCOPY_OBSERVE_A_OTHER_FILES_BYTES,
			      b->other_file_bytes, ZCOPY_OBSERVE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

static int zcopy_nl_put_observe(struct sk_buff *skb, u64 id,
				const struct zcopy_obs_counts *c,
				const struct zcopy_obs_breakdown *b)
{
	const struct {
		int attr;
		u64 value;
	} counters[] = {
		{ ZCOPY_OBSERVE_A_ID, id },
		{ ZCOPY_OBSERVE_A_PROBES, c->probes },
		{ ZCOPY_OBSERVE_A_BYTES, c->bytes },
		{ ZCOPY_OBSERVE_A_COPIED_BYTES, c->copied_bytes },
		{ ZCOPY_OBSERVE_A_REF_BYTES, c->ref_bytes },
		{ ZCOPY_OBSERVE_A_DMA_OUT_BYTES, c->dma_out_bytes },
		{ ZCOPY_OBSERVE_A_RETRANS_BYTES, c->retrans_bytes },
		{ ZCOPY_OBSERVE_A_SKBS, c->skbs },
		{ ZCOPY_OBSERVE_A_FRAGS, c->frags },
		{ ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES, c->deferred_copy_bytes },
		{ ZCOPY_OBSERVE_A_PULL_BYTES, c->pull_bytes },
		{ ZCOPY_OBSERVE_A_COPY_BITS_BYTES, c->copy_bits_bytes },
		{ ZCOPY_OBSERVE_A_SEGMENT_COPY_BYTES, c->segment_copy_bytes },
		{ ZCOPY_OBSERVE_A_SW_CSUM_BYTES, c->sw_csum_bytes },
		{ ZCOPY_OBSERVE_A_SOCKETS, c->sockets },
		{ ZCOPY_OBSERVE_A_SENDS_MISSED, c->sends_missed },
	};
	struct nlattr *nest;
	unsigned int i;

	nest = nla_nest_start(skb, ZCOPY_A_OBSERVE);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		if (nla_put_u64_64bit(skb, counters[i].attr, counters[i].value,
				      ZCOPY_OBSERVE_A_PAD))
			goto err;
	if (nla_put_string(skb, ZCOPY_OBSERVE_A_EGRESS_DEV, c->egress_dev))
		goto err;
	if (b && zcopy_nl_put_breakdown(skb, b))
		goto err;
	nla_nest_end(skb, nest);
	return 0;
err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int zcopy_nl_observe_send(struct sk_buff *msg, struct genl_info *info,
				 u64 id, const struct zcopy_obs_counts *c,
				 const struct zcopy_obs_breakdown *b)
{
	void *hdr;

	hdr = genlmsg_put_reply(msg, info, &zcopy_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr || zcopy_nl_put_observe(msg, id, c, b)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int zcopy_nl_observe_reply(struct genl_info *info, u64 id,
				  const struct zcopy_obs_counts *c)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	return zcopy_nl_observe_send(msg, info, id, c, NULL);
}

/* The reply to a START that worked; the observation ends if it fails. */
static int zcopy_nl_observe_started(struct sk_buff *skb,
				    struct genl_info *info, u64 id)
{
	struct zcopy_obs_counts c = {};
	int ret;

	c.probes = zcopy_observe_probes();
	ret = zcopy_nl_observe_reply(info, id, &c);
	if (ret)
		zcopy_obs_user_read(NETLINK_CB(skb).sk, id, true, &c, NULL);
	return ret;
}

static int zcopy_nl_observe_start_err(struct genl_info *info, int ret)
{
	if (ret == -EAGAIN)
		NL_SET_ERR_MSG(info->extack, "too many observations");
	else if (ret == -EOPNOTSUPP)
		NL_SET_ERR_MSG(info->extack,
			       "this kernel's sockets carry no cgroup");
	return ret;
}

/* START of what: the reply, or why not. */
static int zcopy_nl_observe_what(struct sk_buff *skb, struct genl_info *info,
				 const struct zcopy_obs_what *what)
{
	u64 id;
	int ret;

	ret = zcopy_obs_user_start(NETLINK_CB(skb).sk, info->snd_portid, what,
				   &id);
	if (ret)
		return zcopy_nl_observe_start_err(info, ret);
	return zcopy_nl_observe_started(skb, info, id);
}

/* START (CGROUP_FD): every TCP socket of a cgroup and its descendants. */
static int zcopy_nl_observe_cgroup(struct sk_buff *skb,
				   struct genl_info *info)
{
	struct nlattr *fd_attr = info->attrs[ZCOPY_A_CGROUP_FD];
	struct zcopy_obs_what what = { };
	int ret;

	ret = zcopy_obs_user_cgroup(nla_get_s32(fd_attr), &what.cgrp,
				    info->extack);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, fd_attr);
		return ret;
	}
	ret = zcopy_nl_observe_what(skb, info, &what);
	cgroup_put(what.cgrp);
	return ret;
}

/* START (PROC_MEM_FD): every TCP socket a process sends on. */
static int zcopy_nl_observe_process(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct nlattr *fd_attr = info->attrs[ZCOPY_A_PROC_MEM_FD];
	struct zcopy_obs_what what = { };
	struct file *mem;
	int ret;

	ret = zcopy_obs_user_process(nla_get_s32(fd_attr), &mem, &what.mm,
				     info->extack);
	if (ret) {
		NL_SET_BAD_ATTR(info->extack, fd_attr);
		return ret;
	}
	ret = zcopy_nl_observe_what(skb, info, &what);
	fput(mem);
	return ret;
}

/* START (SOCK_FD, and FILE_FD or not): one of the caller's sockets. */
static int zcopy_nl_observe_socket(struct sk_buff *skb,
				   struct genl_info *info)
{
	struct nlattr *file_attr = info->attrs[ZCOPY_A_FILE_FD];
	int sock_fd = nla_get_s32(info->attrs[ZCOPY_A_SOCK_FD]);
	struct zcopy_obs_what what = { };
	struct socket *sock;
	int ret;

	if (file_attr)
		ret = zcopy_get_fds(nla_get_s32(file_attr), sock_fd,
				    &what.file, &sock, info->extack);
	else
		ret = zcopy_get_sock(sock_fd, &sock, info->extack);
	if (ret)
		return ret;
	what.sk = sock->sk;
	ret = zcopy_nl_observe_what(skb, info, &what);
	sockfd_put(sock);
	if (what.file)
		fput(what.file);
	return ret;
}

static int zcopy_nl_observe_start_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	static const int kinds[] = {
		ZCOPY_A_CGROUP_FD, ZCOPY_A_PROC_MEM_FD, ZCOPY_A_SOCK_FD,
	};
	struct nlattr *kind = NULL;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		if (!info->attrs[kinds[i]])
			continue;
		if (kind) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[kinds[i]],
					    "a cgroup, a process or a socket: one of them");
			return -EINVAL;
		}
		kind = info->attrs[kinds[i]];
	}
	if (!kind) {
		NL_SET_ERR_MSG(info->extack,
			       "missing what to observe: a cgroup, a process or a socket");
		return -EINVAL;
	}
	if (info->attrs[ZCOPY_A_FILE_FD] && kind != info->attrs[ZCOPY_A_SOCK_FD]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ZCOPY_A_FILE_FD],
				    "a file is for a socket's observation");
		return -EINVAL;
	}
	if (kind == info->attrs[ZCOPY_A_CGROUP_FD])
		return zcopy_nl_observe_cgroup(skb, info);
	if (kind == info->attrs[ZCOPY_A_PROC_MEM_FD])
		return zcopy_nl_observe_process(skb, info);
	return zcopy_nl_observe_socket(skb, info);
}

static int zcopy_nl_observe_read_doit(struct sk_buff *skb,
				      struct genl_info *info)
{
	bool stop = info->genlhdr->cmd == ZCOPY_CMD_OBSERVE_STOP;
	struct zcopy_obs_breakdown b;
	struct zcopy_obs_counts c;
	struct sk_buff *msg;
	u64 id;

	if (zcopy_nl_missing(info, ZCOPY_A_OBSERVE_ID, "missing observation id"))
		return -EINVAL;
	id = nla_get_u64(info->attrs[ZCOPY_A_OBSERVE_ID]);
	/* Before the observation ends: a STOP that fails must not end it. */
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	if (zcopy_obs_user_read(NETLINK_CB(skb).sk, id, stop, &c, &b)) {
		nlmsg_free(msg);
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ZCOPY_A_OBSERVE_ID],
				    "no such observation of this socket");
		return -ENOENT;
	}
	return zcopy_nl_observe_send(msg, info, id, &c, &b);
}

void zcopy_nl_notify_done(struct net *net, const struct zcopy_completion *rec)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&zcopy_genl_family, net, ZCOPY_NL_MCGRP_EVENTS))
		return;
	msg = zcopy_nl_job_msg(rec, 0, 0, 0, ZCOPY_CMD_EVENT_DONE);
	if (!msg) {
		/* The listeners learn of the lost event, as on an overrun. */
		genl_set_err(&zcopy_genl_family, net, 0, ZCOPY_NL_MCGRP_EVENTS,
			     -ENOBUFS);
		return;
	}
	genlmsg_multicast_netns(&zcopy_genl_family, net, msg, 0,
				ZCOPY_NL_MCGRP_EVENTS, GFP_KERNEL);
}

static const struct nla_policy zcopy_submit_policy[ZCOPY_A_MAX + 1] = {
	[ZCOPY_A_FILE_FD] = { .type = NLA_S32 },
	[ZCOPY_A_SOCK_FD] = { .type = NLA_S32 },
	[ZCOPY_A_PATH] = { .type = NLA_NUL_STRING, .len = PATH_MAX - 1 },
	[ZCOPY_A_ADDR] = NLA_POLICY_MIN_LEN(sizeof(struct sockaddr_in)),
	[ZCOPY_A_MODE] = NLA_POLICY_MAX(NLA_U32, ZCOPY_MODE_MAX),
	[ZCOPY_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, ZCOPY_SUBMIT_FLAGS_ALL),
	[ZCOPY_A_OFFSET] = { .type = NLA_U64 },
	[ZCOPY_A_LENGTH] = { .type = NLA_U64 },
	[ZCOPY_A_USER_DATA] = { .type = NLA_U64 },
	[ZCOPY_A_HEADER] = { .type = NLA_BINARY, .len = ZCOPY_NL_HEADER_MAX },
	[ZCOPY_A_TRAILER] = { .type = NLA_BINARY, .len = ZCOPY_NL_HEADER_MAX },
};

static const struct nla_policy zcopy_id_policy[ZCOPY_A_MAX + 1] = {
	[ZCOPY_A_ID] = { .type = NLA_U64 },
};

static const struct nla_policy zcopy_observe_start_policy[ZCOPY_A_MAX + 1] = {
	[ZCOPY_A_FILE_FD] = { .type = NLA_S32 },
	[ZCOPY_A_SOCK_FD] = { .type = NLA_S32 },
	[ZCOPY_A_CGROUP_FD] = { .type = NLA_S32 },
	[ZCOPY_A_PROC_MEM_FD] = { .type = NLA_S32 },
};

static const struct nla_policy zcopy_observe_id_policy[ZCOPY_A_MAX + 1] = {
	[ZCOPY_A_OBSERVE_ID] = { .type = NLA_U64 },
};

/* Ops without a policy take no attributes (strict validation). */
static const struct genl_ops zcopy_genl_ops[] = {
	{
		.cmd = ZCOPY_CMD_SUBMIT,
		.doit = zcopy_nl_submit_doit,
		.policy = zcopy_submit_policy,
		.maxattr = ZCOPY_A_MAX,
	},
	{
		.cmd = ZCOPY_CMD_GET,
		.doit = zcopy_nl_get_doit,
		.dumpit = zcopy_nl_get_dumpit,
		.policy = zcopy_id_policy,
		.maxattr = ZCOPY_A_MAX,
	},
	{
		.cmd = ZCOPY_CMD_CANCEL,
		.doit = zcopy_nl_cancel_doit,
		.policy = zcopy_id_policy,
		.maxattr = ZCOPY_A_MAX,
	},
	{
		.cmd = ZCOPY_CMD_STATS,
		.doit = zcopy_nl_stats_doit,
	},
	{
		.cmd = ZCOPY_CMD_OBSERVE_START,
		.doit = zcopy_nl_observe_start_doit,
		.policy = zcopy_observe_start_policy,
		.maxattr = ZCOPY_A_MAX,
	},
	{
		.cmd = ZCOPY_CMD_OBSERVE_READ,
		.doit = zcopy_nl_observe_read_doit,
		.policy = zcopy_observe_id_policy,
		.maxattr = ZCOPY_A_MAX,
	},
	{
		.cmd = ZCOPY_CMD_OBSERVE_STOP,
		.doit = zcopy_nl_observe_read_doit,
		.policy = zcopy_observe_id_policy,
		.maxattr = ZCOPY_A_MAX,
	},
};

/* Events carry every user's jobs: only CAP_NET_ADMIN may listen. */
static const struct genl_multicast_group zcopy_genl_mcgrps[] = {
	[ZCOPY_NL_MCGRP_EVENTS] = {
		.name = ZCOPY_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
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
