// SPDX-License-Identifier: GPL-2.0
/*
 * Headers and trailers: a job sends its header, the file range and its
 * trailer as one stream, through the device and netlink alike. The
 * receiver's bytes and SHA-256 must be exactly that stream; the header
 * and trailer count as copied (at submission and into the skb), the
 * range as it would alone; and the header shares its segment with the
 * range's first bytes, which the observer's skb count shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/socket.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define DATA		"/data/"
#define TIMEOUT_MS	120000

/* One job's frame and range, and where it goes. */
struct frame_job {
	const char *file;
	uint32_t mode;
	uint64_t offset, length;	/* length 0: to the end */
	const char *header, *trailer;
	uint32_t header_len, trailer_len;
};

static void fill_pattern(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)('a' + (i * 7 + seed) % 26);
}

static uint64_t file_size(const char *name)
{
	struct stat st;

	return stat(name, &st) ? 0 : st.st_size;
}

/* The range's length once 0 is resolved, as the module does. */
static uint64_t range_len(const struct frame_job *j)
{
	uint64_t size = file_size(j->file), len = size - j->offset;

	return j->length && j->length < len ? j->length : len;
}

/* SHA-256 of the jobs' streams one after another, and their length. */
static uint64_t stream_sha256(const struct frame_job *jobs, unsigned int nr,
			      unsigned char out[SHA256_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint64_t total = 0, len;
	unsigned int i;
	char *buf;
	int fd;

	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < nr; i++) {
		len = range_len(&jobs[i]);
		buf = malloc(len + 1);
		fd = open(jobs[i].file, O_RDONLY | O_CLOEXEC);
		if (!buf || fd < 0 ||
		    pread(fd, buf, len, jobs[i].offset) != (ssize_t)len)
			abort();
		close(fd);
		EVP_DigestUpdate(ctx, jobs[i].header, jobs[i].header_len);
		EVP_DigestUpdate(ctx, buf, len);
		EVP_DigestUpdate(ctx, jobs[i].trailer, jobs[i].trailer_len);
		total += jobs[i].header_len + len + jobs[i].trailer_len;
		free(buf);
	}
	EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return total;
}

static void to_submit(const struct frame_job *j, int fd, int sock,
		      uint64_t user_data, struct zcopy_submit *s)
{
	*s = (struct zcopy_submit) {
		.size = sizeof(*s),
		.file_fd = fd,
		.sock_fd = sock,
		.mode = j->mode,
		.offset = j->offset,
		.length = j->length,
		.user_data = user_data,
		.header = (uintptr_t)j->header,
		.header_len = j->header_len,
		.trailer = (uintptr_t)j->trailer,
		.trailer_len = j->trailer_len,
	};
}

FIXTURE(frame) {
	struct zcopy_xfer c;
	char header[ZCOPY_HEADER_MAX + 1];
	char trailer[ZCOPY_HEADER_MAX];
};

FIXTURE_VARIANT(frame) {
	const char *path;
};

FIXTURE_VARIANT_ADD(frame, loopback) {
	.path = "loopback",
};

FIXTURE_VARIANT_ADD(frame, veth) {
	.path = "veth",
};

FIXTURE_VARIANT_ADD(frame, virtio) {
	.path = "virtio",
};

FIXTURE_SETUP(frame)
{
	uint32_t size = sizeof(struct zcopy_completion);

	ASSERT_EQ(0, zcopy_ensure_loaded());
	/* Records with the frame's lengths. */
	ASSERT_EQ(0, zcopy_xfer_open(&self->c, variant->path, &size));
	ASSERT_EQ(ZCOPY_COMPLETION_SIZE_VER1, size);
	fill_pattern(self->header, sizeof(self->header), 1);
	fill_pattern(self->trailer, sizeof(self->trailer), 2);
	ASSERT_EQ(0, zcopy_xfer_connect(&self->c, RECV_ALL));
}

FIXTURE_TEARDOWN(frame)
{
	zcopy_xfer_close(&self->c);
}

/* The receiver got exactly the jobs' streams, in order. */
static void check_received(struct __test_metadata *_metadata,
			   struct zcopy_xfer *c,
			   const struct frame_job *jobs, unsigned int nr)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_received got;
	uint64_t total;

	total = stream_sha256(jobs, nr, want);
	close(c->sock);
	c->sock = -1;
	ASSERT_EQ(0, zcopy_receiver_wait(&c->rx, &got));
	ASSERT_EQ(total, got.bytes);
	ASSERT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));
}

/* What one done job's record says of its frame and range. */
static void check_record(struct __test_metadata *_metadata,
			 struct zcopy_xfer *c,
			 const struct frame_job *j,
			 const struct zcopy_completion *rec)
{
	uint64_t len = range_len(j), frame = j->header_len + j->trailer_len;
	bool sg = zcopy_path_has_sg(c->path);

	TH_LOG("%s +%u+%u: sent %llu cpu %llu ref %llu skbs %llu verified %u",
	       j->file, j->header_len, j->trailer_len,
	       (unsigned long long)rec->bytes_sent,
	       (unsigned long long)rec->cpu_copy_bytes,
	       (unsigned long long)rec->ref_bytes,
	       (unsigned long long)rec->skbs, rec->verified);
	ASSERT_EQ(ZCOPY_STATE_DONE, rec->state);
	EXPECT_EQ(0, rec->error);
	EXPECT_EQ(len, rec->length);
	EXPECT_EQ(j->header_len, rec->header_len);
	EXPECT_EQ(j->trailer_len, rec->trailer_len);
	EXPECT_EQ(frame + len, rec->bytes_sent);
	ASSERT_EQ(1, rec->verified);
	/* The frame twice: into the module, then into the skb. */
	switch (j->mode) {
	case ZCOPY_MODE_COPY:
		EXPECT_EQ(2 * frame + 2 * len, rec->cpu_copy_bytes);
		EXPECT_EQ(0, rec->ref_bytes);
		break;
	case ZCOPY_MODE_SG:
		EXPECT_EQ(2 * frame + (sg ? 0 : len), rec->cpu_copy_bytes);
		EXPECT_EQ(sg ? len : 0, rec->ref_bytes);
		break;
	}
}

static void submit_wait(struct __test_metadata *_metadata,
			struct zcopy_xfer *c, const struct frame_job *j,
			struct zcopy_completion *rec)
{
	struct zcopy_submit s;
	int fd;

	fd = open(j->file, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	to_submit(j, fd, c->sock, 7, &s);
	ASSERT_EQ(0, ioctl(c->dev, ZCOPY_IOC_SUBMIT, &s));
	close(fd);
	ASSERT_EQ(0, zcopy_wait_completion(c->dev, TIMEOUT_MS, rec));
	ASSERT_EQ(s.id, rec->id);
}

TEST_F_TIMEOUT(frame, header_range_trailer, 200)
{
	static const uint32_t modes[] = { ZCOPY_MODE_SG, ZCOPY_MODE_COPY };
	struct frame_job jobs[ARRAY_SIZE(modes)];
	struct zcopy_completion rec;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		jobs[i] = (struct frame_job) {
			.file = DATA "f100000",
			.mode = modes[i],
			.offset = 1000,
			.header = self->header,
			.header_len = 300 + i,
			.trailer = self->trailer,
			.trailer_len = 50 + i,
		};
		submit_wait(_metadata, &self->c, &jobs[i], &rec);
		check_record(_metadata, &self->c, &jobs[i], &rec);
	}
	check_received(_metadata, &self->c, jobs, ARRAY_SIZE(jobs));
}

#define MIN_TSO_SEGS	"/proc/sys/net/ipv4/tcp_min_tso_segs"

/*
 * A 200-byte header and a page of file in one skb: sent without MSG_MORE
 * the header would leave alone, as nothing is in flight to hold it back.
 * Over virtio-net TCP sizes a TSO skb by its pacing rate, as low as
 * tcp_min_tso_segs (2) MSS when the host is slow to answer: 4,296 bytes
 * then leave as 2 skbs (seen under load). 16 keeps that out of the count.
 */
TEST_F_TIMEOUT(frame, header_shares_first_segment, 120)
{
	struct frame_job j = {
		.file = DATA "f4096",
		.mode = ZCOPY_MODE_SG,
		.header = self->header,
		.header_len = 200,
	};
	struct zcopy_completion rec;
	char saved[16] = "2";
	FILE *f = fopen(MIN_TSO_SEGS, "r");

	if (f) {
		if (!fgets(saved, sizeof(saved), f))
			strcpy(saved, "2");
		fclose(f);
	}
	ASSERT_EQ(0, zcopy_write_file(MIN_TSO_SEGS, "16", 0));
	submit_wait(_metadata, &self->c, &j, &rec);
	zcopy_write_file(MIN_TSO_SEGS, saved, 0);
	check_record(_metadata, &self->c, &j, &rec);
	EXPECT_EQ(1, rec.skbs);
	check_received(_metadata, &self->c, &j, 1);
}

/* An offset at the end of the file: header and trailer alone. */
TEST_F_TIMEOUT(frame, empty_range, 120)
{
	struct frame_job jobs[] = {
		{
			.file = DATA "f4096",
			.mode = ZCOPY_MODE_SG,
			.offset = 4096,
			.header = self->header,
			.header_len = 100,
			.trailer = self->trailer,
			.trailer_len = 10,
		}, {
			.file = DATA "f0",
			.mode = ZCOPY_MODE_COPY,
			.trailer = self->trailer,
			.trailer_len = 4000,
		},
	};
	struct zcopy_completion rec;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(jobs); i++) {
		submit_wait(_metadata, &self->c, &jobs[i], &rec);
		check_record(_metadata, &self->c, &jobs[i], &rec);
	}
	check_received(_metadata, &self->c, jobs, ARRAY_SIZE(jobs));
}

/* The most a header and a trailer may hold, behind a megabyte. */
TEST_F_TIMEOUT(frame, largest_frame, 200)
{
	struct frame_job j = {
		.file = DATA "f1m1",
		.mode = ZCOPY_MODE_SG,
		.header = self->header,
		.header_len = ZCOPY_HEADER_MAX,
		.trailer = self->trailer,
		.trailer_len = ZCOPY_HEADER_MAX,
	};
	struct zcopy_completion rec;

	submit_wait(_metadata, &self->c, &j, &rec);
	check_record(_metadata, &self->c, &j, &rec);
	check_received(_metadata, &self->c, &j, 1);
}

/* A batch keeps the order of its jobs on one socket, frames included. */
TEST_F_TIMEOUT(frame, batch_in_order, 120)
{
	struct frame_job jobs[3];
	struct zcopy_submit s[ARRAY_SIZE(jobs)];
	struct zcopy_submit_batch b = {
		.size = sizeof(b),
		.count = ARRAY_SIZE(jobs),
		.jobs = (uintptr_t)s,
		.entry_size = sizeof(s[0]),
	};
	struct zcopy_completion rec;
	unsigned int i, done = 0;
	int fd;

	fd = open(DATA "f100000", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	for (i = 0; i < ARRAY_SIZE(jobs); i++) {
		jobs[i] = (struct frame_job) {
			.file = DATA "f100000",
			.mode = ZCOPY_MODE_SG,
			.offset = i * 3000,
			.length = 5000 + i,
			.header = self->header + i,
			.header_len = 120 + i,
			.trailer = self->trailer + i,
			.trailer_len = 2 + i,
		};
		to_submit(&jobs[i], fd, self->c.sock, i, &s[i]);
	}
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, &b));
	ASSERT_EQ(ARRAY_SIZE(jobs), b.count);
	close(fd);
	for (i = 0; i < ARRAY_SIZE(jobs); i++) {
		ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS,
						   &rec));
		ASSERT_GT(ARRAY_SIZE(jobs), rec.user_data);
		check_record(_metadata, &self->c, &jobs[rec.user_data], &rec);
		done |= 1U << rec.user_data;
	}
	EXPECT_EQ(7, done);
	check_received(_metadata, &self->c, jobs, ARRAY_SIZE(jobs));
}

/* Refused before anything is sent: the socket stays clean. */
TEST_F(frame, bad_frames)
{
	struct frame_job j = {
		.file = DATA "f4096",
		.mode = ZCOPY_MODE_SG,
		.header = self->header,
		.header_len = ZCOPY_HEADER_MAX + 1,
	};
	struct zcopy_submit s;
	int fd;

	fd = open(j.file, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	to_submit(&j, fd, self->c.sock, 0, &s);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(E2BIG, errno);

	s.header_len = 0;
	s.trailer_len = ZCOPY_HEADER_MAX + 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(E2BIG, errno);

	s.trailer_len = 10;
	s.trailer = 8;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
	check_received(_metadata, &self->c, NULL, 0);
}

/* Old callers: a VER0 struct has no frame and sends the range alone. */
TEST_F_TIMEOUT(frame, ver0_has_no_frame, 120)
{
	struct frame_job j = {
		.file = DATA "f4097",
		.mode = ZCOPY_MODE_SG,
	};
	struct zcopy_completion rec;
	struct zcopy_submit s;
	int fd;

	fd = open(j.file, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	to_submit(&j, fd, self->c.sock, 0, &s);
	s.size = ZCOPY_SUBMIT_SIZE_VER0;
	s.header = (uintptr_t)self->header;	/* beyond VER0: not read */
	s.header_len = 10;
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	close(fd);
	ASSERT_EQ(0, zcopy_wait_completion(self->c.dev, TIMEOUT_MS, &rec));
	check_record(_metadata, &self->c, &j, &rec);
	check_received(_metadata, &self->c, &j, 1);
}

struct nl_frame {
	const struct frame_job *job;
	int fd, sock;
};

static int put_frame_submit(struct nl_msg *msg, void *arg)
{
	const struct nl_frame *a = arg;
	const struct frame_job *j = a->job;
	int ret = 0;

	ret |= nla_put_s32(msg, ZCOPY_A_FILE_FD, a->fd);
	ret |= nla_put_s32(msg, ZCOPY_A_SOCK_FD, a->sock);
	ret |= nla_put_u32(msg, ZCOPY_A_MODE, j->mode);
	ret |= nla_put_u64(msg, ZCOPY_A_OFFSET, j->offset);
	if (j->header)
		ret |= nla_put(msg, ZCOPY_A_HEADER, j->header_len, j->header);
	if (j->trailer)
		ret |= nla_put(msg, ZCOPY_A_TRAILER, j->trailer_len,
			       j->trailer);
	return ret;
}

/* Netlink: the largest attributes it can carry, and an empty one. */
TEST_F_TIMEOUT(frame, netlink, 200)
{
	struct frame_job jobs[] = {
		{
			.file = DATA "f100000",
			.mode = ZCOPY_MODE_SG,
			.header = self->header,
			.header_len = ZCOPY_NL_HEADER_MAX,
			.trailer = self->trailer,
			.trailer_len = ZCOPY_NL_HEADER_MAX,
		}, {
			.file = DATA "f4096",
			.mode = ZCOPY_MODE_SG,
			.header = self->header,
			.header_len = 0,
			.trailer = self->trailer,
			.trailer_len = 33,
		},
	};
	struct zcopy_nl_reply reply;
	struct zcopy_nl nl;
	struct nl_frame a;
	unsigned int i;
	uint64_t id;

	ASSERT_EQ(0, zcopy_nl_open(&nl));
	/* A request must hold two attributes of 64 KiB. */
	nlmsg_set_default_size(256 * 1024);
	ASSERT_EQ(0, nl_socket_set_buffer_size(nl.sk, 512 * 1024, 512 * 1024));
	for (i = 0; i < ARRAY_SIZE(jobs); i++) {
		a = (struct nl_frame) { .job = &jobs[i], .sock = self->c.sock };
		a.fd = open(jobs[i].file, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, a.fd);
		ASSERT_EQ(0, zcopy_nl_request(&nl, ZCOPY_CMD_SUBMIT,
					      put_frame_submit, &a, &reply));
		ASSERT_EQ(0, reply.error);
		id = zcopy_nl_reply_u64(&reply, ZCOPY_A_ID);
		zcopy_nl_reply_free(&reply);
		close(a.fd);
		ASSERT_EQ(ZCOPY_STATE_DONE, zcopy_nl_wait_job(&nl, id, &reply));
		ASSERT_NE(NULL, reply.attrs[ZCOPY_A_HEADER_LEN]);
		ASSERT_NE(NULL, reply.attrs[ZCOPY_A_TRAILER_LEN]);
		EXPECT_EQ(jobs[i].header_len,
			  nla_get_u32(reply.attrs[ZCOPY_A_HEADER_LEN]));
		EXPECT_EQ(jobs[i].trailer_len,
			  nla_get_u32(reply.attrs[ZCOPY_A_TRAILER_LEN]));
		EXPECT_EQ(jobs[i].header_len + range_len(&jobs[i]) +
			  jobs[i].trailer_len,
			  zcopy_nl_reply_u64(&reply, ZCOPY_A_BYTES_SENT));
		zcopy_nl_reply_free(&reply);
	}
	zcopy_nl_close(&nl);
	check_received(_metadata, &self->c, jobs, ARRAY_SIZE(jobs));
}

TEST_HARNESS_MAIN
