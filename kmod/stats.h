/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide counters, indexed by their netlink attribute so that the
 * STATS reply is a plain walk over the array.
 */
#ifndef _ZCOPY_STATS_H
#define _ZCOPY_STATS_H

#include <linux/atomic.h>
#include <uapi/linux/zcopy.h>

/* The first attribute that carries a counter; those before are framing. */
#define ZCOPY_STATS_FIRST	ZCOPY_STATS_A_JOBS_SUBMITTED

void zcopy_stats_add(enum zcopy_stats_attr counter, s64 delta);
u64 zcopy_stats_read(enum zcopy_stats_attr counter);

#endif /* _ZCOPY_STATS_H */
