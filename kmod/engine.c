// SPDX-License-Identifier: GPL-2.0
/*
 * The transfer engine. A job's range goes to its socket in chunks of at
 * most ZCOPY_CHUNK_PAGES pages (ZCOPY_COPY_CHUNK_PAGES in copy mode), so
 * memory does not grow with the file:
 *
 *   copy      kernel_read() into a bounce buffer, send it as a kvec
 *   mmap      vmap() the chunk's page-cache pages, send the mapping
 *   sendfile  kmap each page-cache page, send it as a kvec
 *   sg        hand the page-cache pages to TCP by reference
 *
 * A job's header goes first, with MSG_MORE so that it shares its segment
 * with the range's first bytes, and its trailer last; both are kvecs
 * from the job's own copy.
 *
 * Sends never block: when the socket takes nothing, zcopy_xfer_run()
 * returns -EAGAIN with its position kept, and the job parks (run.c) until
 * the socket has room. A bounce buffer's unsent bytes wait in it.
 */
#include <linux/bvec.h>
#include <linux/highmem.h>
#include <linux/netdevice.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/swap.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>
#include <net/dst.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "cache_probe.h"
#include "compat.h"
#include "engine.h"
#include "identity.h"
#include "job.h"
#include "stats.h"

/* Where a job's transfer stands, between the worker's invocations. */
struct zcopy_xfer {
	struct zcopy_job *job;
	loff_t pos, end;
	u32 frame_sent;			/* of header and trailer */
	size_t chunk_bytes;		/* most a chunk holds in this mode */
	void *bounce;			/* copy */
	loff_t bounce_pos;		/* file offset of bounce[0] */
	size_t bounce_len;		/* bytes read into it, not all sent */
	struct bio_vec *bvecs;		/* sg, MSG_SPLICE_PAGES: after pages[] */
	struct zcopy_cache_probe probe;
	struct page *pages[];		/* mmap, sendfile, sg */
};

/* What the device the socket's route leaves by can do. */
struct zcopy_egress {
	char name[IFNAMSIZ];
	bool sg;	/* takes page fragments as they are */
	bool dma;	/* gathers them from memory by DMA */
};

/*
 * TCP always builds skbs with page fragments (sk_route_caps has SG through
 * GSO); a device without NETIF_F_SG gets them linearised, i.e. copied, at
 * transmit (validate_xmit_skb). A device that gathers by DMA has SG and a
 * parent bus device; loopback and veth have none and deliver inside the
 * kernel.
 */
static void zcopy_egress(struct zcopy_job *job, struct zcopy_egress *eg)
{
	struct dst_entry *dst;

	rcu_read_lock();
	dst = __sk_dst_get(job->sock->sk);
	if (dst && dst->dev) {
		strscpy(eg->name, dst->dev->name, IFNAMSIZ);
		eg->sg = dst->dev->features & NETIF_F_SG;
		eg->dma = eg->sg && dst->dev->dev.parent;
	}
	rcu_read_unlock();
}

/*
 * Account bytes the socket took. by_ref: the engine handed page references
 * (sg), which stay references only up to a device with scatter/gather;
 * otherwise they were copied, as every kvec is. This is the estimate a job
 * reports when the observer could not verify it.
 */
static void zcopy_account_sent(struct zcopy_job *job, size_t sent, bool by_ref)
{
	struct zcopy_completion *rec = &job->rec;
	struct zcopy_egress eg = {};

	zcopy_egress(job, &eg);

	spin_lock(&job->lock);
	rec->bytes_sent += sent;
	if (by_ref && eg.sg)
		rec->ref_bytes += sent;
	else
		rec->cpu_copy_bytes += sent;
	if (eg.dma)
		rec->dma_out_bytes += sent;
	if (eg.name[0])
		memcpy(rec->egress_dev, eg.name, IFNAMSIZ);
	spin_unlock(&job->lock);
}

static void zcopy_account_copied(struct zcopy_job *job, size_t copied)
{
	spin_lock(&job->lock);
	job->rec.cpu_copy_bytes += copied;
	job->own_copy_bytes += copied;
	spin_unlock(&job->lock);
}

/*
 * What one non-blocking send did: count what went; -EAGAIN when the
 * socket took nothing (the job parks), or the error. 0 means go on.
 */
static int zcopy_sent(int ret, size_t *sent)
{
	if (ret > 0) {
		*sent += ret;
		return 0;
	}
	return ret ?: -EAGAIN;
}

/* Send all of msg's data; *sent says how much went even on error. */
static int zcopy_send_msg(struct zcopy_job *job, struct msghdr *msg,
			  int flags, size_t *sent)
{
	int ret = 0;

	*sent = 0;
	while (!ret && msg_data_left(msg)) {
		msg->msg_flags = flags | MSG_DONTWAIT | MSG_NOSIGNAL;
		ret = zcopy_sent(sock_sendmsg(job->sock, msg), sent);
	}
	return ret;
}

static int zcopy_send_kvec(struct zcopy_job *job, void *buf, size_t len,
			   bool more, size_t *sent)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {};

	iov_iter_kvec(&msg.msg_iter, ITER_SOURCE, &kv, 1, len);
	return zcopy_send_msg(job, &msg, more ? MSG_MORE : 0, sent);
}

/* More of the job follows [pos, pos + len): the range or its trailer. */
static bool zcopy_more_after(struct zcopy_xfer *x, loff_t pos, size_t len)
{
	return pos + len < x->end || x->job->rec.trailer_len;
}

/*
 * Count the chunk's pages the page cache held before the job read any;
 * found: its first pages the caller just found up to date (copy: 0).
 */
static void zcopy_probe_cache(struct zcopy_xfer *x, loff_t pos, size_t len,
			      unsigned int found)
{
	struct zcopy_job *job = x->job;
	unsigned int hits, misses;

	zcopy_cache_probe_chunk(&x->probe, pos, len, found, &hits, &misses);
	spin_lock(&job->lock);
	job->rec.cache_hit_pages += hits;
	job->rec.cache_miss_pages += misses;
	spin_unlock(&job->lock);
}

static void zcopy_put_pages(struct page **pages, unsigned int nr)
{
	while (nr--)
		put_page(pages[nr]);
}

/*
 * The pages from first on that the page cache holds up to date, in one
 * walk of the cache instead of a lookup per page: the hot path. A
 * reference per page, as read_mapping_page() takes. Returns how many.
 */
static unsigned int zcopy_find_pages(struct address_space *mapping,
				     pgoff_t first, unsigned int nr,
				     struct page **pages)
{
	pgoff_t index = first, last = first + nr - 1, from;
	struct folio_batch fbatch;
	unsigned int got = 0, i, n;
	bool gap = false;

	folio_batch_init(&fbatch);
	while (!gap && got < nr &&
	       filemap_get_folios_contig(mapping, &index, last, &fbatch)) {
		for (i = 0; i < folio_batch_count(&fbatch); i++) {
			struct folio *folio = fbatch.folios[i];

			from = first + got;
			gap = !folio_test_uptodate(folio) ||
			      folio->index > from ||
			      folio_next_index(folio) <= from;
			if (gap)
				break;
			n = min(folio_next_index(folio), last + 1) - from;
			folio_ref_add(folio, n);
			folio_mark_accessed(folio);
			for (; n; n--, from++)
				pages[got++] = folio_page(folio,
							  from - folio->index);
		}
		folio_batch_release(&fbatch);
	}
	return got;
}

/*
 * Page-cache pages of [pos, pos + len): those up to date in one walk,
 * counted by the cache probe, then the rest read in, with readahead for
 * the range from the first missing one. Returns the number of pages, and
 * in *len the bytes still inside the file: a file truncated meanwhile
 * shortens the chunk, and nothing past the new end is sent.
 */
static int zcopy_get_pages(struct zcopy_xfer *x, loff_t pos, size_t *len,
			   loff_t end)
{
	struct zcopy_job *job = x->job;
	struct address_space *mapping = job->file->f_mapping;
	pgoff_t first = pos >> PAGE_SHIFT;
	unsigned int nr = DIV_ROUND_UP(offset_in_page(pos) + *len, PAGE_SIZE);
	unsigned int i;
	loff_t size;

	i = zcopy_find_pages(mapping, first, nr, x->pages);
	zcopy_probe_cache(x, pos, *len, i);
	if (i < nr)
		page_cache_sync_readahead(mapping, &job->ra, job->file,
					  first + i,
					  DIV_ROUND_UP(end - pos, PAGE_SIZE) - i);
	for (; i < nr; i++) {
		struct page *page = read_mapping_page(mapping, first + i,
						      job->file);

		if (IS_ERR(page)) {
			zcopy_put_pages(x->pages, i);
			return PTR_ERR(page);
		}
		x->pages[i] = page;
	}

	size = i_size_read(file_inode(job->file));
	if (pos + *len > size) {
		*len = size > pos ? size - pos : 0;
		i = *len ? DIV_ROUND_UP(offset_in_page(pos) + *len, PAGE_SIZE) : 0;
		zcopy_put_pages(x->pages + i, nr - i);
		nr = i;
	}
	return nr;
}

/* Bytes read into the bounce buffer and not sent yet wait there. */
static int zcopy_chunk_copy(struct zcopy_xfer *x, loff_t pos, size_t len)
{
	struct zcopy_job *job = x->job;
	loff_t rpos = pos;
	size_t sent, off;
	ssize_t got;
	int ret;

	if (!x->bounce_len || pos < x->bounce_pos ||
	    pos >= x->bounce_pos + (loff_t)x->bounce_len) {
		got = kernel_read(job->file, x->bounce, len, &rpos);
		if (got <= 0) {
			x->bounce_len = 0;
			return got;
		}
		zcopy_account_copied(job, got);
		x->bounce_pos = pos;
		x->bounce_len = got;
	}
	off = pos - x->bounce_pos;
	len = x->bounce_len - off;
	ret = zcopy_send_kvec(job, x->bounce + off, len,
			      zcopy_more_after(x, pos, len), &sent);
	zcopy_account_sent(job, sent, false);
	return ret;
}

static int zcopy_chunk_mmap(struct zcopy_xfer *x, loff_t pos, size_t len,
			    bool more, int nr)
{
	size_t sent;
	void *vaddr;
	int ret;

	vaddr = vmap(x->pages, nr, VM_MAP, PAGE_KERNEL_RO);
	if (!vaddr)
		return -ENOMEM;
	ret = zcopy_send_kvec(x->job, vaddr + offset_in_page(pos), len, more,
			      &sent);
	vunmap(vaddr);
	zcopy_account_sent(x->job, sent, false);
	return ret;
}

static int zcopy_chunk_sendfile(struct zcopy_xfer *x, loff_t pos, size_t len,
				bool more, int nr)
{
	size_t off = offset_in_page(pos), sent;
	int i, ret = 0;

	for (i = 0; i < nr && len && !ret; i++) {
		size_t plen = min_t(size_t, len, PAGE_SIZE - off);
		void *vaddr = kmap_local_page(x->pages[i]);

		ret = zcopy_send_kvec(x->job, vaddr + off, plen,
				      more || plen < len, &sent);
		kunmap_local(vaddr);
		zcopy_account_sent(x->job, sent, false);
		len -= plen;
		off = 0;
	}
	return ret;
}

#ifdef ZCOPY_HAVE_SPLICE_PAGES
static int zcopy_chunk_sg(struct zcopy_xfer *x, loff_t pos, size_t len,
			  bool more, int nr)
{
	size_t off = offset_in_page(pos), left = len, sent;
	struct msghdr msg = {};
	int i, ret;

	for (i = 0; i < nr; i++) {
		size_t plen = min_t(size_t, left, PAGE_SIZE - off);

		bvec_set_page(&x->bvecs[i], x->pages[i], plen, off);
		left -= plen;
		off = 0;
	}
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, x->bvecs, nr, len);
	ret = zcopy_send_msg(x->job, &msg,
			     MSG_SPLICE_PAGES | (more ? MSG_MORE : 0), &sent);
	zcopy_account_sent(x->job, sent, true);
	return ret;
}
#else
/* A page, whole unless the socket fills; locked: plain TCP, lock held. */
static int zcopy_sendpage(struct zcopy_job *job, bool locked,
			  struct page *page, size_t off, size_t len, int flags,
			  size_t *sent)
{
	int ret = 0, n;

	*sent = 0;
	while (!ret && *sent < len) {
		if (locked)
			n = tcp_sendpage_locked(job->sock->sk, page,
						off + *sent, len - *sent, flags);
		else
			n = kernel_sendpage(job->sock, page, off + *sent,
					    len - *sent, flags);
		ret = zcopy_sent(n, sent);
	}
	return ret;
}

/*
 * Plain TCP gets a chunk's pages under one hold of the socket lock, as
 * kTLS does: kernel_sendpage() took and released it for every page, and
 * each release ran the backlog. A socket whose protocol ops were
 * replaced (a ULP such as kTLS, a BPF sockmap) must keep going through
 * them, page by page. The lock keeps them from changing meanwhile.
 */
static int zcopy_chunk_sg(struct zcopy_xfer *x, loff_t pos, size_t len,
			  bool more, int nr)
{
	struct sock *sk = x->job->sock->sk;
	size_t off = offset_in_page(pos), sent = 0, plen, done;
	int i, ret = 0, flags;
	bool plain;

	lock_sock(sk);
	plain = READ_ONCE(sk->sk_prot)->sendpage == tcp_sendpage;
	if (!plain)
		release_sock(sk);
	for (i = 0; i < nr && len && !ret; i++) {
		plen = min_t(size_t, len, PAGE_SIZE - off);
		flags = MSG_DONTWAIT | MSG_NOSIGNAL;
		if (more || plen < len)
			flags |= MSG_MORE | MSG_SENDPAGE_NOTLAST;
		ret = zcopy_sendpage(x->job, plain, x->pages[i], off, plen,
				     flags, &done);
		sent += done;
		len -= plen;
		off = 0;
	}
	if (plain)
		release_sock(sk);
	zcopy_account_sent(x->job, sent, true);
	return ret;
}
#endif

static int zcopy_chunk(struct zcopy_xfer *x, loff_t pos, size_t len)
{
	struct zcopy_job *job = x->job;
	bool more = zcopy_more_after(x, pos, len);
	int nr, ret;

	/* copy: kernel_read() makes the same checks. */
	if (job->rec.mode == ZCOPY_MODE_COPY) {
		zcopy_probe_cache(x, pos, len, 0);
		return zcopy_chunk_copy(x, pos, len);
	}

	/* As read(2) does per call: a verdict that changes applies. */
	ret = zcopy_file_permitted(job->file, pos, len);
	if (ret)
		return ret;
	nr = zcopy_get_pages(x, pos, &len, x->end);
	if (nr <= 0)
		return nr;

	switch (job->rec.mode) {
	case ZCOPY_MODE_MMAP:
		ret = zcopy_chunk_mmap(x, pos, len, more, nr);
		break;
	case ZCOPY_MODE_SENDFILE:
		ret = zcopy_chunk_sendfile(x, pos, len, more, nr);
		break;
	default:
		ret = zcopy_chunk_sg(x, pos, len, more, nr);
		break;
	}
	zcopy_put_pages(x->pages, nr);
	return ret;
}

void zcopy_xfer_end(struct zcopy_job *job)
{
	struct zcopy_xfer *x = job->xfer;

	if (!x)
		return;
	kvfree(x->bounce);
	zcopy_cache_probe_exit(&x->probe);
	kfree(x);
	job->xfer = NULL;
}

/*
 * One allocation with the page (and sg's bvec) arrays behind it, no
 * longer than the range: a 4 KiB job asked for three. Charged to the
 * memory cgroup the worker runs the job in.
 */
int zcopy_xfer_start(struct zcopy_job *job)
{
#ifdef ZCOPY_HAVE_SPLICE_PAGES
	bool bvecs = job->rec.mode == ZCOPY_MODE_SG;
#else
	bool bvecs = false;	/* the pages go one by one */
#endif
	struct zcopy_xfer *x;
	unsigned int nr = 0;

	/* No chunk of the range spans more pages than the range. */
	if (job->rec.mode != ZCOPY_MODE_COPY)
		nr = min_t(u64, ZCOPY_CHUNK_PAGES,
			   DIV_ROUND_UP(offset_in_page(job->rec.offset) +
					job->rec.length, PAGE_SIZE));
	x = kzalloc(struct_size(x, pages, nr) +
		    (bvecs ? nr * sizeof(*x->bvecs) : 0), GFP_KERNEL_ACCOUNT);
	if (!x)
		return -ENOMEM;
	job->xfer = x;
	x->job = job;
	x->pos = job->rec.offset;
	x->end = x->pos + job->rec.length;
	if (bvecs)
		x->bvecs = (struct bio_vec *)&x->pages[nr];
	if (zcopy_cache_probe_init(&x->probe, job->file, &job->ra,
				   job->rec.offset,
				   job->rec.offset + job->rec.length))
		return -ENOMEM;
	if (job->rec.mode != ZCOPY_MODE_COPY) {
		x->chunk_bytes = ZCOPY_CHUNK_PAGES * PAGE_SIZE;
		return 0;
	}
	x->chunk_bytes = ZCOPY_COPY_CHUNK_PAGES * PAGE_SIZE;
	x->bounce = kvmalloc(x->chunk_bytes, GFP_KERNEL_ACCOUNT);
	return x->bounce ? 0 : -ENOMEM;
}

/* The frame's bytes up to end (header_len: the header), from where it is. */
static int zcopy_send_frame(struct zcopy_xfer *x, u32 end, bool more,
			    bool *progress)
{
	struct zcopy_job *job = x->job;
	size_t sent;
	int ret;

	if (x->frame_sent >= end)
		return 0;
	ret = zcopy_send_kvec(job, job->frame + x->frame_sent,
			      end - x->frame_sent, more, &sent);
	x->frame_sent += sent;
	*progress |= sent;
	zcopy_account_sent(job, sent, false);
	return ret;
}

/*
 * The range was fixed at submission; a file that is now shorter ends the
 * job with -ENODATA after what was still there went out. *progress says
 * whether the socket took anything.
 */
static int zcopy_send_range(struct zcopy_xfer *x, unsigned int budget,
			    bool *progress)
{
	struct zcopy_job *job = x->job;
	u64 before;
	int ret;

	while (x->pos < x->end) {
		loff_t size = i_size_read(file_inode(job->file));
		size_t len;

		if (zcopy_job_cancelled(job))
			return -ECANCELED;
		if (x->pos >= size)
			return -ENODATA;
		if (!budget--)
			return 1;
		len = min3(x->end, size, x->pos + (loff_t)x->chunk_bytes -
			   (loff_t)offset_in_page(x->pos)) - x->pos;

		before = job->rec.bytes_sent;
		ret = zcopy_chunk(x, x->pos, len);
		x->pos += job->rec.bytes_sent - before;
		*progress |= job->rec.bytes_sent != before;
		if (ret)
			return ret;
		/* Nothing there although the size said so: it shrank. */
		if (job->rec.bytes_sent == before)
			return -ENODATA;
	}
	return 0;
}

int zcopy_xfer_run(struct zcopy_job *job, unsigned int budget,
		   bool *progress)
{
	const struct zcopy_completion *rec = &job->rec;
	struct zcopy_xfer *x = job->xfer;
	int ret;

	*progress = false;
	ret = zcopy_send_frame(x, rec->header_len,
			       x->pos < x->end || rec->trailer_len, progress);
	if (!ret)
		ret = zcopy_send_range(x, budget, progress);
	if (!ret)
		ret = zcopy_send_frame(x, rec->header_len + rec->trailer_len,
				       false, progress);
	return ret;
}
