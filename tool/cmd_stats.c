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
#include "probes.h"
#include "prometheus.h"

enum counter_unit {
	COUNT,		/* a plain number */
	BYTES,		/* a byte count: units with -h */
	NS,		/* nanoseconds: units with -h */
	PROBES,		/* ZCOPY_PROBE_* bits: shown as their names */
};

/*
 * One line per counter: adding one to the module means adding one here.
 * prom: its Prometheus name after "zcopy_"; a counter's ends in _total, a
 * gauge's not.
 */
static const struct stats_counter {
	int attr;
	const char *name;
	enum counter_unit unit;
	const char *prom;
} stats_counters[] = {
	{ ZCOPY_STATS_A_JOBS_SUBMITTED,	"jobs_submitted",  COUNT, "jobs_submitted_total" },
	{ ZCOPY_STATS_A_JOBS_QUEUED,	"jobs_queued",	   COUNT, "jobs_queued" },
	{ ZCOPY_STATS_A_JOBS_RUNNING,	"jobs_running",	   COUNT, "jobs_running" },
	{ ZCOPY_STATS_A_JOBS_DONE,	"jobs_done",	   COUNT, "jobs_done_total" },
	{ ZCOPY_STATS_A_JOBS_FAILED,	"jobs_failed",	   COUNT, "jobs_failed_total" },
	{ ZCOPY_STATS_A_JOBS_CANCELLED,	"jobs_cancelled",  COUNT, "jobs_cancelled_total" },
	{ ZCOPY_STATS_A_JOBS_COPY,	"jobs_copy",	   COUNT, "jobs_copy_total" },
	{ ZCOPY_STATS_A_JOBS_MMAP,	"jobs_mmap",	   COUNT, "jobs_mmap_total" },
	{ ZCOPY_STATS_A_JOBS_SENDFILE,	"jobs_sendfile",   COUNT, "jobs_sendfile_total" },
	{ ZCOPY_STATS_A_JOBS_SG,	"jobs_sg",	   COUNT, "jobs_sg_total" },
	{ ZCOPY_STATS_A_BYTES_SENT,	"bytes_sent",	   BYTES, "sent_bytes_total" },
	{ ZCOPY_STATS_A_CPU_COPY_BYTES,	"cpu_copy_bytes",  BYTES, "cpu_copy_bytes_total" },
	{ ZCOPY_STATS_A_REF_BYTES,	"ref_bytes",	   BYTES, "by_reference_bytes_total" },
	{ ZCOPY_STATS_A_DMA_IN_BYTES,	"dma_in_bytes",	   BYTES, "dma_in_bytes_total" },
	{ ZCOPY_STATS_A_DMA_OUT_BYTES,	"dma_out_bytes",   BYTES, "dma_out_bytes_total" },
	{ ZCOPY_STATS_A_OBSERVER_PROBES, "observer_probes", PROBES, "observer_probes" },
	{ ZCOPY_STATS_A_JOBS_VERIFIED,	"jobs_verified",   COUNT, "jobs_verified_total" },
	{ ZCOPY_STATS_A_RETRANS_BYTES,	"retrans_bytes",   BYTES, "retransmitted_bytes_total" },
	{ ZCOPY_STATS_A_OBSERVATIONS,	"observations",	   COUNT, "observations" },
	{ ZCOPY_STATS_A_OBSERVER_NS,	"observer_ns",	   NS, "observer_seconds_total" },
	{ ZCOPY_STATS_A_OBSERVER_ARMED,	"observer_armed",  PROBES, "observer_armed_probes" },
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
		else if (stats_counters[i].unit == NS)
			out_ns(name, s->value[attr]);
		else if (stats_counters[i].unit == PROBES)
			out_probes(name, s->value[attr]);
		else
			out_u64(name, s->value[attr]);
	}
	/* Only when the observer is incomplete: jobs are then not verified. */
	if (s->observer_error[0])
		out_str("observer_error", s->observer_error);
	out_close_object();
}

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* The counters as node_exporter's textfile collector wants them. */
static int write_prometheus(const char *path, const struct module_stats *s)
{
	struct prom_file p;
	char help[96], name[64];
	size_t i;
	int err;

	err = prom_begin(&p, path);
	if (err)
		goto out;
	for (i = 0; i < NR_COUNTERS; i++) {
		const struct stats_counter *c = &stats_counters[i];
		double v = (double)s->value[c->attr];

		if (!s->present[c->attr])
			continue;
		if (c->attr == ZCOPY_STATS_A_OBSERVER_NS)
			v /= 1e9;
		snprintf(help, sizeof(help), "zcopy's %s (zcopyctl stats).",
			 c->name);
		snprintf(name, sizeof(name), "zcopy_%s", c->prom);
		prom_sample(&p, name, ends_with(name, "_total") ?
			    "counter" : "gauge", help, NULL, v);
	}
	err = prom_commit(&p);
out:
	if (err)
		tool_error(-err, "%s: %s", path, strerror(-err));
	return err;
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

static const struct option stats_options[] = {
	{ "prometheus",	required_argument, NULL, 'P' },
	{ NULL, 0, NULL, 0 },
};

/* -P FILE: *prometheus = FILE. */
static int stats_option(const struct cmd *cmd, int opt, void *prometheus)
{
	(void)cmd;
	if (opt == 'P')
		*(const char **)prometheus = optarg;
	return CMD_CONTINUE;
}

static int stats_run(const struct cmd *cmd, int argc, char **argv)
{
	const char *prometheus = NULL;
	struct module_stats s;
	int status, err;

	status = cmd_parse_options(cmd, argc, argv, stats_option, &prometheus);
	if (status != CMD_CONTINUE)
		return status;
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);

	if (read_stats(&s))
		return EXIT_FAIL;
	if (prometheus && write_prometheus(prometheus, &s))
		return EXIT_FAIL;

	print_stats(&s);
	err = out_flush();
	if (err) {
		tool_error(-err, "writing output: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

const struct cmd cmd_stats = {
	.name		= "stats",
	.run		= stats_run,
	.summary	= "Show the module-wide job and byte counters.",
	.synopsis	= "[-j] [-P FILE]",
	.options_help	= CMD_JSON_HELP
		"  -P, --prometheus FILE  also write them in Prometheus' text format\n",
	.optstring	= "jP:h",
	.longopts	= stats_options,
};
