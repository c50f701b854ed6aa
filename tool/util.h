/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the few kernel-style helpers that the C library lacks.
 */
#ifndef ZCOPYCTL_UTIL_H
#define ZCOPYCTL_UTIL_H

#include <time.h>

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
/* As the kernel's: printf-style arguments from a, checked. */
#define __printf(a, b)		__attribute__((format(printf, a, b)))

/* Seconds on CLOCK_MONOTONIC, the clock of the module's *_ns fields. */
static inline double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif /* ZCOPYCTL_UTIL_H */
