// SPDX-License-Identifier: GPL-2.0
/*
 * Observing a process: the observer is given the process's /proc/PID/mem
 * (whose open checks what ptrace-attach needs) and follows every TCP
 * socket that process sends on from then on, sockets it had before
 * included, each joining at its first send; other processes are not
 * counted. Bytes are classified as for a cgroup, and told by egress
 * device and by the file whose page cache went by reference. A process's
 * sockets are bounded (max_observed_sockets): the sends on one over the
 * limit are counted as missed until a closed one leaves. A file a caller
 * puts at /proc/self/mem in its own mount namespace is no mem file. And
 * one socket of the caller's own without a file: the same rule, the
 * socket's sequence followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_observe_lib.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define SIZE_1M		1048577ULL
#define TIMEOUT_MS	120000
#define MAX_SOCKETS_PARAM "/sys/module/zcopy/parameters/max_observed_sockets"

static int put_mem_fd(struct nl_msg *msg, void *arg)
{
	return nla_put_s32(msg, ZCOPY_A_PROC_MEM_FD, *(int *)arg);
}

static int put_sock_fd(struct nl_msg *msg, void *arg)
{
	return nla_put_s32(msg, ZCOPY_A_SOCK_FD, *(int *)arg);
}

/* OBSERVE_START with what put adds. */
static int observe(struct zcopy_nl *nl, int (*put)(struct nl_msg *, void *),
		   int fd, uint64_t *id)
{
	struct zcopy_nl_reply reply;
	struct zcopy_observed o;
	int ret;

	ret = zcopy_nl_request(nl, ZCOPY_CMD_OBSERVE_START, put, &fd, &reply);
	if (!ret)
		ret = zcopy_parse_observed(&reply, &o);
	if (!ret)
		*id = o.v[ZCOPY_OBSERVE_A_ID];
	zcopy_nl_reply_free(&reply);
	return ret;
}

/* OBSERVE_START of process pid, through its /proc/PID/mem. */
static int observe_pid(struct zcopy_nl *nl, pid_t pid, uint64_t *id)
{
	char mem[64];
	int fd, ret;

	snprintf(mem, sizeof(mem), "/proc/%d/mem", pid);
	fd = open(mem, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = observe(nl, put_mem_fd, fd, id);
	close(fd);
	return ret;
}

/* What a sending child does once it may go. */
struct sender {
	const struct zcopy_path *path;
	int port[2];			/* one connection each; 0: none */
	enum zcopy_user_method method;
	bool connect_early;		/* before the observation starts */
	bool close_first;		/* the first done and closed before */
	int go[2];			/* pipe: the parent closes go[1] */
};

static int send_one(int sock, enum zcopy_user_method method)
{
	int file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	int ret;

	if (file < 0)
		return -1;
	ret = zcopy_user_send(sock, file, SIZE_1M, method);
	if (!ret)
		ret = zcopy_wait_outq_empty(sock, TIMEOUT_MS);
	close(file);
	return ret;
}

/* Until the peer has closed too: the socket is done with (TCP_CLOSE). */
static int finish(int sock)
{
	char c;

	if (shutdown(sock, SHUT_WR))
		return -1;
	while (read(sock, &c, 1) > 0)
		;
	return close(sock);
}

static void sender_run(struct sender *s)
{
	int sock[2] = { -1, -1 }, i;
	char c;

	close(s->go[1]);
	for (i = 0; i < 2 && s->connect_early; i++)
		if (s->port[i])
			sock[i] = zcopy_connect(s->path, s->port[i]);
	if (read(s->go[0], &c, 1) != 0)
		_exit(2);
	for (i = 0; i < 2; i++) {
		if (!s->port[i])
			continue;
		if (sock[i] < 0)
			sock[i] = zcopy_connect(s->path, s->port[i]);
		if (sock[i] < 0 || send_one(sock[i], s->method))
			_exit(3);
		if (i == 0 && s->close_first && finish(sock[i]))
			_exit(4);
	}
	_exit(0);
}

static pid_t sender_start(struct sender *s)
{
	pid_t pid;

	if (pipe2(s->go, O_CLOEXEC))
		return -1;
	pid = fork();
	if (!pid)
		sender_run(s);
	close(s->go[0]);
	return pid;
}

/* Lets it send; 0 once it exited 0. */
static int sender_finish(struct sender *s, pid_t pid)
{
	int status;

	close(s->go[1]);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

FIXTURE(process) {
	struct zcopy_nl nl;
	unsigned char want[SHA256_LEN];
};

FIXTURE_SETUP(process)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	ASSERT_EQ((int64_t)SIZE_1M,
		  zcopy_sha256_file(FILE_1M, 0, SIZE_1M, self->want));
}

FIXTURE_TEARDOWN(process)
{
	zcopy_nl_close(&self->nl);
	zcopy_write_file(MAX_SOCKETS_PARAM, "1024", 0);
}

/* Each of nr receivers got FILE_1M (digest want) intact. */
static void check_received(struct __test_metadata *_metadata,
			   struct zcopy_receiver *rx, int nr,
			   const unsigned char *want)
{
	struct zcopy_received got;
	int i;

	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, zcopy_receiver_wait(&rx[i], &got));
		EXPECT_EQ(SIZE_1M, got.bytes);
		EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
	}
}

/*
 * A child sends FILE_1M by method over path to nr receivers, observed
 * (through its /proc/PID/mem) from before its first send to its end.
 */
static void send_observed(struct __test_metadata *_metadata,
			  struct zcopy_nl *nl, const unsigned char *want,
			  const char *path_name, struct sender *s, int nr,
			  struct zcopy_observed *o)
{
	struct zcopy_receiver rx[2];
	uint64_t id = 0;
	pid_t pid;
	int i;

	s->path = zcopy_path_by_name(path_name);
	for (i = 0; i < nr; i++) {
		ASSERT_EQ(0, zcopy_receiver_start(&rx[i], s->path, RECV_ALL));
		s->port[i] = rx[i].port;
	}
	pid = sender_start(s);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, observe_pid(nl, pid, &id));
	ASSERT_NE(0, id);
	ASSERT_EQ(0, sender_finish(s, pid));
	check_received(_metadata, rx, nr, want);
	ASSERT_EQ(0, zcopy_observe_end(nl, ZCOPY_CMD_OBSERVE_STOP, id, o));
	TH_LOG("%s via %s: bytes %llu copied %llu ref %llu retrans %llu sockets %llu missed %llu",
	       path_name, o->dev,
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_COPIED_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_REF_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_RETRANS_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_SOCKETS],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_SENDS_MISSED]);
	EXPECT_EQ(ZCOPY_PROBES_ALL,
		  o->v[ZCOPY_OBSERVE_A_PROBES] & ZCOPY_PROBES_ALL);
	EXPECT_NE(0, o->v[ZCOPY_OBSERVE_A_PROBES] & ZCOPY_PROBE_SENDMSG);
	EXPECT_EQ(o->v[ZCOPY_OBSERVE_A_BYTES],
		  o->v[ZCOPY_OBSERVE_A_COPIED_BYTES] +
		  o->v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_STREQ(s->path->dev, o->dev);
}

/*
 * Where they went, as at transmit: one device, and if file, by reference
 * only FILE_1M's page cache (the senders' MSG_ZEROCOPY lends its pages
 * through a shared mapping of it).
 */
static void expect_breakdown(struct __test_metadata *_metadata,
			     const struct zcopy_observed *o, bool file)
{
	struct stat st;

	ASSERT_EQ(0, stat(FILE_1M, &st));
	ASSERT_EQ(1, o->nr_devs);
	EXPECT_STREQ(o->dev, o->devs[0].name);
	EXPECT_EQ(o->v[ZCOPY_OBSERVE_A_BYTES], o->devs[0].bytes);
	/* As at transmit: a copy for a local receiver came after. */
	EXPECT_LE(o->v[ZCOPY_OBSERVE_A_REF_BYTES], o->devs[0].ref);
	EXPECT_EQ(!o->v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES],
		  o->v[ZCOPY_OBSERVE_A_REF_BYTES] == o->devs[0].ref);
	EXPECT_EQ(o->devs[0].bytes, o->devs[0].copied + o->devs[0].ref);
	EXPECT_EQ(0, o->v[ZCOPY_OBSERVE_A_OTHER_DEVICES_BYTES]);
	EXPECT_EQ(0, o->v[ZCOPY_OBSERVE_A_OTHER_FILES_BYTES]);
	if (!file) {
		EXPECT_EQ(0, o->nr_files);
		return;
	}
	ASSERT_EQ(1, o->nr_files);
	EXPECT_EQ(st.st_ino, o->files[0].ino);
	EXPECT_EQ(st.st_dev, o->files[0].dev);
	EXPECT_EQ(o->devs[0].ref, o->files[0].ref);
}

/* The bytes of n files, retransmissions on top. */
static void expect_files(struct __test_metadata *_metadata,
			 const struct zcopy_observed *o, uint64_t n)
{
	EXPECT_EQ(n * SIZE_1M + o->v[ZCOPY_OBSERVE_A_RETRANS_BYTES],
		  o->v[ZCOPY_OBSERVE_A_BYTES]);
}

TEST_F_TIMEOUT(process, sendfile_virtio_by_reference, 120)
{
	struct sender s = { .method = BY_SENDFILE };
	struct zcopy_observed o;

	send_observed(_metadata, &self->nl, self->want, "virtio", &s, 1, &o);
	expect_files(_metadata, &o, 1);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(1, o.v[ZCOPY_OBSERVE_A_SOCKETS]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_SENDS_MISSED]);
	expect_breakdown(_metadata, &o, true);
}

TEST_F_TIMEOUT(process, write_virtio_copied, 120)
{
	struct sender s = { .method = BY_WRITE };
	struct zcopy_observed o;

	send_observed(_metadata, &self->nl, self->want, "virtio", &s, 1, &o);
	expect_files(_metadata, &o, 1);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_EQ(1, o.v[ZCOPY_OBSERVE_A_SOCKETS]);
	expect_breakdown(_metadata, &o, false);
}

/* Lent to a local receiver: copied before delivery, found by its socket. */
TEST_F_TIMEOUT(process, msg_zerocopy_veth_copied_later, 120)
{
	struct sender s = { .method = BY_MSG_ZEROCOPY };
	struct zcopy_observed o;

	send_observed(_metadata, &self->nl, self->want, "veth", &s, 1, &o);
	expect_files(_metadata, &o, 1);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_LE(SIZE_1M, o.v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES]);
	/* By reference at transmit, the device says; copied after. */
	expect_breakdown(_metadata, &o, true);
}

/* Connected before the observation: joins at its first send after. */
TEST_F_TIMEOUT(process, sockets_from_before_join_at_their_send, 120)
{
	struct sender s = { .method = BY_SENDFILE, .connect_early = true };
	struct zcopy_observed o;

	send_observed(_metadata, &self->nl, self->want, "virtio", &s, 2, &o);
	expect_files(_metadata, &o, 2);
	EXPECT_EQ(2, o.v[ZCOPY_OBSERVE_A_SOCKETS]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	/* One file twice: one entry. */
	expect_breakdown(_metadata, &o, true);
}

TEST_F_TIMEOUT(process, over_the_limit_missed, 120)
{
	struct sender s = { .method = BY_SENDFILE };
	struct zcopy_observed o;

	ASSERT_EQ(0, zcopy_write_file(MAX_SOCKETS_PARAM, "1", 0));
	send_observed(_metadata, &self->nl, self->want, "virtio", &s, 2, &o);
	expect_files(_metadata, &o, 1);
	EXPECT_EQ(1, o.v[ZCOPY_OBSERVE_A_SOCKETS]);
	/* Each send on the second one: one or more. */
	EXPECT_LE(1, o.v[ZCOPY_OBSERVE_A_SENDS_MISSED]);
}

/* A socket closed and done with makes room at the limit. */
TEST_F_TIMEOUT(process, closed_sockets_leave, 120)
{
	struct sender s = { .method = BY_SENDFILE, .close_first = true };
	struct zcopy_observed o;

	ASSERT_EQ(0, zcopy_write_file(MAX_SOCKETS_PARAM, "1", 0));
	send_observed(_metadata, &self->nl, self->want, "virtio", &s, 2, &o);
	expect_files(_metadata, &o, 2);
	EXPECT_EQ(2, o.v[ZCOPY_OBSERVE_A_SOCKETS]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_SENDS_MISSED]);
}

/* A sibling's bytes, sent while the process is observed, are not its. */
TEST_F_TIMEOUT(process, other_processes_are_not, 120)
{
	struct sender other = { .method = BY_SENDFILE };
	struct sender s = { .method = BY_WRITE };
	struct zcopy_receiver rx[2];
	struct zcopy_observed o;
	uint64_t id = 0;
	pid_t pid, sibling;

	s.path = zcopy_path_by_name("virtio");
	other.path = s.path;
	ASSERT_EQ(0, zcopy_receiver_start(&rx[0], s.path, RECV_ALL));
	ASSERT_EQ(0, zcopy_receiver_start(&rx[1], s.path, RECV_ALL));
	s.port[0] = rx[0].port;
	other.port[0] = rx[1].port;
	pid = sender_start(&s);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, observe_pid(&self->nl, pid, &id));
	sibling = sender_start(&other);
	ASSERT_LT(0, sibling);
	ASSERT_EQ(0, sender_finish(&other, sibling));
	ASSERT_EQ(0, sender_finish(&s, pid));
	check_received(_metadata, rx, 2, self->want);
	ASSERT_EQ(0, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP, id,
				       &o));
	expect_files(_metadata, &o, 1);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_EQ(1, o.v[ZCOPY_OBSERVE_A_SOCKETS]);
}

/*
 * In a child as nobody: the errno of observing process pid, or with pid
 * 0 of a process of its own (dumpable: ptrace may attach to it).
 */
static int observe_as_nobody(pid_t pid)
{
	struct zcopy_nl nl;
	uint64_t id = 0;
	int status, ret;
	pid_t child, own = 0;

	child = fork();
	if (!child) {
		if (zcopy_drop_privileges() || zcopy_nl_open(&nl) ||
		    prctl(PR_SET_DUMPABLE, 1))
			_exit(255);
		if (!pid) {
			own = fork();
			if (!own) {
				pause();
				_exit(0);
			}
		}
		ret = observe_pid(&nl, own ?: pid, &id);
		if (own)
			kill(own, SIGKILL);
		_exit(ret ? -ret : 0);
	}
	if (child < 0 || waitpid(child, &status, 0) != child ||
	    !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* What ptrace-attach needs: the open of /proc/PID/mem refuses it. */
TEST_F(process, another_users_process_is_not_observed)
{
	pid_t pid = fork();

	if (!pid) {
		pause();
		_exit(0);
	}
	ASSERT_LT(0, pid);
	EXPECT_EQ(EACCES, observe_as_nobody(pid));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

TEST_F(process, ones_own_process_is_observed)
{
	EXPECT_EQ(0, observe_as_nobody(0));
}

static int put_mem_and_sock(struct nl_msg *msg, void *arg)
{
	int fd = *(int *)arg;

	return nla_put_s32(msg, ZCOPY_A_PROC_MEM_FD, fd) ||
	       nla_put_s32(msg, ZCOPY_A_SOCK_FD, fd);
}

static int put_mem_and_file(struct nl_msg *msg, void *arg)
{
	int fd = *(int *)arg;

	return nla_put_s32(msg, ZCOPY_A_PROC_MEM_FD, fd) ||
	       nla_put_s32(msg, ZCOPY_A_FILE_FD, fd);
}

TEST_F(process, bad_requests)
{
	struct zcopy_nl_reply reply;
	uint64_t id = 0;
	int file, env;

	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, file);
	env = open("/proc/self/environ", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, env);
	EXPECT_EQ(-EINVAL, observe(&self->nl, put_mem_fd, file, &id));
	/* Its open checks less than ptrace-attach: not the same file. */
	EXPECT_EQ(-EINVAL, observe(&self->nl, put_mem_fd, env, &id));
	EXPECT_EQ(-EBADF, observe(&self->nl, put_mem_fd, -1, &id));
	EXPECT_EQ(-EINVAL, zcopy_nl_request(&self->nl, ZCOPY_CMD_OBSERVE_START,
					    put_mem_and_sock, &file, &reply));
	zcopy_nl_reply_free(&reply);
	EXPECT_EQ(-EINVAL, zcopy_nl_request(&self->nl, ZCOPY_CMD_OBSERVE_START,
					    put_mem_and_file, &file, &reply));
	zcopy_nl_reply_free(&reply);
	EXPECT_EQ(-EINVAL, zcopy_nl_request(&self->nl, ZCOPY_CMD_OBSERVE_START,
					    NULL, NULL, &reply));
	zcopy_nl_reply_free(&reply);
	close(env);
	close(file);
}

/*
 * In a mount namespace of its own, a caller can put any file at
 * /proc/self/mem (here a tmpfs over /proc): what the module compares a
 * process's mem file with must not come from the caller's namespace, or
 * another file's private_data would be taken for an mm.
 */
TEST_F(process, a_fake_proc_self_mem_is_no_mem)
{
	struct zcopy_nl nl;
	uint64_t id = 0;
	int status, fd, ret;
	pid_t pid;

	pid = fork();
	if (!pid) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/proc", "tmpfs", 0, NULL) ||
		    mkdir("/proc/self", 0755))
			_exit(255);
		fd = open("/proc/self/mem", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0 || zcopy_nl_open(&nl))
			_exit(254);
		ret = observe(&nl, put_mem_fd, fd, &id);
		_exit(ret ? -ret : 0);
	}
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(EINVAL, WEXITSTATUS(status));
}

/*
 * One socket of the caller's, no file: the cgroup's rule, the socket's
 * sequence (bytes once each, as with a file).
 */
static void socket_observed(struct __test_metadata *_metadata,
			    struct zcopy_nl *nl, enum zcopy_user_method method,
			    struct zcopy_observed *o)
{
	const struct zcopy_path *path = zcopy_path_by_name("virtio");
	struct zcopy_received got;
	struct zcopy_receiver rx;
	uint64_t id = 0;
	int sock, file;

	ASSERT_EQ(0, zcopy_receiver_start(&rx, path, RECV_ALL));
	sock = zcopy_connect(path, rx.port);
	ASSERT_LE(0, sock);
	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, observe(nl, put_sock_fd, sock, &id));
	ASSERT_EQ(0, zcopy_user_send(sock, file, SIZE_1M, method));
	ASSERT_EQ(0, zcopy_wait_outq_empty(sock, TIMEOUT_MS));
	ASSERT_EQ(0, zcopy_observe_end(nl, ZCOPY_CMD_OBSERVE_STOP, id, o));
	close(sock);
	close(file);
	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));
	ASSERT_EQ(SIZE_1M, got.bytes);
	EXPECT_EQ(SIZE_1M, o->v[ZCOPY_OBSERVE_A_BYTES]);
	EXPECT_EQ(ZCOPY_PROBES_ALL, o->v[ZCOPY_OBSERVE_A_PROBES]);
}

TEST_F_TIMEOUT(process, a_socket_without_a_file_sendfile, 120)
{
	struct zcopy_observed o;

	socket_observed(_metadata, &self->nl, BY_SENDFILE, &o);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
}

TEST_F_TIMEOUT(process, a_socket_without_a_file_write, 120)
{
	struct zcopy_observed o;

	socket_observed(_metadata, &self->nl, BY_WRITE, &o);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
}

TEST_HARNESS_MAIN
