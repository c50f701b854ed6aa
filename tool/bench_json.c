// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the results, as the JSON document of the report
 * generator (schema_version 1, see zcopyctl.8) or as a text table.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "json_writer.h"
#include "output.h"
#include "version.h"

/* "schema", the name before schema_version: kept, always equal. */
#define BENCH_SCHEMA	OUT_SCHEMA_VERSION

/* The JSON key of each metric, and the decimals it deserves. */
static const struct {
	const char *key;
	int decimals;
} metric_keys[BM_NR] = {
	[BM_THROUGHPUT]		= { "throughput_mib_s", 3 },
	[BM_TRANSFERS_PER_S]	= { "transfers_per_s", 3 },
	[BM_SENDER_CPU]		= { "sender_cpu_ns_per_mib", 1 },
	[BM_SYSTEM_CPU]		= { "system_cpu_ns_per_mib", 1 },
	[BM_CPU_COPY]		= { "cpu_copy_per_byte", 4 },
	[BM_REF_BYTES]		= { "ref_bytes", 1 },
	[BM_DMA_IN]		= { "dma_in_bytes", 1 },
	[BM_DMA_OUT]		= { "dma_out_bytes", 1 },
	[BM_RETRANS]		= { "retrans_bytes", 1 },
	[BM_SYSCALLS]		= { "syscalls", 3 },
	[BM_CONTEXT_SWITCHES]	= { "context_switches", 3 },
	[BM_OBSERVER_NS]	= { "observer_ns_per_mib", 1 },
};

double bench_cell_throughput(const struct bench_cell *cell)
{
	struct bench_summary s;

	bench_summarize(cell->values[BM_THROUGHPUT], cell->nr_runs, &s);
	return s.median;
}

/* "model name" of the first CPU, or "unknown". */
static void cpu_model(char *buf, size_t len)
{
	char line[256], *colon, *end;
	FILE *f;

	snprintf(buf, len, "unknown");
	f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		colon = strchr(line, ':');
		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		end = colon + strlen(colon);
		while (end > colon && (end[-1] == '\n' || end[-1] == ' '))
			*--end = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

static void json_cell(struct json_writer *jw, const struct bench_cell *cell)
{
	struct bench_summary s;
	unsigned int i;

	jw_open_object(jw, NULL);
	jw_string(jw, "method", cell->method->name);
	jw_bool(jw, "observer", cell->observer);
	jw_bool(jw, "cgroup_observed", cell->observe_cgroup);
	jw_string(jw, "path", cell->target->path);
	jw_string(jw, "target", cell->target->addr);
	jw_u64(jw, "size", cell->size);
	jw_string(jw, "cache", cell->cold ? "cold" : "hot");
	jw_u64(jw, "runs", cell->nr_runs);
	jw_u64(jw, "transfers_per_run", cell->transfers_per_run);
	if (cell->error[0])
		jw_string(jw, "error", cell->error);
	else
		jw_null(jw, "error");
	for (i = 0; i < BM_NR; i++) {
		bench_summarize(cell->values[i], cell->nr_runs, &s);
		if (!isfinite(s.median)) {
			jw_null(jw, metric_keys[i].key);
			continue;
		}
		jw_open_object(jw, metric_keys[i].key);
		jw_double(jw, "median", s.median, metric_keys[i].decimals);
		jw_double(jw, "min", s.min, metric_keys[i].decimals);
		jw_double(jw, "max", s.max, metric_keys[i].decimals);
		jw_close_object(jw);
	}
	jw_bool(jw, "verified", cell->verified);
	if (!strcmp(cell->method->name, "msg_zerocopy"))
		jw_u64(jw, "zerocopy_copied_reports", cell->zc_copied_reports);
	if (cell->cold)
		jw_u64(jw, "cold_residual_pages", cell->cold_residual_pages);
	jw_close_object(jw);
}

void bench_json_doc(struct json_writer *jw, const char *key,
		    const struct bench_doc *doc)
{
	const char *virt = getenv("ZCOPY_BENCH_VIRT");
	struct utsname u;
	char model[128];
	unsigned int i;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	cpu_model(model, sizeof(model));

	jw_open_object(jw, key);
	jw_u64(jw, "schema_version", OUT_SCHEMA_VERSION);
	jw_u64(jw, "schema", BENCH_SCHEMA);
	jw_string(jw, "tool_version", ZCOPYCTL_VERSION);
	jw_string(jw, "kernel", u.release);
	jw_string(jw, "machine", u.machine);
	jw_string(jw, "cpu_model", model);
	jw_u64(jw, "cpus", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	jw_string(jw, "virt", virt && *virt ? virt : "unknown");
	jw_string(jw, "profile", doc->profile);
	jw_u64(jw, "runs", doc->runs);
	jw_u64(jw, "warmup", doc->warmup);
	jw_string(jw, "order", "interleaved");
	jw_u64(jw, "seed", doc->seed);
	if (doc->have_probes)
		jw_u64(jw, "observer_probes", doc->observer_probes);
	else
		jw_null(jw, "observer_probes");
	jw_string(jw, "started", doc->started);
	jw_double(jw, "duration_s", doc->duration_s, 3);
	jw_bool(jw, "partial", doc->partial);
	jw_u64(jw, "cells_planned", doc->cells_planned);
	jw_open_array(jw, "cells");
	for (i = 0; i < doc->nr_cells; i++)
		json_cell(jw, doc->cells[i]);
	jw_close_array(jw);
	jw_close_object(jw);
}

int bench_write_json(FILE *f, const struct bench_doc *doc, bool pretty)
{
	struct json_writer *jw;

	jw = jw_new(f);
	if (!jw)
		return -ENOMEM;
	jw_set_pretty(jw, pretty);
	bench_json_doc(jw, NULL, doc);
	jw_free(jw);
	fputc('\n', f);
	if (fflush(f) || ferror(f))
		return -(errno ?: EIO);
	return 0;
}

/* METHOD OBSERVER PATH SIZE CACHE MIB/S CPU/MIB COPIES/B VERIFIED ERROR */
void bench_out_table(const struct bench_doc *doc)
{
	const struct bench_cell *cell;
	struct bench_summary s;
	unsigned int i;

	out_open_object(NULL);
	out_open_table("cells", NULL);
	for (i = 0; i < doc->nr_cells; i++) {
		cell = doc->cells[i];
		out_open_object(NULL);
		out_str("method", cell->method->name);
		out_str("observer", cell->observe_cgroup ? "cgroup" :
				    cell->observer ? "on" : "off");
		out_str("path", cell->target->path);
		out_u64("size", cell->size);
		out_str("cache", cell->cold ? "cold" : "hot");
		bench_summarize(cell->values[BM_THROUGHPUT], cell->nr_runs, &s);
		out_double("mib/s", s.median, 1);
		bench_summarize(cell->values[BM_SENDER_CPU], cell->nr_runs, &s);
		/* ns would be a wide column: microseconds */
		out_double("cpu_us/mib", s.median / 1e3, 1);
		bench_summarize(cell->values[BM_CPU_COPY], cell->nr_runs, &s);
		out_double("copies/b", s.median, 2);
		out_str("verified", cell->verified ? "yes" : "no");
		out_str("error", cell->error[0] ? cell->error : "-");
		out_close_object();
	}
	out_close_table();
	/* Said only when true: the rows above are not all there is. */
	if (doc->partial) {
		out_bool("partial", true);
		out_u64("cells_planned", doc->cells_planned);
	}
	out_close_object();
}
