// SPDX-License-Identifier: GPL-2.0
/*
 * Module-wide counters reported by ZCOPY_CMD_STATS. The observer's time
 * is added from its probes on every CPU that transmits: per-CPU, so no
 * shared cache line bounces; it only grows, so a sum read while CPUs add
 * is merely a little old. The rest are atomics: gauges (queued, running)
 * summed over CPUs could be read negative mid-move.
 */
#include <linux/bug.h>
#include <linux/percpu.h>

#include "stats.h"

static atomic64_t zcopy_counters[__ZCOPY_STATS_A_MAX];
static DEFINE_PER_CPU(u64, zcopy_observer_ns);

static bool zcopy_stats_valid(enum zcopy_stats_attr counter)
{
	return !WARN_ON_ONCE(counter < ZCOPY_STATS_FIRST ||
			     counter > ZCOPY_STATS_A_MAX);
}

void zcopy_stats_add(enum zcopy_stats_attr counter, s64 delta)
{
	if (!zcopy_stats_valid(counter))
		return;
	if (counter == ZCOPY_STATS_A_OBSERVER_NS)
		this_cpu_add(zcopy_observer_ns, delta);
	else
		atomic64_add(delta, &zcopy_counters[counter]);
}

u64 zcopy_stats_read(enum zcopy_stats_attr counter)
{
	u64 sum = 0;
	int cpu;

	if (!zcopy_stats_valid(counter))
		return 0;
	if (counter != ZCOPY_STATS_A_OBSERVER_NS)
		return atomic64_read(&zcopy_counters[counter]);
	for_each_possible_cpu(cpu)
		sum += per_cpu(zcopy_observer_ns, cpu);
	return sum;
}
