// SPDX-License-Identifier: GPL-2.0
/*
 * The observer on a transfer longer than TCP's 32-bit sequence space: a
 * job of a sparse file over 4 GiB (page cache of a disk file, so the VM's
 * small memory reclaims it) is counted to the byte and verified, in sg
 * and copy mode. Marked blocks straddle 2 GiB and 4 GiB, where 32-bit
 * sequence compares and byte counts went wrong; the receiver weighs every
 * word by its stream position, so a byte lost, added or moved shows.
 *
 * ZCOPY_LONG_MIB (in the environment) sizes the file for a slow kernel.
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
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define LONG_FILE	"/data/zcopy-long"
#define MARK_LEN	4096
#define CHUNK		(1 << 20)
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

static uint64_t long_size(void)
{
	const char *mib = getenv("ZCOPY_LONG_MIB");

	if (mib && *mib)
		return strtoull(mib, NULL, 0) << 20;
	/* Over 4 GiB, and neither page- nor word-aligned. */
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
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
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

FIXTURE(observe_long) {
	uint64_t size, sum;
	int dev, file, sock, result;
	pid_t rx;
};

FIXTURE_SETUP(observe_long)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof(a);
	int lfd, p[2];

	self->dev = self->file = self->sock = self->result = -1;
	self->rx = -1;
	ASSERT_EQ(0, zcopy_ensure_loaded());
	self->size = long_size();
	ASSERT_EQ(0, write_long_file(self->size, &self->sum));
	self->file = open(LONG_FILE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->file);
	self->dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, lfd);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&a, &alen));
	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	self->rx = fork();
	ASSERT_LE(0, self->rx);
	if (!self->rx)
		receive(lfd, p[1]);
	close(p[1]);
	self->result = p[0];
	self->sock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->sock);
	ASSERT_EQ(0, connect(self->sock, (struct sockaddr *)&a, sizeof(a)));
	close(lfd);
}

FIXTURE_TEARDOWN(observe_long)
{
	if (self->rx > 0) {
		kill(self->rx, SIGKILL);
		waitpid(self->rx, NULL, 0);
	}
	close(self->sock);
	close(self->result);
	close(self->file);
	close(self->dev);
	unlink(LONG_FILE);
}

static void long_job(struct __test_metadata *_metadata,
		     FIXTURE_DATA(observe_long) *self, uint32_t mode,
		     struct zcopy_completion *rec)
{
	struct long_received got;
	struct timespec t0, t1;
	int status;
	uint64_t id;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, zcopy_submit(self->dev, self->file, self->sock, mode, 0,
				  0, 0, &id));
	ASSERT_EQ(0, zcopy_wait_completion(self->dev, TIMEOUT_MS, rec));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	shutdown(self->sock, SHUT_WR);
	ASSERT_EQ(sizeof(got), read(self->result, &got, sizeof(got)));
	ASSERT_EQ(self->rx, waitpid(self->rx, &status, 0));
	self->rx = -1;
	ASSERT_EQ(0, status);
	TH_LOG("%llu bytes in %.1f s: cpu_copy %llu ref %llu verified %u",
	       (unsigned long long)self->size,
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (unsigned long long)rec->cpu_copy_bytes,
	       (unsigned long long)rec->ref_bytes, rec->verified);

	ASSERT_EQ(ZCOPY_STATE_DONE, rec->state);
	EXPECT_EQ(self->size, rec->bytes_sent);
	EXPECT_EQ(self->size, got.bytes);
	EXPECT_EQ(self->sum, got.sum);
	EXPECT_EQ(1, rec->verified);
}

TEST_F_TIMEOUT(observe_long, sg_job_counted_exactly, 290)
{
	struct zcopy_completion rec;

	long_job(_metadata, self, ZCOPY_MODE_SG, &rec);
	/* Loopback gathers: every byte by reference, none copied. */
	EXPECT_EQ(self->size, rec.ref_bytes);
	EXPECT_EQ(0, rec.cpu_copy_bytes);
}

TEST_F_TIMEOUT(observe_long, copy_job_counted_exactly, 290)
{
	struct zcopy_completion rec;

	long_job(_metadata, self, ZCOPY_MODE_COPY, &rec);
	/* The bounce buffer's read, then the socket's copy of it. */
	EXPECT_EQ(2 * self->size, rec.cpu_copy_bytes);
	EXPECT_EQ(0, rec.ref_bytes);
}

TEST_HARNESS_MAIN
