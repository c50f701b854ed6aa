// SPDX-License-Identifier: GPL-2.0
/*
 * Jobs through generic netlink: SUBMIT with fds, GET, dumps, completion
 * events, attribute validation with extack, and who sees which jobs.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define SIZE_1M		1048577

struct submit_args {
	int file, sock;
	int mode_attr_len;	/* 4: u32 as it should be; 1: a wrong type */
	uint32_t mode;
	uint32_t flags;
	bool no_mode;
	const char *path;
};

static int put_submit(struct nl_msg *msg, void *arg)
{
	struct submit_args *a = arg;
	int ret = 0;

	if (a->file >= 0)
		ret |= nla_put_s32(msg, ZCOPY_A_FILE_FD, a->file);
	if (a->sock >= 0)
		ret |= nla_put_s32(msg, ZCOPY_A_SOCK_FD, a->sock);
	if (a->path) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_port = htons(9),
			.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		};

		ret |= nla_put_string(msg, ZCOPY_A_PATH, a->path);
		ret |= nla_put(msg, ZCOPY_A_ADDR, sizeof(sin), &sin);
	}
	if (!a->no_mode)
		ret |= nla_put(msg, ZCOPY_A_MODE, a->mode_attr_len, &a->mode);
	if (a->flags)
		ret |= nla_put_u32(msg, ZCOPY_A_FLAGS, a->flags);
	ret |= nla_put_u64(msg, ZCOPY_A_USER_DATA, 0xabc);
	return ret;
}

FIXTURE(nljobs) {
	struct zcopy_nl nl;
	struct zcopy_nl_reply reply;
	struct zcopy_receiver rx;
	struct submit_args args;
};

FIXTURE_SETUP(nljobs)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	ASSERT_EQ(0, zcopy_receiver_start(&self->rx, &zcopy_paths[0],
					  RECV_ALL));
	self->args = (struct submit_args) {
		.file = open(FILE_1M, O_RDONLY | O_CLOEXEC),
		.sock = zcopy_connect(&zcopy_paths[0], self->rx.port),
		.mode = ZCOPY_MODE_SG,
		.mode_attr_len = sizeof(uint32_t),
	};
	ASSERT_LE(0, self->args.file);
	ASSERT_LE(0, self->args.sock);
}

FIXTURE_TEARDOWN(nljobs)
{
	zcopy_nl_reply_free(&self->reply);
	zcopy_nl_close(&self->nl);
	close(self->args.file);
	close(self->args.sock);
	if (self->rx.pid)
		zcopy_receiver_kill(&self->rx);
}

TEST_F_TIMEOUT(nljobs, submit_with_fds_then_get, 120)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	uint64_t id;

	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT, put_submit,
				      &self->args, &self->reply));
	id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	ASSERT_NE(~0ULL, id);
	ASSERT_EQ(ZCOPY_STATE_DONE, zcopy_nl_wait_job(&self->nl, id, &self->reply));
	EXPECT_EQ(SIZE_1M, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_BYTES_SENT));
	EXPECT_EQ(SIZE_1M, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_LENGTH));
	EXPECT_EQ(0xabc, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_USER_DATA));
	EXPECT_EQ(ZCOPY_MODE_SG,
		  nla_get_u32(self->reply.attrs[ZCOPY_A_MODE]));
	EXPECT_EQ(0, nla_get_s32(self->reply.attrs[ZCOPY_A_ERROR]));
	EXPECT_STREQ("lo", nla_get_string(self->reply.attrs[ZCOPY_A_EGRESS_DEV]));

	close(self->args.sock);
	self->args.sock = -1;
	ASSERT_EQ(0, zcopy_receiver_wait(&self->rx, &got));
	ASSERT_EQ(SIZE_1M, zcopy_sha256_file(FILE_1M, 0, SIZE_1M, want));
	EXPECT_EQ(SIZE_1M, got.bytes);
	EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
	ASSERT_EQ(0, zcopy_receiver_start(&self->rx, &zcopy_paths[0],
					  RECV_ALL));
}

TEST_F_TIMEOUT(nljobs, bad_submissions_carry_extack, 120)
{
	struct {
		const char *what;
		struct submit_args args;
		int err;
	} cases[] = {
		{ "no mode", { .no_mode = true }, -EINVAL },
		{ "mode as u8", { .mode_attr_len = 1 }, -EINVAL },
		{ "mode out of range", { .mode = ZCOPY_MODE_MAX + 1 }, -ERANGE },
		{ "no socket", { .sock = -1 }, -EINVAL },
		{ "fds and a path", { .path = FILE_1M }, -EINVAL },
		{ "bad file fd", { .file = 999 }, -EBADF },
		{ "file fd is the socket", { .file = -2 }, -EINVAL },
		{ "inline", { .flags = ZCOPY_SUBMIT_INLINE }, -EINVAL },
		{ "unknown flag", { .flags = 1U << 31 }, -EINVAL },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct submit_args a = self->args;

		if (cases[i].args.no_mode)
			a.no_mode = true;
		if (cases[i].args.mode_attr_len)
			a.mode_attr_len = cases[i].args.mode_attr_len;
		if (cases[i].args.mode)
			a.mode = cases[i].args.mode;
		if (cases[i].args.sock == -1)
			a.sock = -1;
		if (cases[i].args.path)
			a.path = cases[i].args.path;
		if (cases[i].args.file == 999)
			a.file = 999;
		if (cases[i].args.file == -2)
			a.file = self->args.sock;
		a.flags = cases[i].args.flags;

		EXPECT_EQ(cases[i].err,
			  zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
					   put_submit, &a, &self->reply))
			TH_LOG("%s", cases[i].what);
		EXPECT_NE(0, strlen(self->reply.extack))
			TH_LOG("%s: no extack", cases[i].what);
		TH_LOG("%s: %s", cases[i].what, self->reply.extack);
		zcopy_nl_reply_free(&self->reply);
	}
}

TEST_F_TIMEOUT(nljobs, get_unknown_job_is_enoent, 120)
{
	EXPECT_EQ(-ENOENT, zcopy_nl_get(&self->nl, 1ULL << 62, &self->reply));
	EXPECT_STREQ("no such job", self->reply.extack);
}

/* On a socket of its own: a raw dump would upset libnl's sequence check. */
static int count_dump(uint64_t id)
{
	struct zcopy_nl own, *nl = &own;
	struct nl_msg *msg;
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	struct nlmsghdr *hdr;
	unsigned char *buf = NULL;
	struct sockaddr_nl peer;
	int found = 0, n, done = 0;

	if (zcopy_nl_open(nl))
		return -1;
	msg = nlmsg_alloc();
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, NLM_F_DUMP,
		    ZCOPY_CMD_GET, ZCOPY_GENL_VERSION);
	if (nl_send_auto(nl->sk, msg) < 0)
		found = -1;
	nlmsg_free(msg);
	while (found >= 0 && !done) {
		n = nl_recv(nl->sk, &peer, &buf, NULL);
		if (n <= 0) {
			found = -1;
			break;
		}
		for (hdr = (struct nlmsghdr *)buf; nlmsg_ok(hdr, n);
		     hdr = nlmsg_next(hdr, &n)) {
			if (hdr->nlmsg_type == NLMSG_DONE ||
			    hdr->nlmsg_type == NLMSG_ERROR) {
				done = 1;
				break;
			}
			if (!genlmsg_parse(hdr, 0, tb, ZCOPY_A_MAX, NULL) &&
			    tb[ZCOPY_A_ID] && nla_get_u64(tb[ZCOPY_A_ID]) == id)
				found++;
		}
		free(buf);
		buf = NULL;
	}
	zcopy_nl_close(nl);
	return found;
}

TEST_F_TIMEOUT(nljobs, dump_shows_own_jobs_only_to_non_admins, 120)
{
	uint64_t id;

	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT, put_submit,
				      &self->args, &self->reply));
	id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	ASSERT_EQ(ZCOPY_STATE_DONE, zcopy_nl_wait_job(&self->nl, id, &self->reply));
	EXPECT_EQ(1, count_dump(id));

	/* nobody sees neither the job nor its record. */
	close(self->args.sock);
	self->args.sock = -1;
	zcopy_receiver_kill(&self->rx);
	self->rx.pid = 0;
	zcopy_nl_close(&self->nl);
	ASSERT_EQ(0, zcopy_drop_privileges());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	EXPECT_EQ(0, count_dump(id));
	EXPECT_EQ(-ENOENT, zcopy_nl_get(&self->nl, id, &self->reply));
	zcopy_nl_reply_free(&self->reply);

	self->args.path = FILE_1M;
	self->args.file = -1;
	self->args.sock = -1;
	EXPECT_EQ(-EPERM, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
					   put_submit, &self->args,
					   &self->reply));
	EXPECT_NE(0, strlen(self->reply.extack));
}

TEST_F_TIMEOUT(nljobs, events_report_completions_to_admins_only, 120)
{
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	struct zcopy_nl listener;
	struct sockaddr_nl peer;
	struct nlmsghdr *hdr;
	unsigned char *buf;
	int grp, n, dev, seen = 0;
	uint64_t id;

	grp = genl_ctrl_resolve_grp(self->nl.sk, ZCOPY_GENL_NAME,
				    ZCOPY_GENL_MCGRP_EVENTS);
	ASSERT_LE(0, grp);
	ASSERT_EQ(0, zcopy_nl_open(&listener));
	ASSERT_EQ(0, nl_socket_add_membership(listener.sk, grp));
	nl_socket_disable_seq_check(listener.sk);

	dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, zcopy_submit(dev, self->args.file, self->args.sock,
				  ZCOPY_MODE_COPY, 0, 4096, 5, &id));
	while (!seen) {
		n = nl_recv(listener.sk, &peer, &buf, NULL);
		ASSERT_LT(0, n);
		for (hdr = (struct nlmsghdr *)buf; nlmsg_ok(hdr, n);
		     hdr = nlmsg_next(hdr, &n)) {
			struct genlmsghdr *gh = nlmsg_data(hdr);

			if (gh->cmd != ZCOPY_CMD_EVENT_DONE ||
			    genlmsg_parse(hdr, 0, tb, ZCOPY_A_MAX, NULL) ||
			    !tb[ZCOPY_A_ID] || nla_get_u64(tb[ZCOPY_A_ID]) != id)
				continue;
			seen = 1;
			EXPECT_EQ(4096, nla_get_u64(tb[ZCOPY_A_BYTES_SENT]));
			EXPECT_EQ(8192, nla_get_u64(tb[ZCOPY_A_CPU_COPY_BYTES]));
			EXPECT_EQ(ZCOPY_STATE_DONE,
				  nla_get_u32(tb[ZCOPY_A_STATE]));
		}
		free(buf);
	}
	close(dev);
	zcopy_nl_close(&listener);

	ASSERT_EQ(0, zcopy_drop_privileges());
	ASSERT_EQ(0, zcopy_nl_open(&listener));
	EXPECT_EQ(-NLE_PERM, nl_socket_add_membership(listener.sk, grp));
	zcopy_nl_close(&listener);
}

/*
 * Jobs belong to their network namespace: root in another one sees
 * neither the job nor its record, and cannot cancel it.
 */
TEST_F_TIMEOUT(nljobs, other_netns_sees_no_jobs, 120)
{
	struct zcopy_nl other;
	uint64_t id;

	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT, put_submit,
				      &self->args, &self->reply));
	id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	ASSERT_EQ(ZCOPY_STATE_DONE, zcopy_nl_wait_job(&self->nl, id, &self->reply));
	zcopy_nl_reply_free(&self->reply);

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, zcopy_nl_open(&other));
	EXPECT_EQ(-ENOENT, zcopy_nl_get(&other, id, &self->reply));
	zcopy_nl_reply_free(&self->reply);
	EXPECT_EQ(-ENOENT, zcopy_nl_request(&other, ZCOPY_CMD_CANCEL,
					    zcopy_put_u64_id, &id,
					    &self->reply));
	zcopy_nl_reply_free(&self->reply);
	zcopy_nl_close(&other);
	EXPECT_EQ(0, count_dump(id));
}

#define KPROBE_EVENTS	"/sys/kernel/tracing/kprobe_events"
#define CAP_EVENT	"/sys/kernel/tracing/events/kprobes/zcopy_cap/"

#define CAP_OPT_NOAUDIT	0x2

/*
 * Audited CAP_NET_ADMIN (12) checks by processes named comm, as a kprobe
 * on cap_capable() saw them.
 */
static int cap_checks(const char *comm)
{
	char line[512], needle[64];
	unsigned int opts;
	const char *o;
	int n = 0;
	FILE *f;

	f = fopen("/sys/kernel/tracing/trace", "re");
	if (!f)
		return -1;
	snprintf(needle, sizeof(needle), "%s-", comm);
	while (fgets(line, sizeof(line), f)) {
		o = strstr(line, "opts=");
		if (strstr(line, needle) && strstr(line, "cap=12") && o &&
		    sscanf(o, "opts=%x", &opts) == 1 &&
		    !(opts & CAP_OPT_NOAUDIT))
			n++;
	}
	fclose(f);
	return n;
}

/*
 * An owner looking at its own job is asked for no capability, so it
 * leaves no audit record, nor does its dump, which only filters; a GET
 * of someone else's job asks for CAP_NET_ADMIN, and is refused.
 */
TEST_F_TIMEOUT(nljobs, owners_are_asked_for_no_capability, 120)
{
	struct zcopy_nl nl;
	uint64_t root_id, own_id;
	int status;
	pid_t pid;

	/*
	 * cap_capable(cred, ns, cap, opts), the third and fourth: every
	 * check ends there, with or without CONFIG_SECURITY (the debug kernel
	 * has none, so no security_capable()).
	 */
	if (zcopy_write_file(KPROBE_EVENTS,
			     "p:zcopy_cap cap_capable cap=%dx:s32 opts=%cx:x32\n",
			     O_APPEND))
		SKIP(return, "no kprobe events");
	ASSERT_EQ(0, zcopy_write_file("/sys/kernel/tracing/trace", "", O_TRUNC));
	ASSERT_EQ(0, zcopy_write_file(CAP_EVENT "enable", "1", 0));

	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT, put_submit,
				      &self->args, &self->reply));
	root_id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	zcopy_nl_reply_free(&self->reply);

	/* The owner: submits, waits, GETs and dumps its own job only. */
	pid = fork();
	if (!pid) {
		struct zcopy_nl_reply reply = {};

		prctl(PR_SET_NAME, "zcopy-owner");
		if (zcopy_drop_privileges() || zcopy_nl_open(&nl) ||
		    zcopy_nl_request(&nl, ZCOPY_CMD_SUBMIT, put_submit,
				     &self->args, &reply))
			_exit(1);
		own_id = zcopy_nl_reply_u64(&reply, ZCOPY_A_ID);
		if (zcopy_nl_wait_job(&nl, own_id, &reply) != ZCOPY_STATE_DONE)
			_exit(2);
		_exit(count_dump(own_id) == 1 ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Someone else asks for root's job. */
	pid = fork();
	if (!pid) {
		struct zcopy_nl_reply reply = {};

		prctl(PR_SET_NAME, "zcopy-other");
		if (zcopy_drop_privileges() || zcopy_nl_open(&nl))
			_exit(1);
		_exit(zcopy_nl_get(&nl, root_id, &reply) == -ENOENT ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	zcopy_write_file(CAP_EVENT "enable", "0", 0);
	EXPECT_EQ(0, cap_checks("zcopy-owner"));
	EXPECT_LT(0, cap_checks("zcopy-other"));
	zcopy_write_file(KPROBE_EVENTS, "-:zcopy_cap\n", O_APPEND);
}

TEST_HARNESS_MAIN
