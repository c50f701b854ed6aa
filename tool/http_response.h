/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl serve: the head of an HTTP/1.1 response (status line and header
 * fields), built in a fixed buffer that a zcopy job then sends before the
 * body, and the small pieces it is made of: reason phrases, HTTP dates,
 * content types.
 */
#ifndef ZCOPYCTL_HTTP_RESPONSE_H
#define ZCOPYCTL_HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "util.h"

/* "Sun, 06 Nov 1994 08:49:37 GMT" and its NUL. */
#define HTTP_DATE_LEN	30

/* Head and, for errors, the short body: well below ZCOPY_HEADER_MAX. */
#define HTTP_HEAD_MAX	2048

struct http_head {
	char buf[HTTP_HEAD_MAX];
	size_t len;
	bool overflow;		/* a field did not fit: a bug, not a request */
};

/* The reason phrase of a status this server sends. */
const char *http_reason(int status);

/* An IMF-fixdate (RFC 9110 5.6.7) of t. Returns buf. */
const char *http_format_date(time_t t, char buf[HTTP_DATE_LEN]);

/* The media type for a file name's extension; octet-stream if unknown. */
const char *http_content_type(const char *path);

/* The status line, Server and Date: the start of every response. */
void http_head_start(struct http_head *h, int status);

/* One "Name: value" line, printf-style. */
__printf(2, 3)
void http_head_add(struct http_head *h, const char *fmt, ...);

/* Connection, as keep_alive and the request's version want, and the end. */
void http_head_end(struct http_head *h, bool keep_alive,
		   unsigned int version_minor);

/*
 * A whole error response: head and a short HTML body (not for HEAD),
 * with Allow for 405 and Content-Range for 416 (size of the file).
 */
void http_error_response(struct http_head *h, int status, bool head_only,
			 bool keep_alive, unsigned int version_minor,
			 unsigned long long size);

#endif /* ZCOPYCTL_HTTP_RESPONSE_H */
