// SPDX-License-Identifier: GPL-2.0
/*
 * One user cannot starve another: stalled jobs park without holding
 * workers and time out, per-user limits count unread records, history is
 * kept per user, unread dumps pin no memory, and rmmod cancels every job
 * of every user at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define FILE_64M	"/data/f64m"
#define PARAMS		"/sys/module/zcopy/parameters/"
#define OTHER_UID	65533

struct nl_job {
	int file, sock;
	uint32_t mode, flags;
	uint64_t length;
};

static int put_job(struct nl_msg *msg, void *arg)
{
	struct nl_job *j = arg;

	return nla_put_s32(msg, ZCOPY_A_FILE_FD, j->file) ||
	       nla_put_s32(msg, ZCOPY_A_SOCK_FD, j->sock) ||
	       nla_put_u32(msg, ZCOPY_A_MODE, j->mode) ||
	       nla_put_u32(msg, ZCOPY_A_FLAGS, j->flags) ||
	       nla_put_u64(msg, ZCOPY_A_LENGTH, j->length);
}

/* SUBMIT over netlink: 0 and the id, or the kernel's -errno. */
static int nl_submit(struct zcopy_nl *nl, struct nl_job *j, uint64_t *id)
{
	struct zcopy_nl_reply reply = {};
	int ret;

	ret = zcopy_nl_request(nl, ZCOPY_CMD_SUBMIT, put_job, j, &reply);
	if (!ret)
		*id = zcopy_nl_reply_u64(&reply, ZCOPY_A_ID);
	zcopy_nl_reply_free(&reply);
	return ret;
}

static int set_uid(uid_t uid)
{
	return setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	       setresuid(uid, uid, uid) ? -errno : 0;
}

/*
 * In a child running as uid: submit n jobs of file, job i on socks[i % nsocks].
 * Returns how many were accepted; *err the errno of the first refusal.
 */
static int submit_as(uid_t uid, int file, const int *socks, int nsocks, int n,
		     int *err)
{
	int *shared, accepted = -1, status;
	pid_t pid;

	shared = mmap(NULL, 2 * sizeof(int), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED)
		return -1;
	shared[0] = 0;
	shared[1] = 0;
	pid = fork();
	if (!pid) {
		struct nl_job j = { .file = file, .mode = ZCOPY_MODE_SG };
		struct zcopy_nl nl;
		uint64_t id;
		int i, ret;

		if (set_uid(uid) || zcopy_nl_open(&nl))
			_exit(1);
		for (i = 0; i < n; i++) {
			j.sock = socks[i % nsocks];
			ret = nl_submit(&nl, &j, &id);
			if (ret) {
				shared[1] = -ret;
				break;
			}
			shared[0]++;
		}
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    !WEXITSTATUS(status)) {
		accepted = shared[0];
		*err = shared[1];
	}
	munmap(shared, 2 * sizeof(int));
	return accepted;
}

static int write_param(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	return zcopy_write_file(path, value, 0);
}

/*
 * A transfer of FILE_1M by uid to a reader, over netlink: the seconds it
 * took, or -1 if it failed, did not end within 60 s or arrived corrupt.
 */
static double transfer_as(struct __test_metadata *_metadata, uid_t uid)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	struct zcopy_receiver rx;
	double start, took = -1;
	int sock, file, status;
	pid_t pid;

	if (zcopy_sha256_file(FILE_1M, 0, 1048577, want) != 1048577 ||
	    zcopy_receiver_start(&rx, &zcopy_paths[0], RECV_ALL))
		return -1;
	sock = zcopy_connect(&zcopy_paths[0], rx.port);
	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	start = zcopy_now();
	pid = fork();
	if (!pid) {
		struct nl_job j = { .file = file, .sock = sock };
		struct zcopy_nl_reply reply = {};
		struct zcopy_nl nl;
		uint64_t id;

		if (set_uid(uid) || zcopy_nl_open(&nl) ||
		    nl_submit(&nl, &j, &id))
			_exit(1);
		_exit(zcopy_nl_wait_job(&nl, id, &reply) == ZCOPY_STATE_DONE ?
		      0 : 2);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    !WEXITSTATUS(status))
		took = zcopy_now() - start;
	close(sock);
	close(file);
	if (zcopy_receiver_wait(&rx, &got) || got.bytes != 1048577 ||
	    memcmp(got.sha256, want, SHA256_LEN)) {
		TH_LOG("uid %u: received %llu bytes", uid,
		       (unsigned long long)got.bytes);
		return -1;
	}
	return took;
}

FIXTURE(sharing) {
	struct zcopy_stall_peer peer;
	int file;
};

FIXTURE_SETUP(sharing)
{
	struct rlimit nofile = { 16384, 16384 };

	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &nofile));
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_stall_listen(&self->peer));
	self->file = open(FILE_64M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->file);
}

/* Whatever a test left, rmmod ends it; the next test gets a fresh module. */
FIXTURE_TEARDOWN(sharing)
{
	zcopy_unload();
	zcopy_ensure_loaded();
	close(self->file);
	close(self->peer.listener);
}

/*
 * An unprivileged user parks as many stalled jobs as it may, one per
 * connection to a peer that never reads. Another user's 1 MiB transfer,
 * and root's, still complete promptly and intact.
 */
TEST_F_TIMEOUT(sharing, a_stalled_user_cannot_starve_others, 300)
{
	enum { N = 256 };
	static int socks[N + 1];
	double took;
	int i, err = 0;

	for (i = 0; i <= N; i++) {
		socks[i] = zcopy_stall_connect(&self->peer);
		ASSERT_LE(0, socks[i]);
	}
	EXPECT_EQ(N, submit_as(ZCOPY_NOBODY, self->file, socks, N, N, &err));
	/* The user's limit: one more is refused. */
	EXPECT_EQ(0, submit_as(ZCOPY_NOBODY, self->file, socks + N, 1, 1,
			       &err));
	EXPECT_EQ(EAGAIN, err);
	sleep(1);

	took = transfer_as(_metadata, OTHER_UID);
	TH_LOG("another user's 1 MiB beside %d stalled jobs: %.2f s", N, took);
	EXPECT_LE(0, took);
	EXPECT_GT(20, took);
	took = transfer_as(_metadata, 0);
	TH_LOG("root's 1 MiB beside %d stalled jobs: %.2f s", N, took);
	EXPECT_LE(0, took);
	EXPECT_GT(20, took);

	for (i = 0; i <= N; i++)
		close(socks[i]);
}

/* A socket that takes nothing for stall_timeout_ms fails its job. */
TEST_F_TIMEOUT(sharing, a_job_without_progress_times_out, 120)
{
	struct zcopy_completion rec;
	double start;
	uint64_t id;
	int dev, sock;

	ASSERT_EQ(0, write_param("stall_timeout_ms", "1000"));
	dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, dev);
	sock = zcopy_stall_connect(&self->peer);
	ASSERT_LE(0, sock);
	start = zcopy_now();
	ASSERT_EQ(0, zcopy_submit(dev, self->file, sock, ZCOPY_MODE_COPY, 0, 0,
				  1, &id));
	ASSERT_EQ(0, zcopy_wait_completion(dev, 20000, &rec));
	TH_LOG("stalled job failed after %.2f s, %llu bytes sent",
	       zcopy_now() - start, (unsigned long long)rec.bytes_sent);
	EXPECT_EQ(id, rec.id);
	EXPECT_EQ(ZCOPY_STATE_FAILED, rec.state);
	EXPECT_EQ(-ETIMEDOUT, rec.error);
	EXPECT_LT(0, rec.bytes_sent);
	EXPECT_GT(rec.length, rec.bytes_sent);
	EXPECT_LE(1.0, zcopy_now() - start);
	close(sock);
	close(dev);
}

/*
 * rmmod with 1,000 queued and stalled jobs of four users returns within
 * seconds: unload cancels them, nothing waits for a peer.
 */
TEST_F_TIMEOUT(sharing, rmmod_cancels_a_thousand_stalled_jobs, 300)
{
	static const uid_t uids[] = { 0, ZCOPY_NOBODY, OTHER_UID, 65532 };
	enum { SOCKS = 50, PER_USER = 250 };
	static int socks[4][SOCKS];
	int i, u, err;
	double start, took;

	for (u = 0; u < 4; u++) {
		for (i = 0; i < SOCKS; i++) {
			socks[u][i] = zcopy_stall_connect(&self->peer);
			ASSERT_LE(0, socks[u][i]);
		}
		/* Five jobs per socket: one stalled, four queued behind. */
		EXPECT_EQ(PER_USER, submit_as(uids[u], self->file, socks[u],
					      SOCKS, PER_USER, &err));
	}
	sleep(1);
	start = zcopy_now();
	EXPECT_EQ(0, zcopy_unload());
	took = zcopy_now() - start;
	TH_LOG("rmmod with %d jobs: %.2f s", 4 * PER_USER, took);
	EXPECT_FALSE(zcopy_module_loaded());
	EXPECT_GT(10, took);
	for (u = 0; u < 4; u++)
		for (i = 0; i < SOCKS; i++)
			close(socks[u][i]);
}

/* Records nobody reads count against the limit until they are read. */
TEST_F_TIMEOUT(sharing, unread_records_count_against_the_limit, 120)
{
	struct zcopy_completion rec;
	struct zcopy_receiver rx;
	uint64_t id[4], more;
	int dev, sock, file, i;

	ASSERT_EQ(0, write_param("max_jobs_per_user", "4"));
	ASSERT_EQ(0, zcopy_receiver_start(&rx, &zcopy_paths[0], RECV_ALL));
	sock = zcopy_connect(&zcopy_paths[0], rx.port);
	file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, sock);
	ASSERT_LE(0, file);
	ASSERT_LE(0, dev);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, zcopy_submit(dev, file, sock, ZCOPY_MODE_SG, 0,
					  4096, i, &id[i]));
		EXPECT_EQ(ZCOPY_STATE_DONE, zcopy_job_state(id[i], true));
	}
	/* All four have ended, but their records are unread. */
	EXPECT_EQ(-EAGAIN, zcopy_submit(dev, file, sock, ZCOPY_MODE_SG, 0,
					4096, 5, &more));
	ASSERT_EQ(0, zcopy_wait_completion(dev, 1000, &rec));
	EXPECT_EQ(id[0], rec.id);
	EXPECT_EQ(0, zcopy_submit(dev, file, sock, ZCOPY_MODE_SG, 0, 4096, 5,
				  &more));
	close(dev);
	close(sock);
	close(file);
	zcopy_receiver_kill(&rx);
}

/* One user's many jobs do not evict another user's history. */
TEST_F_TIMEOUT(sharing, history_is_kept_per_user, 120)
{
	struct zcopy_receiver rx;
	struct nl_job j = { .mode = ZCOPY_MODE_SG, .length = 4096 };
	struct zcopy_nl nl;
	uint64_t id, first = 0;
	int i, status;
	pid_t pid;

	ASSERT_EQ(0, write_param("history", "4"));
	ASSERT_EQ(0, zcopy_receiver_start(&rx, &zcopy_paths[0], RECV_ALL));
	j.sock = zcopy_connect(&zcopy_paths[0], rx.port);
	j.file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, j.sock);
	ASSERT_LE(0, j.file);

	pid = fork();
	if (!pid) {
		if (set_uid(ZCOPY_NOBODY) || zcopy_nl_open(&nl) ||
		    nl_submit(&nl, &j, &id) || nl_submit(&nl, &j, &id))
			_exit(1);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, zcopy_nl_open(&nl));
	for (i = 0; i < 10; i++) {
		ASSERT_EQ(0, nl_submit(&nl, &j, &id));
		EXPECT_EQ(ZCOPY_STATE_DONE, zcopy_job_state(id, true));
		if (!i)
			first = id;
	}
	zcopy_nl_close(&nl);
	/* Ids grow by one per job: nobody's are the two before root's. */
	EXPECT_EQ(ZCOPY_STATE_DONE, zcopy_job_state(first - 2, false));
	EXPECT_EQ(ZCOPY_STATE_DONE, zcopy_job_state(first - 1, false));
	/* Root's own ring holds its last four only. */
	EXPECT_EQ(-1, zcopy_job_state(id - 4, false));
	EXPECT_EQ(ZCOPY_STATE_DONE, zcopy_job_state(id - 3, false));
	close(j.sock);
	close(j.file);
	zcopy_receiver_kill(&rx);
}

static long mem_available_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f;

	f = fopen("/proc/meminfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* A GET dump request on a raw generic netlink socket, left unread. */
static int start_dump(int family)
{
	struct {
		struct nlmsghdr nlh;
		struct genlmsghdr genl;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = family,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.genl = { .cmd = ZCOPY_CMD_GET, .version = ZCOPY_GENL_VERSION },
	};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return -1;
	if (send(fd, &req, sizeof(req), 0) != sizeof(req)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Dumps that nobody reads hold what netlink queued for them, not a copy
 * of every record: 300 of them stay within a few MiB.
 */
TEST_F_TIMEOUT(sharing, unread_dumps_pin_no_snapshot, 120)
{
	enum { DUMPS = 300 };
	static int fds[DUMPS];
	struct zcopy_nl nl;
	long before, after;
	int i;

	ASSERT_EQ(0, zcopy_nl_open(&nl));
	before = mem_available_kib();
	for (i = 0; i < DUMPS; i++) {
		fds[i] = start_dump(nl.family);
		ASSERT_LE(0, fds[i]);
	}
	after = mem_available_kib();
	TH_LOG("%d unread dumps took %ld KiB", DUMPS, before - after);
	EXPECT_GT(16 * 1024, before - after);
	for (i = 0; i < DUMPS; i++)
		close(fds[i]);
	zcopy_nl_close(&nl);
}

/* Median of n doubles (sorts them). */
static double median(double *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* Median microseconds of a GET of id, over 200 of them. */
static double get_us(struct zcopy_nl *nl, uint64_t id)
{
	struct zcopy_nl_reply reply = {};
	double t[200], start;
	int i;

	for (i = 0; i < 200; i++) {
		start = zcopy_now();
		if (zcopy_nl_get(nl, id, &reply))
			return -1;
		t[i] = (zcopy_now() - start) * 1e6;
		zcopy_nl_reply_free(&reply);
	}
	return median(t, 200);
}

/*
 * 10,000 live jobs (100 stalled sockets, 100 jobs each): every one is
 * found by id, a SUBMIT, GET and CANCEL still work. The times of a GET
 * and a SUBMIT beside 10 and beside 10,000 jobs are logged for the
 * record; performance is make bench's to judge, not an assertion here.
 */
TEST_F_TIMEOUT(sharing, ten_thousand_jobs, 300)
{
	enum { SOCKS = 100, PER_SOCK = 100, N = SOCKS * PER_SOCK };
	static uint64_t ids[N];
	static int socks[SOCKS];
	struct nl_job j = { .file = self->file, .mode = ZCOPY_MODE_SG };
	double few_get = 0, many_get, few_sub = 0, many_sub = 0, start;
	struct zcopy_nl_reply reply = {};
	struct zcopy_nl nl;
	int i;

	ASSERT_EQ(0, write_param("max_jobs", "20000"));
	ASSERT_EQ(0, write_param("max_jobs_per_user", "20000"));
	/*
	 * The debug kernel takes a minute to submit them all: longer than the
	 * default stall_timeout_ms, after which the running jobs fail and the
	 * history pushes out the first ids.
	 */
	ASSERT_EQ(0, write_param("stall_timeout_ms", "600000"));
	ASSERT_EQ(0, zcopy_nl_open(&nl));
	for (i = 0; i < SOCKS; i++) {
		socks[i] = zcopy_stall_connect(&self->peer);
		ASSERT_LE(0, socks[i]);
	}
	for (i = 0; i < N; i++) {
		j.sock = socks[i % SOCKS];
		start = zcopy_now();
		ASSERT_EQ(0, nl_submit(&nl, &j, &ids[i]));
		if (i < 10)
			few_sub += zcopy_now() - start;
		else if (i >= N - 10)
			many_sub += zcopy_now() - start;
		if (i == 9)
			few_get = get_us(&nl, ids[0]);
	}
	many_get = get_us(&nl, ids[0]);
	TH_LOG("GET beside 10 jobs %.0f us, beside %d %.0f us", few_get, N,
	       many_get);
	TH_LOG("SUBMIT beside 10 jobs %.0f us, beside %d %.0f us",
	       few_sub * 1e5, N, many_sub * 1e5);

	/* Every job is found: queued or running, none lost (-1). */
	for (i = 0; i < N; i += 997)
		EXPECT_LE(ZCOPY_STATE_QUEUED, zcopy_job_state(ids[i], false));
	EXPECT_EQ(ZCOPY_STATE_RUNNING, zcopy_job_state(ids[0], false));
	EXPECT_EQ(ZCOPY_STATE_QUEUED, zcopy_job_state(ids[N - 1], false));
	EXPECT_EQ(0, zcopy_nl_request(&nl, ZCOPY_CMD_CANCEL, zcopy_put_u64_id,
				      &ids[N - 1], &reply));
	zcopy_nl_reply_free(&reply);
	EXPECT_EQ(ZCOPY_STATE_CANCELLED, zcopy_job_state(ids[N - 1], true));
	zcopy_nl_close(&nl);
	for (i = 0; i < SOCKS; i++)
		close(socks[i]);
}

TEST_HARNESS_MAIN
