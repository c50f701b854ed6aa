// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl stats: the module-wide counters (ZCOPY_CMD_STATS).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "module_stats.h"
#include "nl.h"
#include "output.h"

enum counter_unit {
	COUNT,		/* shown as a plain number */
	BYTES,		/* human-readable in text, exact in JSON */
};

/* One line per counter: adding one to the module means adding one here. */
static const struct stats_counter {
	int attr;
	const char *name;
	enum counter_unit unit;
} stats_counters[] = {
	{ ZCOPY_STATS_A_JOBS_SUBMITTED,		"jobs_submitted",	COUNT },
	{ ZCOPY_STATS_A_JOBS_QUEUED,		"jobs_queued",		COUNT },
	{ ZCOPY_STATS_A_JOBS_RUNNING,		"jobs_running",		COUNT },
	{ ZCOPY_STATS_A_JOBS_DONE,		"jobs_done",		COUNT },
	{ ZCOPY_STATS_A_JOBS_FAILED,		"jobs_failed",		COUNT },
	{ ZCOPY_STATS_A_JOBS_CANCELLED,		"jobs_cancelled",	COUNT },
	{ ZCOPY_STATS_A_JOBS_COPY,		"jobs_copy",		COUNT },
	{ ZCOPY_STATS_A_JOBS_MMAP,		"jobs_mmap",		COUNT },
	{ ZCOPY_STATS_A_JOBS_SENDFILE,		"jobs_sendfile",	COUNT },
	{ ZCOPY_STATS_A_JOBS_SG,		"jobs_sg",		COUNT },
	{ ZCOPY_STATS_A_BYTES_SENT,		"bytes_sent",		BYTES },
	{ ZCOPY_STATS_A_CPU_COPY_BYTES,		"cpu_copy_bytes",	BYTES },
	{ ZCOPY_STATS_A_REF_BYTES,		"ref_bytes",		BYTES },
	{ ZCOPY_STATS_A_DMA_IN_BYTES,		"dma_in_bytes",		BYTES },
	{ ZCOPY_STATS_A_DMA_OUT_BYTES,		"dma_out_bytes",	BYTES },
	{ ZCOPY_STATS_A_OBSERVER_PROBES,	"observer_probes",	COUNT },
	{ ZCOPY_STATS_A_JOBS_VERIFIED,		"jobs_verified",	COUNT },
	{ ZCOPY_STATS_A_RETRANS_BYTES,		"retrans_bytes",	BYTES },
	{ ZCOPY_STATS_A_OBSERVATIONS,		"observations",		COUNT },
	{ ZCOPY_STATS_A_OBSERVER_NS,		"observer_ns",		COUNT },
	{ ZCOPY_STATS_A_OBSERVER_ARMED,		"observer_armed",	COUNT },
};

#define NR_COUNTERS	ARRAY_SIZE(stats_counters)

static void print_stats(const struct module_stats *s)
{
	size_t i;

	out_open_object(NULL);
	for (i = 0; i < NR_COUNTERS; i++) {
		const char *name = stats_counters[i].name;
		int attr = stats_counters[i].attr;

		/* An older module may lack a counter: unknown, not 0. */
		if (!s->present[attr])
			out_null(name);
		else if (stats_counters[i].unit == BYTES)
			out_bytes(name, s->value[attr]);
		else
			out_u64(name, s->value[attr]);
	}
	/* Only when the observer is incomplete: jobs are then not verified. */
	if (s->observer_error[0])
		out_str("observer_error", s->observer_error);
	out_close_object();
}

/* Ask the module; on failure the reason is printed. */
static int read_stats(struct module_stats *s)
{
	struct nl_ctx ctx;
	int err;

	err = nl_ctx_open(&ctx);
	if (!err)
		err = module_stats_read(&ctx, s);
	if (err)
		nl_ctx_perror(&ctx, err);
	nl_ctx_close(&ctx);
	return err;
}

static int stats_run(const struct cmd *cmd, int argc, char **argv)
{
	struct module_stats s;
	int status, err;

	status = cmd_json_only(cmd, argc, argv);
	if (status != CMD_CONTINUE)
		return status;

	if (read_stats(&s))
		return EXIT_FAIL;

	print_stats(&s);
	err = out_flush();
	if (err) {
		pr_err("writing output: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

const struct cmd cmd_stats = {
	.name		= "stats",
	.run		= stats_run,
	.summary	= "Show the module-wide job and byte counters.",
	.synopsis	= "[-j]",
	.options_help	= CMD_JSON_HELP,
	.optstring	= "jh",
	.longopts	= cmd_json_options,
};
