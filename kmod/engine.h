/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transfer engine: moves a job's range to its socket through one of
 * the four modes, a budget of chunks at a time, and accounts what it did.
 */
#ifndef _ZCOPY_ENGINE_H
#define _ZCOPY_ENGINE_H

#include <linux/types.h>

/*
 * Pages a chunk holds at most: page references are handed to TCP a
 * megabyte a call (fewer sends, fewer parks); copy reads 256 KiB into
 * its bounce buffer, which a parked job keeps.
 */
#define ZCOPY_CHUNK_PAGES	256
#define ZCOPY_COPY_CHUNK_PAGES	64

struct zcopy_job;

/* job->xfer for the job's range: 0 or -ENOMEM (then zcopy_xfer_end()). */
int zcopy_xfer_start(struct zcopy_job *job);
void zcopy_xfer_end(struct zcopy_job *job);

/*
 * Sends the header, at most budget chunks of the range, then the
 * trailer: 0 when all of it went, 1 when the budget ran out first,
 * -EAGAIN when the socket is full, or the error.
 */
int zcopy_xfer_run(struct zcopy_job *job, unsigned int budget,
		   bool *progress);

#endif /* _ZCOPY_ENGINE_H */
