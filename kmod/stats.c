// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counters reported by ZCOPY_CMD_STATS.
 */
#include <linux/bug.h>

#include "stats.h"

static atomic64_t zcopy_counters[__ZCOPY_STATS_A_MAX];

static bool zcopy_stats_valid(enum zcopy_stats_attr counter)
{
	return !WARN_ON_ONCE(counter < ZCOPY_STATS_FIRST ||
			     counter > ZCOPY_STATS_A_MAX);
}

void zcopy_stats_add(enum zcopy_stats_attr counter, s64 delta)
{
	if (zcopy_stats_valid(counter))
		atomic64_add(delta, &zcopy_counters[counter]);
}

u64 zcopy_stats_read(enum zcopy_stats_attr counter)
{
	if (!zcopy_stats_valid(counter))
		return 0;
	return atomic64_read(&zcopy_counters[counter]);
}
