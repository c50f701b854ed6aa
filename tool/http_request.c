// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: parsing of HTTP/1.x request heads (RFC 9112) and of the
 * request headers that select a representation's range or make it
 * conditional (RFC 9110). Strict where leniency would let a request mean
 * two things (obs-fold, a space before a colon, a bare CR, two Hosts).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_request.h"
#include "parse.h"

/* RFC 9110 5.6.2 token characters. */
static bool is_tchar(unsigned char c)
{
	return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_token(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* s with the optional white space around it cut; s is modified. */
static char *trim_ows(char *s)
{
	size_t n;

	while (is_ows(*s))
		s++;
	n = strlen(s);
	while (n && is_ows(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/*
 * A line of the head, [line, nl): its CR cut, NUL-terminated in place.
 * False if a CR or a NUL is left inside it.
 */
static bool terminate_line(char *line, char *nl)
{
	char *end = nl;

	if (end > line && end[-1] == '\r')
		end--;
	*end = '\0';
	return !memchr(line, '\r', (size_t)(end - line)) &&
	       strlen(line) == (size_t)(end - line);
}

/* "close" and "keep-alive" among a Connection header's tokens. */
static void parse_connection(char *value, bool *close, bool *keep_alive)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(value, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		tok = trim_ows(tok);
		if (!strcasecmp(tok, "close"))
			*close = true;
		else if (!strcasecmp(tok, "keep-alive"))
			*keep_alive = true;
	}
}

struct head_state {
	unsigned int hosts;
	bool conn_close, conn_keep_alive;
	bool have_length;
	uint64_t content_length;
};

/* One header field line: 0, or 400. */
static int parse_field(char *line, struct http_request *req,
		       struct head_state *st)
{
	char *colon, *value;
	uint64_t n;

	/* obs-fold (a continuation line) is refused, RFC 9112 5.2 */
	if (is_ows(line[0]))
		return 400;
	colon = strchr(line, ':');
	if (!colon || !is_token(line, (size_t)(colon - line)))
		return 400;
	*colon = '\0';
	value = trim_ows(colon + 1);
	for (const char *p = value; *p; p++)
		if ((iscntrl((unsigned char)*p) && *p != '\t'))
			return 400;

	if (!strcasecmp(line, "host")) {
		st->hosts++;
	} else if (!strcasecmp(line, "connection")) {
		parse_connection(value, &st->conn_close, &st->conn_keep_alive);
	} else if (!strcasecmp(line, "content-length")) {
		if (parse_u64(value, &n) ||
		    (st->have_length && n != st->content_length))
			return 400;
		st->have_length = true;
		st->content_length = n;
		if (n)
			req->has_body = true;
	} else if (!strcasecmp(line, "transfer-encoding")) {
		req->has_body = true;
	} else if (!strcasecmp(line, "range")) {
		req->range = value;
	} else if (!strcasecmp(line, "if-none-match")) {
		req->if_none_match = value;
	} else if (!strcasecmp(line, "if-modified-since")) {
		req->if_modified_since = value;
	} else if (!strcasecmp(line, "if-range")) {
		req->if_range = value;
	}
	return 0;
}

/* "http://" or "https://", case-insensitive: absolute-form. */
static bool has_http_scheme(const char *target)
{
	return !strncasecmp(target, "http://", 7) ||
	       !strncasecmp(target, "https://", 8);
}

/* METHOD SP TARGET SP HTTP/1.x: 0, or the status of the failure. */
static int parse_request_line(char *line, struct http_request *req)
{
	char *sp1, *sp2, *version;

	req->request_line = line;
	sp1 = strchr(line, ' ');
	if (!sp1 || !is_token(line, (size_t)(sp1 - line)))
		return 400;
	sp2 = strchr(sp1 + 1, ' ');
	if (!sp2 || sp2 == sp1 + 1)
		return 400;
	version = sp2 + 1;
	if (strncmp(version, "HTTP/", 5) || !isdigit((unsigned char)version[5]) ||
	    version[6] != '.' || !isdigit((unsigned char)version[7]) ||
	    version[8])
		return 400;
	if (version[5] != '1')
		return 505;
	req->version_minor = (unsigned int)(version[7] - '0');
	if (sp2 - sp1 - 1 > HTTP_MAX_TARGET)
		return 414;

	if ((size_t)(sp1 - line) == 3 && !strncmp(line, "GET", 3))
		req->method = HTTP_GET;
	else if ((size_t)(sp1 - line) == 4 && !strncmp(line, "HEAD", 4))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;

	/* The target in a copy: the line stays whole for the access log. */
	memcpy(req->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	req->target[sp2 - sp1 - 1] = '\0';
	return 0;
}

/*
 * Where the head that starts at start ends (after its empty line), or 0
 * while it is incomplete; *status is set when it grew past the limits.
 */
static size_t find_head_end(const char *buf, size_t len, size_t start,
			    int *status)
{
	const char *line_end, *p;
	size_t request_line_len;

	*status = 0;
	line_end = memchr(buf + start, '\n', len - start);
	if (!line_end) {
		/* A start like "GET /aaaa..." is a long target, else junk. */
		if (len - start > HTTP_MAX_REQUEST_LINE)
			*status = memchr(buf + start, ' ', 16) ? 414 : 400;
		return 0;
	}
	request_line_len = (size_t)(line_end - (buf + start)) + 1;
	p = line_end + 1;
	for (;;) {
		line_end = memchr(p, '\n', len - (size_t)(p - buf));
		if (!line_end)
			break;
		if (line_end == p || (line_end == p + 1 && *p == '\r')) {
			if ((size_t)(p - buf) - start - request_line_len >
			    HTTP_MAX_HEADERS)
				*status = 431;
			return (size_t)(line_end - buf) + 1;
		}
		p = line_end + 1;
	}
	if (len - start - request_line_len > HTTP_MAX_HEADERS)
		*status = 431;
	return 0;
}

/* The whole head [start, end) is in buf: parse it in place. */
static int parse_head(char *buf, size_t start, size_t end,
		      struct http_request *req)
{
	struct head_state st = { 0 };
	char *line = buf + start, *nl;
	int status;

	nl = memchr(line, '\n', end - start);
	if (!terminate_line(line, nl))
		return 400;
	status = parse_request_line(line, req);
	if (status)
		return status;
	for (line = nl + 1; line < buf + end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + end - line));
		if (!terminate_line(line, nl))
			return 400;
		if (!*line)
			break;	/* the empty line that ends the head */
		status = parse_field(line, req, &st);
		if (status)
			return status;
	}

	req->keep_alive = req->version_minor >= 1 ?
			  !st.conn_close : st.conn_keep_alive && !st.conn_close;
	/* RFC 9112 3.2: exactly one Host in HTTP/1.1, at most one before */
	if (st.hosts > 1 || (req->version_minor >= 1 && !st.hosts))
		return 400;
	if (req->method == HTTP_OTHER)
		return 405;
	if (req->target[0] != '/' && !has_http_scheme(req->target))
		return 400;
	return 0;
}

bool http_parse_request(char *buf, size_t len, struct http_request *req)
{
	size_t start = 0, end;
	int status;

	memset(req, 0, sizeof(*req));
	req->request_line = "";
	/* RFC 9112 2.2: empty lines before a request line are ignored */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	end = find_head_end(buf, len, start, &status);
	if (!end && !status)
		return false;
	if (status) {
		req->error_status = status;
		req->head_len = end ? end : len;
		return true;
	}
	req->head_len = end;
	req->error_status = parse_head(buf, start, end, req);
	if (req->error_status)
		req->keep_alive = false;
	return true;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int http_decode_path(const char *target, char *out, size_t len)
{
	const char *p = target;
	size_t n = 0;
	int hi, lo;
	char c;

	if (has_http_scheme(target)) {
		/* absolute-form: the path after the authority */
		p = strchr(strstr(target, "://") + 3, '/');
		if (!p)
			p = "/";
	}
	for (; *p && *p != '?' && *p != '#'; p++) {
		c = *p;
		if (c == '%') {
			hi = hex_value(p[1]);
			lo = hi < 0 ? -1 : hex_value(p[2]);
			if (lo < 0)
				return 400;
			c = (char)(hi << 4 | lo);
			/* an encoded separator or NUL would be another path */
			if (c == '\0' || c == '/')
				return 400;
			p += 2;
		}
		if (n + 1 >= len)
			return 414;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* Digits as a number; past 64 bits it is UINT64_MAX. */
static int range_number(const char *s, uint64_t *v)
{
	int err = parse_u64(s, v);

	if (err == -ERANGE) {
		*v = UINT64_MAX;
		return 0;
	}
	return err;
}

int http_parse_range(const char *range, uint64_t size, uint64_t *first,
		     uint64_t *last)
{
	char spec[64], *dash, *a, *b;
	uint64_t x, y;

	if (!range || strncasecmp(range, "bytes=", 6) ||
	    strlen(range + 6) >= sizeof(spec))
		return 200;
	strcpy(spec, range + 6);
	a = trim_ows(spec);
	/* several ranges would need multipart/byteranges: served whole */
	if (strchr(a, ','))
		return 200;
	dash = strchr(a, '-');
	if (!dash)
		return 200;
	*dash = '\0';
	b = dash + 1;
	if (!*a) {
		/* bytes=-N: the last N bytes */
		if (range_number(b, &y))
			return 200;
		if (!y || !size)
			return 416;
		*first = y >= size ? 0 : size - y;
		*last = size - 1;
		return 206;
	}
	if (range_number(a, &x))
		return 200;
	if (!*b) {
		y = UINT64_MAX;
	} else {
		if (range_number(b, &y))
			return 200;
		if (y < x)
			return 200;	/* invalid: ignored, RFC 9110 14.1.1 */
	}
	if (x >= size)
		return 416;
	*first = x;
	*last = y >= size ? size - 1 : y;
	return 206;
}

bool http_etag_matches(const char *list, const char *etag)
{
	size_t etag_len = strlen(etag), n;
	const char *p = list, *end;

	while (*p) {
		while (is_ows(*p) || *p == ',')
			p++;
		if (!*p)
			break;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		n = (size_t)(end - p);
		while (n && is_ows(p[n - 1]))
			n--;
		if (n == 1 && *p == '*')
			return true;
		/* weak comparison: W/ does not matter */
		if (n > 2 && !strncmp(p, "W/", 2)) {
			p += 2;
			n -= 2;
		}
		if (n == etag_len && !memcmp(p, etag, n))
			return true;
		p = end;
	}
	return false;
}

int http_parse_date(const char *s, time_t *t)
{
	struct tm tm = { 0 };
	const char *end;

	end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end)
		return -1;
	*t = timegm(&tm);
	return 0;
}
