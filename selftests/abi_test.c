// SPDX-License-Identifier: GPL-2.0
/*
 * The character device's ABI rules (Documentation/zcopy.rst): structures
 * of every size from VER0 to a page, the size bits of the command number
 * ignored, batches strided by entry_size, and completion records that
 * carry their size and version.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define FILE_1M		"/data/f1m1"
#define WAIT_MS		60000
#define MAX_JOBS	8
#define ID_OFF		offsetof(struct zcopy_submit, id)
#define STRIDE		(sizeof(struct zcopy_submit) + 8)

/* The same command with another size encoded in its number. */
static unsigned long resized(unsigned long cmd, unsigned int size)
{
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

struct abi_ctx {
	int dev;
	int file;
	struct zcopy_receiver rx;
	int sock;
	size_t page;
	char *guarded;		/* a page, then a page that faults */
	unsigned int nr_jobs;	/* submitted, records not read yet */
	uint64_t ids[MAX_JOBS];
	uint64_t lengths[MAX_JOBS];	/* by user_data */
};

FIXTURE(abi) {
	struct abi_ctx c;
};

FIXTURE_SETUP(abi)
{
	self->c.page = sysconf(_SC_PAGESIZE);
	ASSERT_EQ(0, zcopy_ensure_loaded());
	self->c.dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	self->c.file = open(FILE_1M, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->c.file);
	ASSERT_EQ(0, zcopy_receiver_start(&self->c.rx, &zcopy_paths[0],
					  RECV_ALL));
	self->c.sock = zcopy_connect(&zcopy_paths[0], self->c.rx.port);
	ASSERT_LE(0, self->c.sock);
	self->c.guarded = mmap(NULL, 2 * self->c.page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->c.guarded);
	ASSERT_EQ(0, mprotect(self->c.guarded + self->c.page, self->c.page,
			      PROT_NONE));
}

FIXTURE_TEARDOWN(abi)
{
	munmap(self->c.guarded, 2 * self->c.page);
	close(self->c.sock);
	zcopy_receiver_kill(&self->c.rx);
	close(self->c.file);
	close(self->c.dev);
}

/* len bytes ending right before the guard page, zeroed. */
static void *guarded_tail(struct abi_ctx *self, size_t len)
{
	char *p = self->guarded + self->page - len;

	memset(p, 0, len);
	return p;
}

/* Job number n (user_data n + 1) sends 1000 * (n + 1) bytes. */
static void fill_job(struct abi_ctx *self, void *buf, uint32_t size)
{
	unsigned int n = self->nr_jobs;
	struct zcopy_submit s = {
		.size = size,
		.file_fd = self->file,
		.sock_fd = self->sock,
		.mode = ZCOPY_MODE_SG,
		.length = 1000 * (n + 1),
		.user_data = n + 1,
	};

	/* A short struct's buffer may end at the guard page. */
	memcpy(buf, &s, size >= ZCOPY_SUBMIT_SIZE_VER0 && size < sizeof(s) ?
	       size : sizeof(s));
}

/* The job fill_job() described was taken with the id at ID_OFF of buf. */
static void took_job(struct __test_metadata *_metadata,
		     struct abi_ctx *self, const void *buf)
{
	uint64_t id;

	ASSERT_GT(MAX_JOBS, self->nr_jobs);
	memcpy(&id, (const char *)buf + ID_OFF, sizeof(id));
	EXPECT_NE(0, id);
	self->lengths[self->nr_jobs] = 1000 * (self->nr_jobs + 1);
	self->ids[self->nr_jobs++] = id;
}

/* One record of rsize bytes is one of our jobs, done, with its size. */
static void check_record(struct __test_metadata *_metadata,
			 struct abi_ctx *self,
			 const struct zcopy_completion *rec, size_t rsize)
{
	uint64_t n = rec->user_data - 1;

	EXPECT_EQ(rsize, rec->size);
	EXPECT_EQ(ZCOPY_COMPLETION_VERSION, rec->version);
	EXPECT_EQ(0, rec->reserved);
	ASSERT_GT(self->nr_jobs, n);
	EXPECT_EQ(self->ids[n], rec->id);
	EXPECT_EQ(ZCOPY_STATE_DONE, rec->state);
	EXPECT_EQ(self->lengths[n], rec->bytes_sent);
	self->lengths[n] = 0;
}

/* Every submitted job's record, rsize bytes each, several per read(). */
static void check_records(struct __test_metadata *_metadata,
			  struct abi_ctx *self, size_t rsize)
{
	struct pollfd pfd = { .fd = self->dev, .events = POLLIN };
	size_t room = (MAX_JOBS + 1) * rsize;
	char *buf = calloc(1, room);
	unsigned int got = 0, i;
	ssize_t n;

	ASSERT_NE(NULL, buf);
	while (got < self->nr_jobs) {
		ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS));
		/* Room for a part of one more: only whole records come. */
		n = read(self->dev, buf, room - 1);
		ASSERT_LT(0, n) TH_LOG("read: %s", strerror(errno));
		ASSERT_EQ(0, n % rsize);
		for (i = 0; i < n / rsize; i++)
			check_record(_metadata, self,
				     (void *)(buf + i * rsize), rsize);
		got += n / rsize;
	}
	free(buf);
	EXPECT_EQ(self->nr_jobs, got);
	for (i = 0; i < self->nr_jobs; i++)
		EXPECT_EQ(0, self->lengths[i]) TH_LOG("job %u: no record", i);
	self->nr_jobs = 0;
}

TEST_F_TIMEOUT(abi, submit_of_every_size_from_ver0_to_a_page, 120)
{
	uint32_t sizes[] = {
		ZCOPY_SUBMIT_SIZE_VER0, sizeof(struct zcopy_submit) + 8,
		self->c.page,
	};
	char *buf = calloc(1, self->c.page);
	unsigned int i;
	void *s;

	ASSERT_NE(NULL, buf);
	/* VER0 flush against a fault: nothing past its size is read. */
	s = guarded_tail(&self->c, ZCOPY_SUBMIT_SIZE_VER0);
	fill_job(&self->c, s, ZCOPY_SUBMIT_SIZE_VER0);
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, s));
	took_job(_metadata, &self->c, s);
	/* Newer callers' structs, their unknown tail zero. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(buf, 0, self->c.page);
		fill_job(&self->c, buf, sizes[i]);
		ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, buf))
			TH_LOG("size %u: %s", sizes[i], strerror(errno));
		took_job(_metadata, &self->c, buf);
	}
	free(buf);
	check_records(_metadata, &self->c, ZCOPY_COMPLETION_SIZE_VER0);
}

TEST_F_TIMEOUT(abi, submit_size_limits, 120)
{
	char *buf = calloc(1, self->c.page);
	char rec[ZCOPY_COMPLETION_SIZE_VER0];
	void *s;

	ASSERT_NE(NULL, buf);
	fill_job(&self->c, buf, ZCOPY_SUBMIT_SIZE_VER0 - 1);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, buf));
	EXPECT_EQ(EINVAL, errno);
	fill_job(&self->c, buf, 0);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, buf));
	EXPECT_EQ(EINVAL, errno);
	/* A byte the module does not know, at the very end of a page. */
	fill_job(&self->c, buf, self->c.page);
	buf[self->c.page - 1] = 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, buf));
	EXPECT_EQ(E2BIG, errno);
	free(buf);

	/* Beyond a page: refused before the tail, which faults, is read. */
	s = guarded_tail(&self->c, sizeof(struct zcopy_submit));
	fill_job(&self->c, s, self->c.page + 1);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, s));
	EXPECT_EQ(E2BIG, errno);
	fill_job(&self->c, s, UINT32_MAX);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, s));
	EXPECT_EQ(E2BIG, errno);
	/* Within a page, the tail is read: it faults. */
	fill_job(&self->c, s, self->c.page);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, s));
	EXPECT_EQ(EFAULT, errno);

	/* None of them started a job. */
	ASSERT_EQ(0, fcntl(self->c.dev, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, read(self->c.dev, rec, sizeof(rec)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F_TIMEOUT(abi, command_number_size_bits_are_ignored, 120)
{
	const uint32_t sizes[] = {
		0, 8, ZCOPY_SUBMIT_SIZE_VER0 + 100, _IOC_SIZEMASK,
	};
	struct zcopy_submit_batch b = {
		.size = sizeof(b), .count = 1,
		.entry_size = sizeof(struct zcopy_submit),
	};
	struct zcopy_submit s;
	uint64_t id = UINT64_MAX;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill_job(&self->c, &s, sizeof(s));
		ASSERT_EQ(0, ioctl(self->c.dev,
				   resized(ZCOPY_IOC_SUBMIT, sizes[i]), &s))
			TH_LOG("size bits %u: %s", sizes[i], strerror(errno));
		took_job(_metadata, &self->c, &s);
	}
	fill_job(&self->c, &s, sizeof(s));
	b.jobs = (uintptr_t)&s;
	ASSERT_EQ(0, ioctl(self->c.dev, resized(ZCOPY_IOC_SUBMIT_BATCH, 0),
			   &b));
	EXPECT_EQ(1, b.count);
	took_job(_metadata, &self->c, &s);
	check_records(_metadata, &self->c, ZCOPY_COMPLETION_SIZE_VER0);

	/* The command is known: the id is not. */
	EXPECT_EQ(-1, ioctl(self->c.dev, resized(ZCOPY_IOC_CANCEL, 0), &id));
	EXPECT_EQ(ENOENT, errno);
	/* Another direction is another command. */
	fill_job(&self->c, &s, sizeof(s));
	EXPECT_EQ(-1, ioctl(self->c.dev, _IOR(ZCOPY_IOC_MAGIC,
					      _IOC_NR(ZCOPY_IOC_SUBMIT),
					      struct zcopy_submit), &s));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->c.dev, _IOW(ZCOPY_IOC_MAGIC,
					      _IOC_NR(ZCOPY_IOC_VERSION),
					      struct zcopy_version), &s));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, s.id);
}

/* VERSION has no size field: the command's is the caller's. */
TEST_F(abi, version_size_is_the_commands)
{
	unsigned char buf[ZCOPY_VERSION_SIZE_VER0 + 24];
	struct zcopy_version *ver = (void *)buf;
	unsigned int i;

	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, ioctl(self->c.dev,
			   resized(ZCOPY_IOC_VERSION, sizeof(buf)), buf));
	EXPECT_EQ(2, ver->abi_version);
	EXPECT_NE(0, ver->modes);
	EXPECT_NE(NULL, memchr(ver->release, 0, sizeof(ver->release)));
	for (i = sizeof(*ver); i < sizeof(buf); i++)
		EXPECT_EQ(0, buf[i]) TH_LOG("byte %u", i);

	/* VER0 flush against a fault: nothing more is written. */
	ver = guarded_tail(&self->c, ZCOPY_VERSION_SIZE_VER0);
	ASSERT_EQ(0, ioctl(self->c.dev,
			   resized(ZCOPY_IOC_VERSION, ZCOPY_VERSION_SIZE_VER0),
			   ver));
	EXPECT_EQ(ZCOPY_ABI_VERSION, ver->abi_version);

	EXPECT_EQ(-1, ioctl(self->c.dev,
			    resized(ZCOPY_IOC_VERSION,
				    ZCOPY_VERSION_SIZE_VER0 - 1), buf));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->c.dev,
			    resized(ZCOPY_IOC_VERSION, self->c.page + 1),
			    buf));
	EXPECT_EQ(E2BIG, errno);
}

/* count entries of stride bytes, the last flush against the guard page. */
static void batch_of_stride(struct __test_metadata *_metadata,
			    struct abi_ctx *self, uint32_t stride,
			    unsigned int count)
{
	struct zcopy_submit_batch b = {
		.size = sizeof(b), .count = count, .entry_size = stride,
	};
	char *entries = guarded_tail(self, count * stride);
	char *want = malloc(count * stride);
	unsigned int i, first = self->nr_jobs;
	uint64_t id;

	ASSERT_NE(NULL, want);
	for (i = 0; i < count; i++) {
		fill_job(self, entries + i * stride, stride);
		self->nr_jobs++;
	}
	self->nr_jobs = first;
	memcpy(want, entries, count * stride);
	b.jobs = (uintptr_t)entries;
	ASSERT_EQ(0, ioctl(self->dev, ZCOPY_IOC_SUBMIT_BATCH, &b))
		TH_LOG("stride %u: %s", stride, strerror(errno));
	EXPECT_EQ(count, b.count);
	/* Each id at its entry's ID_OFF, every other byte as it was. */
	for (i = 0; i < count; i++) {
		took_job(_metadata, self, entries + i * stride);
		memcpy(&id, entries + i * stride + ID_OFF, sizeof(id));
		memcpy(want + i * stride + ID_OFF, &id, sizeof(id));
	}
	EXPECT_EQ(0, memcmp(want, entries, count * stride));
	free(want);
}

TEST_F_TIMEOUT(abi, batch_strides_by_entry_size, 120)
{
	batch_of_stride(_metadata, &self->c, ZCOPY_SUBMIT_SIZE_VER0, 2);
	batch_of_stride(_metadata, &self->c, sizeof(struct zcopy_submit) + 8, 3);
	batch_of_stride(_metadata, &self->c, 200, 3);
	check_records(_metadata, &self->c, ZCOPY_COMPLETION_SIZE_VER0);
}

TEST_F_TIMEOUT(abi, batch_of_ver0_and_bad_entry_sizes, 120)
{
	const uint32_t stride = STRIDE;
	struct zcopy_submit_batch *b;
	char entries[2 * STRIDE];
	uint64_t id;

	memset(entries, 0, sizeof(entries));
	fill_job(&self->c, entries, stride);
	fill_job(&self->c, entries + stride, ZCOPY_SUBMIT_SIZE_VER0);
	/* A VER0 batch, flush against a fault: VER0 entries, 56 apart. */
	b = guarded_tail(&self->c, ZCOPY_SUBMIT_BATCH_SIZE_VER0);
	b->size = ZCOPY_SUBMIT_BATCH_SIZE_VER0;
	b->count = 1;
	b->jobs = (uintptr_t)(entries + stride);
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(1, b->count);
	took_job(_metadata, &self->c, entries + stride);

	/* The second entry's own size disagrees: the batch stops there. */
	b = guarded_tail(&self->c, sizeof(*b));
	*b = (struct zcopy_submit_batch) {
		.size = sizeof(*b), .count = 2, .jobs = (uintptr_t)entries,
		.entry_size = stride,
	};
	fill_job(&self->c, entries, stride);
	memset(entries + stride + ID_OFF, 0, sizeof(id));
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(1, b->count);
	took_job(_metadata, &self->c, entries);
	memcpy(&id, entries + stride + ID_OFF, sizeof(id));
	EXPECT_EQ(0, id);
	check_records(_metadata, &self->c, ZCOPY_COMPLETION_SIZE_VER0);

	b->count = 1;
	b->jobs = (uintptr_t)(entries + stride);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(EINVAL, errno);
	b->entry_size = ZCOPY_SUBMIT_SIZE_VER0 - 8;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(EINVAL, errno);
	b->entry_size = self->c.page + 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(E2BIG, errno);
	b->entry_size = sizeof(struct zcopy_submit);
	b->reserved = 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(EINVAL, errno);
	b->reserved = 0;
	b->size = self->c.page + 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(E2BIG, errno);
	b->size = ZCOPY_SUBMIT_BATCH_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT_BATCH, b));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F_TIMEOUT(abi, records_have_the_size_the_reader_asked_for, 120)
{
	const uint32_t ksize = sizeof(struct zcopy_completion);
	struct zcopy_submit s;
	uint32_t size;

	/* Never asked: VER0 records. */
	fill_job(&self->c, &s, sizeof(s));
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	took_job(_metadata, &self->c, &s);
	fill_job(&self->c, &s, sizeof(s));
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	took_job(_metadata, &self->c, &s);
	check_records(_metadata, &self->c, ZCOPY_COMPLETION_SIZE_VER0);

	size = ZCOPY_COMPLETION_SIZE_VER0 - 1;
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SET_RECORD_SIZE, &size));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(ZCOPY_COMPLETION_SIZE_VER0 - 1, size);
	EXPECT_EQ(-1, ioctl(self->c.dev, ZCOPY_IOC_SET_RECORD_SIZE, NULL));
	EXPECT_EQ(EFAULT, errno);
	size = ZCOPY_COMPLETION_SIZE_VER0;
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SET_RECORD_SIZE, &size));
	EXPECT_EQ(ZCOPY_COMPLETION_SIZE_VER0, size);

	/* A newer reader gets the module's size, and is told so. */
	size = UINT32_MAX;
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SET_RECORD_SIZE, &size));
	EXPECT_EQ(ksize, size);
	fill_job(&self->c, &s, sizeof(s));
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	took_job(_metadata, &self->c, &s);
	check_records(_metadata, &self->c, ksize);

	/* Back to the size an old reader knows. */
	size = ZCOPY_COMPLETION_SIZE_VER0;
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SET_RECORD_SIZE, &size));
	fill_job(&self->c, &s, sizeof(s));
	ASSERT_EQ(0, ioctl(self->c.dev, ZCOPY_IOC_SUBMIT, &s));
	took_job(_metadata, &self->c, &s);
	check_records(_metadata, &self->c, ZCOPY_COMPLETION_SIZE_VER0);
}

TEST_HARNESS_MAIN
