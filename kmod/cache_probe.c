// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache hits and misses of a job, counted so that they agree with the
 * reads the job made: readahead the job starts (page_cache_sync_ra() with
 * job->ra, filemap_read() with file->f_ra) reads pages ahead of the chunk
 * being sent, and a later look at those pages would find them present.
 *
 * So each page is looked at once, before any read of the job can reach it,
 * and what was seen is kept in a ring of bits until its chunk is counted.
 * Readahead from index i of a chunk reads below i + 2 * max_pages on 6.1
 * and 6.12 (ondemand/async ra: the next window starts at most one window
 * past i; forced ra: one window from i), where max_pages is ra_pages, the
 * current window size, or bdi io_pages for large requests. The look runs
 * that far past the chunk's end, capped at ZCOPY_PROBE_AHEAD_MAX pages.
 */
#include <linux/backing-dev.h>
#include <linux/bitmap.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/slab.h>

#include "cache_probe.h"
#include "engine.h"

/*
 * 16 MiB: twice the largest io_pages of common disks (virtio-blk and
 * NVMe: 1280 KiB or less). Readahead reaching past the look (larger
 * io_pages or read_ahead_kb) makes its pages count as hits.
 */
#define ZCOPY_PROBE_AHEAD_MAX	4096UL

static unsigned long zcopy_probe_reach(struct zcopy_cache_probe *p)
{
	struct backing_dev_info *bdi = inode_to_bdi(p->file->f_mapping->host);
	struct file_ra_state *f_ra = &p->file->f_ra;
	unsigned long max_pages;

	/* FADV_SEQUENTIAL doubles f_ra.ra_pages; a window may be larger. */
	max_pages = max3(READ_ONCE(bdi->io_pages),
			 (unsigned long)READ_ONCE(f_ra->ra_pages),
			 (unsigned long)READ_ONCE(f_ra->size));
	max_pages = max3(max_pages, (unsigned long)p->job_ra->ra_pages,
			 (unsigned long)p->job_ra->size);
	return min(2 * max_pages, ZCOPY_PROBE_AHEAD_MAX);
}

static void zcopy_probe_mark(struct zcopy_cache_probe *p, pgoff_t from,
			     pgoff_t to, bool missed)
{
	for (; from < to; from++)
		__assign_bit(from % p->nbits, p->missed, missed);
}

/*
 * Look at [looked, to): a page absent, or present but not up to date
 * (being read, or a failed read), is missed: the job waits for a read.
 */
static void zcopy_probe_look(struct zcopy_cache_probe *p, pgoff_t to)
{
	pgoff_t next = p->looked, index = p->looked;
	struct folio_batch fbatch;
	unsigned int i;

	folio_batch_init(&fbatch);
	while (next < to &&
	       filemap_get_folios(p->file->f_mapping, &index, to - 1, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];
			pgoff_t start = max(folio->index, next);
			pgoff_t end = min(folio_next_index(folio), to);

			if (start >= end)
				continue;
			zcopy_probe_mark(p, next, start, true);
			zcopy_probe_mark(p, start, end,
					 !folio_test_uptodate(folio));
			next = end;
		}
		folio_batch_release(&fbatch);
	}
	zcopy_probe_mark(p, next, to, true);
	p->looked = to;
}

int zcopy_cache_probe_init(struct zcopy_cache_probe *p, struct file *file,
			   struct file_ra_state *job_ra, loff_t start,
			   loff_t end)
{
	p->file = file;
	p->job_ra = job_ra;
	p->looked = start >> PAGE_SHIFT;
	p->counted = p->looked;
	p->end = (end + PAGE_SIZE - 1) >> PAGE_SHIFT;
	/* A ring as long as the range has no two of its pages on one bit. */
	p->nbits = min_t(pgoff_t, ZCOPY_PROBE_AHEAD_MAX + ZCOPY_CHUNK_PAGES,
			 max_t(pgoff_t, p->end - p->looked, 1));
	if (p->nbits <= BITS_PER_LONG) {
		p->small = 0;
		p->missed = &p->small;
		return 0;
	}
	p->missed = bitmap_zalloc(p->nbits, GFP_KERNEL_ACCOUNT);
	return p->missed ? 0 : -ENOMEM;
}

/*
 * Counts [first, last). eager: look ahead of every piece as far as a
 * read may reach (readahead windows grow as the job goes on), for a
 * caller about to read; else the caller found every page up to date and
 * reads nothing: look only at pages nobody looked at.
 */
static void zcopy_probe_count(struct zcopy_cache_probe *p, pgoff_t first,
			      pgoff_t last, bool eager, unsigned int *hits,
			      unsigned int *misses)
{
	/* In pieces the ring holds with the look ahead of them. */
	while (first < last) {
		pgoff_t piece = min_t(pgoff_t, last, first + ZCOPY_CHUNK_PAGES);
		pgoff_t to = min(piece + zcopy_probe_reach(p), p->end);

		if (eager ? max(to, piece) > p->looked : piece > p->looked)
			zcopy_probe_look(p, max(to, piece));
		for (; first < piece; first++) {
			if (test_bit(first % p->nbits, p->missed))
				(*misses)++;
			else
				(*hits)++;
		}
	}
	p->counted = last;
}

void zcopy_cache_probe_chunk(struct zcopy_cache_probe *p, loff_t pos,
			     size_t len, unsigned int found,
			     unsigned int *hits, unsigned int *misses)
{
	pgoff_t first = max_t(pgoff_t, pos >> PAGE_SHIFT, p->counted);
	pgoff_t last = (pos + len + PAGE_SIZE - 1) >> PAGE_SHIFT;
	pgoff_t found_end = min_t(pgoff_t, (pos >> PAGE_SHIFT) + found, last);

	*hits = 0;
	*misses = 0;
	if (!len || first >= last)
		return;
	/* Pages skipped over were never counted: the look starts here. */
	p->looked = max(p->looked, first);
	/*
	 * Up to date just now and never looked at: this job's reads reach
	 * only pages it looked at first, so they were there before it.
	 */
	if (found_end > p->looked) {
		zcopy_probe_mark(p, p->looked, found_end, false);
		p->looked = found_end;
	}
	/* A page is missing: the caller reads, ahead as far as reach. */
	zcopy_probe_count(p, first, last, found_end < last, hits, misses);
}

void zcopy_cache_probe_exit(struct zcopy_cache_probe *p)
{
	if (p->missed != &p->small)
		bitmap_free(p->missed);
	p->missed = NULL;
}
