/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: how a command fails, in one place.
 *
 * Every failure goes through tool_error() (or cmd_usage_error(), which
 * uses it): the message goes to stderr at once, and the first failure is
 * kept. When the command has ended with a non-zero status, main() calls
 * error_print_json(): with -j, stdout then gets exactly one error object
 * (ERRORS in zcopyctl.8):
 *
 *   {"schema_version":1,"error":{"errno":2,"name":"ENOENT","message":"..."}}
 *
 * The first failure is the cause; later ones follow from it.
 */
#ifndef ZCOPYCTL_ERROR_H
#define ZCOPYCTL_ERROR_H

#include <stdarg.h>

#include "util.h"

/*
 * "zcopyctl: <message>" on stderr, kept with errnum (a positive errno,
 * the closest one when the failure is not a system call's) for the error
 * object. Returns -errnum, so that callers can return it.
 */
__printf(2, 3) int tool_error(int errnum, const char *fmt, ...);

/*
 * The same with another prefix ("zcopyctl send: ...") and a va_list: what
 * cmd_usage_error() uses. Returns -errnum.
 */
int error_vreport(int errnum, const char *prefix, const char *fmt,
		  va_list ap);

/* "zcopyctl: warning: <message>" on stderr; not a failure. */
__printf(1, 2) void pr_warn(const char *fmt, ...);
/*
 * "zcopyctl: <message>" on stderr; not a failure of the command (a server
 * logs what went wrong with one client and goes on).
 */
__printf(1, 2) void pr_info(const char *fmt, ...);

/*
 * More members for the error object, written through the output layer
 * after "error" (send's job record, bench's partial results); fn is
 * called only if the error object is printed.
 */
void error_set_detail(void (*fn)(void *arg), void *arg);

/*
 * With -j, the error object on stdout (whatever was not flushed before is
 * dropped), if a failure was reported; nothing in text mode, or for a
 * status that is not a failure of ours (observe's command's). status is
 * the command's exit status.
 * Once only: a command whose detail would not outlive it prints it
 * itself, main()'s call is then a no-op.
 */
void error_print_json(int status);

#endif /* ZCOPYCTL_ERROR_H */
