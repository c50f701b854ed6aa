// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: the generic netlink context.
 *
 * One request helper for every command: it reads replies until the
 * kernel's ACK (a doit) or NLMSG_DONE (a dump) and keeps the kernel's
 * error code together with its extended ACK message, which is the only
 * place the module explains why it rejected a request.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/zcopy.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "cmd.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK	270
#endif

struct nl_request {
	struct nl_ctx *ctx;
	nl_ctx_reply_fn reply_fn;
	void *arg;
	int err;		/* first failure, -errno */
	bool done;		/* ACK, error or NLMSG_DONE seen */
};

/* libnl folds errno into its own codes; map back those that can occur. */
static int libnl_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_INTR:		return -EINTR;
	case NLE_BAD_SOCK:	return -EBADF;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_INVAL:		return -EINVAL;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_MSG_TRUNC:	return -EMSGSIZE;
	case NLE_BUSY:		return -EBUSY;
	case NLE_NOACCESS:	return -EACCES;
	case NLE_PERM:		return -EPERM;
	case NLE_NODEV:		return -ENODEV;
	case NLE_DUMP_INTR:	return -EINTR;
	default:		return -EPROTO;
	}
}

/*
 * The attributes after an error or NLMSG_DONE payload (NLM_F_ACK_TLVS):
 * keep NLMSGERR_ATTR_MSG, the human-readable reason.
 */
static void save_extack(struct nl_ctx *ctx, struct nlmsghdr *nlh,
			size_t payload_len)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t offset = NLMSG_HDRLEN + NLMSG_ALIGN(payload_len);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || nlh->nlmsg_len <= offset)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + offset),
		      (int)(nlh->nlmsg_len - offset), NULL) < 0)
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		nla_strlcpy(ctx->extack, tb[NLMSGERR_ATTR_MSG],
			    sizeof(ctx->extack));
}

static int on_reply(struct nl_msg *msg, void *arg)
{
	struct nl_request *req = arg;
	int err;

	if (req->reply_fn && !req->err) {
		err = req->reply_fn(nlmsg_hdr(msg), req->arg);
		if (err)
			req->err = err;
	}
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct nl_request *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

/* NLMSG_DONE ends a dump; a dump that failed carries its error in it. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nl_request *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int error;

	if (nlh->nlmsg_len >= NLMSG_HDRLEN + sizeof(error)) {
		memcpy(&error, nlmsg_data(nlh), sizeof(error));
		if (error < 0) {
			req->err = error;
			save_extack(req->ctx, nlh, sizeof(error));
		}
	}
	req->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nl_request *req = arg;
	size_t payload_len = sizeof(*e);

	(void)nla;
	/* Unless capped, the kernel echoes our whole request first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len > NLMSG_HDRLEN)
		payload_len += e->msg.nlmsg_len - NLMSG_HDRLEN;

	req->err = e->error < 0 ? e->error : -EPROTO;
	save_extack(req->ctx, nlh, payload_len);
	req->done = true;
	return NL_STOP;
}

int nl_ctx_request(struct nl_ctx *ctx, const char *what, struct nl_msg *msg,
		   nl_ctx_reply_fn reply_fn, void *arg)
{
	struct nl_request req = {
		.ctx = ctx,
		.reply_fn = reply_fn,
		.arg = arg,
	};
	struct nl_cb *cb;
	int ret;

	ctx->what = what;
	ctx->extack[0] = '\0';

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_reply, &req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &req);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &req);

	/* nl_send_auto() asks for an ACK, which ends every request. */
	ret = nl_send_auto(ctx->sock, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		req.err = libnl_to_errno(ret);
		goto out;
	}

	while (!req.done) {
		ret = nl_recvmsgs(ctx->sock, cb);
		if (ret < 0 && !req.done) {
			req.err = libnl_to_errno(ret);
			break;
		}
	}
out:
	nl_cb_put(cb);
	return req.err;
}

struct nl_msg *nl_ctx_new_msg(struct nl_ctx *ctx, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctx->family_id, 0,
			 flags, cmd, ZCOPY_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void save_events_group(struct nl_ctx *ctx, struct nlattr *groups)
{
	static struct nla_policy group_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
		[CTRL_ATTR_MCAST_GRP_NAME]	= { .type = NLA_STRING },
		[CTRL_ATTR_MCAST_GRP_ID]	= { .type = NLA_U32 },
	};
	struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct nlattr *group;
	int rem;

	nla_for_each_nested(group, groups, rem) {
		if (nla_parse_nested(tb, CTRL_ATTR_MCAST_GRP_MAX, group,
				     group_policy) < 0)
			continue;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !nla_strcmp(tb[CTRL_ATTR_MCAST_GRP_NAME],
				ZCOPY_GENL_MCGRP_EVENTS))
			ctx->events_group = nla_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static int parse_family(struct nlmsghdr *nlh, void *arg)
{
	static struct nla_policy policy[CTRL_ATTR_MAX + 1] = {
		[CTRL_ATTR_FAMILY_ID]		= { .type = NLA_U16 },
		[CTRL_ATTR_FAMILY_NAME]		= { .type = NLA_STRING },
		[CTRL_ATTR_VERSION]		= { .type = NLA_U32 },
		[CTRL_ATTR_MCAST_GROUPS]	= { .type = NLA_NESTED },
	};
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct nl_ctx *ctx = arg;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, policy) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return -EPROTO;
	ctx->family_id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (tb[CTRL_ATTR_VERSION])
		ctx->family_version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	if (tb[CTRL_ATTR_MCAST_GROUPS])
		save_events_group(ctx, tb[CTRL_ATTR_MCAST_GROUPS]);
	return 0;
}

/* One CTRL_CMD_GETFAMILY gives the id, the version and the groups. */
static int resolve_family(struct nl_ctx *ctx)
{
	const char *what = "looking up generic netlink family \""
			   ZCOPY_GENL_NAME "\"";
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg ||
	    !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0, 0,
			 CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, ZCOPY_GENL_NAME) < 0) {
		nlmsg_free(msg);
		ctx->what = what;
		return -ENOMEM;
	}
	err = nl_ctx_request(ctx, what, msg, parse_family, ctx);
	if (err == -ENOENT)
		ctx->family_missing = true;
	else if (!err && ctx->family_id < 0)
		err = -EPROTO;
	return err;
}

/*
 * Ask for extended ACKs, and for errors without our request echoed back.
 * Kernels without these options still work, only less talkative, so a
 * failure here is not an error.
 */
static void enable_ext_ack(struct nl_sock *sock)
{
	int fd = nl_socket_get_fd(sock);
	int one = 1;

	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

int nl_ctx_open(struct nl_ctx *ctx)
{
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	ctx->family_id = -1;
	ctx->events_group = -1;

	ctx->sock = nl_socket_alloc();
	if (!ctx->sock) {
		ctx->what = "allocating a netlink socket";
		return -ENOMEM;
	}
	ret = genl_connect(ctx->sock);
	if (ret < 0) {
		ctx->what = "connecting to generic netlink";
		return libnl_to_errno(ret);
	}
	enable_ext_ack(ctx->sock);
	return resolve_family(ctx);
}

int nl_ctx_join_events(struct nl_ctx *ctx)
{
	int ret;

	ctx->what = "joining the \"" ZCOPY_GENL_MCGRP_EVENTS "\" group";
	ctx->extack[0] = '\0';
	if (ctx->events_group < 0) {
		snprintf(ctx->extack, sizeof(ctx->extack),
			 "the family has no such group");
		return -ENOENT;
	}
	ret = nl_socket_add_membership(ctx->sock, ctx->events_group);
	if (ret < 0) {
		ret = libnl_to_errno(ret);
		/* The kernel gives no extack here: say why it refuses. */
		if (ret == -EPERM)
			snprintf(ctx->extack, sizeof(ctx->extack),
				 "only CAP_NET_ADMIN may listen to events");
		return ret;
	}
	/* Room for a burst of events; a failure only risks an overflow. */
	nl_socket_set_buffer_size(ctx->sock, 1 << 20, 0);
	ret = nl_socket_set_nonblocking(ctx->sock);
	return ret < 0 ? libnl_to_errno(ret) : 0;
}

int nl_ctx_fd(const struct nl_ctx *ctx)
{
	return nl_socket_get_fd(ctx->sock);
}

int nl_ctx_read_events(struct nl_ctx *ctx, nl_ctx_reply_fn fn, void *arg)
{
	/* Aligned for struct nlmsghdr; one datagram holds one event. */
	static uint32_t buf[32768 / sizeof(uint32_t)];
	struct nlmsghdr *nlh;
	ssize_t len;
	int err;

	ctx->what = "reading events";
	ctx->extack[0] = '\0';
	for (;;) {
		len = recv(nl_ctx_fd(ctx), buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_type != ctx->family_id)
				continue;
			err = fn(nlh, arg);
			if (err)
				return err;
		}
	}
}

void nl_ctx_close(struct nl_ctx *ctx)
{
	nl_socket_free(ctx->sock);
	ctx->sock = NULL;
}

void nl_ctx_perror(const struct nl_ctx *ctx, int err)
{
	if (ctx->family_missing) {
		tool_error(ENOENT, "%s", NL_CTX_MODULE_MISSING);
		return;
	}
	tool_error(-err, "%s: %s%s%s", ctx->what ? ctx->what : "netlink",
		   strerror(-err), ctx->extack[0] ? ": " : "", ctx->extack);
}
