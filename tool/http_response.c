// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: response heads. Every response says its length
 * (Content-Length), so a connection stays usable after it unless the
 * client or an error says otherwise.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_response.h"
#include "util.h"

static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 200, "OK" },
	{ 206, "Partial Content" },
	{ 304, "Not Modified" },
	{ 400, "Bad Request" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 503, "Service Unavailable" },
	{ 505, "HTTP Version Not Supported" },
};

const char *http_reason(int status)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(reasons); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}

const char *http_format_date(time_t t, char buf[HTTP_DATE_LEN])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, HTTP_DATE_LEN, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return buf;
}

static const struct {
	const char *ext;
	const char *type;
} content_types[] = {
	{ "html",	"text/html; charset=utf-8" },
	{ "htm",	"text/html; charset=utf-8" },
	{ "txt",	"text/plain; charset=utf-8" },
	{ "css",	"text/css" },
	{ "js",		"text/javascript" },
	{ "json",	"application/json" },
	{ "xml",	"application/xml" },
	{ "svg",	"image/svg+xml" },
	{ "png",	"image/png" },
	{ "jpg",	"image/jpeg" },
	{ "jpeg",	"image/jpeg" },
	{ "gif",	"image/gif" },
	{ "webp",	"image/webp" },
	{ "ico",	"image/vnd.microsoft.icon" },
	{ "pdf",	"application/pdf" },
	{ "wasm",	"application/wasm" },
	{ "woff2",	"font/woff2" },
	{ "mp4",	"video/mp4" },
	{ "gz",		"application/gzip" },
	{ "zip",	"application/zip" },
};

const char *http_content_type(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *dot = strrchr(slash ? slash : path, '.');
	size_t i;

	if (dot)
		for (i = 0; i < ARRAY_SIZE(content_types); i++)
			if (!strcasecmp(dot + 1, content_types[i].ext))
				return content_types[i].type;
	return "application/octet-stream";
}

static void head_vprintf(struct http_head *h, const char *fmt, va_list ap)
{
	size_t room = sizeof(h->buf) - h->len;
	int n;

	n = vsnprintf(h->buf + h->len, room, fmt, ap);
	if (n < 0 || (size_t)n >= room)
		h->overflow = true;
	else
		h->len += (size_t)n;
}

__printf(2, 3)
static void head_printf(struct http_head *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	head_vprintf(h, fmt, ap);
	va_end(ap);
}

void http_head_add(struct http_head *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	head_vprintf(h, fmt, ap);
	va_end(ap);
	head_printf(h, "\r\n");
}

void http_head_start(struct http_head *h, int status)
{
	char date[HTTP_DATE_LEN];

	h->len = 0;
	h->overflow = false;
	head_printf(h, "HTTP/1.1 %d %s\r\nServer: zcopyctl\r\nDate: %s\r\n",
		    status, http_reason(status),
		    http_format_date(time(NULL), date));
}

void http_head_end(struct http_head *h, bool keep_alive,
		   unsigned int version_minor)
{
	/* 1.1 keeps alive by default, 1.0 closes by default */
	if (!keep_alive)
		head_printf(h, "Connection: close\r\n");
	else if (version_minor == 0)
		head_printf(h, "Connection: keep-alive\r\n");
	head_printf(h, "\r\n");
}

void http_error_response(struct http_head *h, int status, bool head_only,
			 bool keep_alive, unsigned int version_minor,
			 unsigned long long size)
{
	char body[256];
	int n;

	n = snprintf(body, sizeof(body),
		     "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
		     status, http_reason(status), status, http_reason(status));
	http_head_start(h, status);
	http_head_add(h, "Content-Type: text/html; charset=utf-8");
	http_head_add(h, "Content-Length: %d", n);
	if (status == 405)
		http_head_add(h, "Allow: GET, HEAD");
	if (status == 416)
		http_head_add(h, "Content-Range: bytes */%llu", size);
	http_head_end(h, keep_alive, version_minor);
	if (!head_only)
		head_printf(h, "%s", body);
}
