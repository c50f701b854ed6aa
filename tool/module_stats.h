/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the module's STATS reply, read once for whoever needs it
 * (stats prints it, bench takes counters before and after each run).
 */
#ifndef ZCOPYCTL_MODULE_STATS_H
#define ZCOPYCTL_MODULE_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/zcopy.h>

#include "nl.h"

struct module_stats {
	/* An older module may lack a counter: not present, not 0. */
	bool present[ZCOPY_STATS_A_MAX + 1];
	uint64_t value[ZCOPY_STATS_A_MAX + 1];
	char observer_error[160];	/* why probes are missing, or "" */
};

/* ZCOPY_CMD_STATS over ctx: 0 or -errno, with ctx->what set on failure. */
int module_stats_read(struct nl_ctx *ctx, struct module_stats *s);

#endif /* ZCOPYCTL_MODULE_STATS_H */
