// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: how a command fails, in one place (see error.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "error.h"
#include "output.h"

#define ERROR_MSG_LEN	512

static struct {
	int errnum;		/* 0: no failure reported yet */
	char message[ERROR_MSG_LEN];
	void (*detail)(void *arg);
	void *detail_arg;
	bool printed;		/* once: a command may print it early */
} first;

int error_vreport(int errnum, const char *prefix, const char *fmt,
		  va_list ap)
{
	char message[ERROR_MSG_LEN];

	vsnprintf(message, sizeof(message), fmt, ap);
	fprintf(stderr, "%s: %s\n", prefix, message);
	if (errnum <= 0)
		errnum = EIO;	/* a caller's bug: still a failure */
	if (!first.errnum) {
		first.errnum = errnum;
		memcpy(first.message, message, sizeof(message));
	}
	return -errnum;
}

int tool_error(int errnum, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = error_vreport(errnum, "zcopyctl", fmt, ap);
	va_end(ap);
	return ret;
}

void pr_warn(const char *fmt, ...)
{
	va_list ap;

	fputs("zcopyctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void pr_info(const char *fmt, ...)
{
	va_list ap;

	fputs("zcopyctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void error_set_detail(void (*fn)(void *arg), void *arg)
{
	first.detail = fn;
	first.detail_arg = arg;
}

void error_print_json(int status)
{
	int errnum = first.errnum;
	const char *name;

	/*
	 * No failure reported: a status that is not ours (observe passes on
	 * its command's), and no error object.
	 */
	if (!out_is_json() || status == EXIT_OK || !errnum || first.printed)
		return;
	first.printed = true;
	out_discard();
	name = strerrorname_np(errnum);
	out_open_object(NULL);
	out_open_object("error");
	out_u64("errno", (uint64_t)errnum);
	out_str("name", name ? name : "EUNKNOWN");
	out_str("message", first.message);
	out_close_object();
	if (first.detail)
		first.detail(first.detail_arg);
	out_close_object();
	out_flush();
}
