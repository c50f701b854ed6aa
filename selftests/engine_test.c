// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer engine: every mode over loopback, veth and virtio-net; the
 * receiver's byte count and SHA-256 must equal the file range's, and the
 * statistics must say what each mode really did.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define DATA		"/data/"
#define PAGE		4096ULL
#define TIMEOUT_MS	300000

struct xfer {
	int dev;
	const struct zcopy_path *path;
	bool sg;
	uint32_t mode;
};

FIXTURE(engine) {
	struct xfer x;
};

FIXTURE_VARIANT(engine) {
	uint32_t mode;
	const char *path;
};

FIXTURE_VARIANT_ADD(engine, copy_loopback) {
	.mode = ZCOPY_MODE_COPY,
	.path = "loopback",
};

FIXTURE_VARIANT_ADD(engine, copy_veth) {
	.mode = ZCOPY_MODE_COPY,
	.path = "veth",
};

FIXTURE_VARIANT_ADD(engine, copy_virtio) {
	.mode = ZCOPY_MODE_COPY,
	.path = "virtio",
};

FIXTURE_VARIANT_ADD(engine, mmap_loopback) {
	.mode = ZCOPY_MODE_MMAP,
	.path = "loopback",
};

FIXTURE_VARIANT_ADD(engine, mmap_veth) {
	.mode = ZCOPY_MODE_MMAP,
	.path = "veth",
};

FIXTURE_VARIANT_ADD(engine, mmap_virtio) {
	.mode = ZCOPY_MODE_MMAP,
	.path = "virtio",
};

FIXTURE_VARIANT_ADD(engine, sendfile_loopback) {
	.mode = ZCOPY_MODE_SENDFILE,
	.path = "loopback",
};

FIXTURE_VARIANT_ADD(engine, sendfile_veth) {
	.mode = ZCOPY_MODE_SENDFILE,
	.path = "veth",
};

FIXTURE_VARIANT_ADD(engine, sendfile_virtio) {
	.mode = ZCOPY_MODE_SENDFILE,
	.path = "virtio",
};

FIXTURE_VARIANT_ADD(engine, sg_loopback) {
	.mode = ZCOPY_MODE_SG,
	.path = "loopback",
};

FIXTURE_VARIANT_ADD(engine, sg_veth) {
	.mode = ZCOPY_MODE_SG,
	.path = "veth",
};

FIXTURE_VARIANT_ADD(engine, sg_virtio) {
	.mode = ZCOPY_MODE_SG,
	.path = "virtio",
};

FIXTURE_SETUP(engine)
{
	struct xfer *x = &self->x;

	ASSERT_EQ(0, zcopy_ensure_loaded());
	x->dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, x->dev);
	x->path = zcopy_path_by_name(variant->path);
	ASSERT_NE(NULL, x->path);
	x->sg = zcopy_path_has_sg(x->path);
	x->mode = variant->mode;
	TH_LOG("%s: scatter/gather %s", x->path->dev, x->sg ? "on" : "off");
}

FIXTURE_TEARDOWN(engine)
{
	close(self->x.dev);
}

static uint64_t file_size(const char *name)
{
	struct stat st;

	return stat(name, &st) ? 0 : st.st_size;
}

/*
 * Send [off, off + len) of file (len 0: to the end) and check the bytes
 * the receiver got and every statistic the mode and path determine.
 */
static void check_transfer(struct __test_metadata *_metadata,
			   const struct xfer *x, const char *file,
			   uint64_t off, uint64_t len)
{
	unsigned char want[SHA256_LEN];
	struct zcopy_completion rec;
	struct zcopy_received got;
	struct zcopy_receiver rx;
	uint64_t size = file_size(file), expect, id, pages;
	int fd, sock;

	expect = size - off;
	if (len && len < expect)
		expect = len;
	ASSERT_EQ((int64_t)expect, zcopy_sha256_file(file, off, expect, want));

	ASSERT_EQ(0, zcopy_receiver_start(&rx, x->path, RECV_ALL));
	sock = zcopy_connect(x->path, rx.port);
	ASSERT_LE(0, sock);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);

	ASSERT_EQ(0, zcopy_submit(x->dev, fd, sock, x->mode, off, len,
				  0xfeed, &id));
	ASSERT_EQ(0, zcopy_wait_completion(x->dev, TIMEOUT_MS, &rec));
	close(sock);
	close(fd);
	ASSERT_EQ(0, zcopy_receiver_wait(&rx, &got));

	TH_LOG("%s [%llu, +%llu): sent %llu cpu %llu ref %llu dma_out %llu",
	       file, (unsigned long long)off, (unsigned long long)len,
	       (unsigned long long)rec.bytes_sent,
	       (unsigned long long)rec.cpu_copy_bytes,
	       (unsigned long long)rec.ref_bytes,
	       (unsigned long long)rec.dma_out_bytes);
	TH_LOG("  skbs %llu frags %llu dev %s verified %u",
	       (unsigned long long)rec.skbs, (unsigned long long)rec.frags,
	       rec.egress_dev, rec.verified);

	EXPECT_EQ(id, rec.id);
	EXPECT_EQ(0xfeed, rec.user_data);
	EXPECT_EQ(x->mode, rec.mode);
	ASSERT_EQ(ZCOPY_STATE_DONE, rec.state);
	EXPECT_EQ(0, rec.error);
	EXPECT_EQ(off, rec.offset);
	EXPECT_EQ(expect, rec.length);
	ASSERT_EQ(expect, rec.bytes_sent);
	ASSERT_EQ(expect, got.bytes);
	ASSERT_EQ(0, memcmp(want, got.sha256, SHA256_LEN));

	/* Every byte was seen leaving: the copy counts are measured. */
	ASSERT_EQ(1, rec.verified);
	switch (x->mode) {
	case ZCOPY_MODE_COPY:
		EXPECT_EQ(2 * expect, rec.cpu_copy_bytes);
		EXPECT_EQ(0, rec.ref_bytes);
		break;
	case ZCOPY_MODE_MMAP:
	case ZCOPY_MODE_SENDFILE:
		EXPECT_EQ(expect, rec.cpu_copy_bytes);
		EXPECT_EQ(0, rec.ref_bytes);
		break;
	case ZCOPY_MODE_SG:
		EXPECT_EQ(x->sg ? 0 : expect, rec.cpu_copy_bytes);
		EXPECT_EQ(x->sg ? expect : 0, rec.ref_bytes);
		break;
	}
	/* A bus device gathers by DMA, from frags or from the linear area. */
	EXPECT_EQ(x->path->dma ? expect : 0, rec.dma_out_bytes);
	if (expect) {
		EXPECT_STREQ(x->path->dev, rec.egress_dev);
		EXPECT_LT(0, rec.skbs);
		/* Without SG the stack linearised every segment. */
		EXPECT_EQ(x->sg, rec.frags > 0);
	} else {
		EXPECT_EQ(0, rec.skbs);
	}

	pages = expect ? (off + expect - 1) / PAGE - off / PAGE + 1 : 0;
	EXPECT_EQ(pages, rec.cache_hit_pages + rec.cache_miss_pages);
	EXPECT_EQ(2, rec.syscalls);
	EXPECT_LE(rec.queued_ns, rec.start_ns);
	EXPECT_LE(rec.start_ns, rec.end_ns);
}

TEST_F_TIMEOUT(engine, edge_sizes, 300)
{
	static const char * const files[] = {
		"f0", "f1", "f4095", "f4096", "f4097", "f100000", "f1m1",
		"sparse16m",
	};
	char name[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		snprintf(name, sizeof(name), DATA "%s", files[i]);
		check_transfer(_metadata, &self->x, name, 0, 0);
	}
}

TEST_F_TIMEOUT(engine, random_ranges, 300)
{
	uint64_t size = file_size(DATA "f1m1"), off, len;
	unsigned int seed = time(NULL), i;

	TH_LOG("seed %u", seed);
	srand(seed);
	for (i = 0; i < 4; i++) {
		off = (uint64_t)rand() % size;
		len = 1 + (uint64_t)rand() % (size - off);
		check_transfer(_metadata, &self->x, DATA "f1m1", off, len);
	}
	/* A range running past the end stops at the end. */
	check_transfer(_metadata, &self->x, DATA "f4097", 4000, 1 << 20);
	/* An empty range at the very end. */
	check_transfer(_metadata, &self->x, DATA "f4097", 4097, 0);
}

TEST_F_TIMEOUT(engine, file_64m, 600)
{
	check_transfer(_metadata, &self->x, DATA "f64m", 0, 0);
}

/*
 * With scatter/gather switched off on virtio-net, TCP cannot keep page
 * references: the observer sees linear segments, and sg must report every
 * byte as copied.
 */
FIXTURE(nosg) {
	struct xfer x;
};

FIXTURE_SETUP(nosg)
{
	self->x.path = zcopy_path_by_name("virtio");
	self->x.mode = ZCOPY_MODE_SG;
	ASSERT_EQ(0, zcopy_ensure_loaded());
	self->x.dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->x.dev);
	/* QEMU's hub backend offers no SG to switch off: then it is off. */
	if (zcopy_ethtool_set(self->x.path->dev, ETHTOOL_SSG, false))
		ASSERT_FALSE(zcopy_path_has_sg(self->x.path));
}

FIXTURE_TEARDOWN(nosg)
{
	zcopy_ethtool_set(self->x.path->dev, ETHTOOL_SSG, true);
	close(self->x.dev);
}

TEST_F_TIMEOUT(nosg, sg_over_a_device_without_scatter_gather, 300)
{
	self->x.sg = zcopy_path_has_sg(self->x.path);
	ASSERT_FALSE(self->x.sg);
	check_transfer(_metadata, &self->x, DATA "f1m1", 0, 0);
}

TEST_HARNESS_MAIN
