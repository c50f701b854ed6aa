// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the module's four modes through /dev/zcopy, one job per
 * transfer, or K jobs in one ZCOPY_IOC_SUBMIT_BATCH (the _batch methods).
 * The module runs the jobs of one socket in submission order, so a batch
 * sends the file K times back to back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"
#include "job.h"
#include "util.h"

static int dev_setup(struct bench_cell *cell)
{
	unsigned int i, k = cell->per_call;
	int err;

	cell->dev_fd = job_dev_open(0);
	if (cell->dev_fd < 0) {
		err = errno;
		return bench_fail(cell, err == ENOENT || err == ENODEV ||
				  err == ENXIO || err == EACCES || err == EPERM,
				  err, err == ENOENT ?
				  JOB_DEV_PATH " (zcopy module not loaded?)" :
				  JOB_DEV_PATH);
	}
	cell->submits = calloc(k, sizeof(*cell->submits));
	cell->recs = calloc(k, sizeof(*cell->recs));
	if (!cell->submits || !cell->recs)
		return bench_fail(cell, false, ENOMEM, "calloc");
	for (i = 0; i < k; i++) {
		cell->submits[i] = (struct zcopy_submit) {
			.size = sizeof(struct zcopy_submit),
			.file_fd = cell->file_fd,
			.sock_fd = cell->sock_fd,
			.mode = (__u32)cell->method->mode,
			.length = cell->size,
			.user_data = i,
		};
	}
	return 0;
}

/* Read nr records (several per read() when they are there). */
static int read_records(struct bench_cell *cell, unsigned int nr,
			struct bench_counts *k)
{
	const size_t rsize = sizeof(struct zcopy_completion);
	unsigned int got = 0;
	ssize_t n;

	while (got < nr) {
		n = read(cell->dev_fd, &cell->recs[got], (nr - got) * rsize);
		k->syscalls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bench_fail(cell, false, errno,
					  "reading completions");
		if (!n || (size_t)n % rsize)
			return bench_fail(cell, false, EPROTO,
					  "reading completions");
		got += (unsigned int)((size_t)n / rsize);
	}
	return 0;
}

static int add_records(struct bench_cell *cell, unsigned int nr,
		       struct bench_counts *k)
{
	const struct zcopy_completion *rec;
	unsigned int i;
	char what[64];

	for (i = 0; i < nr; i++) {
		rec = &cell->recs[i];
		if (!job_dev_record_ok(rec))
			return bench_fail(cell, false, EPROTO,
					  "reading completions");
		if (rec->state != ZCOPY_STATE_DONE) {
			snprintf(what, sizeof(what), "job %llu %s",
				 (unsigned long long)rec->id,
				 rec->state == ZCOPY_STATE_CANCELLED ?
				 "cancelled" : "failed");
			return bench_fail(cell, false,
					  rec->error ? -rec->error : EIO, what);
		}
		if (rec->bytes_sent != cell->size)
			return bench_fail(cell, false, EIO, "short transfer");
		k->records++;
		k->records_verified += !!rec->verified;
		k->rec_cpu_ns += rec->cpu_ns;
		k->rec_context_switches += rec->context_switches;
		k->rec_cpu_copy_bytes += rec->cpu_copy_bytes;
		k->rec_ref_bytes += rec->ref_bytes;
		k->rec_dma_in_bytes += rec->dma_in_bytes;
		k->rec_dma_out_bytes += rec->dma_out_bytes;
	}
	return 0;
}

static int dev_transfer(struct bench_cell *cell, unsigned int nr,
			struct bench_counts *k)
{
	struct zcopy_submit_batch batch = {
		.size = sizeof(batch),
		.count = nr,
		.jobs = (uintptr_t)cell->submits,
		.entry_size = sizeof(*cell->submits),
	};
	unsigned int accepted = nr;
	int ret, err;

	if (cell->method->batch) {
		ret = ioctl(cell->dev_fd, ZCOPY_IOC_SUBMIT_BATCH, &batch);
		accepted = batch.count;
	} else {
		ret = ioctl(cell->dev_fd, ZCOPY_IOC_SUBMIT, &cell->submits[0]);
	}
	k->syscalls++;
	if (ret < 0)
		return bench_fail(cell, false, errno, cell->method->batch ?
				  "ZCOPY_IOC_SUBMIT_BATCH" : "ZCOPY_IOC_SUBMIT");
	/* Those taken run and complete, refused or not the rest. */
	err = read_records(cell, accepted, k);
	if (err)
		return err;
	if (accepted < nr)
		return bench_fail(cell, false, EAGAIN,
				  "ZCOPY_IOC_SUBMIT_BATCH took part of it");
	return add_records(cell, accepted, k);
}

static void dev_teardown(struct bench_cell *cell)
{
	if (cell->dev_fd >= 0)
		close(cell->dev_fd);
	cell->dev_fd = -1;
	free(cell->submits);
	free(cell->recs);
	cell->submits = NULL;
	cell->recs = NULL;
}

#define ZCOPY_METHOD(_name, _mode, _batch) {	\
	.name = _name,				\
	.module = true,				\
	.mode = _mode,				\
	.batch = _batch,			\
	.setup = dev_setup,			\
	.transfer = dev_transfer,		\
	.teardown = dev_teardown,		\
}

const struct bench_method bench_zcopy_methods[] = {
	ZCOPY_METHOD("zcopy_copy", ZCOPY_MODE_COPY, false),
	ZCOPY_METHOD("zcopy_mmap", ZCOPY_MODE_MMAP, false),
	ZCOPY_METHOD("zcopy_sendfile", ZCOPY_MODE_SENDFILE, false),
	ZCOPY_METHOD("zcopy_sg", ZCOPY_MODE_SG, false),
	ZCOPY_METHOD("zcopy_copy_batch", ZCOPY_MODE_COPY, true),
	ZCOPY_METHOD("zcopy_mmap_batch", ZCOPY_MODE_MMAP, true),
	ZCOPY_METHOD("zcopy_sendfile_batch", ZCOPY_MODE_SENDFILE, true),
	ZCOPY_METHOD("zcopy_sg_batch", ZCOPY_MODE_SG, true),
};

const unsigned int bench_nr_zcopy_methods = ARRAY_SIZE(bench_zcopy_methods);
