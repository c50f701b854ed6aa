// SPDX-License-Identifier: GPL-2.0
/*
 * A job acts as its submitter: fanotify's access permission events (an
 * on-access scanner) decide every mode's reads, the page cache a job
 * reads in is charged to the submitter's memory cgroup and its reads to
 * the submitter's io cgroup, its reads carry the submitter's credentials
 * (a FUSE server sees them), and pseudo file systems are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fanotify.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>
#include <netlink/genl/genl.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "zcopy_fuse_lib.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define TMPFS_FILE	"/tmp/zcopy-id-tmpfs"
#define COLD_FILE	"/data/zcopy-id-cold"
#define COLD_SIZE	(8 * SIZE_1M)
#define SIZE_1M		(1024 * 1024)
#define CGROOT		"/sys/fs/cgroup"
#define WAIT_MS		60000

static const uint32_t modes[] = {
	ZCOPY_MODE_COPY, ZCOPY_MODE_MMAP, ZCOPY_MODE_SENDFILE, ZCOPY_MODE_SG,
};

/* A device to submit with and a socket to a receiver that reads it all. */
struct job_ends {
	int dev;
	struct zcopy_receiver rx;
	int sock;
};

static int ends_open(struct job_ends *e)
{
	e->sock = -1;
	e->dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (e->dev < 0)
		return -errno;
	if (zcopy_receiver_start(&e->rx, &zcopy_paths[0], RECV_ALL)) {
		e->rx.pid = 0;
		return -ECHILD;
	}
	e->sock = zcopy_connect(&zcopy_paths[0], e->rx.port);
	return e->sock < 0 ? e->sock : 0;
}

/* What the receiver got once the socket is closed; -1 on failure. */
static int ends_received(struct job_ends *e, struct zcopy_received *got)
{
	close(e->sock);
	e->sock = -1;
	return zcopy_receiver_wait(&e->rx, got);
}

static void ends_close(struct job_ends *e)
{
	if (e->sock >= 0)
		close(e->sock);
	if (e->rx.pid > 0)
		zcopy_receiver_kill(&e->rx);
	if (e->dev >= 0)
		close(e->dev);
}

/*
 * An on-access scanner: answers every FAN_ACCESS_PERM on path with
 * verdict and writes a byte to count_fd per event.
 */
struct scanner {
	pid_t pid;
	int count_fd;
};

static void scanner_loop(int fan, uint32_t verdict, int count_fd)
{
	uint64_t buf[512];	/* aligned for the event records */
	struct fanotify_event_metadata *ev;
	ssize_t n;

	for (;;) {
		n = read(fan, buf, sizeof(buf));
		if (n <= 0)
			_exit(n < 0 && errno == EINTR ? 0 : 1);
		for (ev = (void *)buf; FAN_EVENT_OK(ev, n);
		     ev = FAN_EVENT_NEXT(ev, n)) {
			struct fanotify_response r = {
				.fd = ev->fd, .response = verdict,
			};

			/* Counted before the reader can go on. */
			if (ev->mask & FAN_ACCESS_PERM) {
				if (write(count_fd, "e", 1) != 1)
					_exit(1);
				if (write(fan, &r, sizeof(r)) != sizeof(r))
					_exit(1);
			}
			close(ev->fd);
		}
	}
}

/* 0 when the scanner watches path, -errno otherwise. */
static int scanner_start(struct scanner *s, const char *path, uint32_t verdict)
{
	int ready[2], count[2], fan;
	char c;

	fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (fan < 0)
		return -errno;
	if (fanotify_mark(fan, FAN_MARK_ADD, FAN_ACCESS_PERM, AT_FDCWD, path) ||
	    pipe2(ready, O_CLOEXEC) || pipe2(count, O_CLOEXEC | O_NONBLOCK)) {
		close(fan);
		return -errno;
	}
	s->pid = fork();
	if (!s->pid) {
		close(ready[0]);
		close(count[0]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		scanner_loop(fan, verdict, count[1]);
	}
	close(fan);
	close(ready[1]);
	close(count[1]);
	s->count_fd = count[0];
	if (s->pid < 0 || read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -ECHILD;
	}
	close(ready[0]);
	return 0;
}

/* Stops the scanner; returns how many access events it answered. */
static int scanner_stop(struct scanner *s)
{
	char buf[256];
	int events = 0;
	ssize_t n;

	while ((n = read(s->count_fd, buf, sizeof(buf))) > 0)
		events += n;
	kill(s->pid, SIGKILL);
	waitpid(s->pid, NULL, 0);
	close(s->count_fd);
	return events;
}

FIXTURE(scan) {
	struct job_ends e;
};

FIXTURE_VARIANT(scan) {
	uint32_t mode;
	const char *file;
};

FIXTURE_VARIANT_ADD(scan, copy) {
	.mode = ZCOPY_MODE_COPY, .file = FILE_1M
};

FIXTURE_VARIANT_ADD(scan, mmap) {
	.mode = ZCOPY_MODE_MMAP, .file = FILE_1M
};

FIXTURE_VARIANT_ADD(scan, sendfile) {
	.mode = ZCOPY_MODE_SENDFILE, .file = FILE_1M
};

FIXTURE_VARIANT_ADD(scan, sg) {
	.mode = ZCOPY_MODE_SG, .file = FILE_1M
};

/* tmpfs: copy only (no ->read_folio for the page modes). */
FIXTURE_VARIANT_ADD(scan, tmpfs_copy) {
	.mode = ZCOPY_MODE_COPY, .file = TMPFS_FILE
};

static int write_pattern(const char *path, size_t size, unsigned int seed)
{
	char buf[65536];
	size_t i, done;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	for (done = 0; done < size; done += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = (char)(seed + (done + i) * 2654435761u / 4096);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -EIO;
		}
	}
	if (fsync(fd)) {
		close(fd);
		return -errno;
	}
	return close(fd) ? -errno : 0;
}

FIXTURE_SETUP(scan)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	if (!strcmp(variant->file, TMPFS_FILE))
		ASSERT_EQ(0, write_pattern(TMPFS_FILE, SIZE_1M, 7));
	ASSERT_EQ(0, ends_open(&self->e));
}

FIXTURE_TEARDOWN(scan)
{
	ends_close(&self->e);
	unlink(TMPFS_FILE);
}

/*
 * One job of the whole file under a scanner answering verdict. The file
 * is opened after the mark: 6.12 decides at open whether a file raises
 * permission events.
 */
static void scanned_job(struct __test_metadata *_metadata,
			struct job_ends *e, const char *file, uint32_t mode,
			uint32_t verdict, struct zcopy_completion *rec,
			struct zcopy_received *got, int *events)
{
	struct scanner scanner;
	uint64_t id;
	int fd;

	ASSERT_EQ(0, scanner_start(&scanner, file, verdict));
	fd = open(file, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, zcopy_submit(e->dev, fd, e->sock, mode, 0, 0, 1, &id));
	ASSERT_EQ(0, zcopy_wait_completion(e->dev, WAIT_MS, rec));
	close(fd);
	*events = scanner_stop(&scanner);
	ASSERT_EQ(0, ends_received(e, got));
}

TEST_F_TIMEOUT(scan, deny_fails_the_job, 120)
{
	struct zcopy_completion rec;
	struct zcopy_received got;
	int events;

	scanned_job(_metadata, &self->e, variant->file, variant->mode,
		    FAN_DENY, &rec, &got, &events);
	EXPECT_EQ(ZCOPY_STATE_FAILED, rec.state);
	EXPECT_EQ(-EPERM, rec.error);
	EXPECT_EQ(0, rec.bytes_sent);
	EXPECT_EQ(0, got.bytes);
	EXPECT_LE(1, events);
}

TEST_F_TIMEOUT(scan, allow_sends_it_all, 120)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_completion rec;
	struct zcopy_received got;
	struct stat st;
	long chunk;
	int events;

	ASSERT_EQ(0, stat(variant->file, &st));
	ASSERT_EQ(st.st_size, zcopy_sha256_file(variant->file, 0, st.st_size,
						want));
	scanned_job(_metadata, &self->e, variant->file, variant->mode,
		    FAN_ALLOW, &rec, &got, &events);
	EXPECT_EQ(ZCOPY_STATE_DONE, rec.state);
	EXPECT_EQ(0, rec.error);
	EXPECT_EQ((uint64_t)st.st_size, rec.bytes_sent);
	EXPECT_EQ((uint64_t)st.st_size, got.bytes);
	EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
	/*
	 * Checked per chunk, as read(2) is per call: at most 64 pages in
	 * copy mode, 256 in the others (kmod/engine.h).
	 */
	chunk = (variant->mode == ZCOPY_MODE_COPY ? 64 : 256) << 12;
	EXPECT_LE((st.st_size + chunk - 1) / chunk, events);
}

/* cgroup2 at CGROOT with the memory and io controllers for children. */
static int cgroup_setup(void)
{
	struct statfs sfs;
	int fd;

	if (statfs(CGROOT, &sfs))
		return -errno;
	if (sfs.f_type != CGROUP2_SUPER_MAGIC &&
	    mount("cgroup2", CGROOT, "cgroup2", 0, NULL))
		return -errno;
	fd = open(CGROOT "/cgroup.subtree_control", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "+memory +io", 11) != 11) {
		close(fd);
		return -errno;
	}
	close(fd);
	return 0;
}

/* The sum of key's values in a cgroup file of "key value" or "k=v" words. */
static int64_t cgroup_sum(const char *cg, const char *file, const char *key)
{
	char path[256], word[256];
	size_t klen = strlen(key);
	int64_t sum = 0;
	FILE *f;

	snprintf(path, sizeof(path), CGROOT "/%s/%s", cg, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fscanf(f, "%255s", word) == 1) {
		long long v;

		if (!strncmp(word, key, klen) && word[klen] == '=')
			sum += atoll(word + klen + 1);
		else if (!strcmp(word, key) && fscanf(f, "%lld", &v) == 1)
			sum += v;
	}
	fclose(f);
	return sum;
}

/* Pages of path in the page cache. */
static long resident_pages(const char *path, size_t size)
{
	size_t i, n = size / 4096;
	unsigned char *vec;
	long in = 0;
	void *map;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	vec = calloc(n, 1);
	if (map == MAP_FAILED || !vec || mincore(map, size, vec)) {
		free(vec);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++)
		in += vec[i] & 1;
	munmap(map, size);
	free(vec);
	return in;
}

/* Moves the calling process into cgroup cg: 0 or -1. */
static int cgroup_enter(const char *cg)
{
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), CGROOT "/%s/cgroup.procs", cg);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, "0", 1) == 1 ? 0 : -1;
	close(fd);
	return ret;
}

/* In a child moved to cg: one job of the whole file; exits 0 if done. */
static void submit_from_cgroup(const char *cg, int sock, uint32_t mode)
{
	struct zcopy_completion rec;
	uint64_t id;
	int dev, file;

	if (cgroup_enter(cg))
		_exit(2);
	dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	file = open(COLD_FILE, O_RDONLY | O_CLOEXEC);
	if (dev < 0 || file < 0 ||
	    zcopy_submit(dev, file, sock, mode, 0, 0, 2, &id) ||
	    zcopy_wait_completion(dev, WAIT_MS, &rec))
		_exit(3);
	_exit(rec.state == ZCOPY_STATE_DONE && rec.bytes_sent == COLD_SIZE ?
	      0 : 4);
}

FIXTURE(cg) {
	char name[64];
	struct job_ends e;
};

FIXTURE_VARIANT(cg) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(cg, copy) { .mode = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(cg, sg) { .mode = ZCOPY_MODE_SG };

FIXTURE_SETUP(cg)
{
	char path[256];
	int fd;

	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, cgroup_setup());
	snprintf(self->name, sizeof(self->name), "zcopy-id-%u", variant->mode);
	snprintf(path, sizeof(path), CGROOT "/%s", self->name);
	rmdir(path);
	ASSERT_EQ(0, mkdir(path, 0755));

	/* Cold: written, on disk, then dropped from the page cache. */
	ASSERT_EQ(0, write_pattern(COLD_FILE, COLD_SIZE, variant->mode));
	fd = open(COLD_FILE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	close(fd);
	ASSERT_EQ(0, resident_pages(COLD_FILE, COLD_SIZE));
	ASSERT_EQ(0, ends_open(&self->e));
}

FIXTURE_TEARDOWN(cg)
{
	char path[256];

	ends_close(&self->e);
	snprintf(path, sizeof(path), CGROOT "/%s", self->name);
	rmdir(path);
	unlink(COLD_FILE);
}

/*
 * The cgroup starts empty; what its file pages and read bytes grow by is
 * the job's. Before, both went to the root cgroups of the kworker.
 */
TEST_F_TIMEOUT(cg, charged_to_submitter, 120)
{
	struct zcopy_received got;
	int64_t file, rbytes;
	int i, status;
	pid_t pid;

	EXPECT_GT(COLD_SIZE / 16, cgroup_sum(self->name, "memory.stat", "file"));

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		submit_from_cgroup(self->name, self->e.sock, variant->mode);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, ends_received(&self->e, &got));
	EXPECT_EQ(COLD_SIZE, got.bytes);

	EXPECT_EQ(COLD_SIZE / 4096, resident_pages(COLD_FILE, COLD_SIZE));
	/* 6.12 flushes small stat updates every 2 s only: wait for that. */
	for (i = 0; i < 50; i++) {
		file = cgroup_sum(self->name, "memory.stat", "file");
		if (file >= COLD_SIZE)
			break;
		usleep(100000);
	}
	rbytes = cgroup_sum(self->name, "io.stat", "rbytes");
	TH_LOG("cgroup file %lld rbytes %lld", (long long)file,
	       (long long)rbytes);
	EXPECT_LE(COLD_SIZE, file);
	EXPECT_LE(COLD_SIZE, rbytes);
}

#define FUSE_DIR	"/tmp/zcopy-id-fuse"
#define FUSE_SIZE	300000

FIXTURE(creds) {
	struct zcopy_fuse fs;
	struct job_ends e;
};

FIXTURE_VARIANT(creds) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(creds, copy) { .mode = ZCOPY_MODE_COPY };
FIXTURE_VARIANT_ADD(creds, mmap) { .mode = ZCOPY_MODE_MMAP };
FIXTURE_VARIANT_ADD(creds, sendfile) { .mode = ZCOPY_MODE_SENDFILE };
FIXTURE_VARIANT_ADD(creds, sg) { .mode = ZCOPY_MODE_SG };

FIXTURE_SETUP(creds)
{
	int ret;

	self->fs.pid = 0;
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ret = zcopy_fuse_start(&self->fs, FUSE_DIR, FUSE_SIZE);
	if (ret == -ENODEV)
		SKIP(return, "no FUSE in this kernel");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, ends_open(&self->e));
}

FIXTURE_TEARDOWN(creds)
{
	uint32_t uid;

	if (!self->fs.pid)
		return;
	ends_close(&self->e);
	if (self->fs.pid > 0)
		zcopy_fuse_stop(&self->fs, &uid, 0);
}

/* In a child: as nobody, one job of the whole FUSE file; 0 if done. */
static void submit_as_nobody(int dev, int sock, uint32_t mode)
{
	struct zcopy_completion rec;
	uint64_t id;
	int file;

	if (zcopy_drop_privileges())
		_exit(2);
	file = open(FUSE_DIR "/" ZCOPY_FUSE_NAME, O_RDONLY | O_CLOEXEC);
	if (file < 0 || zcopy_submit(dev, file, sock, mode, 0, 0, 4, &id) ||
	    zcopy_wait_completion(dev, WAIT_MS, &rec))
		_exit(3);
	_exit(rec.state == ZCOPY_STATE_DONE && rec.bytes_sent == FUSE_SIZE ?
	      0 : 4);
}

/*
 * FUSE sends the reader's fsuid with each READ: every read of the job,
 * page cache misses in the worker included, is nobody's, not root's.
 */
TEST_F_TIMEOUT(creds, reads_as_submitter, 120)
{
	unsigned char want[SHA256_LEN], *data;
	struct zcopy_received got;
	uint32_t uids[1024];
	int i, n, status;
	pid_t pid;

	data = malloc(FUSE_SIZE);
	ASSERT_NE(NULL, data);
	for (i = 0; i < FUSE_SIZE; i++)
		data[i] = zcopy_fuse_byte(i);
	ASSERT_EQ(1, EVP_Digest(data, FUSE_SIZE, want, NULL, EVP_sha256(),
				NULL));
	free(data);

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		submit_as_nobody(self->e.dev, self->e.sock, variant->mode);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, ends_received(&self->e, &got));
	EXPECT_EQ(FUSE_SIZE, got.bytes);
	EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));

	n = zcopy_fuse_stop(&self->fs, uids, 1024);
	self->fs.pid = -1;
	EXPECT_LE(1, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(ZCOPY_NOBODY, uids[i]);
}

FIXTURE(pseudo) {
	struct job_ends e;
};

FIXTURE_SETUP(pseudo)
{
	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, ends_open(&self->e));
}

FIXTURE_TEARDOWN(pseudo)
{
	ends_close(&self->e);
}

static int submit_file(int dev, const char *path, int sock, uint32_t mode)
{
	uint64_t id;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	ret = zcopy_submit(dev, fd, sock, mode, 0, 0, 3, &id);
	close(fd);
	return ret;
}

/* Regular files of sysfs, procfs, debugfs and tracefs, in every mode. */
TEST_F_TIMEOUT(pseudo, refused_in_every_mode, 120)
{
	static const char *const files[] = {
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/uevent_seqnum",
		"/proc/version",
		"/proc/self/status",
		"/sys/kernel/debug/fault_around_bytes",
		"/sys/kernel/tracing/trace_clock",
	};
	unsigned int f, m;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		if (access(files[f], R_OK))
			continue;
		for (m = 0; m < ARRAY_SIZE(modes); m++) {
			TH_LOG("%s mode %u", files[f], modes[m]);
			EXPECT_EQ(-EOPNOTSUPP, submit_file(self->e.dev, files[f],
							   self->e.sock,
							   modes[m]));
		}
	}
	/* THP may be configured out: uevent_seqnum is always there. */
	ASSERT_EQ(0, access(files[1], R_OK));
	ASSERT_EQ(0, access(files[2], R_OK));
}

/* arg: the file and socket descriptors, or NULL for PSEUDO_PATH. */
#define PSEUDO_PATH	"/proc/version"

static int put_submit(struct nl_msg *msg, void *arg)
{
	struct sockaddr_in nowhere = { .sin_family = AF_INET };
	const int *fds = arg;

	if (nla_put_u32(msg, ZCOPY_A_MODE, ZCOPY_MODE_COPY))
		return -1;
	if (!fds)
		return nla_put_string(msg, ZCOPY_A_PATH, PSEUDO_PATH) ||
		       nla_put(msg, ZCOPY_A_ADDR, sizeof(nowhere), &nowhere);
	return nla_put_s32(msg, ZCOPY_A_FILE_FD, fds[0]) ||
	       nla_put_s32(msg, ZCOPY_A_SOCK_FD, fds[1]);
}

/* Netlink: the fd is refused with a message, a path job in its worker. */
TEST_F_TIMEOUT(pseudo, refused_over_netlink, 120)
{
	int fds[2] = { -1, self->e.sock };
	struct zcopy_nl_reply reply = {};
	struct zcopy_nl nl;
	uint64_t id;

	ASSERT_EQ(0, zcopy_nl_open(&nl));
	fds[0] = open("/sys/kernel/uevent_seqnum", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fds[0]);
	EXPECT_EQ(-EOPNOTSUPP, zcopy_nl_request(&nl, ZCOPY_CMD_SUBMIT,
						put_submit, fds, &reply));
	EXPECT_NE(NULL, strstr(reply.extack, "pseudo file system"));
	close(fds[0]);
	zcopy_nl_reply_free(&reply);

	/* Refused before the connect, which would fail otherwise. */
	ASSERT_EQ(0, zcopy_nl_request(&nl, ZCOPY_CMD_SUBMIT, put_submit, NULL,
				      &reply));
	id = zcopy_nl_reply_u64(&reply, ZCOPY_A_ID);
	ASSERT_EQ(ZCOPY_STATE_FAILED, zcopy_nl_wait_job(&nl, id, &reply));
	EXPECT_EQ(-EOPNOTSUPP, (int32_t)nla_get_s32(reply.attrs[ZCOPY_A_ERROR]));
	EXPECT_EQ(0, zcopy_nl_reply_u64(&reply, ZCOPY_A_BYTES_SENT));
	zcopy_nl_reply_free(&reply);
	zcopy_nl_close(&nl);
}

/*
 * tmpfs keeps its data in the page cache: copy reads it (and meets the
 * scanner, see scan.tmpfs_copy); shmem has no ->read_folio for the page
 * modes, which are refused at submission.
 */
TEST_F_TIMEOUT(pseudo, tmpfs_copy_only, 120)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_completion rec;
	struct zcopy_received got;

	unsigned int m;

	ASSERT_EQ(0, write_pattern(TMPFS_FILE, SIZE_1M, 3));
	ASSERT_EQ(SIZE_1M, zcopy_sha256_file(TMPFS_FILE, 0, SIZE_1M, want));
	for (m = 1; m < ARRAY_SIZE(modes); m++)
		EXPECT_EQ(-EOPNOTSUPP, submit_file(self->e.dev, TMPFS_FILE,
						   self->e.sock, modes[m]));
	ASSERT_EQ(0, submit_file(self->e.dev, TMPFS_FILE, self->e.sock,
				 ZCOPY_MODE_COPY));
	ASSERT_EQ(0, zcopy_wait_completion(self->e.dev, WAIT_MS, &rec));
	EXPECT_EQ(ZCOPY_STATE_DONE, rec.state);
	EXPECT_EQ(SIZE_1M, rec.bytes_sent);
	ASSERT_EQ(0, ends_received(&self->e, &got));
	EXPECT_EQ(SIZE_1M, got.bytes);
	EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
	unlink(TMPFS_FILE);
}

/*
 * A job, its kept record and its buffers are charged to the memory cgroup
 * of the process that submitted it: 200 stalled jobs grow its
 * unreclaimable slab by at least 256 bytes each.
 */
TEST(jobs_are_charged_to_the_submitter)
{
	enum { N = 200 };
	static int socks[N];
	struct zcopy_stall_peer peer;
	const char *cg = "zcopy-id-jobs";
	int64_t before, after = 0;
	int ready[2], go[2], i, status;
	char path[256], c;
	pid_t pid;

	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, cgroup_setup());
	snprintf(path, sizeof(path), CGROOT "/%s", cg);
	rmdir(path);
	ASSERT_EQ(0, mkdir(path, 0755));
	/* The sockets are the parent's: only the jobs are the child's. */
	ASSERT_EQ(0, zcopy_stall_listen(&peer));
	for (i = 0; i < N; i++) {
		socks[i] = zcopy_stall_connect(&peer);
		ASSERT_LE(0, socks[i]);
	}
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t id;
		int dev, file;

		if (cgroup_enter(cg))
			_exit(2);
		dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
		file = open("/data/f64m", O_RDONLY | O_CLOEXEC);
		if (dev < 0 || file < 0)
			_exit(3);
		for (i = 0; i < N; i++)
			if (zcopy_submit(dev, file, socks[i], ZCOPY_MODE_SG, 0,
					 0, i, &id))
				_exit(4);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(5);
		_exit(0);
	}
	before = cgroup_sum(cg, "memory.stat", "slab_unreclaimable");
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* 6.12 flushes the cgroup's statistics every 2 s. */
	for (i = 0; i < 50 && after - before < N * 256; i++) {
		usleep(100000);
		after = cgroup_sum(cg, "memory.stat", "slab_unreclaimable");
	}
	TH_LOG("%d jobs: slab_unreclaimable %lld -> %lld", N,
	       (long long)before, (long long)after);
	EXPECT_LE(N * 256, after - before);
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	for (i = 0; i < N; i++)
		close(socks[i]);
	close(peer.listener);
	rmdir(path);
}

TEST_HARNESS_MAIN
