// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: what it tells. The access log in the Common Log Format,
 * a line per response when its job has ended (the byte count is the body's
 * part of what the job sent); with --stats a line per second of requests,
 * bytes and copies per byte (the sum of the completion records'
 * cpu_copy_bytes over their bytes_sent), through the output layer: a table
 * row, or with -j a JSON object per line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "output.h"
#include "serve.h"

/* The request line as logged: quotes and odd bytes escaped, bounded. */
#define LOG_REQUEST_MAX	1024

int serve_report_open(struct server *s)
{
	const char *path = s->opts->access_log;

	if (!path)
		return 0;
	if (!strcmp(path, "-")) {
		s->access_log = stdout;
	} else {
		s->access_log = fopen(path, "ae");
		if (!s->access_log) {
			tool_error(errno, "cannot open the access log %s: %s", path,
				   strerror(errno));
			return -1;
		}
	}
	/* a line as soon as it is complete, for tail -f and for tests */
	setvbuf(s->access_log, NULL, _IOLBF, 0);
	return 0;
}

void serve_report_close(struct server *s)
{
	if (s->access_log && s->access_log != stdout)
		fclose(s->access_log);
	else if (s->access_log)
		fflush(stdout);
	s->access_log = NULL;
}

static void escape_request(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 5 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			n += (size_t)snprintf(out + n, len - n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

char *serve_log_begin(struct server *s, const struct conn *c,
		      const struct http_request *req, int status)
{
	char request[LOG_REQUEST_MAX], when[40], host[ADDR_STR_LEN], *colon;
	time_t now = time(NULL);
	struct tm tm;
	char *line;

	if (!s->access_log)
		return NULL;
	/* the host without its port, IPv6 without brackets */
	strcpy(host, c->peer[0] == '[' ? c->peer + 1 : c->peer);
	colon = strrchr(host, c->peer[0] == '[' ? ']' : ':');
	if (colon)
		*colon = '\0';
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	escape_request(req->request_line, request, sizeof(request));
	if (asprintf(&line, "%s - - [%s] \"%s\" %d", host, when, request,
		     status) < 0)
		return NULL;
	return line;
}

void serve_log_end(struct server *s, char *line, uint64_t body_bytes)
{
	if (!line)
		return;
	if (body_bytes)
		fprintf(s->access_log, "%s %llu\n", line,
			(unsigned long long)body_bytes);
	else
		fprintf(s->access_log, "%s -\n", line);
	free(line);
}

void serve_count(struct server *s, uint64_t bytes_sent,
		 uint64_t cpu_copy_bytes)
{
	s->total.requests++;
	s->total.bytes_sent += bytes_sent;
	s->total.cpu_copy_bytes += cpu_copy_bytes;
}

/* ELAPSED, REQUESTS/S, BYTES/S, COPIES/B, CONNECTIONS */
static const unsigned int stats_widths[] = { 7, 10, 10, 8, 5 };

void serve_stats_tick(struct server *s, double now, bool final)
{
	/* the header over the first line only */
	static struct out_table_layout layout = {
		.min_width = stats_widths,
		.nr_min_width = ARRAY_SIZE(stats_widths),
	};
	const struct serve_counters *t = &s->total, *l = &s->at_last_tick;
	double dt = now - s->last_tick;
	uint64_t bytes = t->bytes_sent - l->bytes_sent;
	int err;

	if (!s->opts->stats || (!final && dt < 1.0))
		return;
	if (dt <= 0)
		dt = 1.0 / 1000000000;	/* a nanosecond */
	if (!out_is_json())
		out_open_table(NULL, &layout);
	out_open_object(NULL);
	out_double("elapsed_s", now - s->start, 1);
	out_double("requests_per_s", (double)(t->requests - l->requests) / dt, 1);
	out_bytes("bytes_per_s", (uint64_t)((double)bytes / dt));
	if (bytes)
		out_double("copies_per_byte",
			   (double)(t->cpu_copy_bytes - l->cpu_copy_bytes) /
			   (double)bytes, 4);
	else if (out_is_json())
		out_null("copies_per_byte");
	else
		out_str("copies_per_byte", "-");
	out_u64("connections", s->nr_open);
	out_u64("requests", t->requests);
	out_bytes("bytes_sent", t->bytes_sent);
	out_bytes("cpu_copy_bytes", t->cpu_copy_bytes);
	out_close_object();
	if (!out_is_json())
		out_close_table();
	layout.no_header = true;
	err = out_flush();
	if (err)
		tool_error(-err, "writing the statistics: %s", strerror(-err));
	s->at_last_tick = *t;
	s->last_tick = now;
}
