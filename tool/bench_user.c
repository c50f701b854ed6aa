// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the user-space methods, each sending the whole file
 * over the cell's connection and counting the system calls it makes.
 *
 * The methods that send from a mapping map the file per transfer: pages
 * mapped into our address space could not be dropped for the cold runs,
 * and mmap + munmap are part of the method's cost anyway.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "config.h"
#include "util.h"

#define RW_BUF_SIZE	(64 * 1024)		/* read_write's buffer */
#define WRITE_CHUNK	(1024 * 1024)		/* mmap_write */
#define PIPE_SIZE	(1024 * 1024)		/* splice */
#define ZC_CHUNK	(256 * 1024)		/* MSG_ZEROCOPY, SEND_ZC */
#define URING_ENTRIES	16
#define URING_DEPTH	4			/* SEND_ZC in flight */
#define URING_BATCH_ENTRIES 256			/* splice batches */
#define ZC_WAIT_MS	30000			/* a completion that never comes */

#ifndef SO_EE_CODE_ZEROCOPY_COPIED
#define SO_EE_CODE_ZEROCOPY_COPIED	1
#endif

static size_t min_len(uint64_t a, size_t b)
{
	return a < b ? (size_t)a : b;
}

static int write_all(struct bench_cell *cell, const char *p, size_t len,
		     struct bench_counts *k)
{
	ssize_t n;

	while (len) {
		n = write(cell->sock_fd, p, len);
		k->syscalls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return bench_fail(cell, false, errno, "write");
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int map_file(struct bench_cell *cell, struct bench_counts *k,
		    char **map)
{
	void *p;

	p = mmap(NULL, cell->size, PROT_READ, MAP_SHARED, cell->file_fd, 0);
	k->syscalls++;
	if (p == MAP_FAILED)
		return bench_fail(cell, false, errno, "mmap");
	*map = p;
	return 0;
}

static void unmap_file(struct bench_cell *cell, struct bench_counts *k,
		       char *map)
{
	munmap(map, cell->size);
	k->syscalls++;
}

/* --- read_write ------------------------------------------------------- */

static int rw_setup(struct bench_cell *cell)
{
	cell->buf = malloc(RW_BUF_SIZE);
	return cell->buf ? 0 : bench_fail(cell, false, ENOMEM, "malloc");
}

static int rw_transfer(struct bench_cell *cell, unsigned int nr,
		       struct bench_counts *k)
{
	uint64_t off = 0;
	ssize_t n;
	int err;

	(void)nr;
	while (off < cell->size) {
		n = pread(cell->file_fd, cell->buf,
			  min_len(cell->size - off, RW_BUF_SIZE), (off_t)off);
		k->syscalls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return bench_fail(cell, false, n ? errno : EIO, "read");
		/* the first of its two copies: into our buffer */
		k->user_copy_bytes += (uint64_t)n;
		err = write_all(cell, cell->buf, (size_t)n, k);
		if (err)
			return err;
		off += (uint64_t)n;
	}
	return 0;
}

static void rw_teardown(struct bench_cell *cell)
{
	free(cell->buf);
	cell->buf = NULL;
}

/* --- mmap_write ------------------------------------------------------- */

static int mmap_transfer(struct bench_cell *cell, unsigned int nr,
			 struct bench_counts *k)
{
	uint64_t off;
	char *map;
	int err;

	(void)nr;
	err = map_file(cell, k, &map);
	if (err)
		return err;
	for (off = 0; off < cell->size && !err; off += WRITE_CHUNK)
		err = write_all(cell, map + off,
				min_len(cell->size - off, WRITE_CHUNK), k);
	unmap_file(cell, k, map);
	return err;
}

/* --- sendfile --------------------------------------------------------- */

/* nr > 1 only as sendfile_batch: a loop drained once per batch. */
static int sendfile_transfer(struct bench_cell *cell, unsigned int nr,
			     struct bench_counts *k)
{
	unsigned int i;
	off_t off;
	ssize_t n;

	for (i = 0; i < nr; i++) {
		off = 0;
		while ((uint64_t)off < cell->size) {
			n = sendfile(cell->sock_fd, cell->file_fd, &off,
				     min_len(cell->size - (uint64_t)off,
					     1U << 30));
			k->syscalls++;
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return bench_fail(cell, false,
						  n ? errno : EIO, "sendfile");
		}
	}
	return 0;
}

/* --- splice ----------------------------------------------------------- */

static int splice_setup(struct bench_cell *cell)
{
	int size;

	if (pipe2(cell->pipe_fd, O_CLOEXEC) < 0) {
		cell->pipe_fd[0] = -1;
		cell->pipe_fd[1] = -1;
		return bench_fail(cell, false, errno, "pipe2");
	}
	/* Larger pipes mean fewer calls; the limit may refuse: keep it. */
	fcntl(cell->pipe_fd[1], F_SETPIPE_SZ, PIPE_SIZE);
	size = fcntl(cell->pipe_fd[1], F_GETPIPE_SZ);
	cell->pipe_size = size > 0 ? (size_t)size : 65536;
	return 0;
}

static int splice_transfer(struct bench_cell *cell, unsigned int nr,
			   struct bench_counts *k)
{
	unsigned int flags;
	loff_t off = 0;
	ssize_t n, m;

	(void)nr;
	while ((uint64_t)off < cell->size) {
		n = splice(cell->file_fd, &off, cell->pipe_fd[1], NULL,
			   min_len(cell->size - (uint64_t)off, cell->pipe_size),
			   SPLICE_F_MOVE | SPLICE_F_MORE);
		k->syscalls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return bench_fail(cell, false, n ? errno : EIO,
					  "splice from the file");
		/* No MORE on the last piece: TCP would hold it back. */
		flags = SPLICE_F_MOVE;
		if ((uint64_t)off < cell->size)
			flags |= SPLICE_F_MORE;
		while (n > 0) {
			m = splice(cell->pipe_fd[0], NULL, cell->sock_fd, NULL,
				   (size_t)n, flags);
			k->syscalls++;
			if (m < 0 && errno == EINTR)
				continue;
			if (m <= 0)
				return bench_fail(cell, false, m ? errno : EIO,
						  "splice to the socket");
			n -= m;
		}
	}
	return 0;
}

static void splice_teardown(struct bench_cell *cell)
{
	if (cell->pipe_fd[0] >= 0) {
		close(cell->pipe_fd[0]);
		close(cell->pipe_fd[1]);
	}
	cell->pipe_fd[0] = -1;
	cell->pipe_fd[1] = -1;
}

/* --- msg_zerocopy ----------------------------------------------------- */

static int zc_setup(struct bench_cell *cell)
{
	int one = 1;

	if (setsockopt(cell->sock_fd, SOL_SOCKET, SO_ZEROCOPY, &one,
		       sizeof(one)) < 0)
		return bench_fail(cell, errno == EOPNOTSUPP ||
				  errno == ENOPROTOOPT, errno,
				  "setsockopt SO_ZEROCOPY");
	cell->zc_sent = 0;
	cell->zc_done = 0;
	return 0;
}

/* One completion report: a range of send calls, maybe copied. */
static int zc_parse(struct bench_cell *cell, struct msghdr *msg,
		    struct bench_counts *k)
{
	struct sock_extended_err *serr;
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (!(cm->cmsg_level == SOL_IP && cm->cmsg_type == IP_RECVERR) &&
		    !(cm->cmsg_level == SOL_IPV6 &&
		      cm->cmsg_type == IPV6_RECVERR))
			continue;
		serr = (struct sock_extended_err *)CMSG_DATA(cm);
		if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
			return bench_fail(cell, false, serr->ee_errno ?: EPROTO,
					  "MSG_ERRQUEUE");
		/* ee_info..ee_data, inclusive, 32-bit ids */
		cell->zc_done += (uint32_t)(serr->ee_data - serr->ee_info) + 1;
		if (serr->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
			k->zc_copied_reports++;
	}
	return 0;
}

/* The reports waiting; with all, until every send call is reported. */
static int zc_reap(struct bench_cell *cell, bool all, struct bench_counts *k)
{
	char control[256];
	struct msghdr msg;
	struct pollfd pfd;
	int ret;

	for (;;) {
		if (all && cell->zc_done >= cell->zc_sent)
			return 0;
		memset(&msg, 0, sizeof(msg));
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		ret = (int)recvmsg(cell->sock_fd, &msg,
				   MSG_ERRQUEUE | MSG_DONTWAIT);
		k->syscalls++;
		if (ret >= 0) {
			ret = zc_parse(cell, &msg, k);
			if (ret)
				return ret;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return bench_fail(cell, false, errno, "MSG_ERRQUEUE");
		if (!all)
			return 0;
		/* A waiting report shows as POLLERR. */
		pfd.fd = cell->sock_fd;
		pfd.events = 0;
		ret = poll(&pfd, 1, ZC_WAIT_MS);
		k->syscalls++;
		if (!ret)
			return bench_fail(cell, false, ETIMEDOUT,
					  "waiting for zerocopy completions");
	}
}

static int zc_transfer(struct bench_cell *cell, unsigned int nr,
		       struct bench_counts *k)
{
	uint64_t off = 0;
	ssize_t n;
	char *map;
	int err;

	(void)nr;
	err = map_file(cell, k, &map);
	if (err)
		return err;
	while (off < cell->size) {
		n = send(cell->sock_fd, map + off,
			 min_len(cell->size - off, ZC_CHUNK),
			 MSG_ZEROCOPY | MSG_NOSIGNAL);
		k->syscalls++;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			/* too many reports pending (optmem): take them */
			err = zc_reap(cell, true, k);
			if (err)
				break;
			continue;
		}
		if (n <= 0) {
			err = bench_fail(cell, false, n ? errno : EIO,
					 "send MSG_ZEROCOPY");
			break;
		}
		cell->zc_sent++;
		off += (uint64_t)n;
	}
	/* The pages are the kernel's until reported: then unmap. */
	if (!err)
		err = zc_reap(cell, true, k);
	else
		zc_reap(cell, true, k);
	unmap_file(cell, k, map);
	return err;
}

#if ZCOPYCTL_HAVE_LIBURING

/* --- io_uring_send_zc ------------------------------------------------- */

/* An older kernel refuses the opcode; no io_uring at all fails setup. */
static bool uring_unsupported(int err)
{
	return err == EINVAL || err == EOPNOTSUPP;
}

static int uring_init(struct bench_cell *cell, unsigned int entries)
{
	int ret;

	ret = io_uring_queue_init(entries, &cell->ring, 0);
	if (ret < 0)
		/* sandboxes block io_uring (EPERM): not there either */
		return bench_fail(cell, true, -ret, "io_uring_queue_init");
	cell->have_ring = true;
	return 0;
}

static int uring_setup(struct bench_cell *cell)
{
	return uring_init(cell, URING_ENTRIES);
}

/*
 * The next completion, entering the kernel only when none is there:
 * the results (IORING_CQE_F_MORE: a notification will follow) and the
 * notifications (IORING_CQE_F_NOTIF: the pages are free again).
 */
static int uring_next(struct bench_cell *cell, int *results, int *notifs,
		      int *first_err, uint64_t *bytes, struct bench_counts *k)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_peek_cqe(&cell->ring, &cqe);
	if (ret == -EAGAIN) {
		ret = io_uring_wait_cqe(&cell->ring, &cqe);
		k->syscalls++;
	}
	if (ret < 0)
		return ret;
	if (cqe->flags & IORING_CQE_F_NOTIF) {
		(*notifs)--;
	} else {
		(*results)--;
		if (cqe->res < 0 && !*first_err)
			*first_err = -cqe->res;
		else if (cqe->res > 0)
			*bytes += (uint64_t)cqe->res;
		if (cqe->flags & IORING_CQE_F_MORE)
			(*notifs)++;
	}
	io_uring_cqe_seen(&cell->ring, cqe);
	return 0;
}

static int uring_transfer(struct bench_cell *cell, unsigned int nr,
			  struct bench_counts *k)
{
	int results = 0, notifs = 0, first_err = 0, ret = 0, n;
	struct io_uring_sqe *sqe;
	uint64_t off = 0, bytes = 0;
	size_t len;
	char *map;

	(void)nr;
	ret = map_file(cell, k, &map);
	if (ret)
		return ret;
	while (off < cell->size && !first_err && !ret) {
		/* A linked chain keeps the pieces in order on the stream. */
		for (n = 0; n < URING_DEPTH && off < cell->size; n++) {
			sqe = io_uring_get_sqe(&cell->ring);
			len = min_len(cell->size - off, ZC_CHUNK);
			/* WAITALL: the kernel sends the rest of a short one */
			io_uring_prep_send_zc(sqe, cell->sock_fd, map + off, len,
					      MSG_WAITALL | MSG_NOSIGNAL, 0);
			off += len;
			if (n + 1 < URING_DEPTH && off < cell->size)
				sqe->flags |= IOSQE_IO_LINK;
		}
		ret = io_uring_submit_and_wait(&cell->ring, (unsigned int)n);
		k->syscalls++;
		if (ret < 0)
			break;
		results += n;
		ret = 0;
		while (results > 0 && !ret)
			ret = uring_next(cell, &results, &notifs, &first_err,
					 &bytes, k);
	}
	/* Every notification before the mapping goes. */
	while (notifs > 0 && ret >= 0)
		ret = uring_next(cell, &results, &notifs, &first_err, &bytes,
				 k);
	unmap_file(cell, k, map);
	if (ret < 0)
		return bench_fail(cell, false, -ret, "io_uring_enter");
	if (first_err)
		return bench_fail(cell, uring_unsupported(first_err), first_err,
				  "IORING_OP_SEND_ZC");
	if (bytes != cell->size)
		return bench_fail(cell, false, EIO, "IORING_OP_SEND_ZC short");
	return 0;
}

static void uring_teardown(struct bench_cell *cell)
{
	if (cell->have_ring)
		io_uring_queue_exit(&cell->ring);
	cell->have_ring = false;
}

/* --- io_uring_splice_batch ------------------------------------------- */

/*
 * The whole batch in as few io_uring_enter() calls as the ring allows:
 * per piece of a file (a pipe's worth) a splice file -> pipe linked to
 * a splice pipe -> socket, all of a submission one chain, so the
 * pieces reach the stream in order. io_uring runs splices in its io-wq
 * workers, threads of this process: the process CPU clock counts them.
 */
static int uring_splice_setup(struct bench_cell *cell)
{
	int ret;

	ret = splice_setup(cell);
	return ret ?: uring_init(cell, URING_BATCH_ENTRIES);
}

/* Submit what is queued and check every piece moved whole. */
static int uring_splice_flush(struct bench_cell *cell,
			      struct io_uring_sqe *last, unsigned int queued,
			      struct bench_counts *k)
{
	struct io_uring_cqe *cqe;
	int ret, first_err = 0;

	if (!queued)
		return 0;
	last->flags &= (__u8)~IOSQE_IO_LINK;
	ret = io_uring_submit_and_wait(&cell->ring, queued);
	k->syscalls++;
	if (ret < 0)
		return bench_fail(cell, false, -ret, "io_uring_enter");
	while (queued) {
		ret = io_uring_peek_cqe(&cell->ring, &cqe);
		if (ret == -EAGAIN) {
			ret = io_uring_wait_cqe(&cell->ring, &cqe);
			k->syscalls++;
		}
		if (ret < 0)
			return bench_fail(cell, false, -ret, "io_uring_wait_cqe");
		/* user_data: the length the piece had to move */
		if (cqe->res < 0 && !first_err)
			first_err = -cqe->res;
		else if ((uint64_t)cqe->res != cqe->user_data && !first_err)
			first_err = EIO;
		io_uring_cqe_seen(&cell->ring, cqe);
		queued--;
	}
	if (first_err)
		return bench_fail(cell, uring_unsupported(first_err), first_err,
				  "IORING_OP_SPLICE");
	return 0;
}

static int uring_splice_transfer(struct bench_cell *cell, unsigned int nr,
				 struct bench_counts *k)
{
	struct io_uring_sqe *sqe = NULL;
	unsigned int i, queued = 0, flags;
	uint64_t off;
	size_t len;
	int ret;

	for (i = 0; i < nr; i++) {
		for (off = 0; off < cell->size; off += len) {
			if (io_uring_sq_space_left(&cell->ring) < 2) {
				ret = uring_splice_flush(cell, sqe, queued, k);
				if (ret)
					return ret;
				queued = 0;
			}
			len = min_len(cell->size - off, cell->pipe_size);
			sqe = io_uring_get_sqe(&cell->ring);
			io_uring_prep_splice(sqe, cell->file_fd, (int64_t)off,
					     cell->pipe_fd[1], -1,
					     (unsigned int)len, SPLICE_F_MOVE);
			sqe->flags |= IOSQE_IO_LINK;
			sqe->user_data = len;
			/* As splice: no MORE on a file's last piece. */
			flags = SPLICE_F_MOVE;
			if (off + len < cell->size)
				flags |= SPLICE_F_MORE;
			sqe = io_uring_get_sqe(&cell->ring);
			io_uring_prep_splice(sqe, cell->pipe_fd[0], -1,
					     cell->sock_fd, -1,
					     (unsigned int)len, flags);
			sqe->flags |= IOSQE_IO_LINK;
			sqe->user_data = len;
			queued += 2;
		}
	}
	return uring_splice_flush(cell, sqe, queued, k);
}

static void uring_splice_teardown(struct bench_cell *cell)
{
	uring_teardown(cell);
	splice_teardown(cell);
}

#else /* !ZCOPYCTL_HAVE_LIBURING */

/*
 * Built without liburing: both io_uring methods are cells that cannot run
 * here, reported and skipped, not failing the bench.
 */
static int uring_not_built(struct bench_cell *cell)
{
	return bench_unavailable(cell, "not built: liburing >= 2.3 missing");
}

static int uring_not_built_transfer(struct bench_cell *cell, unsigned int nr,
				    struct bench_counts *k)
{
	(void)nr;
	(void)k;
	return uring_not_built(cell);
}

#define uring_setup		uring_not_built
#define uring_transfer		uring_not_built_transfer
#define uring_teardown		NULL
#define uring_splice_setup	uring_not_built
#define uring_splice_transfer	uring_not_built_transfer
#define uring_splice_teardown	NULL

#endif /* ZCOPYCTL_HAVE_LIBURING */

const struct bench_method bench_user_methods[] = {
	{ .name = "read_write", .setup = rw_setup, .transfer = rw_transfer,
	  .teardown = rw_teardown },
	{ .name = "mmap_write", .transfer = mmap_transfer },
	{ .name = "sendfile", .transfer = sendfile_transfer },
	{ .name = "splice", .setup = splice_setup,
	  .transfer = splice_transfer, .teardown = splice_teardown },
	{ .name = "msg_zerocopy", .setup = zc_setup,
	  .transfer = zc_transfer },
	{ .name = "io_uring_send_zc", .setup = uring_setup,
	  .transfer = uring_transfer, .teardown = uring_teardown },
	/* Batches, drained once per batch as the zcopy_*_batch methods. */
	{ .name = "sendfile_batch", .batch = true,
	  .transfer = sendfile_transfer },
	{ .name = "io_uring_splice_batch", .batch = true,
	  .setup = uring_splice_setup, .transfer = uring_splice_transfer,
	  .teardown = uring_splice_teardown },
};

const unsigned int bench_nr_user_methods = ARRAY_SIZE(bench_user_methods);
