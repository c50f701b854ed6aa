// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the zcopy selftests.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "zcopy_test_lib.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

const char *zcopy_ko_path(void)
{
	const char *path = getenv("ZCOPY_KO");

	return path && *path ? path : "/zcopy/zcopy.ko";
}

bool zcopy_module_loaded(void)
{
	return access("/sys/module/zcopy", F_OK) == 0;
}

int zcopy_load(const char *params)
{
	int fd, ret;

	fd = open(zcopy_ko_path(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params ? params : "", 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

int zcopy_unload(void)
{
	return syscall(SYS_delete_module, "zcopy", O_NONBLOCK) ? -errno : 0;
}

int zcopy_ensure_loaded(void)
{
	return zcopy_module_loaded() ? 0 : zcopy_load(NULL);
}

int zcopy_drop_privileges(void)
{
	if (setgroups(0, NULL) ||
	    setresgid(ZCOPY_NOBODY, ZCOPY_NOBODY, ZCOPY_NOBODY) ||
	    setresuid(ZCOPY_NOBODY, ZCOPY_NOBODY, ZCOPY_NOBODY))
		return -errno;
	return 0;
}

int zcopy_nl_open(struct zcopy_nl *nl)
{
	int one = 1;
	int fd;

	nl->sk = nl_socket_alloc();
	if (!nl->sk)
		return -ENOMEM;
	if (genl_connect(nl->sk)) {
		nl_socket_free(nl->sk);
		return -ECONNREFUSED;
	}
	fd = nl_socket_get_fd(nl->sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

	nl->family = genl_ctrl_resolve(nl->sk, ZCOPY_GENL_NAME);
	if (nl->family < 0) {
		nl_socket_free(nl->sk);
		return -ENOENT;
	}
	return 0;
}

void zcopy_nl_close(struct zcopy_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct zcopy_nl_wait {
	struct zcopy_nl_reply *reply;
	int pending;
};

static int zcopy_nl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct zcopy_nl_wait *wait = arg;
	struct zcopy_nl_reply *reply = wait->reply;

	if (reply->msg)
		nlmsg_free(reply->msg);
	nlmsg_get(msg);
	reply->msg = msg;
	reply->replies++;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, reply->attrs, ZCOPY_A_MAX, NULL))
		memset(reply->attrs, 0, sizeof(reply->attrs));
	return NL_OK;
}

static void zcopy_nl_extack(struct nlmsgerr *err, struct zcopy_nl_reply *reply)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)err - 1;
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t ack_len = sizeof(*nlh) + sizeof(*err);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		ack_len += err->msg.nlmsg_len - sizeof(*nlh);
	if (nlh->nlmsg_len <= ack_len)
		return;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)nlh + ack_len),
		      nlh->nlmsg_len - ack_len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(reply->extack, sizeof(reply->extack), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int zcopy_nl_error_cb(struct sockaddr_nl *nla, struct nlmsgerr *err,
			     void *arg)
{
	struct zcopy_nl_wait *wait = arg;

	(void)nla;
	wait->reply->error = err->error;
	zcopy_nl_extack(err, wait->reply);
	wait->pending = 0;
	return NL_STOP;
}

static int zcopy_nl_done_cb(struct nl_msg *msg, void *arg)
{
	struct zcopy_nl_wait *wait = arg;

	(void)msg;
	wait->pending = 0;
	return NL_STOP;
}

int zcopy_nl_request(struct zcopy_nl *nl, uint8_t cmd,
		     int (*fill)(struct nl_msg *msg, void *arg), void *arg,
		     struct zcopy_nl_reply *reply)
{
	struct zcopy_nl_wait wait = { .reply = reply, .pending = 1 };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int ret;

	memset(reply, 0, sizeof(*reply));
	msg = nlmsg_alloc();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!msg || !cb) {
		reply->error = -ENOMEM;
		goto out;
	}
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 NLM_F_ACK, cmd, ZCOPY_GENL_VERSION) ||
	    (fill && fill(msg, arg))) {
		reply->error = -EMSGSIZE;
		goto out;
	}

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, zcopy_nl_valid_cb, &wait);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, zcopy_nl_done_cb, &wait);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, zcopy_nl_done_cb, &wait);
	nl_cb_err(cb, NL_CB_CUSTOM, zcopy_nl_error_cb, &wait);

	ret = nl_send_auto(nl->sk, msg);
	if (ret < 0) {
		reply->error = -EIO;
		goto out;
	}
	while (wait.pending) {
		ret = nl_recvmsgs(nl->sk, cb);
		if (ret < 0 && wait.pending) {
			reply->error = -EIO;
			break;
		}
	}
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return reply->error;
}

void zcopy_nl_reply_free(struct zcopy_nl_reply *reply)
{
	if (reply->msg)
		nlmsg_free(reply->msg);
	reply->msg = NULL;
}

int zcopy_put_u64_id(struct nl_msg *msg, void *arg)
{
	return nla_put_u64(msg, ZCOPY_A_ID, *(uint64_t *)arg);
}

int zcopy_nl_get(struct zcopy_nl *nl, uint64_t id,
		 struct zcopy_nl_reply *reply)
{
	return zcopy_nl_request(nl, ZCOPY_CMD_GET, zcopy_put_u64_id, &id, reply);
}

uint64_t zcopy_nl_reply_u64(struct zcopy_nl_reply *reply, int attr)
{
	return reply->attrs[attr] ? nla_get_u64(reply->attrs[attr]) : ~0ULL;
}

int zcopy_nl_wait_job(struct zcopy_nl *nl, uint64_t id,
		      struct zcopy_nl_reply *reply)
{
	int i;

	for (i = 0; i < 600; i++) {
		zcopy_nl_reply_free(reply);
		if (zcopy_nl_get(nl, id, reply) || !reply->attrs[ZCOPY_A_STATE])
			return -1;
		if (nla_get_u32(reply->attrs[ZCOPY_A_STATE]) >= ZCOPY_STATE_DONE)
			return nla_get_u32(reply->attrs[ZCOPY_A_STATE]);
		usleep(100000);
	}
	return -1;
}

int zcopy_job_state(uint64_t id, bool wait)
{
	struct zcopy_nl_reply reply = {};
	struct zcopy_nl nl;
	int state = -1;

	if (zcopy_nl_open(&nl))
		return -1;
	if (wait)
		state = zcopy_nl_wait_job(&nl, id, &reply);
	else if (!zcopy_nl_get(&nl, id, &reply) && reply.attrs[ZCOPY_A_STATE])
		state = nla_get_u32(reply.attrs[ZCOPY_A_STATE]);
	zcopy_nl_reply_free(&reply);
	zcopy_nl_close(&nl);
	return state;
}

double zcopy_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int zcopy_write_file(const char *path, const char *text, int flags)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}
