/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl serve: a static HTTP/1.1 file server whose every response is
 * one zcopy job on /dev/zcopy: the head travels in the job's header, the
 * body is the file's range sent by page reference (mode sg). What the
 * parts share:
 *
 *   cmd_serve.c      the command line
 *   serve_loop.c     the epoll loop: listener, connections, timeouts
 *   serve_respond.c  a parsed request into a response (status, head, range)
 *   serve_file.c     a request path into an open file beneath DIR
 *   serve_jobs.c     responses as jobs: batched submission, completions
 *   serve_report.c   the access log and the per-second statistics
 *   http_request.c, http_response.c   HTTP itself
 */
#ifndef ZCOPYCTL_SERVE_H
#define ZCOPYCTL_SERVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "http_request.h"
#include "parse.h"

struct serve_opts {
	const char *dir;
	const char *bind;		/* numeric address; NULL: any */
	uint16_t port;
	unsigned int header_timeout;	/* s for a whole request head */
	unsigned int idle_timeout;	/* s between keep-alive requests */
	unsigned int max_conns;
	const char *access_log;		/* NULL: none, "-": stdout */
	bool stats;
};

/* Serve until SIGINT or SIGTERM; the exit status. */
int serve_run(const struct serve_opts *o);

/* Responses queued or in flight on one connection, at most. */
#define SERVE_PIPELINE_MAX	16

/* A response submitted as a job, until its completion record comes. */
struct serve_inflight {
	uint64_t job_id;
	uint64_t expect;	/* bytes the job must send: head and body */
	uint32_t head_len;
	char *log;		/* the access log line but its byte count */
};

/* A response built and waiting for ZCOPY_IOC_SUBMIT_BATCH. */
struct serve_response {
	uint64_t conn_id;	/* serve_conn_id(); 0: dropped */
	int file_fd;		/* owned, or the server's empty memfd */
	uint32_t mode;		/* enum zcopy_mode */
	uint64_t offset;
	uint64_t length;
	char *head;
	uint32_t head_len;
	uint64_t expect;
	char *log;
};

enum conn_state {
	CONN_FREE,
	CONN_OPEN,	/* reading requests */
	CONN_DRAINING,	/* no more requests: close once its responses left */
	CONN_LINGER,	/* write side shut: reading until the peer's EOF */
	CONN_ABORTED,	/* failed or gone: freed when its jobs have ended */
};

struct conn {
	enum conn_state state;
	uint32_t gen;		/* bumped when the slot is freed */
	int fd;
	int events;		/* epoll interest; -1: not in the epoll set */
	bool fresh;		/* no request yet: the header timeout applies */
	bool peer_eof;
	double deadline;	/* CLOCK_MONOTONIC s; 0: none */
	char *in;		/* request bytes not parsed yet */
	size_t in_len, in_cap;
	unsigned int queued;	/* responses waiting for submission */
	unsigned int nr_inflight;
	struct serve_inflight inflight[SERVE_PIPELINE_MAX];
	char peer[ADDR_STR_LEN];
};

struct serve_counters {
	uint64_t requests;	/* responses whose job ended */
	uint64_t bytes_sent;
	uint64_t cpu_copy_bytes;
};

struct server {
	const struct serve_opts *opts;
	int root_fd;		/* DIR, O_PATH */
	int listen_fd;		/* -1 once stopping */
	int dev_fd;		/* /dev/zcopy */
	int epoll_fd;
	int empty_fd;		/* an empty memfd: the "file" of bodiless jobs */
	bool accepting;		/* the listener is in the epoll set */
	bool stopping;

	struct conn *conns;	/* opts->max_conns slots */
	uint32_t *free_slots;
	unsigned int nr_free;
	unsigned int nr_open;

	/* The submission queue, a ring in submission order. */
	struct serve_response *queue;
	size_t q_head, q_len, q_cap;
	bool submit_blocked;	/* the module said EAGAIN: wait for a completion */
	double submit_retry;	/* ... or until then when nothing is in flight */
	unsigned int jobs_inflight;

	/* serve_report.c */
	FILE *access_log;
	struct serve_counters total, at_last_tick;
	double start, last_tick;
};

/* --- serve_loop.c: connection life ----------------------------------- */

/* Slot and generation in a job's user_data, and back: NULL if gone. */
uint64_t serve_conn_id(const struct server *s, const struct conn *c);
struct conn *serve_conn_by_id(struct server *s, uint64_t id);
/* Its jobs ended (all, or one): close, linger or read on as its state says. */
void serve_conn_jobs_changed(struct server *s, struct conn *c);
/* Cancel its jobs, drop its queued responses, free it when they ended. */
void serve_conn_abort(struct server *s, struct conn *c);

/* --- serve_respond.c --------------------------------------------------- */

/* Queue the response to req; the connection drains if it must close. */
void serve_respond(struct server *s, struct conn *c,
		   const struct http_request *req);

/* --- serve_file.c ------------------------------------------------------ */

/*
 * The regular file at a decoded request path ("/a/b.txt") beneath
 * root_fd, a directory meaning its index.html: its fd and *st, and in
 * *type_name the name whose extension gives its type. Else -status
 * (-403, -404, -500, -503).
 */
int serve_file_open(int root_fd, const char *path, struct stat *st,
		    const char **type_name);

/* --- serve_jobs.c ------------------------------------------------------ */

/* Append a response to the queue (the conn counts it as queued). */
void serve_queue(struct server *s, struct conn *c, struct serve_response *r);
/* Submit what is queued in batches, as far as the module takes it. */
void serve_submit(struct server *s, double now);
/* Read and dispatch the completion records: 0, or -errno (fatal). */
int serve_read_completions(struct server *s);
/* Drop c's queued responses and cancel its jobs. */
void serve_cancel_conn(struct server *s, struct conn *c);
/* A response's resources, when it will not be submitted. */
void serve_response_release(struct server *s, struct serve_response *r);

/* --- serve_report.c ---------------------------------------------------- */

/* Open the access log: 0, or -1 with the reason printed. */
int serve_report_open(struct server *s);
void serve_report_close(struct server *s);
/* The access log line of a response but its bytes: NULL without a log. */
char *serve_log_begin(struct server *s, const struct conn *c,
		      const struct http_request *req, int status);
/* Finish, write and free a line from serve_log_begin(). */
void serve_log_end(struct server *s, char *line, uint64_t body_bytes);
/* A completion's bytes into the counters. */
void serve_count(struct server *s, uint64_t bytes_sent,
		 uint64_t cpu_copy_bytes);
/* --stats: a line when a second has passed, or at the end (final). */
void serve_stats_tick(struct server *s, double now, bool final);

#endif /* ZCOPYCTL_SERVE_H */
