// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: reporting. TAP lines written whole, failures counted and
 * the first of each worker remembered for the verdict, errnos counted.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "zcopy_fuzz.h"

/* ---- Reporting. ---- */

int worker_index = -1;
struct worker_stats *ws;

void out_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: the workers share stdout. */
	if (write(STDOUT_FILENO, line, n) < 0)
		return;
}

/* Something the ABI does not allow: remembered and printed. */
void fail(const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ws->failures)
		snprintf(ws->first_failure, sizeof(ws->first_failure),
			 "worker %d input %" PRIu64 ": %s", worker_index,
			 ws->inputs, msg);
	if (ws->failures++ < MAX_FAIL_LOGS || opts.verbose)
		out_line("# FAIL worker %d input %" PRIu64 ": %s",
			 worker_index, ws->inputs, msg);
}

void count_errno(uint64_t *hist, int err)
{
	hist[err >= 0 && err < ERRNO_SLOTS ? err : ERRNO_SLOTS]++;
}

const char *errno_label(int err, char *buf, size_t len)
{
	const char *name = err ? strerrorname_np(err) : "OK";

	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

bool errset_has(struct errset s, int err)
{
	unsigned int i;

	for (i = 0; i < s.n; i++)
		if (s.v[i] == err)
			return true;
	return false;
}

struct errset errlist(const int *v, unsigned int n)
{
	return (struct errset){ v, n };
}
