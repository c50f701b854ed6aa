// SPDX-License-Identifier: GPL-2.0
/*
 * Observing a cgroup: a process moved into a fresh cgroup v2 (or one below
 * it) sends a file with sendfile(2), write() or MSG_ZEROCOPY, and the
 * observation of the cgroup, which knows nothing of its sockets, counts
 * every byte as the stack sent it: by reference where a device gathers
 * the page cache or lent user pages, copied by write() and where a local
 * receiver made the kernel copy the lent pages. Sockets of other cgroups
 * are not counted. Root-owned cgroups need CAP_NET_ADMIN or CAP_PERFMON;
 * a cgroup whose directory a user owns (delegation) is that user's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_observe_lib.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define CGROUP_ROOT	"/sys/fs/cgroup"
#define FILE_1M		"/data/f1m1"
#define SIZE_1M		1048577ULL
#define TIMEOUT_MS	120000

static int put_cgroup_fd(struct nl_msg *msg, void *arg)
{
	return nla_put_s32(msg, ZCOPY_A_CGROUP_FD, *(int *)arg);
}

/* OBSERVE_START of the cgroup of directory fd dir. */
static int observe_cgroup(struct zcopy_nl *nl, int dir, uint64_t *id)
{
	struct zcopy_nl_reply reply;
	struct zcopy_observed o;
	int ret;

	ret = zcopy_nl_request(nl, ZCOPY_CMD_OBSERVE_START, put_cgroup_fd,
			       &dir, &reply);
	if (!ret)
		ret = zcopy_parse_observed(&reply, &o);
	if (!ret)
		*id = o.v[ZCOPY_OBSERVE_A_ID];
	zcopy_nl_reply_free(&reply);
	return ret;
}

static int cgroup2_mounted(void)
{
	struct statfs fs;

	if (!statfs(CGROUP_ROOT, &fs) && fs.f_type == CGROUP2_SUPER_MAGIC)
		return 0;
	if (mount("cgroup2", CGROUP_ROOT, "cgroup2", 0, NULL))
		return -errno;
	return 0;
}

/*
 * A child moves itself into cgroup directory cg, connects over path to
 * port and sends FILE_1M by method; exits 0 once the peer has it all.
 */
static pid_t send_from(const char *cg, const struct zcopy_path *path,
		       int port, enum zcopy_user_method method)
{
	char procs[256];
	int sock, file, ret;
	pid_t pid;

	pid = fork();
	if (pid)
		return pid;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	if (zcopy_write_file(procs, "0", 0))
		_exit(2);
	sock = zcopy_connect(path, port);
	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	if (sock < 0 || file < 0)
		_exit(3);
	ret = zcopy_user_send(sock, file, SIZE_1M, method);
	if (!ret)
		ret = zcopy_wait_outq_empty(sock, TIMEOUT_MS);
	_exit(ret ? 4 : 0);
}

FIXTURE(cgroup) {
	/* The 6.1 harness runs a test after a SKIP in its setup: asked here. */
	const char *skip_why;
	struct zcopy_nl nl;
	char dir[128];
	char sub[160];
	int dir_fd;
};

FIXTURE_SETUP(cgroup)
{
	struct zcopy_observed o;
	uint64_t id = 0;
	int ret;

	self->dir_fd = -1;
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	ret = cgroup2_mounted();
	if (ret) {
		self->skip_why = "no cgroup v2";
		return;
	}
	snprintf(self->dir, sizeof(self->dir), CGROUP_ROOT "/zcopy-obs-%d",
		 getpid());
	snprintf(self->sub, sizeof(self->sub), "%s/sub", self->dir);
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	self->dir_fd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, self->dir_fd);
	if (observe_cgroup(&self->nl, self->dir_fd, &id) == -EOPNOTSUPP) {
		self->skip_why = "this kernel's sockets carry no cgroup";
		return;
	}
	ASSERT_EQ(0, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP, id,
				       &o));
}

FIXTURE_TEARDOWN(cgroup)
{
	zcopy_nl_close(&self->nl);
	if (self->dir_fd >= 0) {
		close(self->dir_fd);
		rmdir(self->sub);
		rmdir(self->dir);
	}
}

/*
 * FILE_1M by method from a process in cgroup directory cg, over path, with
 * the cgroup of dir_fd observed; checks the receiver got it intact and
 * that the observation adds up.
 */
static void send_observed(struct __test_metadata *_metadata,
			  struct zcopy_nl *nl, int dir_fd, const char *cg,
			  const char *path_name, enum zcopy_user_method method,
			  struct zcopy_observed *o)
{
	const struct zcopy_path *path = zcopy_path_by_name(path_name);
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	struct zcopy_receiver rx;
	uint64_t id = 0;
	int status;
	pid_t pid;

	ASSERT_EQ((int64_t)SIZE_1M,
		  zcopy_sha256_file(FILE_1M, 0, SIZE_1M, want));
	ASSERT_EQ(0, zcopy_receiver_start(&rx, path, RECV_ALL));
	ASSERT_EQ(0, observe_cgroup(nl, dir_fd, &id));
	ASSERT_NE(0, id);
	pid = send_from(cg, path, rx.port, method);
	ASSERT_LT(0, pid);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));
	ASSERT_EQ(0, zcopy_observe_end(nl, ZCOPY_CMD_OBSERVE_STOP, id, o));
	ASSERT_EQ(SIZE_1M, got.bytes);
	ASSERT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));

	TH_LOG("%s via %s: bytes %llu copied %llu ref %llu retrans %llu deferred %llu",
	       path_name, o->dev,
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_COPIED_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_REF_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_RETRANS_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES]);
	/* Every transmission counts: retransmitted bytes on top. */
	EXPECT_EQ(ZCOPY_PROBES_ALL, o->v[ZCOPY_OBSERVE_A_PROBES]);
	EXPECT_EQ(SIZE_1M + o->v[ZCOPY_OBSERVE_A_RETRANS_BYTES],
		  o->v[ZCOPY_OBSERVE_A_BYTES]);
	EXPECT_EQ(o->v[ZCOPY_OBSERVE_A_BYTES],
		  o->v[ZCOPY_OBSERVE_A_COPIED_BYTES] +
		  o->v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_STREQ(path->dev, o->dev);
}

/* Why a by-reference test over virtio cannot run here, or NULL. */
static const char *virtio_sg_skip(const char *skip_why)
{
	if (skip_why)
		return skip_why;
	if (!zcopy_path_has_sg(zcopy_path_by_name("virtio")))
		return "virtio-net without SG (hub backend)";
	return NULL;
}

TEST_F_TIMEOUT(cgroup, sendfile_virtio_by_reference, 120)
{
	const char *why = virtio_sg_skip(self->skip_why);
	struct zcopy_observed o;

	if (why)
		SKIP(return, "%s", why);
	send_observed(_metadata, &self->nl, self->dir_fd, self->dir,
		      "virtio", BY_SENDFILE, &o);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(o.v[ZCOPY_OBSERVE_A_BYTES], o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_EQ(o.v[ZCOPY_OBSERVE_A_BYTES],
		  o.v[ZCOPY_OBSERVE_A_DMA_OUT_BYTES]);
}

TEST_F_TIMEOUT(cgroup, write_virtio_copied, 120)
{
	struct zcopy_observed o;

	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	send_observed(_metadata, &self->nl, self->dir_fd, self->dir,
		      "virtio", BY_WRITE, &o);
	EXPECT_EQ(o.v[ZCOPY_OBSERVE_A_BYTES],
		  o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
}

/* Lent pages a device gathers are never copied. */
TEST_F_TIMEOUT(cgroup, msg_zerocopy_virtio_by_reference, 120)
{
	const char *why = virtio_sg_skip(self->skip_why);
	struct zcopy_observed o;

	if (why)
		SKIP(return, "%s", why);
	send_observed(_metadata, &self->nl, self->dir_fd, self->dir,
		      "virtio", BY_MSG_ZEROCOPY, &o);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES]);
}

/*
 * Over veth the receiver is local: the kernel copies the lent pages
 * before it delivers them, after the socket let go of the skb.
 */
TEST_F_TIMEOUT(cgroup, msg_zerocopy_veth_copied_later, 120)
{
	struct zcopy_observed o;

	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	send_observed(_metadata, &self->nl, self->dir_fd, self->dir,
		      "veth", BY_MSG_ZEROCOPY, &o);
	EXPECT_EQ(o.v[ZCOPY_OBSERVE_A_BYTES],
		  o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_LE(SIZE_1M, o.v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES]);
}

TEST_F_TIMEOUT(cgroup, descendants_are_observed, 120)
{
	struct zcopy_observed o;

	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	send_observed(_metadata, &self->nl, self->dir_fd, self->sub,
		      "veth", BY_WRITE, &o);
	EXPECT_EQ(o.v[ZCOPY_OBSERVE_A_BYTES],
		  o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
}

/* The test itself is not in the cgroup: its own bytes are not counted. */
TEST_F_TIMEOUT(cgroup, other_cgroups_are_not, 120)
{
	const struct zcopy_path *path = zcopy_path_by_name("veth");
	struct zcopy_received got;
	struct zcopy_receiver rx;
	struct zcopy_observed o;
	uint64_t id = 0;
	int sock, file;

	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	ASSERT_EQ(0, zcopy_receiver_start(&rx, path, RECV_ALL));
	sock = zcopy_connect(path, rx.port);
	ASSERT_LE(0, sock);
	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, observe_cgroup(&self->nl, self->dir_fd, &id));
	ASSERT_EQ(0, zcopy_user_send(sock, file, SIZE_1M, BY_SENDFILE));
	ASSERT_EQ(0, zcopy_wait_outq_empty(sock, TIMEOUT_MS));
	ASSERT_EQ(0, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP, id,
				       &o));
	close(sock);
	close(file);
	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));
	ASSERT_EQ(SIZE_1M, got.bytes);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_SKBS]);
}

/* In a child as nobody: the errno of observing dir_fd's cgroup. */
static int observe_as_nobody(int dir_fd)
{
	struct zcopy_nl nl;
	uint64_t id = 0;
	int status, ret;
	pid_t pid;

	pid = fork();
	if (!pid) {
		if (zcopy_drop_privileges() || zcopy_nl_open(&nl))
			_exit(255);
		ret = observe_cgroup(&nl, dir_fd, &id);
		_exit(ret ? -ret : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(cgroup, root_owned_needs_a_capability)
{
	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	EXPECT_EQ(EPERM, observe_as_nobody(self->dir_fd));
}

TEST_F(cgroup, a_delegated_cgroup_is_its_owners)
{
	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	ASSERT_EQ(0, chown(self->dir, ZCOPY_NOBODY, ZCOPY_NOBODY));
	EXPECT_EQ(0, observe_as_nobody(self->dir_fd));
}

static int put_cgroup_and_sock(struct nl_msg *msg, void *arg)
{
	int fd = *(int *)arg;

	return nla_put_s32(msg, ZCOPY_A_CGROUP_FD, fd) ||
	       nla_put_s32(msg, ZCOPY_A_SOCK_FD, fd);
}

TEST_F(cgroup, bad_requests)
{
	struct zcopy_nl_reply reply;
	uint64_t id = 0;
	int file;

	if (self->skip_why)
		SKIP(return, "%s", self->skip_why);
	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, file);
	EXPECT_EQ(-EBADF, observe_cgroup(&self->nl, file, &id));
	EXPECT_EQ(-EBADF, observe_cgroup(&self->nl, -1, &id));
	EXPECT_EQ(-EINVAL, zcopy_nl_request(&self->nl, ZCOPY_CMD_OBSERVE_START,
					    put_cgroup_and_sock, &self->dir_fd,
					    &reply));
	zcopy_nl_reply_free(&reply);
	close(file);
}

TEST_HARNESS_MAIN
