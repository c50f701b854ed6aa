// SPDX-License-Identifier: GPL-2.0
/*
 * The observer: its probes are all there; on sockets user space writes to,
 * OBSERVE classifies the bytes as the stack really sent them (sendfile(2)
 * by reference on an SG device, write() copied, MSG_ZEROCOPY copied when
 * looped back); switching checksum offload off is seen as copies and
 * software checksums, also in an sg job; bad requests are refused with
 * extack, and observations end with the netlink socket that made them;
 * each user has a limit of its own; the probes are registered only while
 * something is observed, for a job only those its record needs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_observe_lib.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define SIZE_1M		1048577ULL
#define TIMEOUT_MS	120000
#define KPROBES_LIST	"/sys/kernel/debug/kprobes/list"
/* The module parameter max_user_observations' default. */
#define USER_LIMIT	32

struct observe_fds {
	int file, sock;
};

static int put_observe_fds(struct nl_msg *msg, void *arg)
{
	const struct observe_fds *fds = arg;
	int ret = 0;

	if (fds->file != -2)
		ret |= nla_put_s32(msg, ZCOPY_A_FILE_FD, fds->file);
	if (fds->sock != -2)
		ret |= nla_put_s32(msg, ZCOPY_A_SOCK_FD, fds->sock);
	return ret;
}

static int observe_start(struct zcopy_nl *nl, int file, int sock,
			 uint64_t *id, struct zcopy_nl_reply *reply)
{
	struct observe_fds fds = { .file = file, .sock = sock };
	struct zcopy_observed o;
	int ret;

	ret = zcopy_nl_request(nl, ZCOPY_CMD_OBSERVE_START, put_observe_fds,
			       &fds, reply);
	if (!ret && !zcopy_parse_observed(reply, &o))
		*id = o.v[ZCOPY_OBSERVE_A_ID];
	zcopy_nl_reply_free(reply);
	return ret;
}

static uint64_t stats_counter(struct zcopy_nl *nl, int attr)
{
	struct nlattr *tb[ZCOPY_STATS_A_MAX + 1];
	struct zcopy_nl_reply reply;
	uint64_t v = UINT64_MAX;

	if (!zcopy_nl_request(nl, ZCOPY_CMD_STATS, NULL, NULL, &reply) &&
	    reply.attrs[ZCOPY_A_STATS] &&
	    !nla_parse_nested(tb, ZCOPY_STATS_A_MAX, reply.attrs[ZCOPY_A_STATS],
			      NULL) && tb[attr])
		v = nla_get_u64(tb[attr]);
	zcopy_nl_reply_free(&reply);
	return v;
}

/* A receiver on path, a socket connected to it and FILE_1M open. */
static void rx_sock_file(struct __test_metadata *_metadata,
			 const struct zcopy_path *path,
			 struct zcopy_receiver *rx, int *sock, int *file)
{
	ASSERT_EQ(0, zcopy_receiver_start(rx, path, RECV_ALL));
	*sock = zcopy_connect(path, rx->port);
	ASSERT_LE(0, *sock);
	*file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, *file);
}

/*
 * Send FILE_1M over path by method with an observation on the socket;
 * check what the receiver got and return what the observer saw.
 */
static void observe_user_send(struct __test_metadata *_metadata,
			      const char *path_name, enum zcopy_user_method method,
			      struct zcopy_observed *o)
{
	const struct zcopy_path *path = zcopy_path_by_name(path_name);
	unsigned char want[SHA256_LEN];
	struct zcopy_nl_reply reply;
	struct zcopy_received got;
	struct zcopy_receiver rx;
	struct zcopy_nl nl;
	int file, sock, ret;
	uint64_t id = 0;

	ASSERT_EQ((int64_t)SIZE_1M,
		  zcopy_sha256_file(FILE_1M, 0, SIZE_1M, want));
	ASSERT_EQ(0, zcopy_nl_open(&nl));
	rx_sock_file(_metadata, path, &rx, &sock, &file);

	ASSERT_EQ(0, observe_start(&nl, file, sock, &id, &reply));
	ASSERT_NE(0, id);
	ret = zcopy_user_send(sock, file, SIZE_1M, method);
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, zcopy_wait_outq_empty(sock, TIMEOUT_MS));
	ASSERT_EQ(0, zcopy_observe_end(&nl, ZCOPY_CMD_OBSERVE_STOP, id, o));
	close(sock);
	close(file);
	zcopy_nl_close(&nl);

	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));
	ASSERT_EQ(SIZE_1M, got.bytes);
	ASSERT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));

	TH_LOG("%s via %s: bytes %llu copied %llu ref %llu dma_out %llu",
	       path_name, o->dev,
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_COPIED_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_REF_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_DMA_OUT_BYTES]);
	TH_LOG("  skbs %llu frags %llu deferred %llu segment %llu csum %llu",
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_SKBS],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_FRAGS],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_SEGMENT_COPY_BYTES],
	       (unsigned long long)o->v[ZCOPY_OBSERVE_A_SW_CSUM_BYTES]);

	/* Every byte once, copied or by reference. */
	EXPECT_EQ(ZCOPY_PROBES_ALL, o->v[ZCOPY_OBSERVE_A_PROBES]);
	EXPECT_EQ(SIZE_1M, o->v[ZCOPY_OBSERVE_A_BYTES]);
	EXPECT_EQ(SIZE_1M, o->v[ZCOPY_OBSERVE_A_COPIED_BYTES] +
			   o->v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_LT(0, o->v[ZCOPY_OBSERVE_A_SKBS]);
	EXPECT_STREQ(path->dev, o->dev);
	EXPECT_EQ(path->dma ? SIZE_1M : 0, o->v[ZCOPY_OBSERVE_A_DMA_OUT_BYTES]);
}

/* An sg job of FILE_1M over path; the receiver must get it intact. */
static void sg_job(struct __test_metadata *_metadata,
		   const struct zcopy_path *path, struct zcopy_completion *rec)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	struct zcopy_receiver rx;
	int dev, file, sock;
	uint64_t id;

	ASSERT_EQ((int64_t)SIZE_1M,
		  zcopy_sha256_file(FILE_1M, 0, SIZE_1M, want));
	dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	rx_sock_file(_metadata, path, &rx, &sock, &file);
	ASSERT_EQ(0, zcopy_submit(dev, file, sock, ZCOPY_MODE_SG, 0, 0, 0,
				  &id));
	ASSERT_EQ(0, zcopy_wait_completion(dev, TIMEOUT_MS, rec));
	close(sock);
	close(file);
	close(dev);
	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));
	ASSERT_EQ(SIZE_1M, got.bytes);
	ASSERT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
	ASSERT_EQ(ZCOPY_STATE_DONE, rec->state);
	EXPECT_EQ(SIZE_1M, rec->bytes_sent);
	TH_LOG("sg job: cpu_copy %llu ref %llu frags %llu verified %u",
	       (unsigned long long)rec->cpu_copy_bytes,
	       (unsigned long long)rec->ref_bytes,
	       (unsigned long long)rec->frags, rec->verified);
}

FIXTURE(observe) {
	struct zcopy_nl nl;
};

FIXTURE_SETUP(observe)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(observe)
{
	zcopy_nl_close(&self->nl);
}

TEST_F(observe, every_probe_registered)
{
	struct zcopy_nl_reply reply;

	/* And the send probes of processes: sendpage only before 6.5. */
	EXPECT_EQ(ZCOPY_PROBES_ALL | ZCOPY_PROBE_SENDMSG,
		  stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_PROBES) &
		  ~(uint64_t)ZCOPY_PROBE_SENDPAGE);
	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL,
				      &reply));
	EXPECT_EQ(NULL, reply.attrs[ZCOPY_A_OBSERVER_ERROR]);
	zcopy_nl_reply_free(&reply);
}

/* sendfile(2) on an SG device: the textbook's one copy is not there. */
TEST_F_TIMEOUT(observe, user_sendfile_virtio, 120)
{
	const struct zcopy_path *path = zcopy_path_by_name("virtio");
	bool sg = zcopy_path_has_sg(path);
	struct zcopy_observed o;

	observe_user_send(_metadata, "virtio", BY_SENDFILE, &o);
	EXPECT_EQ(sg ? 0 : SIZE_1M, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(sg ? SIZE_1M : 0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_EQ(sg, o.v[ZCOPY_OBSERVE_A_FRAGS] > 0);
}

TEST_F_TIMEOUT(observe, user_write_veth, 120)
{
	struct zcopy_observed o;

	observe_user_send(_metadata, "veth", BY_WRITE, &o);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
}

/* Looped back, zero-copy pages are copied before the receiver sees them. */
TEST_F_TIMEOUT(observe, user_msg_zerocopy_loopback, 120)
{
	struct zcopy_observed o;

	observe_user_send(_metadata, "loopback", BY_MSG_ZEROCOPY, &o);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_LE(SIZE_1M, o.v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES]);
}

/* Over a device that gathers, the same pages stay references. */
TEST_F_TIMEOUT(observe, user_msg_zerocopy_virtio, 120)
{
	const struct zcopy_path *path = zcopy_path_by_name("virtio");
	struct zcopy_observed o;

	if (!zcopy_path_has_sg(path))
		SKIP(return, "virtio-net without SG (hub backend)");
	observe_user_send(_metadata, "virtio", BY_MSG_ZEROCOPY, &o);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES]);
}

/*
 * Without checksum offload the route loses scatter/gather for TCP: 6.1
 * and 6.12 both fall back to copying into linear skbs and checksum every
 * byte in software. sendfile(2) and an sg job must show those copies.
 */
FIXTURE(nocsum) {
	const struct zcopy_path *path;
};

FIXTURE_SETUP(nocsum)
{
	self->path = zcopy_path_by_name("virtio");
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_ethtool_set(self->path->dev, ETHTOOL_STXCSUM,
				       false));
}

FIXTURE_TEARDOWN(nocsum)
{
	zcopy_ethtool_set(self->path->dev, ETHTOOL_STXCSUM, true);
}

TEST_F_TIMEOUT(nocsum, user_sendfile_checksummed_in_software, 120)
{
	struct zcopy_observed o;

	observe_user_send(_metadata, "virtio", BY_SENDFILE, &o);
	EXPECT_LE(SIZE_1M, o.v[ZCOPY_OBSERVE_A_SW_CSUM_BYTES]);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_FRAGS]);
}

TEST_F_TIMEOUT(nocsum, sg_job_reports_the_copies, 120)
{
	struct zcopy_completion rec;

	sg_job(_metadata, self->path, &rec);
	EXPECT_EQ(1, rec.verified);
	EXPECT_EQ(SIZE_1M, rec.cpu_copy_bytes);
	EXPECT_EQ(0, rec.ref_bytes);
	EXPECT_EQ(0, rec.frags);
	EXPECT_EQ(SIZE_1M, rec.dma_out_bytes);
}

/*
 * A kernel where a probe the verification needs cannot be registered: the
 * module loads and transfers as before, says why in STATS, and no job
 * claims to be verified.
 */
FIXTURE(missing_probe) {
	struct zcopy_nl nl;
};

FIXTURE_SETUP(missing_probe)
{
	char params[32];

	snprintf(params, sizeof(params), "probes=%u",
		 ZCOPY_PROBES_ALL & ~ZCOPY_PROBE_COPY_UBUFS);
	if (zcopy_module_loaded())
		ASSERT_EQ(0, zcopy_unload());
	ASSERT_EQ(0, zcopy_load(params));
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(missing_probe)
{
	zcopy_nl_close(&self->nl);
	zcopy_unload();
	zcopy_load(NULL);
}

TEST_F_TIMEOUT(missing_probe, jobs_work_unverified, 120)
{
	struct zcopy_completion rec;
	struct zcopy_nl_reply reply;
	char error[256] = "";

	EXPECT_EQ(ZCOPY_PROBES_ALL & ~ZCOPY_PROBE_COPY_UBUFS,
		  stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_PROBES));
	ASSERT_EQ(0, zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL,
				      &reply));
	if (reply.attrs[ZCOPY_A_OBSERVER_ERROR])
		nla_strlcpy(error, reply.attrs[ZCOPY_A_OBSERVER_ERROR],
			    sizeof(error));
	zcopy_nl_reply_free(&reply);
	TH_LOG("observer_error: %s", error);
	EXPECT_NE(NULL, strstr(error, "kprobe skb_copy_ubufs: not registered"));

	sg_job(_metadata, zcopy_path_by_name("loopback"), &rec);
	EXPECT_EQ(0, rec.verified);
	EXPECT_EQ(0, stats_counter(&self->nl, ZCOPY_STATS_A_JOBS_VERIFIED));
}

/* Bad requests, ownership, and the end of observations with their socket. */
FIXTURE(observe_api) {
	struct zcopy_nl nl;
	struct zcopy_receiver rx;
	int file, sock;
};

FIXTURE_SETUP(observe_api)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
	ASSERT_EQ(0, zcopy_receiver_start(&self->rx, &zcopy_paths[0],
					  RECV_ALL));
	self->sock = zcopy_connect(&zcopy_paths[0], self->rx.port);
	ASSERT_LE(0, self->sock);
	self->file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->file);
}

FIXTURE_TEARDOWN(observe_api)
{
	close(self->sock);
	close(self->file);
	zcopy_receiver_kill(&self->rx);
	zcopy_nl_close(&self->nl);
}

static void expect_start_fails(struct __test_metadata *_metadata,
			       struct zcopy_nl *nl, int file, int sock,
			       int err, const char *extack)
{
	struct zcopy_nl_reply reply;
	uint64_t id = 0;

	EXPECT_EQ(err, observe_start(nl, file, sock, &id, &reply));
	EXPECT_STREQ(extack, reply.extack);
	EXPECT_EQ(0, id);
}

TEST_F(observe_api, bad_requests)
{
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct zcopy_observed o;

	ASSERT_LE(0, udp);
	/* A socket without a file is observed: observe_process_test. */
	expect_start_fails(_metadata, &self->nl, self->file, -2, -EINVAL,
			   "missing what to observe: a cgroup, a process or a socket");
	expect_start_fails(_metadata, &self->nl, 9999, self->sock, -EBADF,
			   "bad file descriptor for the file");
	expect_start_fails(_metadata, &self->nl, self->file, 9999, -EBADF,
			   "bad file descriptor for the socket");
	expect_start_fails(_metadata, &self->nl, self->file, self->file,
			   -ENOTSOCK, "socket descriptor is not a socket");
	expect_start_fails(_metadata, &self->nl, self->sock, self->sock,
			   -EINVAL, "file is not a regular file");
	expect_start_fails(_metadata, &self->nl, self->file, udp,
			   -EPROTONOSUPPORT, "socket is not a TCP socket");
	close(udp);

	EXPECT_EQ(-ENOENT, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_READ,
					     12345, &o));
	EXPECT_EQ(-ENOENT, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP,
					     0, &o));
}

TEST_F(observe_api, read_stop_and_ownership)
{
	struct zcopy_nl_reply reply;
	struct zcopy_nl other;
	struct zcopy_observed o;
	uint64_t id = 0;

	ASSERT_EQ(0, observe_start(&self->nl, self->file, self->sock, &id,
				   &reply));
	ASSERT_NE(0, id);
	EXPECT_EQ(1, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS));

	ASSERT_EQ(0, write(self->sock, "observed", 8) == 8 ? 0 : -1);
	ASSERT_EQ(0, zcopy_wait_outq_empty(self->sock, TIMEOUT_MS));
	ASSERT_EQ(0, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_READ, id, &o));
	EXPECT_EQ(id, o.v[ZCOPY_OBSERVE_A_ID]);
	EXPECT_EQ(8, o.v[ZCOPY_OBSERVE_A_BYTES]);
	EXPECT_EQ(8, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);

	/* Another netlink socket does not own it. */
	ASSERT_EQ(0, zcopy_nl_open(&other));
	EXPECT_EQ(-ENOENT, zcopy_observe_end(&other, ZCOPY_CMD_OBSERVE_READ, id, &o));
	EXPECT_EQ(-ENOENT, zcopy_observe_end(&other, ZCOPY_CMD_OBSERVE_STOP, id, &o));
	zcopy_nl_close(&other);

	ASSERT_EQ(0, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP, id, &o));
	EXPECT_EQ(8, o.v[ZCOPY_OBSERVE_A_BYTES]);
	EXPECT_EQ(-ENOENT, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP,
					     id, &o));
	EXPECT_EQ(0, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS));
}

/* Closing the netlink socket ends its observations and their references. */
TEST_F(observe_api, closing_the_netlink_socket_ends_them)
{
	struct zcopy_nl_reply reply;
	struct zcopy_nl owner;
	uint64_t id;
	int i;

	ASSERT_EQ(0, zcopy_nl_open(&owner));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, observe_start(&owner, self->file, self->sock, &id,
					   &reply));
	EXPECT_EQ(3, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS));
	zcopy_nl_close(&owner);
	EXPECT_EQ(0, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS));

	/* No reference on the file or socket is left: the module unloads. */
	close(self->sock);
	close(self->file);
	self->sock = -1;
	self->file = -1;
	zcopy_nl_close(&self->nl);
	ASSERT_EQ(0, zcopy_unload());
	ASSERT_EQ(0, zcopy_load(""));
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
}

/*
 * As nobody, in a child: USER_LIMIT observations, then EAGAIN. Tells the
 * parent how that went on report, then waits for its word on go.
 */
static void nobody_fills_its_limit(int file, int sock, int report, int go)
{
	struct zcopy_nl_reply reply;
	struct zcopy_nl nl;
	char result = 0;
	uint64_t id;
	int i, ret;

	if (zcopy_drop_privileges() || zcopy_nl_open(&nl))
		_exit(2);
	for (i = 0; i < USER_LIMIT; i++)
		if (observe_start(&nl, file, sock, &id, &reply))
			result = 3;
	ret = observe_start(&nl, file, sock, &id, &reply);
	if (!result && ret != -EAGAIN)
		result = 4;
	if (!result && strcmp(reply.extack, "too many observations"))
		result = 5;
	if (write(report, &result, 1) != 1 || read(go, &result, 1) != 1)
		_exit(6);
	/* Exiting closes the netlink socket: its observations end. */
	_exit(0);
}

/* A user past its own limit is refused; another user is not. */
TEST_F(observe_api, per_user_limit)
{
	uint64_t base = stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS);
	struct zcopy_nl_reply reply;
	int report[2], go[2], status;
	struct zcopy_observed o;
	char result = -1;
	uint64_t id = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(report));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		nobody_fills_its_limit(self->file, self->sock, report[1],
				       go[0]);
	ASSERT_EQ(1, read(report[0], &result, 1));
	EXPECT_EQ(0, result);
	EXPECT_EQ(base + USER_LIMIT,
		  stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS));

	/* root has a limit of its own, untouched. */
	EXPECT_EQ(0, observe_start(&self->nl, self->file, self->sock, &id,
				   &reply));
	EXPECT_NE(0, id);
	EXPECT_EQ(0, zcopy_observe_end(&self->nl, ZCOPY_CMD_OBSERVE_STOP, id, &o));

	ASSERT_EQ(1, write(go[1], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(base, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVATIONS));
	close(report[0]);
	close(report[1]);
	close(go[0]);
	close(go[1]);
}

/*
 * With observe=0 and nothing observed, none of the observer's kprobes or
 * tracepoints is registered; an observation registers them, and they go
 * again shortly after it ends. Its counts stay exact.
 */
FIXTURE(arming) {
	struct zcopy_nl nl;
};

FIXTURE_SETUP(arming)
{
	if (access(KPROBES_LIST, R_OK))
		SKIP(return, "no %s", KPROBES_LIST);
	if (zcopy_module_loaded())
		ASSERT_EQ(0, zcopy_unload());
	ASSERT_EQ(0, zcopy_load("observe=0"));
	ASSERT_EQ(0, zcopy_nl_open(&self->nl));
}

FIXTURE_TEARDOWN(arming)
{
	if (access(KPROBES_LIST, R_OK))
		return;
	zcopy_nl_close(&self->nl);
	zcopy_unload();
	zcopy_load(NULL);
}

/* How many of the observer's kprobed functions KPROBES_LIST shows. */
static int kprobes_listed(void)
{
	static const char *const syms[] = {
		"skb_copy_ubufs", "__pskb_pull_tail", "skb_copy_bits",
		"skb_checksum_help", "skb_segment",
	};
	char line[512], sym[256];
	FILE *f = fopen(KPROBES_LIST, "r");
	size_t i;
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* "<addr>  k  <symbol>+<offset>  [flags]" */
		if (sscanf(line, "%*s %*s %255[^+ ]", sym) != 1)
			continue;
		for (i = 0; i < ARRAY_SIZE(syms); i++)
			n += !strcmp(sym, syms[i]);
	}
	fclose(f);
	return n;
}

/* Waits up to 5 s for the probes to be gone: the linger is 0.5 s. */
static bool probes_gone(struct zcopy_nl *nl)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!kprobes_listed() &&
		    !stats_counter(nl, ZCOPY_STATS_A_OBSERVER_ARMED))
			return true;
		usleep(10000);
	}
	return false;
}

/*
 * Observation id, just started, has every probe registered and armed,
 * and sees a write() of FILE_1M whole, which ends it into *o.
 */
static void observe_armed_write(struct __test_metadata *_metadata,
				struct zcopy_nl *nl, int file, int sock,
				uint64_t id, struct zcopy_observed *o)
{
	EXPECT_EQ(5, kprobes_listed());
	EXPECT_EQ(ZCOPY_PROBES_ALL,
		  stats_counter(nl, ZCOPY_STATS_A_OBSERVER_ARMED));
	ASSERT_EQ(0, zcopy_user_send(sock, file, SIZE_1M, BY_WRITE));
	ASSERT_EQ(0, zcopy_wait_outq_empty(sock, TIMEOUT_MS));
	ASSERT_EQ(0, zcopy_observe_end(nl, ZCOPY_CMD_OBSERVE_STOP, id, o));
	EXPECT_EQ(ZCOPY_PROBES_ALL, o->v[ZCOPY_OBSERVE_A_PROBES]);
	EXPECT_EQ(SIZE_1M, o->v[ZCOPY_OBSERVE_A_BYTES]);
}

TEST_F_TIMEOUT(arming, probes_only_while_observing, 120)
{
	const struct zcopy_path *path = zcopy_path_by_name("loopback");
	struct zcopy_completion rec;
	struct zcopy_nl_reply reply;
	struct zcopy_receiver rx;
	double t0, took;
	uint64_t id = 0, ns;
	struct zcopy_observed o;
	int file, sock;

	/* Found at load, not left registered. */
	EXPECT_EQ(ZCOPY_PROBES_ALL,
		  stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_PROBES) &
		  ZCOPY_PROBES_ALL);
	EXPECT_EQ(0, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_ARMED));
	EXPECT_EQ(0, kprobes_listed());

	/* observe=0: a job observes nothing, so registers nothing. */
	sg_job(_metadata, path, &rec);
	EXPECT_EQ(0, rec.verified);
	EXPECT_EQ(0, kprobes_listed());
	EXPECT_EQ(0, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_ARMED));

	rx_sock_file(_metadata, path, &rx, &sock, &file);
	ns = stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_NS);
	t0 = zcopy_now();
	ASSERT_EQ(0, observe_start(&self->nl, file, sock, &id, &reply));
	took = zcopy_now() - t0;
	TH_LOG("start with registering: %.1f ms", took * 1e3);
	observe_armed_write(_metadata, &self->nl, file, sock, id, &o);
	EXPECT_EQ(SIZE_1M, o.v[ZCOPY_OBSERVE_A_COPIED_BYTES]);
	EXPECT_EQ(0, o.v[ZCOPY_OBSERVE_A_REF_BYTES]);
	EXPECT_LT(ns, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_NS));

	EXPECT_TRUE(probes_gone(&self->nl));
	/* Nothing observed: the probes cost nothing, not even a clock read. */
	ns = stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_NS);
	ASSERT_EQ(0, zcopy_user_send(sock, file, SIZE_1M, BY_WRITE));
	ASSERT_EQ(0, zcopy_wait_outq_empty(sock, TIMEOUT_MS));
	EXPECT_EQ(ns, stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_NS));
	close(sock);
	close(file);
	zcopy_receiver_kill(&rx);
}

/*
 * A job's observation registers what its record needs: the transmit and
 * retransmit tracepoints and the skb_copy_ubufs kprobe, not the four
 * diagnostic kprobes (each kprobe on an ftrace site rewrites ftrace's
 * records twice); a user's observation then adds those.
 */
TEST_F_TIMEOUT(arming, a_job_registers_only_what_its_record_needs, 120)
{
	const uint32_t job_probes = ZCOPY_PROBE_XMIT | ZCOPY_PROBE_RETRANSMIT |
				    ZCOPY_PROBE_COPY_UBUFS;
	const struct zcopy_path *path = zcopy_path_by_name("loopback");
	struct zcopy_completion rec;
	struct zcopy_nl_reply reply;
	struct zcopy_receiver rx;
	uint64_t id = 0;
	struct zcopy_observed o;
	int file, sock;

	ASSERT_EQ(0, zcopy_write_file("/sys/module/zcopy/parameters/observe",
				      "1", 0));
	sg_job(_metadata, path, &rec);
	EXPECT_EQ(1, rec.verified);
	EXPECT_EQ(1, kprobes_listed());
	EXPECT_EQ(job_probes,
		  stats_counter(&self->nl, ZCOPY_STATS_A_OBSERVER_ARMED));

	rx_sock_file(_metadata, path, &rx, &sock, &file);
	ASSERT_EQ(0, observe_start(&self->nl, file, sock, &id, &reply));
	observe_armed_write(_metadata, &self->nl, file, sock, id, &o);
	EXPECT_TRUE(probes_gone(&self->nl));
	close(sock);
	close(file);
	zcopy_receiver_kill(&rx);
}

TEST_HARNESS_MAIN
