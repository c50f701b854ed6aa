/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl serve: an HTTP/1.x request head (RFC 9112), parsed in place
 * from a connection's input buffer, and the request header values serve
 * interprets: Range, If-None-Match, If-Modified-Since, If-Range.
 */
#ifndef ZCOPYCTL_HTTP_REQUEST_H
#define ZCOPYCTL_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Longest request target (else 414) and header section (else 431). */
#define HTTP_MAX_TARGET		8192
#define HTTP_MAX_HEADERS	16384
/* Method, spaces, version and line end around the longest target. */
#define HTTP_MAX_REQUEST_LINE	(HTTP_MAX_TARGET + 64)
/* What a connection buffers at most: one whole head fits. */
#define HTTP_MAX_HEAD		(HTTP_MAX_REQUEST_LINE + HTTP_MAX_HEADERS)

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER,	/* answered 405 */
};

struct http_request {
	/*
	 * 0: a request to serve. Else the status to answer with (400, 405,
	 * 414, 431, 505), after which the connection closes.
	 */
	int error_status;
	size_t head_len;	/* bytes of the buffer the head took */
	enum http_method method;
	unsigned int version_minor;	/* HTTP/1.x; 0 if unknown yet */
	const char *request_line;	/* for the access log; "" if none */
	char target[HTTP_MAX_TARGET + 1];	/* as sent */
	/* Header values, NUL-terminated, or NULL when absent. */
	const char *range;
	const char *if_none_match;
	const char *if_modified_since;
	const char *if_range;
	bool keep_alive;	/* after the version's default and Connection */
	bool has_body;		/* Content-Length > 0 or Transfer-Encoding */
};

/*
 * Parse the head at the start of buf (len bytes; modified: line ends
 * become NULs). Returns false
 * while the head is incomplete and within the limits; true when *req is
 * filled in: a request, or an error status (then head_len is len when the
 * head was never complete).
 */
bool http_parse_request(char *buf, size_t len, struct http_request *req);

/*
 * The request target's path, percent-decoded into out (size len), query
 * dropped, one leading '/' kept. 0, or the status to answer: 400 for a
 * malformed escape, an encoded NUL or '/', 414 if too long.
 */
int http_decode_path(const char *target, char *out, size_t len);

/*
 * A Range header against a representation of size bytes. Returns 200
 * (ignore it: absent, not bytes, malformed or several ranges), 206 with
 * [*first, *last] set, or 416 (unsatisfiable).
 */
int http_parse_range(const char *range, uint64_t size, uint64_t *first,
		     uint64_t *last);

/* If-None-Match: does the list name etag (weak comparison) or "*"? */
bool http_etag_matches(const char *list, const char *etag);

/* An IMF-fixdate (RFC 9110 5.6.7) into *t: 0, or -1 if it is not one. */
int http_parse_date(const char *s, time_t *t);

#endif /* ZCOPYCTL_HTTP_REQUEST_H */
