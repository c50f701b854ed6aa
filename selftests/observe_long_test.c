// SPDX-License-Identifier: GPL-2.0
/*
 * The observer on a transfer longer than TCP's 32-bit sequence space: a
 * job of a sparse file over 4 GiB (page cache of a disk file, so the VM's
 * small memory reclaims it) is counted to the byte and verified, in sg
 * and copy mode. Marked blocks straddle 2 GiB and 4 GiB, where 32-bit
 * sequence compares and byte counts went wrong; the receiver weighs every
 * word by its stream position, so a byte lost, added or moved shows.
 *
 * ZCOPY_LONG_MIB (in the environment) sizes the file by hand.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define LONG_FILE	"/data/zcopy-long"
#define MARK_LEN	4096
#define CHUNK		(1024 * 1024)
#define TIMEOUT_MS	280000

/* What the receiver got: bytes, and the position-weighted word sum. */
struct long_received {
	uint64_t bytes;
	uint64_t sum;
};

/* Words are weighted by their index + 1: zero words weigh nothing. */
static uint64_t weigh(const unsigned char *buf, size_t len, uint64_t pos)
{
	uint64_t sum = 0, w;
	size_t i;

	for (i = 0; i < len; i += 8) {
		memcpy(&w, buf + i, 8);
		if (w)
			sum += w * ((pos + i) / 8 + 1);
	}
	return sum;
}

/*
 * Over 4 GiB, and neither page- nor word-aligned. The debug kernel
 * (KASAN, lockdep, kmemleak) moves under 15 MiB/s under TCG: 4 GiB does
 * not fit the 300 s a test program has, so it sends 256 MiB, which checks
 * the same code under the sanitizers but not the sequence wrap.
 */
static uint64_t long_size(void)
{
	const char *mib = getenv("ZCOPY_LONG_MIB");
	struct utsname u;

	if (mib && *mib)
		return strtoull(mib, NULL, 0) << 20;
	if (!uname(&u) && strstr(u.release, "debug"))
		return (256ULL << 20) + 12345;
	return (4ULL << 30) + CHUNK + 12345;
}

static void mark(unsigned char *m, uint64_t off)
{
	size_t i;

	for (i = 0; i < MARK_LEN; i++)
		m[i] = (unsigned char)((off >> 20) * 31 + i * 7 + 1);
}

/*
 * The marks: the start, across 2 GiB and 4 GiB (when the file reaches
 * them), and the end. Written into the sparse file, and their weighed sum
 * returned; offsets are 8-aligned but the last.
 */
static int write_long_file(uint64_t size, uint64_t *sum)
{
	const uint64_t at[] = { 0, (2ULL << 30) - MARK_LEN / 2,
				(4ULL << 30) - MARK_LEN / 2, size - MARK_LEN };
	unsigned char m[MARK_LEN + 16];
	size_t i;
	int fd;

	fd = open(LONG_FILE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size))
		goto err;
	*sum = 0;
	for (i = 0; i < ARRAY_SIZE(at); i++) {
		uint64_t head;

		if (at[i] + MARK_LEN > size)
			continue;
		mark(m, at[i]);
		if (pwrite(fd, m, MARK_LEN, at[i]) != MARK_LEN)
			goto err;
		/* Weigh from the word the mark starts in, zero-padded. */
		head = at[i] % 8;
		memmove(m + head, m, MARK_LEN);
		memset(m, 0, head);
		memset(m + head + MARK_LEN, 0, 8);
		*sum += weigh(m, (head + MARK_LEN + 7) / 8 * 8, at[i] - head);
	}
	if (fsync(fd))
		goto err;
	close(fd);
	return 0;
err:
	i = errno;
	close(fd);
	return -(int)i;
}

/* Reads to EOF in whole chunks (MSG_WAITALL), then reports on fd out. */
static void receive(int lfd, int out)
{
	struct long_received r = { 0, 0 };
	unsigned char *buf = malloc(CHUNK + 8);
	int c = accept(lfd, NULL, NULL);
	ssize_t n;

	if (!buf || c < 0)
		_exit(1);
	while ((n = recv(c, buf, CHUNK, MSG_WAITALL)) > 0) {
		memset(buf + n, 0, 8);
		r.sum += weigh(buf, n, r.bytes);
		r.bytes += n;
	}
	if (n < 0 || write(out, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

/* The file, what it weighs, the job's device and socket, the receiver. */
struct long_xfer {
	uint64_t size, sum;
	int dev, file, sock, result;
	pid_t rx;
};

FIXTURE(observe_long) {
	struct long_xfer x;
};

FIXTURE_SETUP(observe_long)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int lfd, p[2];

	self->x.dev = -1;
	self->x.file = -1;
	self->x.sock = -1;
	self->x.result = -1;
	self->x.rx = -1;
	ASSERT_EQ(0, zcopy_ensure_loaded());
	self->x.size = long_size();
	ASSERT_EQ(0, write_long_file(self->x.size, &self->x.sum));
	self->x.file = open(LONG_FILE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->x.file);
	self->x.dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->x.dev);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, lfd);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &alen));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->x.rx = fork();
	ASSERT_LE(0, self->x.rx);
	if (!self->x.rx)
		receive(lfd, p[1]);
	close(p[1]);
	self->x.result = p[0];
	self->x.sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->x.sock);
	ASSERT_EQ(0, connect(self->x.sock, (struct sockaddr *)&a, sizeof(a)));
	close(lfd);
}

FIXTURE_TEARDOWN(observe_long)
{
	if (self->x.rx > 0) {
		kill(self->x.rx, SIGKILL);
		waitpid(self->x.rx, NULL, 0);
	}
	close(self->x.sock);
	close(self->x.result);
	close(self->x.file);
	close(self->x.dev);
	unlink(LONG_FILE);
}

static void long_job(struct __test_metadata *_metadata,
		     struct long_xfer *x, uint32_t mode,
		     struct zcopy_completion *rec)
{
	struct long_received got;
	double t0, took;
	int status;
	uint64_t id;

	t0 = zcopy_now();
	ASSERT_EQ(0, zcopy_submit(x->dev, x->file, x->sock, mode, 0,
				  0, 0, &id));
	ASSERT_EQ(0, zcopy_wait_completion(x->dev, TIMEOUT_MS, rec));
	took = zcopy_now() - t0;
	shutdown(x->sock, SHUT_WR);
	ASSERT_EQ(sizeof(got), read(x->result, &got, sizeof(got)));
	ASSERT_EQ(x->rx, waitpid(x->rx, &status, 0));
	x->rx = -1;
	ASSERT_EQ(0, status);
	TH_LOG("%llu bytes in %.1f s: cpu_copy %llu ref %llu verified %u",
	       (unsigned long long)x->size,
	       took,
	       (unsigned long long)rec->cpu_copy_bytes,
	       (unsigned long long)rec->ref_bytes, rec->verified);

	ASSERT_EQ(ZCOPY_STATE_DONE, rec->state);
	EXPECT_EQ(x->size, rec->bytes_sent);
	EXPECT_EQ(x->size, got.bytes);
	EXPECT_EQ(x->sum, got.sum);
	EXPECT_EQ(1, rec->verified);
}

TEST_F_TIMEOUT(observe_long, sg_job_counted_exactly, 290)
{
	struct zcopy_completion rec;

	long_job(_metadata, &self->x, ZCOPY_MODE_SG, &rec);
	/* Loopback gathers: every byte by reference, none copied. */
	EXPECT_EQ(self->x.size, rec.ref_bytes);
	EXPECT_EQ(0, rec.cpu_copy_bytes);
}

TEST_F_TIMEOUT(observe_long, copy_job_counted_exactly, 290)
{
	struct zcopy_completion rec;

	long_job(_metadata, &self->x, ZCOPY_MODE_COPY, &rec);
	/* The bounce buffer's read, then the socket's copy of it. */
	EXPECT_EQ(2 * self->x.size, rec.cpu_copy_bytes);
	EXPECT_EQ(0, rec.ref_bytes);
}

TEST_HARNESS_MAIN
