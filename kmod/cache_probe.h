/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-cache hits and misses of a job's range: a page is a hit when it was
 * present and up to date the first time the job looked, before any read
 * the job made could bring it in.
 */
#ifndef _ZCOPY_CACHE_PROBE_H
#define _ZCOPY_CACHE_PROBE_H

#include <linux/fs.h>
#include <linux/types.h>

struct zcopy_cache_probe {
	struct file *file;
	struct file_ra_state *job_ra;	/* readahead the engine does */
	pgoff_t end;			/* past the range's last page */
	pgoff_t looked;			/* pages before it were looked at */
	pgoff_t counted;		/* pages before it were counted */
	unsigned int nbits;
	unsigned long *missed;		/* ring of bits, page % nbits */
	unsigned long small;		/* the ring of a range this short */
};

int zcopy_cache_probe_init(struct zcopy_cache_probe *p, struct file *file,
			   struct file_ra_state *job_ra, loff_t start,
			   loff_t end);
/*
 * Counts the pages of [pos, pos + len) not counted before. found: the
 * chunk's first pages the caller just found up to date, reading in the
 * rest itself with readahead from the first missing one; a chunk found
 * whole (the hot path) looks at nothing more. 0 also serves a reader
 * whose readahead runs ahead of it by itself (kernel_read()).
 */
void zcopy_cache_probe_chunk(struct zcopy_cache_probe *p, loff_t pos,
			     size_t len, unsigned int found,
			     unsigned int *hits, unsigned int *misses);
void zcopy_cache_probe_exit(struct zcopy_cache_probe *p);

#endif /* _ZCOPY_CACHE_PROBE_H */
