// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the module's modes against the user-space methods,
 * over one or more network paths, files of several sizes, hot and cold
 * page cache. Each cell (method, path, size, cache) runs warmup + runs
 * times; the cells' median, minimum and maximum go to a JSON document
 * (schema in zcopyctl.8) or a text table. Everything reported is
 * measured; what cannot be measured here is null.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cmd.h"
#include "json_writer.h"
#include "observation.h"
#include "output.h"
#include "parse.h"
#include "signals.h"

#define MAX_TARGETS	16
#define MAX_SIZES	16
#define MAX_METHODS	32
#define KIB		1024ULL
#define MIB		(1024ULL * 1024)

enum {
	OPT_TARGET = 0x100,
	OPT_FILES,
	OPT_PROFILE,
	OPT_METHOD,
	OPT_SIZE,
	OPT_CACHE,
	OPT_RUNS,
	OPT_WARMUP,
	OPT_CPU,
	OPT_SEED,
	OPT_NO_MODULE,
};

struct profile {
	const char *name;
	uint64_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	bool hot, cold;
	unsigned int runs, warmup;
	uint64_t run_bytes;	/* see plan_cell() */
	uint64_t batch_run_bytes;
};

/*
 * A run sends run_bytes or more (within 8 to 512 transfers): one 1 MiB
 * transfer is too short to time against a 4 ms tick or one interrupt.
 */
static const struct profile profiles[] = {
	/*
	 * Every path and cache state. No 256 MiB: under TCG its cells alone
	 * took half an hour a kernel, and 16 MiB already streams (a job
	 * sends a megabyte a call).
	 */
	{ "full", { 4 * KIB, 64 * KIB, MIB, 16 * MIB }, 4,
	  true, true, 5, 1, 32 * MIB, 64 * MIB },
	/*
	 * The targets' cells, hot only, 9 runs: a median of 5 flipped between
	 * the two modes some cells show (TCP's ACK timing) from pass to pass.
	 */
	{ "quick", { 4 * KIB, MIB, 16 * MIB }, 3,
	  true, false, 9, 1, 32 * MIB, 16 * MIB },
	/* Proves the pipeline in CI: seconds. */
	{ "tiny", { 4 * KIB, 64 * KIB }, 2,
	  true, false, 3, 1, 256 * KIB, 16 * MIB },
};

#define DEFAULT_PROFILE	1	/* quick */

struct bench_opts {
	struct bench_target targets[MAX_TARGETS];
	unsigned int nr_targets;
	const char *files;
	const struct profile *profile;
	const struct bench_method *methods[MAX_METHODS];
	unsigned int nr_methods;
	uint64_t sizes[MAX_SIZES];
	unsigned int nr_sizes;
	bool hot, cold, have_cache;
	uint64_t runs, warmup;
	bool have_runs, have_warmup;
	int cpu;
	uint64_t seed;
	bool no_module;
	const char *out_file;
	bool json;
};

static const struct bench_method *find_method(const char *name)
{
	unsigned int i;

	for (i = 0; i < bench_nr_user_methods; i++)
		if (!strcmp(bench_user_methods[i].name, name))
			return &bench_user_methods[i];
	for (i = 0; i < bench_nr_zcopy_methods; i++)
		if (!strcmp(bench_zcopy_methods[i].name, name))
			return &bench_zcopy_methods[i];
	return NULL;
}

static int parse_target(const struct cmd *cmd, struct bench_opts *o,
			const char *arg)
{
	struct bench_target *t;
	const char *eq = strchr(arg, '=');

	if (o->nr_targets == MAX_TARGETS)
		return cmd_usage_error(cmd, "more than %d targets", MAX_TARGETS);
	t = &o->targets[o->nr_targets];
	if (!eq || eq == arg || eq - arg > 32 ||
	    parse_host_port(eq + 1, t->buf, sizeof(t->buf), &t->host, &t->port))
		return cmd_usage_error(cmd,
			"invalid target '%s' (PATH=HOST:PORT or PATH=[IPv6]:PORT)",
			arg);
	t->path = strndup(arg, (size_t)(eq - arg));
	t->addr = eq + 1;
	if (!t->path)
		return EXIT_FAIL;
	o->nr_targets++;
	return CMD_CONTINUE;
}

static int parse_count(const struct cmd *cmd, const char *name,
		       const char *arg, uint64_t min, uint64_t *value)
{
	if (parse_u64(arg, value) || *value < min || *value > BENCH_MAX_RUNS)
		return cmd_usage_error(cmd,
			"invalid %s '%s' (a number from %llu to %d)", name, arg,
			(unsigned long long)min, BENCH_MAX_RUNS);
	return CMD_CONTINUE;
}

static int parse_option(const struct cmd *cmd, int opt, void *arg)
{
	struct bench_opts *o = arg;
	const struct bench_method *m;
	unsigned int i;
	uint64_t v;

	switch (opt) {
	case 'o':
		o->out_file = optarg;
		break;
	case OPT_TARGET:
		return parse_target(cmd, o, optarg);
	case OPT_FILES:
		o->files = optarg;
		break;
	case OPT_PROFILE:
		for (i = 0; i < ARRAY_SIZE(profiles); i++)
			if (!strcmp(profiles[i].name, optarg))
				o->profile = &profiles[i];
		if (!o->profile || strcmp(o->profile->name, optarg))
			return cmd_usage_error(cmd,
				"unknown profile '%s' (full, quick or tiny)",
				optarg);
		break;
	case OPT_METHOD:
		m = find_method(optarg);
		if (!m)
			return cmd_usage_error(cmd,
				"unknown method '%s' (see 'zcopyctl bench --help')",
				optarg);
		if (o->nr_methods == MAX_METHODS)
			return cmd_usage_error(cmd, "too many --method");
		o->methods[o->nr_methods++] = m;
		break;
	case OPT_SIZE:
		if (parse_size(optarg, &v) || !v || v > (1ULL << 40))
			return cmd_usage_error(cmd,
				"invalid size '%s' (bytes, with k, M or G; 1 to 1T)",
				optarg);
		if (o->nr_sizes == MAX_SIZES)
			return cmd_usage_error(cmd, "more than %d sizes",
					       MAX_SIZES);
		o->sizes[o->nr_sizes++] = v;
		break;
	case OPT_CACHE:
		if (!strcmp(optarg, "hot"))
			o->hot = true;
		else if (!strcmp(optarg, "cold"))
			o->cold = true;
		else
			return cmd_usage_error(cmd,
				"invalid cache '%s' (hot or cold)", optarg);
		o->have_cache = true;
		break;
	case OPT_RUNS:
		o->have_runs = true;
		return parse_count(cmd, "runs", optarg, 1, &o->runs);
	case OPT_WARMUP:
		o->have_warmup = true;
		return parse_count(cmd, "warmup", optarg, 0, &o->warmup);
	case OPT_CPU:
		if (parse_u64(optarg, &v) || v >= CPU_SETSIZE)
			return cmd_usage_error(cmd, "invalid CPU '%s'", optarg);
		o->cpu = (int)v;
		break;
	case OPT_NO_MODULE:
		o->no_module = true;
		break;
	case OPT_SEED:
		if (parse_u64(optarg, &o->seed))
			return cmd_usage_error(cmd, "invalid seed '%s'",
					       optarg);
		break;
	}
	return CMD_CONTINUE;
}

static int parse_args(const struct cmd *cmd, int argc, char **argv,
		      struct bench_opts *o)
{
	unsigned int i;
	int status;

	o->cpu = -1;
	o->seed = 1;
	status = cmd_parse_options(cmd, argc, argv, parse_option, o);
	if (status != CMD_CONTINUE)
		return status;
	/* -j or --pretty, before the command or after it */
	o->json = out_is_json();
	status = cmd_no_args(cmd, argc, argv);
	if (status != CMD_CONTINUE)
		return status;
	if (!o->nr_targets)
		return cmd_usage_error(cmd, "missing --target PATH=HOST:PORT");
	if (!o->files)
		return cmd_usage_error(cmd, "missing --files DIR");
	for (i = 0; o->no_module && i < o->nr_methods; i++)
		if (o->methods[i]->module)
			return cmd_usage_error(cmd,
				"--no-module: method '%s' needs the module",
				o->methods[i]->name);
	return CMD_CONTINUE;
}

/* The profile, with what the options override; "custom" if any. */
static void apply_profile(struct bench_opts *o, struct bench_env *env,
			  const char **name)
{
	const struct profile *p = o->profile ?: &profiles[DEFAULT_PROFILE];
	unsigned int i;

	*name = p->name;
	if (o->nr_methods || o->nr_sizes || o->have_cache || o->have_runs ||
	    o->have_warmup)
		*name = "custom";
	if (!o->nr_methods) {
		for (i = 0; i < bench_nr_user_methods; i++)
			o->methods[o->nr_methods++] = &bench_user_methods[i];
		for (i = 0; !o->no_module && i < bench_nr_zcopy_methods; i++)
			o->methods[o->nr_methods++] = &bench_zcopy_methods[i];
	}
	if (!o->nr_sizes) {
		memcpy(o->sizes, p->sizes, sizeof(o->sizes));
		o->nr_sizes = p->nr_sizes;
	}
	if (!o->have_cache) {
		o->hot = p->hot;
		o->cold = p->cold;
	}
	env->runs = o->have_runs ? (unsigned int)o->runs : p->runs;
	env->warmup = o->have_warmup ? (unsigned int)o->warmup : p->warmup;
	env->run_bytes = p->run_bytes;
	env->batch_run_bytes = p->batch_run_bytes;
	env->files_dir = o->files;
	env->cpu = o->cpu;
}

/* Every size has its file, bench-<bytes>, of that size. */
static int check_files(const struct bench_opts *o)
{
	char path[4096];
	struct stat st;
	unsigned int i;

	if (stat(o->files, &st) < 0) {
		tool_error(errno, "cannot use --files %s: %s", o->files, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		tool_error(ENOTDIR, "cannot use --files %s: not a directory", o->files);
		return -1;
	}
	for (i = 0; i < o->nr_sizes; i++) {
		snprintf(path, sizeof(path), "%s/bench-%llu", o->files,
			 (unsigned long long)o->sizes[i]);
		if (stat(path, &st) < 0) {
			tool_error(errno, "no file for size %llu: %s: %s",
				   (unsigned long long)o->sizes[i], path,
			       strerror(errno));
			return -1;
		}
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != o->sizes[i]) {
			tool_error(EINVAL, "%s: not a regular file of %llu bytes", path,
				   (unsigned long long)o->sizes[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Transfers per run and per call: enough for run_bytes, at least 8 for
 * files under 1 MiB, at most 512 (or one, for a file that big); batches
 * take K per call, capped so that K * size stays within batch_run_bytes.
 */
static void plan_cell(struct bench_cell *cell)
{
	const struct bench_env *env = cell->env;
	uint64_t n, k;

	n = (env->run_bytes + cell->size - 1) / cell->size;
	n = n < 8 && cell->size < MIB ? 8 : n > 512 ? 512 : n;
	cell->per_call = 1;
	if (cell->method->batch) {
		k = cell->size <= 4 * KIB ? 64 : cell->size <= 64 * KIB ? 16 : 4;
		while (env->batch_run_bytes && k > 1 &&
		       k * cell->size > env->batch_run_bytes)
			k /= 2;
		n = (n + k - 1) / k * k;
		cell->per_call = (unsigned int)k;
	}
	cell->transfers_per_run = (unsigned int)n;
}

static struct bench_cell *new_cell(struct bench_doc *doc,
				   const struct bench_method *m,
				   const struct bench_target *t, uint64_t size,
				   bool cold, bool observer,
				   struct bench_env *env)
{
	struct bench_cell *cell, **cells;

	cell = calloc(1, sizeof(*cell));
	cells = realloc(doc->cells, (doc->nr_cells + 1) * sizeof(*cells));
	if (!cell || !cells) {
		free(cell);
		if (cells)
			doc->cells = cells;
		return NULL;
	}
	doc->cells = cells;
	cell->method = m;
	cell->target = t;
	cell->size = size;
	cell->cold = cold;
	cell->observer = observer;
	cell->env = env;
	plan_cell(cell);
	doc->cells[doc->nr_cells++] = cell;
	return cell;
}

/*
 * SIGINT and SIGTERM stay blocked while a cell runs, so that no method
 * sees EINTR and no cell is left with the observer switched off; they
 * get in between two runs, and the bench stops there with what it has.
 */
struct bench_progress {
	sigset_t run_mask, wait_mask, saved;
	unsigned int cells, planned;	/* cells of the groups begun, all */
	uint64_t steps, total_steps;	/* cell runs, warmups included */
	double start;
	bool tty;			/* stderr: redraw one line */
	bool drawn;
};

static bool stop_asked(struct bench_progress *p)
{
	sigset_t pending;

	sigpending(&pending);
	if (sigismember(&pending, SIGINT) || sigismember(&pending, SIGTERM)) {
		/* Let it in: the handler sets stop_requested. */
		sigprocmask(SIG_SETMASK, &p->wait_mask, NULL);
		sigprocmask(SIG_SETMASK, &p->run_mask, NULL);
	}
	return atomic_load(&stop_requested);
}

static void format_eta(char *buf, size_t len, const struct bench_progress *p)
{
	double left;
	unsigned long s;

	if (!p->steps) {
		snprintf(buf, len, "--:--");
		return;
	}
	left = (now_seconds() - p->start) / (double)p->steps *
	       (double)(p->total_steps - p->steps);
	s = (unsigned long)(left + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60,
			 s % 60);
	else
		snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
}

/*
 * "bench: cell N/M, round R/T, ETA m:ss": on a terminal one line redrawn
 * after every cell run, else one line a round (a stable form for logs).
 */
static void progress_show(struct bench_progress *p, unsigned int cell,
			  unsigned int round, unsigned int rounds)
{
	char eta[32];

	format_eta(eta, sizeof(eta), p);
	fprintf(stderr, "%sbench: cell %u/%u, round %u/%u, ETA %s%s",
		p->tty ? "\r" : "", cell, p->planned, round, rounds, eta,
		p->tty ? "\033[K" : "\n");
	fflush(stderr);
	p->drawn = p->tty;
}

static void progress_clear(struct bench_progress *p)
{
	if (p->drawn)
		fputs("\r\033[K", stderr);
	p->drawn = false;
}

static void report_cell(const struct bench_cell *cell)
{
	const char *obs = cell->observe_cgroup ? " (cgroup observed)" :
			  cell->observer ? "" : " (observer off)";
	const char *cache = cell->cold ? "cold" : "hot";

	if (cell->error[0])
		fprintf(stderr, "bench: %s %s %llu %s%s: %s\n",
			cell->target->path, cell->method->name,
			(unsigned long long)cell->size, cache, obs, cell->error);
	else
		fprintf(stderr, "bench: %s %s %llu %s%s: %.1f MiB/s\n",
			cell->target->path, cell->method->name,
			(unsigned long long)cell->size, cache, obs,
			bench_cell_throughput(cell));
}

/*
 * One round of a cell. The observer-off cells (zcopy_sg and its batch
 * once more, for the observer's overhead) switch the module's observer
 * off for their own round only, and back as it was.
 */
static void round_cell(struct bench_cell *cell, bool record)
{
	int was, err;

	if (cell->observer) {
		bench_cell_round(cell, record);
		return;
	}
	was = bench_observer_param();
	err = bench_set_observer_param(0);
	if (err) {
		bench_fail(cell, false, -err, "switching the observer off");
		return;
	}
	bench_cell_round(cell, record);
	bench_set_observer_param(was > 0 ? was : 1);
}

/* splitmix64: the order of the cells in a round, from --seed. */
static uint64_t next_random(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void shuffle(struct bench_cell **cells, unsigned int nr,
		    uint64_t *state)
{
	struct bench_cell *tmp;
	unsigned int i, j;

	for (i = nr - 1; i > 0 && nr > 1; i--) {
		j = (unsigned int)(next_random(state) % (i + 1));
		tmp = cells[i];
		cells[i] = cells[j];
		cells[j] = tmp;
	}
}

/*
 * The cells of one path, size and cache state run interleaved: every
 * cell opens its connection, then each round runs every cell once in
 * a new random order, so that drift of the machine spreads over all
 * methods instead of lining up with the order of the table.
 */
static void run_group(struct bench_cell **cells, unsigned int nr,
		      struct bench_env *env, uint64_t *state,
		      struct bench_progress *p)
{
	unsigned int rounds = env->warmup + env->runs, r, i;
	const struct bench_cell *c = cells[0];
	bool stop = false;

	fprintf(stderr, "bench: %s %llu %s: %u cells, %u rounds ...\n",
		c->target->path, (unsigned long long)c->size,
		c->cold ? "cold" : "hot", nr, rounds);
	for (i = 0; i < nr; i++)
		bench_cell_open(cells[i]);
	for (r = 0; r < rounds && !stop; r++) {
		shuffle(cells, nr, state);
		for (i = 0; i < nr && !stop; i++) {
			round_cell(cells[i], r >= env->warmup);
			p->steps++;
			stop = stop_asked(p);
			if (p->tty || (i == nr - 1 && !stop))
				progress_show(p, p->cells + i + 1, r + 1, rounds);
		}
	}
	progress_clear(p);
	p->cells += nr;
	for (i = 0; i < nr; i++) {
		bench_cell_close(cells[i]);
		report_cell(cells[i]);
	}
}

/*
 * The cells run again for the observer's cost: zcopy_sg and its batch
 * with the module's observer off; sendfile(2) unobserved and with its whole cgroup
 * observed, as `zcopyctl observe --cgroup` would.
 */
static bool observer_cells(const struct bench_method *m)
{
	return m->module ? m->mode == ZCOPY_MODE_SG :
			   !strcmp(m->name, "sendfile");
}

/* Cells a group of these methods makes: observer-off and cgroup ones too. */
static unsigned int cells_per_group(const struct bench_opts *o, bool obs_switch)
{
	unsigned int i, n = 0;

	for (i = 0; i < o->nr_methods; i++) {
		n++;
		if (obs_switch && observer_cells(o->methods[i]))
			n += o->methods[i]->module ? 1 : 2;
	}
	return n;
}

/*
 * Every group in turn; -EINTR once SIGINT or SIGTERM asked to stop (the
 * cells run so far are in doc), -ENOMEM.
 */
static int run_all(struct bench_opts *o, struct bench_env *env,
		   struct bench_doc *doc)
{
	bool obs_switch = !o->no_module && bench_observer_param() >= 0;
	struct bench_cell *group[3 * MAX_METHODS];
	struct bench_progress p = {
		.start = now_seconds(),
		.tty = isatty(STDERR_FILENO),
	};
	const struct bench_method *m;
	uint64_t state = doc->seed;
	unsigned int t, s, c, i, nr;
	bool cold;
	int err = 0;

	p.planned = o->nr_targets * o->nr_sizes * ((o->hot ? 1 : 0) + (o->cold ? 1 : 0)) *
		    cells_per_group(o, obs_switch);
	p.total_steps = (uint64_t)p.planned * (env->warmup + env->runs);
	doc->cells_planned = p.planned;
	stop_signals_catch(&p.saved, &p.wait_mask);
	sigprocmask(SIG_BLOCK, NULL, &p.run_mask);

	for (t = 0; t < o->nr_targets; t++)
		for (s = 0; s < o->nr_sizes; s++)
			for (c = 0; c < 2; c++) {
				cold = c;
				if ((cold && !o->cold) || (!cold && !o->hot))
					continue;
				nr = 0;
				for (i = 0; i < o->nr_methods; i++) {
					m = o->methods[i];
					group[nr] = new_cell(doc, m,
							     &o->targets[t],
							     o->sizes[s], cold,
							     true, env);
					if (!group[nr++])
						goto nomem;
					if (!obs_switch || !observer_cells(m))
						continue;
					group[nr] = new_cell(doc, m,
							     &o->targets[t],
							     o->sizes[s], cold,
							     false, env);
					if (!group[nr++])
						goto nomem;
					if (m->module)
						continue;
					group[nr] = new_cell(doc, m,
							     &o->targets[t],
							     o->sizes[s], cold,
							     true, env);
					if (!group[nr])
						goto nomem;
					group[nr++]->observe_cgroup = true;
				}
				run_group(group, nr, env, &state, &p);
				if (atomic_load(&stop_requested)) {
					err = -EINTR;
					goto out;
				}
			}
	goto out;
nomem:
	err = -ENOMEM;
out:
	sigprocmask(SIG_SETMASK, &p.saved, NULL);
	return err;
}

static void iso8601_now(char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	/* pid 0: this thread, the one that sends */
	if (sched_setaffinity(0, sizeof(set), &set) < 0) {
		tool_error(errno, "cannot pin to CPU %d: %s", cpu, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The results: JSON to the file and/or stdout, else the table. With -j a
 * bench that failed leaves stdout to its error object (results_detail).
 */
static int write_results(const struct bench_opts *o, FILE *out,
			 const struct bench_doc *doc, bool failed)
{
	int err = 0;

	if (out) {
		err = bench_write_json(out, doc, false);
		if (fclose(out) && !err)
			err = -errno;
		if (err) {
			tool_error(-err, "writing %s: %s", o->out_file, strerror(-err));
			return err;
		}
	}
	if (o->json && failed)
		return 0;
	if (o->json) {
		err = bench_write_json(stdout, doc, out_is_pretty());
	} else {
		bench_out_table(doc);
		err = out_flush();
	}
	if (err)
		tool_error(-err, "writing output: %s", strerror(-err));
	return err;
}

/* The error object's "results": the document as far as it got. */
static void results_detail(void *arg)
{
	struct json_writer *jw = out_json_writer();

	if (jw)
		bench_json_doc(jw, "results", arg);
}

static void free_doc(struct bench_opts *o, struct bench_doc *doc)
{
	unsigned int i;

	for (i = 0; i < doc->nr_cells; i++)
		free(doc->cells[i]);
	free(doc->cells);
	for (i = 0; i < o->nr_targets; i++)
		free((char *)o->targets[i].path);
}

/* Our cgroup v2 directory, for the cgroup-observed cells; -1: none. */
static int open_own_cgroup(void)
{
	char dir[PATH_MAX];

	if (observation_own_cgroup(dir, sizeof(dir)))
		return -1;
	return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int bench_run(const struct cmd *cmd, int argc, char **argv)
{
	struct bench_opts o = { 0 };
	struct bench_env env = { .cgroup_fd = -1 };
	struct bench_doc doc = { 0 };
	struct nl_ctx nl;
	bool have_nl = false;
	FILE *out = NULL;
	double t0;
	int status, err;
	unsigned int i, broken = 0;

	status = parse_args(cmd, argc, argv, &o);
	if (status != CMD_CONTINUE)
		goto out;
	apply_profile(&o, &env, &doc.profile);
	doc.runs = env.runs;
	doc.warmup = env.warmup;
	doc.seed = o.seed;

	status = EXIT_FAIL;
	if (check_files(&o) || pin_cpu(o.cpu))
		goto out;
	if (o.out_file) {
		out = fopen(o.out_file, "we");
		if (!out) {
			tool_error(errno, "cannot open %s: %s", o.out_file, strerror(errno));
			goto out;
		}
	}
	/* A receiver that went away is an error to report, not a signal. */
	signal(SIGPIPE, SIG_IGN);

	/*
	 * The observer needs the module; without it copies are null. Asking
	 * for its family would load it, which --no-module must not do.
	 */
	err = o.no_module ? -ENOENT : nl_ctx_open(&nl);
	have_nl = !o.no_module;
	if (o.no_module) {
		fprintf(stderr, "bench: --no-module: copies not observed\n");
	} else if (!err) {
		struct module_stats m;

		env.nl = &nl;
		env.cgroup_fd = open_own_cgroup();
		doc.have_probes = !bench_module_stats(&env, &m) &&
			m.present[ZCOPY_STATS_A_OBSERVER_PROBES];
		if (doc.have_probes)
			doc.observer_probes =
				m.value[ZCOPY_STATS_A_OBSERVER_PROBES];
	} else {
		fprintf(stderr, "bench: %s: copies not observed\n",
			nl.family_missing ? "zcopy module not loaded" :
			strerror(-err));
	}

	iso8601_now(doc.started, sizeof(doc.started));
	t0 = now_seconds();
	err = run_all(&o, &env, &doc);
	doc.duration_s = now_seconds() - t0;
	if (env.observe_broken)
		fprintf(stderr, "bench: no observer (%s): copies not observed\n",
			env.observe_why);
	if (err && err != -EINTR) {
		tool_error(-err, "bench: %s", strerror(-err));
		goto out;
	}
	doc.partial = err == -EINTR;
	/* A cell that broke fails the bench; one that cannot run here not. */
	for (i = 0; i < doc.nr_cells; i++)
		if (doc.cells[i]->error[0] && !doc.cells[i]->unavailable)
			broken++;
	err = write_results(&o, out, &doc, doc.partial || broken);
	out = NULL;
	if (err)
		goto out;
	status = EXIT_OK;
	if (doc.partial) {
		tool_error(EINTR,
			   "bench: interrupted by SIG%s: partial results, %u of %u cells begun",
			   sigabbrev_np(atomic_load(&stop_requested)) ?: "?",
			   doc.nr_cells, doc.cells_planned);
		status = EXIT_FAIL;
	} else if (broken) {
		tool_error(EIO, "bench: %u of %u cells failed (see their errors)",
			   broken, doc.nr_cells);
		status = EXIT_FAIL;
	}
	/* Now, while doc still lives: the error object carries it. */
	if (status != EXIT_OK) {
		error_set_detail(results_detail, &doc);
		error_print_json(status);
	}
out:
	if (out)
		fclose(out);
	if (have_nl)
		nl_ctx_close(&nl);
	if (env.cgroup_fd >= 0)
		close(env.cgroup_fd);
	free_doc(&o, &doc);
	return status;
}

static const struct option bench_options[] = {
	{ "target",	required_argument,	NULL, OPT_TARGET },
	{ "files",	required_argument,	NULL, OPT_FILES },
	{ "profile",	required_argument,	NULL, OPT_PROFILE },
	{ "method",	required_argument,	NULL, OPT_METHOD },
	{ "size",	required_argument,	NULL, OPT_SIZE },
	{ "cache",	required_argument,	NULL, OPT_CACHE },
	{ "runs",	required_argument,	NULL, OPT_RUNS },
	{ "warmup",	required_argument,	NULL, OPT_WARMUP },
	{ "cpu",	required_argument,	NULL, OPT_CPU },
	{ "seed",	required_argument,	NULL, OPT_SEED },
	{ "no-module",	no_argument,		NULL, OPT_NO_MODULE },
	{ "output",	required_argument,	NULL, 'o' },
	{ }
};

const struct cmd cmd_bench = {
	.name		= "bench",
	.run		= bench_run,
	.summary	= "Benchmark the module's modes against the user-space methods.",
	.synopsis	=
		"--target PATH=HOST:PORT... --files DIR [--profile full|quick|tiny]\n"
		"       [--method M]... [--size BYTES]... [--cache hot|cold]...\n"
		"       [--runs N] [--warmup N] [--cpu N] [--seed N] [--no-module]\n"
		"       [-o FILE] [-j]",
	.options_help	=
		"      --target PATH=HOST:PORT  a 'zcopyctl sink' over PATH (a label)\n"
		"      --files DIR              holds bench-<bytes> for each size\n"
		"      --profile NAME           full, quick (default) or tiny\n"
		"      --method M               only this method (repeatable)\n"
		"      --size BYTES             only this size (repeatable; k, M, G)\n"
		"      --cache hot|cold         only this cache state (repeatable)\n"
		"      --runs N                 recorded runs per cell\n"
		"      --warmup N               unrecorded runs before them\n"
		"      --cpu N                  pin the sending thread to CPU N\n"
		"      --seed N                 order of the methods in a round (default 1)\n"
		"      --no-module              leave the module alone: no observer, no\n"
		"                               netlink (which would load it)\n"
		"  -o, --output FILE            write the JSON document to FILE\n"
		"  -j, --json                   print the JSON document\n",
	.notes		=
		"Methods: read_write mmap_write sendfile splice msg_zerocopy io_uring_send_zc\n"
		"  sendfile_batch io_uring_splice_batch\n"
		"  zcopy_copy zcopy_mmap zcopy_sendfile zcopy_sg\n"
		"  zcopy_copy_batch zcopy_mmap_batch zcopy_sendfile_batch zcopy_sg_batch\n"
		"Progress goes to stderr; a cell that fails is reported in the results.\n",
	.optstring	= "o:jh",
	.longopts	= bench_options,
};
