// SPDX-License-Identifier: GPL-2.0
/*
 * Path+address jobs (netlink SUBMIT with ZCOPY_A_PATH and ZCOPY_A_ADDR):
 * the request never blocks, whatever the path names or the address does;
 * the job opens and connects in its worker, as its submitter.
 *
 * The bug this guards: a FIFO path made the request sleep in fifo_open()
 * inside the netlink handler, holding generic netlink's lock; the next
 * module that registered a genl family then hung every genl user.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define SIZE_1M		1048577
#define TIMEOUT_PARAM	"/sys/module/zcopy/parameters/connect_timeout_ms"

struct path_args {
	const char *path;
	struct sockaddr_in sin;
};

static int put_path_submit(struct nl_msg *msg, void *arg)
{
	struct path_args *a = arg;
	int ret = 0;

	ret |= nla_put_string(msg, ZCOPY_A_PATH, a->path);
	ret |= nla_put(msg, ZCOPY_A_ADDR, sizeof(a->sin), &a->sin);
	ret |= nla_put_u32(msg, ZCOPY_A_MODE, ZCOPY_MODE_SG);
	return ret;
}

static struct sockaddr_in loopback(int port)
{
	return (struct sockaddr_in) {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
}

/* Polls GET until the job's worker has started it: its state, or -1. */
static int wait_running(struct zcopy_nl *nl, uint64_t id,
			struct zcopy_nl_reply *reply)
{
	int i, state = -1;

	for (i = 0; i < 100; i++) {
		zcopy_nl_reply_free(reply);
		if (zcopy_nl_get(nl, id, reply) || !reply->attrs[ZCOPY_A_STATE])
			return -1;
		state = nla_get_u32(reply->attrs[ZCOPY_A_STATE]);
		if (state != ZCOPY_STATE_QUEUED)
			break;
		usleep(100000);
	}
	return state;
}

FIXTURE(pathjobs) {
	struct zcopy_nl nl;
	struct zcopy_nl_reply reply;
	struct path_args args;
	char tmp[64];
};

FIXTURE_SETUP(pathjobs)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	snprintf(self->tmp, sizeof(self->tmp), "/tmp/pathjobs.%d", getpid());
	ASSERT_EQ(0, mkdir(self->tmp, 0755));
	self->args.path = FILE_1M;
	self->args.sin = loopback(9);
}

FIXTURE_TEARDOWN(pathjobs)
{
	char cmd[96];

	zcopy_nl_reply_free(&self->reply);
	zcopy_nl_close(&self->nl);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->tmp);
	if (system(cmd))
		TH_LOG("cannot remove %s", self->tmp);
	zcopy_write_file(TIMEOUT_PARAM, "10000", 0);
}

TEST_F_TIMEOUT(pathjobs, path_job_sends_the_file, 120)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	struct zcopy_receiver rx;
	uint64_t id;

	ASSERT_EQ(0, zcopy_receiver_start(&rx, &zcopy_paths[0], RECV_ALL));
	self->args.sin = loopback(rx.port);
	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
				      put_path_submit, &self->args,
				      &self->reply));
	id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	ASSERT_NE(~0ULL, id);
	ASSERT_EQ(ZCOPY_STATE_DONE, zcopy_nl_wait_job(&self->nl, id, &self->reply));
	EXPECT_EQ(SIZE_1M, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_BYTES_SENT));
	EXPECT_EQ(SIZE_1M, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_LENGTH));
	EXPECT_EQ(0, nla_get_s32(self->reply.attrs[ZCOPY_A_ERROR]));

	/* The job's own socket is closed when it ends: the receiver sees EOF. */
	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));
	ASSERT_EQ(SIZE_1M, zcopy_sha256_file(FILE_1M, 0, SIZE_1M, want));
	EXPECT_EQ(SIZE_1M, got.bytes);
	EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
}

/* The original report: a FIFO path, refused at once with extack. */
TEST_F_TIMEOUT(pathjobs, fifo_is_refused_without_blocking, 60)
{
	char fifo[96];
	double t0;

	snprintf(fifo, sizeof(fifo), "%s/fifo", self->tmp);
	ASSERT_EQ(0, mkfifo(fifo, 0644));
	self->args.path = fifo;
	t0 = zcopy_now();
	alarm(20);
	EXPECT_EQ(-EINVAL, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
					    put_path_submit, &self->args,
					    &self->reply));
	alarm(0);
	EXPECT_LT(zcopy_now() - t0, 5.0);
	EXPECT_STREQ("file is not a regular file", self->reply.extack);
}

/*
 * A FIFO the dentry cache does not know (dropped with the caches): the
 * request cannot check it without blocking, so the job does, and fails.
 */
TEST_F_TIMEOUT(pathjobs, uncached_fifo_fails_the_job, 120)
{
	const char *fifo = "/data/pathjobs.fifo";
	struct zcopy_receiver rx;
	uint64_t id;
	double t0;

	unlink(fifo);
	ASSERT_EQ(0, mkfifo(fifo, 0644));
	sync();
	ASSERT_EQ(0, zcopy_write_file("/proc/sys/vm/drop_caches", "2", 0));
	ASSERT_EQ(0, zcopy_receiver_start(&rx, &zcopy_paths[0], RECV_ALL));
	self->args.path = fifo;
	self->args.sin = loopback(rx.port);
	t0 = zcopy_now();
	alarm(20);
	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
				      put_path_submit, &self->args,
				      &self->reply))
		TH_LOG("still in the dcache? %s", self->reply.extack);
	alarm(0);
	EXPECT_LT(zcopy_now() - t0, 5.0);
	id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	EXPECT_EQ(ZCOPY_STATE_FAILED, zcopy_nl_wait_job(&self->nl, id, &self->reply));
	EXPECT_EQ(-EINVAL, nla_get_s32(self->reply.attrs[ZCOPY_A_ERROR]));
	EXPECT_EQ(0, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_BYTES_SENT));
	zcopy_receiver_kill(&rx);
	unlink(fifo);
}

/* Refused by the request itself: what needs no blocking lookup. */
TEST_F_TIMEOUT(pathjobs, bad_paths_carry_extack, 60)
{
	struct {
		const char *path;
		int err;
		const char *extack;
	} cases[] = {
		{ "data/f1m1", -EINVAL, "path is not absolute" },
		{ "/data", -EINVAL, "file is not a regular file" },
		{ "/", -EINVAL, "file is not a regular file" },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->args.path = cases[i].path;
		EXPECT_EQ(cases[i].err,
			  zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
					   put_path_submit, &self->args,
					   &self->reply))
			TH_LOG("%s", cases[i].path);
		EXPECT_STREQ(cases[i].extack, self->reply.extack);
		zcopy_nl_reply_free(&self->reply);
	}
}

/*
 * A path that does not resolve fails the request when the dcache alone
 * tells (extack), or else the job, with the same errno.
 */
TEST_F_TIMEOUT(pathjobs, unresolvable_paths_fail_request_or_job, 60)
{
	struct {
		const char *path;
		int err;
	} cases[] = {
		{ "/data/f1m1/x", -ENOTDIR },
		{ "/data/no-such-file", -ENOENT },
	};
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		self->args.path = cases[i].path;
		ret = zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
				       put_path_submit, &self->args,
				       &self->reply);
		if (ret) {
			TH_LOG("%s: refused by the request", cases[i].path);
			EXPECT_EQ(cases[i].err, ret);
			EXPECT_STREQ("cannot resolve the path", self->reply.extack);
		} else {
			uint64_t id = zcopy_nl_reply_u64(&self->reply,
							 ZCOPY_A_ID);

			TH_LOG("%s: failed the job", cases[i].path);
			EXPECT_EQ(ZCOPY_STATE_FAILED,
				  zcopy_nl_wait_job(&self->nl, id, &self->reply));
			EXPECT_EQ(cases[i].err,
				  nla_get_s32(self->reply.attrs[ZCOPY_A_ERROR]))
				TH_LOG("%s", cases[i].path);
		}
		zcopy_nl_reply_free(&self->reply);
	}
}

/* A listener whose accept queue is full drops SYNs: connect() hangs. */
static int full_listener(int *port, int *queued)
{
	struct sockaddr_in sin = loopback(0);
	socklen_t len = sizeof(sin);
	int lfd;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, len) ||
	    listen(lfd, 0) || getsockname(lfd, (struct sockaddr *)&sin, &len))
		return -1;
	*port = ntohs(sin.sin_port);
	*queued = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (*queued < 0 ||
	    connect(*queued, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	return lfd;
}

/*
 * The job's connect stalls; meanwhile the netlink request has returned,
 * other requests pass, and a module registering a genl family (nbd)
 * loads: before the fix, that registration hung every genl user. The job
 * then fails with ETIMEDOUT after connect_timeout_ms.
 */
TEST_F_TIMEOUT(pathjobs, stalled_connect_blocks_no_request, 120)
{
	struct zcopy_nl_reply stats = {};
	int lfd, queued, port, status;
	uint64_t id;
	pid_t pid;
	double t0;

	ASSERT_EQ(0, zcopy_write_file(TIMEOUT_PARAM, "4000", 0));
	lfd = full_listener(&port, &queued);
	ASSERT_LE(0, lfd);
	self->args.sin = loopback(port);

	t0 = zcopy_now();
	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_SUBMIT,
				      put_path_submit, &self->args,
				      &self->reply));
	EXPECT_LT(zcopy_now() - t0, 2.0);
	id = zcopy_nl_reply_u64(&self->reply, ZCOPY_A_ID);
	ASSERT_EQ(ZCOPY_STATE_RUNNING, wait_running(&self->nl, id,
						    &self->reply));
	EXPECT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL,
				      &stats));
	zcopy_nl_reply_free(&stats);

	/* Register a genl family while the job is connecting. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execlp("modprobe", "modprobe", "nbd", NULL);
		_exit(127);
	}
	t0 = zcopy_now();
	alarm(30);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	alarm(0);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_LT(zcopy_now() - t0, 20.0);
	if (system("rmmod nbd"))
		TH_LOG("rmmod nbd failed");

	EXPECT_EQ(ZCOPY_STATE_FAILED, zcopy_nl_wait_job(&self->nl, id, &self->reply));
	EXPECT_EQ(-ETIMEDOUT, nla_get_s32(self->reply.attrs[ZCOPY_A_ERROR]));
	EXPECT_EQ(0, zcopy_nl_reply_u64(&self->reply, ZCOPY_A_BYTES_SENT));
	close(queued);
	close(lfd);
}

/* Keeps CAP_NET_ADMIN (and only it) across a switch to nobody. */
static int become_nobody_net_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = {};

	if (prctl(PR_SET_KEEPCAPS, 1) || zcopy_drop_privileges())
		return -1;
	data[0].effective = 1U << CAP_NET_ADMIN;
	data[0].permitted = data[0].effective;
	return syscall(SYS_capset, &hdr, data);
}

/*
 * In a child that became nobody with CAP_NET_ADMIN: submits the path and
 * exits with the job's -error (0 if it did not fail), 255 on trouble.
 */
static int submit_as_nobody(struct path_args *args)
{
	struct zcopy_nl_reply reply = {};
	struct zcopy_nl nl;
	int status, state;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (become_nobody_net_admin() || zcopy_nl_open(&nl) ||
		    zcopy_nl_request(&nl, ZCOPY_CMD_SUBMIT, put_path_submit,
				     args, &reply))
			_exit(255);
		state = zcopy_nl_wait_job(&nl, zcopy_nl_reply_u64(&reply, ZCOPY_A_ID), &reply);
		if (state == ZCOPY_STATE_DONE)
			_exit(0);
		if (state != ZCOPY_STATE_FAILED)
			_exit(255);
		_exit(-nla_get_s32(reply.attrs[ZCOPY_A_ERROR]));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * The worker opens the file with the submitter's credentials: nobody with
 * CAP_NET_ADMIN may send a path, but not a file only root can read. (A
 * worker opening it as root would reach the connect: ECONNREFUSED.)
 */
TEST_F_TIMEOUT(pathjobs, path_is_opened_as_the_submitter, 120)
{
	const char *secret = "/data/pathjobs.secret";
	int fd;

	/* On ext4: sg needs a file system that reads pages (tmpfs does not). */
	unlink(secret);
	fd = open(secret, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "root\n", 5));
	close(fd);
	self->args.path = secret;
	EXPECT_EQ(EACCES, submit_as_nobody(&self->args));

	/* The same file readable by all goes as far as the connect. */
	ASSERT_EQ(0, chmod(secret, 0644));
	EXPECT_EQ(ECONNREFUSED, submit_as_nobody(&self->args));
	unlink(secret);
}

TEST_HARNESS_MAIN
