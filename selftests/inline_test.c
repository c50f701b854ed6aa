// SPDX-License-Identifier: GPL-2.0
/*
 * ZCOPY_SUBMIT_INLINE: the submit call runs the job's first steps itself.
 * A response that fits its socket has been sent, seen leaving and
 * recorded when the call returns; one that does not parks and goes on in
 * a worker, the call returning at once; a job behind another on its
 * socket still waits its turn. Every stream is checked by its SHA-256.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define F4096		"/data/f4096"
#define F1M1		"/data/f1m1"
#define SIZE_1M1	1048577
#define TIMEOUT_MS	120000

static const char header[] = "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n";

/* SHA-256 of a header, then of whole files one after another. */
static int64_t stream_sha256(const char *head, const char *const *files,
			     unsigned int nr, unsigned char out[SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int64_t total = strlen(head);
	char buf[65536];
	unsigned int i;
	ssize_t n;
	int fd;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, head, strlen(head));
	for (i = 0; i < nr; i++) {
		fd = open(files[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			total = -errno;
			break;
		}
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(ctx, buf, n);
			total += n;
		}
		close(fd);
	}
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return total;
}

/* Whether a completion record waits on the device, without waiting. */
static bool record_ready(int dev)
{
	struct pollfd p = { .fd = dev, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

FIXTURE(inline_jobs) {
	struct zcopy_xfer c;
};

FIXTURE_VARIANT(inline_jobs) {
	const char *path;
};

FIXTURE_VARIANT_ADD(inline_jobs, loopback) {
	.path = "loopback",
};

FIXTURE_VARIANT_ADD(inline_jobs, veth) {
	.path = "veth",
};

FIXTURE_VARIANT_ADD(inline_jobs, virtio) {
	.path = "virtio",
};

FIXTURE_SETUP(inline_jobs)
{
	uint32_t size = sizeof(struct zcopy_completion);

	ASSERT_EQ(0, zcopy_ensure_loaded());
	ASSERT_EQ(0, zcopy_xfer_open(&self->c, variant->path, &size));
}

FIXTURE_TEARDOWN(inline_jobs)
{
	zcopy_xfer_close(&self->c);
}

static void submit(struct __test_metadata *_metadata, int dev,
		   const char *file, int sock, uint32_t flags,
		   const char *head, struct zcopy_submit *s)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	*s = (struct zcopy_submit) {
		.size = sizeof(*s),
		.file_fd = fd,
		.sock_fd = sock,
		.mode = ZCOPY_MODE_SG,
		.flags = flags,
		.header = (uintptr_t)head,
		.header_len = head ? strlen(head) : 0,
	};
	ASSERT_EQ(0, ioctl(dev, ZCOPY_IOC_SUBMIT, s));
	close(fd);
}

/* The receiver got exactly head and the files, in that order. */
static void check_stream(struct __test_metadata *_metadata,
			 struct zcopy_xfer *c, const char *head,
			 const char *const *files, unsigned int nr)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	int64_t total;

	total = stream_sha256(head, files, nr, want);
	ASSERT_LT(0, total);
	close(c->sock);
	c->sock = -1;
	ASSERT_EQ(0, zcopy_receiver_wait(&c->rx, &got));
	c->rx.pid = 0;
	EXPECT_EQ(total, got.bytes);
	EXPECT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
}

/*
 * A header and a page fit any socket: they leave during the call, the
 * observer sees them at the device in it, and the record is waiting when
 * the call returns. (Without the flag a worker sends them after.)
 */
TEST_F_TIMEOUT(inline_jobs, fits_the_socket_done_in_the_call, 120)
{
	static const char *const files[] = { F4096 };
	struct zcopy_completion rec;
	struct zcopy_submit s;
	bool ready;

	ASSERT_EQ(0, zcopy_xfer_connect(&self->c, RECV_ALL));
	submit(_metadata, self->c.dev, F4096, self->c.sock, ZCOPY_SUBMIT_INLINE,
	       header, &s);
	ready = record_ready(self->c.dev);
	ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS, &rec));
	TH_LOG("%s: ready at return %d, cpu %llu ns, switches %llu",
	       variant->path, ready, (unsigned long long)rec.cpu_ns,
	       (unsigned long long)rec.context_switches);
	EXPECT_TRUE(ready);
	EXPECT_EQ(s.id, rec.id);
	ASSERT_EQ(ZCOPY_STATE_DONE, rec.state);
	EXPECT_EQ(strlen(header) + 4096, rec.bytes_sent);
	EXPECT_EQ(1, rec.verified);
	check_stream(_metadata, &self->c, header, files, 1);
}

/*
 * A peer that reads nothing: the job parks on its full socket, and the
 * call returns with it still running; a cancel ends it.
 */
TEST_F_TIMEOUT(inline_jobs, full_socket_parks_and_returns, 120)
{
	struct zcopy_stall_peer peer;
	struct zcopy_completion rec;
	struct zcopy_submit s;
	int sock;

	ASSERT_EQ(0, zcopy_stall_listen(&peer));
	sock = zcopy_stall_connect(&peer);
	ASSERT_LE(0, sock);
	submit(_metadata, self->c.dev, F1M1, sock, ZCOPY_SUBMIT_INLINE, NULL,
	       &s);
	EXPECT_FALSE(record_ready(self->c.dev));
	EXPECT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_CANCEL, &s.id));
	ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS, &rec));
	EXPECT_EQ(s.id, rec.id);
	EXPECT_EQ(ZCOPY_STATE_CANCELLED, rec.state);
	EXPECT_GT(SIZE_1M1, rec.bytes_sent);
	close(sock);
	close(peer.listener);
}

/* A slow reader: begun in the call, the megabyte ends in a worker, whole. */
TEST_F_TIMEOUT(inline_jobs, rest_goes_on_in_a_worker, 120)
{
	static const char *const files[] = { F1M1 };
	struct zcopy_completion rec;
	struct zcopy_submit s;

	ASSERT_EQ(0, zcopy_xfer_connect(&self->c, RECV_SLOW));
	submit(_metadata, self->c.dev, F1M1, self->c.sock, ZCOPY_SUBMIT_INLINE,
	       NULL, &s);
	ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS, &rec));
	EXPECT_EQ(s.id, rec.id);
	ASSERT_EQ(ZCOPY_STATE_DONE, rec.state);
	EXPECT_EQ(SIZE_1M1, rec.bytes_sent);
	check_stream(_metadata, &self->c, "", files, 1);
}

/*
 * Behind a megabyte going to a slow reader, an inline job waits its turn:
 * it is not sent in its call, and the stream has the two in order. (The
 * records may come in either order: the first lets the second go once it
 * has queued its last byte, then waits for it to leave.)
 */
TEST_F_TIMEOUT(inline_jobs, waits_its_turn, 120)
{
	static const char *const files[] = { F1M1, F4096 };
	struct zcopy_completion rec[2];
	struct zcopy_submit first, second;

	ASSERT_EQ(0, zcopy_xfer_connect(&self->c, RECV_SLOW));
	submit(_metadata, self->c.dev, F1M1, self->c.sock, 0, NULL, &first);
	submit(_metadata, self->c.dev, F4096, self->c.sock, ZCOPY_SUBMIT_INLINE,
	       NULL, &second);
	EXPECT_FALSE(record_ready(self->c.dev));
	ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS, &rec[0]));
	ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS, &rec[1]));
	if (rec[0].id == second.id) {
		struct zcopy_completion t = rec[0];

		rec[0] = rec[1];
		rec[1] = t;
	}
	EXPECT_EQ(first.id, rec[0].id);
	EXPECT_EQ(second.id, rec[1].id);
	EXPECT_EQ(ZCOPY_STATE_DONE, rec[0].state);
	EXPECT_EQ(ZCOPY_STATE_DONE, rec[1].state);
	EXPECT_EQ(SIZE_1M1, rec[0].bytes_sent);
	EXPECT_EQ(4096, rec[1].bytes_sent);
	check_stream(_metadata, &self->c, "", files, 2);
}

TEST_HARNESS_MAIN
