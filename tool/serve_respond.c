// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: what to answer a request. GET and HEAD of a file beneath
 * DIR, conditional (If-None-Match, then If-Modified-Since: 304) and by
 * range (one range: 206, or 416); every other outcome is an error page.
 * The answer becomes a serve_response: a head, and for a body the file's
 * range in mode sg; without a body the empty memfd in mode copy, so that
 * even a head alone is a job and keeps its place among the socket's jobs.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "http_response.h"
#include "serve.h"

/* The file a request names, and what its headers make of it. */
struct representation {
	int fd;
	struct stat st;
	const char *type;
	char etag[64];
	char last_modified[HTTP_DATE_LEN];
	uint64_t first, last;	/* the range to send, when status is 206 */
};

/* "ino-size-mtime", in hex: changes whenever the file's content may. */
static void make_etag(const struct stat *st, char *buf, size_t len)
{
	uint64_t mtime_ns = (uint64_t)st->st_mtim.tv_sec * 1000000000ULL +
			    (uint64_t)st->st_mtim.tv_nsec;

	snprintf(buf, len, "\"%" PRIx64 "-%" PRIx64 "-%" PRIx64 "\"",
		 (uint64_t)st->st_ino, (uint64_t)st->st_size, mtime_ns);
}

/* RFC 9110 13.2.2: If-None-Match first, If-Modified-Since without it. */
static bool not_modified(const struct http_request *req,
			 const struct representation *rep)
{
	time_t since;

	if (req->if_none_match)
		return http_etag_matches(req->if_none_match, rep->etag);
	if (req->if_modified_since &&
	    !http_parse_date(req->if_modified_since, &since))
		return rep->st.st_mtim.tv_sec <= since;
	return false;
}

/* If-Range: the range applies only to the representation it names. */
static bool range_applies(const struct http_request *req,
			  const struct representation *rep)
{
	if (!req->range)
		return false;
	if (!req->if_range)
		return true;
	if (req->if_range[0] == '"')
		return !strcmp(req->if_range, rep->etag);
	return !strcmp(req->if_range, rep->last_modified);
}

/* The status for a request that names a file; rep filled in for it. */
static int choose_status(struct server *s, const struct http_request *req,
			 struct representation *rep)
{
	char path[PATH_MAX];
	const char *type_name;
	int status;

	status = http_decode_path(req->target, path, sizeof(path));
	if (status)
		return status;
	rep->fd = serve_file_open(s->root_fd, path, &rep->st, &type_name);
	if (rep->fd < 0)
		return -rep->fd;
	rep->type = http_content_type(type_name);
	make_etag(&rep->st, rep->etag, sizeof(rep->etag));
	http_format_date(rep->st.st_mtim.tv_sec, rep->last_modified);
	if (not_modified(req, rep))
		return 304;
	if (!range_applies(req, rep))
		return 200;
	return http_parse_range(req->range, (uint64_t)rep->st.st_size,
				&rep->first, &rep->last);
}

/* Statuses after which the connection cannot go on. */
static bool status_closes(int status)
{
	return status == 400 || status == 405 || status == 414 ||
	       status == 431 || status == 505;
}

/* The head of a 200, 206 or 304; the body's range in *r. */
static void file_response(struct http_head *h, int status,
			  const struct http_request *req,
			  const struct representation *rep,
			  struct serve_response *r)
{
	uint64_t size = (uint64_t)rep->st.st_size;
	uint64_t first = 0, len = size;

	if (status == 206) {
		first = rep->first;
		len = rep->last - rep->first + 1;
	}
	http_head_start(h, status);
	if (status != 304) {
		http_head_add(h, "Content-Type: %s", rep->type);
		http_head_add(h, "Content-Length: %" PRIu64, len);
		http_head_add(h, "Accept-Ranges: bytes");
	}
	if (status == 206)
		http_head_add(h, "Content-Range: bytes %" PRIu64 "-%" PRIu64
			      "/%" PRIu64, first, rep->last, size);
	http_head_add(h, "Last-Modified: %s", rep->last_modified);
	http_head_add(h, "ETag: %s", rep->etag);
	if (status == 304 || req->method == HTTP_HEAD || !len)
		return;
	r->file_fd = rep->fd;
	r->mode = ZCOPY_MODE_SG;
	r->offset = first;
	r->length = len;
	r->expect = len;
}

void serve_respond(struct server *s, struct conn *c,
		   const struct http_request *req)
{
	struct representation rep = { .fd = -1 };
	struct serve_response r = {
		.conn_id = serve_conn_id(s, c),
		.file_fd = s->empty_fd,
		.mode = ZCOPY_MODE_COPY,
	};
	bool keep_alive = req->keep_alive && !req->has_body && !s->stopping;
	struct http_head h;
	int status;

	status = req->error_status;
	if (!status)
		status = choose_status(s, req, &rep);
	if (status_closes(status))
		keep_alive = false;

	if (status == 200 || status == 206 || status == 304) {
		file_response(&h, status, req, &rep, &r);
		http_head_end(&h, keep_alive, req->version_minor);
	} else {
		http_error_response(&h, status, req->method == HTTP_HEAD,
				    keep_alive, req->version_minor,
				    (unsigned long long)rep.st.st_size);
	}
	if (rep.fd >= 0 && r.file_fd != rep.fd)
		close(rep.fd);

	r.head = h.overflow ? NULL : malloc(h.len);
	if (!r.head) {
		pr_info("serve: cannot build a response for %s", c->peer);
		serve_response_release(s, &r);
		serve_conn_abort(s, c);
		return;
	}
	memcpy(r.head, h.buf, h.len);
	r.head_len = (uint32_t)h.len;
	r.expect += h.len;
	r.log = serve_log_begin(s, c, req, status);
	if (!keep_alive)
		c->state = CONN_DRAINING;
	serve_queue(s, c, &r);
}
