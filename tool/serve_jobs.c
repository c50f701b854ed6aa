// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: responses as zcopy jobs. Responses wait in one queue in
 * the order they were made; each loop iteration submits what is queued,
 * across connections, in ZCOPY_IOC_SUBMIT_BATCH calls. The module takes a
 * prefix of a batch: at its per-user limit (EAGAIN) the rest waits for a
 * completion. Order on a connection holds because the queue keeps it and
 * the module runs a socket's jobs in submission order. Each goes inline
 * (ZCOPY_SUBMIT_INLINE): a response that fits its socket leaves during the
 * submit call, without a worker's wakeup in between.
 *
 * Completion records come by read() from /dev/zcopy; user_data names the
 * connection by slot and generation, so a record of a connection that is
 * gone cannot reach the slot's next user. A job that did not send all its
 * bytes aborts its connection (the module fails the jobs queued behind it
 * on that socket with ENOLINK by itself).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "serve.h"

/* Entries per ZCOPY_IOC_SUBMIT_BATCH call. */
#define SUBMIT_BATCH_MAX	256
/* Completion records per read(). */
#define COMPLETIONS_PER_READ	64
/* EAGAIN with nothing of ours in flight: another user holds the limit. */
#define SUBMIT_RETRY_S		0.05

static struct serve_response *queue_at(struct server *s, size_t i)
{
	return &s->queue[(s->q_head + i) % s->q_cap];
}

void serve_response_release(struct server *s, struct serve_response *r)
{
	if (r->file_fd >= 0 && r->file_fd != s->empty_fd)
		close(r->file_fd);
	r->file_fd = -1;
	free(r->head);
	r->head = NULL;
	free(r->log);
	r->log = NULL;
	r->conn_id = 0;
}

/* Squeeze out the responses dropped with their connections. */
static void queue_compact(struct server *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->q_len; i++)
		if (queue_at(s, i)->conn_id)
			*queue_at(s, n++) = *queue_at(s, i);
	s->q_len = n;
}

void serve_queue(struct server *s, struct conn *c, struct serve_response *r)
{
	/*
	 * q_cap covers every connection's pipeline: only responses dropped
	 * but not popped yet can fill it.
	 */
	if (s->q_len == s->q_cap)
		queue_compact(s);
	*queue_at(s, s->q_len++) = *r;
	c->queued++;
	c->deadline = 0;
}

/* The module took the response: it is in flight on its connection. */
static void submitted(struct server *s, struct serve_response *r, uint64_t id)
{
	struct conn *c = serve_conn_by_id(s, r->conn_id);
	struct serve_inflight *f = &c->inflight[c->nr_inflight++];

	c->queued--;
	f->job_id = id;
	f->expect = r->expect;
	f->head_len = r->head_len;
	f->log = r->log;
	r->log = NULL;
	s->jobs_inflight++;
	serve_response_release(s, r);
}

/* The module refused the response: errno err. */
static void refused(struct server *s, struct serve_response *r, int err,
		    double now)
{
	struct conn *c;

	if (err == EAGAIN || err == ENOMEM) {
		/* the limits: a completion (or a moment) frees room */
		s->submit_blocked = true;
		s->submit_retry = now + SUBMIT_RETRY_S;
		return;
	}
	c = serve_conn_by_id(s, r->conn_id);
	pr_info("serve: submitting a response to %s: %s", c->peer,
		strerror(err));
	serve_conn_abort(s, c);
}

/* Pop the entries before index n of the queue (all submitted or dropped). */
static void queue_pop(struct server *s, size_t n)
{
	s->q_head = (s->q_head + n) % s->q_cap;
	s->q_len -= n;
}

/* One batch from the head of the queue; false when nothing more goes. */
static bool submit_batch(struct server *s, double now)
{
	static struct zcopy_submit batch[SUBMIT_BATCH_MAX];
	static size_t index[SUBMIT_BATCH_MAX];
	struct zcopy_submit_batch b = {
		.size = sizeof(b),
		.jobs = (uintptr_t)batch,
		.entry_size = sizeof(batch[0]),
	};
	struct serve_response *r;
	size_t i, n = 0;
	int ret;

	for (i = 0; i < s->q_len && n < SUBMIT_BATCH_MAX; i++) {
		r = queue_at(s, i);
		if (!r->conn_id)
			continue;	/* dropped with its connection */
		batch[n] = (struct zcopy_submit) {
			.size = sizeof(batch[0]),
			.file_fd = r->file_fd,
			.sock_fd = serve_conn_by_id(s, r->conn_id)->fd,
			.mode = r->mode,
			/* sent in this call when its socket has room */
			.flags = ZCOPY_SUBMIT_INLINE,
			.offset = r->offset,
			.length = r->length,
			.user_data = r->conn_id,
			.header = (uintptr_t)r->head,
			.header_len = r->head_len,
		};
		index[n++] = i;
	}
	if (!n) {
		queue_pop(s, i);
		return false;
	}
	b.count = (uint32_t)n;
	ret = ioctl(s->dev_fd, ZCOPY_IOC_SUBMIT_BATCH, &b);
	if (ret < 0) {
		if (errno == EINTR)
			return true;
		/* the first entry was refused */
		queue_pop(s, index[0]);
		refused(s, queue_at(s, 0), errno, now);
		return !s->submit_blocked;
	}
	for (i = 0; i < b.count; i++)
		submitted(s, queue_at(s, index[i]), batch[i].id);
	/* a short count: the next call meets the refusal and its errno */
	queue_pop(s, b.count < n ? index[b.count] : index[n - 1] + 1);
	return true;
}

void serve_submit(struct server *s, double now)
{
	if (s->submit_blocked && !s->jobs_inflight && now >= s->submit_retry)
		s->submit_blocked = false;
	while (s->q_len && !s->submit_blocked && submit_batch(s, now))
		;
}

void serve_cancel_conn(struct server *s, struct conn *c)
{
	uint64_t id = serve_conn_id(s, c);
	struct serve_response *r;
	unsigned int i;
	size_t q;

	for (q = 0; c->queued && q < s->q_len; q++) {
		r = queue_at(s, q);
		if (r->conn_id == id) {
			serve_response_release(s, r);
			c->queued--;
		}
	}
	/* ENOENT: it has just ended, its record is on the way */
	for (i = 0; i < c->nr_inflight; i++)
		ioctl(s->dev_fd, ZCOPY_IOC_CANCEL, &c->inflight[i].job_id);
}

static void completed(struct server *s, const struct zcopy_completion *rec)
{
	struct conn *c = serve_conn_by_id(s, rec->user_data);
	struct serve_inflight f;
	unsigned int i;

	if (!c)
		return;		/* not ours: cannot happen */
	for (i = 0; i < c->nr_inflight; i++)
		if (c->inflight[i].job_id == rec->id)
			break;
	if (i == c->nr_inflight)
		return;
	f = c->inflight[i];
	memmove(&c->inflight[i], &c->inflight[i + 1],
		(c->nr_inflight - i - 1) * sizeof(f));
	c->nr_inflight--;
	s->jobs_inflight--;

	serve_count(s, rec->bytes_sent, rec->cpu_copy_bytes);
	serve_log_end(s, f.log, rec->bytes_sent > f.head_len ?
		      rec->bytes_sent - f.head_len : 0);
	/*
	 * Not all of it: the client saw a truncated response, whatever the
	 * state says (a file that shrank before the job took its range).
	 */
	if (rec->state != ZCOPY_STATE_DONE || rec->bytes_sent != f.expect) {
		if (c->state != CONN_ABORTED)
			serve_conn_abort(s, c);
		else
			serve_conn_jobs_changed(s, c);
		return;
	}
	serve_conn_jobs_changed(s, c);
}

int serve_read_completions(struct server *s)
{
	static struct zcopy_completion recs[COMPLETIONS_PER_READ];
	struct zcopy_completion rec;
	const char *p, *end;
	ssize_t n;

	for (;;) {
		n = read(s->dev_fd, recs, sizeof(recs));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			tool_error(errno, "serve: reading completions: %s",
				   strerror(errno));
			return -errno;
		}
		s->submit_blocked = false;
		end = (const char *)recs + n;
		/* step by each record's own size, as the ABI says */
		for (p = (const char *)recs; p + sizeof(rec) <= end;
		     p += rec.size) {
			memcpy(&rec, p, sizeof(rec));
			if (rec.size < sizeof(rec)) {
				tool_error(EPROTO, "serve: a completion record of %u bytes",
					   rec.size);
				return -EPROTO;
			}
			completed(s, &rec);
		}
		if ((size_t)n < sizeof(recs))
			return 0;
	}
}
