// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: one cell. Its connection is opened before the runs and
 * kept for all of them; each transfer ends when the socket has drained
 * (SIOCOUTQ 0), whatever the method. The clocks run around the transfers
 * only: cold-cache preparation and the observer's requests stay outside.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MIB	1048576.0
#define SETTLE_NS	10000000	/* before each run: 10 ms */

int bench_fail(struct bench_cell *cell, bool unavailable, int err,
	       const char *what)
{
	/* The first failure is the cause; later ones follow from it. */
	if (!cell->error[0]) {
		snprintf(cell->error, sizeof(cell->error), "%s: %s", what,
			 strerror(err));
		cell->unavailable = unavailable;
	}
	return -err;
}

int bench_unavailable(struct bench_cell *cell, const char *why)
{
	if (!cell->error[0]) {
		snprintf(cell->error, sizeof(cell->error), "%s", why);
		cell->unavailable = true;
	}
	return -EOPNOTSUPP;
}

static int connect_target(struct bench_cell *cell)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
		.ai_flags = AI_NUMERICSERV,
	};
	const struct bench_target *t = cell->target;
	struct addrinfo *ai, *p;
	char port[8];
	int fd, err = EHOSTUNREACH;

	snprintf(port, sizeof(port), "%u", t->port);
	if (getaddrinfo(t->host, port, &hints, &ai))
		return bench_fail(cell, false, ENOENT, "resolving the target");
	for (p = ai; p; p = p->ai_next) {
		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC,
			    p->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (!connect(fd, p->ai_addr, p->ai_addrlen)) {
			freeaddrinfo(ai);
			cell->sock_fd = fd;
			return 0;
		}
		err = errno;
		close(fd);
	}
	freeaddrinfo(ai);
	return bench_fail(cell, false, err, "connecting to the target");
}

/* What one run measured, before it becomes per-transfer values. */
struct run_totals {
	uint64_t wall_ns;
	uint64_t cpu_ns;
	uint64_t csw;
	int64_t system_ns;		/* -1: unknown */
	int64_t read_bytes;		/* -1: unknown */
	bool observed;
	struct bench_observation obs;
	bool have_retrans;		/* module cells: from STATS */
	uint64_t retrans;
	bool have_observer_ns;		/* every cell: from STATS */
	uint64_t observer_ns;
	struct bench_counts k;
};

/* The transfers of one run, timed; the cold preparation is not. */
static int run_transfers(struct bench_cell *cell, bool record,
			 struct run_totals *t)
{
	struct bench_thread_sample a, m, b;
	unsigned int done;
	int64_t resident;
	int err;

	for (done = 0; done < cell->transfers_per_run;
	     done += cell->per_call) {
		if (cell->cold) {
			resident = bench_make_cold(cell);
			if (resident < 0)
				return bench_fail(cell, false, (int)-resident,
						  "dropping the page cache");
			if (record &&
			    (uint64_t)resident > cell->cold_residual_pages)
				cell->cold_residual_pages = (uint64_t)resident;
		}
		bench_sample_thread(&a);
		err = cell->method->transfer(cell, cell->per_call, &t->k);
		if (err)
			return err;
		/* The drain is the same wait for all: not the method's cost. */
		bench_sample_thread(&m);
		err = bench_drain(cell->sock_fd);
		if (err)
			return bench_fail(cell, false, -err, "SIOCOUTQ");
		bench_sample_thread(&b);
		t->wall_ns += b.wall_ns - a.wall_ns;
		t->cpu_ns += m.cpu_ns - a.cpu_ns;
		t->csw += m.csw - a.csw;
	}
	return 0;
}

static double per(double value, double unit)
{
	return unit > 0 ? value / unit : NAN;
}

static void record_run(struct bench_cell *cell, const struct run_totals *t)
{
	double tr = cell->transfers_per_run;
	double bytes = (double)cell->size * tr;
	double mib = bytes / MIB, secs = (double)t->wall_ns / 1e9;
	const struct bench_counts *k = &t->k;
	double *v[BM_NR];
	unsigned int i;
	bool verified;

	for (i = 0; i < BM_NR; i++) {
		v[i] = &cell->values[i][cell->nr_runs];
		*v[i] = NAN;
	}
	*v[BM_THROUGHPUT] = per(mib, secs);
	*v[BM_TRANSFERS_PER_S] = per(tr, secs);
	/* The module's worker did the module's work: its time counts. */
	*v[BM_SENDER_CPU] = per((double)(t->cpu_ns + k->rec_cpu_ns), mib);
	if (t->system_ns >= 0)
		*v[BM_SYSTEM_CPU] = per((double)t->system_ns, mib);
	*v[BM_SYSCALLS] = per((double)k->syscalls, tr);
	*v[BM_CONTEXT_SWITCHES] =
		per((double)(t->csw + k->rec_context_switches), tr);
	if (t->have_observer_ns)
		*v[BM_OBSERVER_NS] = per((double)t->observer_ns, mib);

	if (cell->method->module) {
		/* The module observes its own jobs: the records say it. */
		*v[BM_CPU_COPY] = per((double)k->rec_cpu_copy_bytes, bytes);
		*v[BM_REF_BYTES] = per((double)k->rec_ref_bytes, tr);
		*v[BM_DMA_IN] = per((double)k->rec_dma_in_bytes, tr);
		*v[BM_DMA_OUT] = per((double)k->rec_dma_out_bytes, tr);
		if (t->have_retrans)
			*v[BM_RETRANS] = per((double)t->retrans, tr);
		verified = k->records == cell->transfers_per_run &&
			   k->records_verified == k->records;
	} else {
		if (t->observed) {
			*v[BM_CPU_COPY] = per((double)(t->obs.copied_bytes +
						       k->user_copy_bytes),
					      bytes);
			*v[BM_REF_BYTES] = per((double)t->obs.ref_bytes, tr);
			*v[BM_DMA_OUT] = per((double)t->obs.dma_out_bytes, tr);
			*v[BM_RETRANS] = per((double)t->obs.retrans_bytes, tr);
		}
		if (t->read_bytes >= 0)
			*v[BM_DMA_IN] = per((double)t->read_bytes, tr);
		/* A cgroup's observation counts retransmissions too. */
		verified = t->observed &&
			   (t->obs.probes & ZCOPY_PROBES_NEEDED) ==
			   ZCOPY_PROBES_NEEDED &&
			   (cell->observe_cgroup ?
			    (double)t->obs.bytes >= bytes :
			    (double)t->obs.bytes == bytes);
	}
	cell->verified = cell->verified && verified;
	cell->zc_copied_reports += k->zc_copied_reports;
	cell->nr_runs++;
}

/* One run: measured and recorded unless it is a warmup. */
/* Counters the module kept during the run, if it has them. */
static void module_stats_delta(const struct bench_cell *cell,
			       const struct module_stats *m0,
			       const struct module_stats *m1,
			       struct run_totals *t)
{
	const int rt = ZCOPY_STATS_A_RETRANS_BYTES;
	const int ns = ZCOPY_STATS_A_OBSERVER_NS;

	t->have_retrans = cell->method->module && m0->present[rt] &&
			  m1->present[rt];
	t->retrans = m1->value[rt] - m0->value[rt];
	/* Not across a reloaded module either. */
	t->have_observer_ns = m0->present[ns] && m1->present[ns] &&
			      m1->value[ns] >= m0->value[ns];
	t->observer_ns = m1->value[ns] - m0->value[ns];
}

static int run_once(struct bench_cell *cell, bool record)
{
	const struct timespec settle = { .tv_nsec = SETTLE_NS };
	struct bench_env *env = cell->env;
	struct run_totals t = { .system_ns = -1, .read_bytes = -1 };
	int64_t sys0, rb0;
	struct module_stats m0, m1;
	bool have_m0 = false;
	uint64_t id = 0;
	int err;

	/*
	 * The receiver may still hold the previous run's bytes (SIOCOUTQ 0
	 * says they arrived, not that they were read): on one CPU, reading
	 * them would land in this run. Let it catch up first.
	 */
	nanosleep(&settle, NULL);
	if (record && cell->observe_cgroup) {
		err = bench_observe_start_cgroup(cell, &id);
		if (err)
			return err;
		t.observed = true;
	} else if (record && !cell->method->module && cell->observer) {
		t.observed = !bench_observe_start(env, cell->sock_fd,
						  cell->file_fd, &id);
	}
	/* Retransmits of module jobs; the probes' cost whatever the method. */
	if (record)
		have_m0 = !bench_module_stats(env, &m0);
	sys0 = bench_system_busy_ns();
	rb0 = bench_thread_read_bytes();

	err = run_transfers(cell, record, &t);

	t.system_ns = bench_system_busy_ns();
	t.system_ns = sys0 < 0 || t.system_ns < 0 ? -1 : t.system_ns - sys0;
	t.read_bytes = bench_thread_read_bytes();
	t.read_bytes = rb0 < 0 || t.read_bytes < 0 ? -1 : t.read_bytes - rb0;
	if (t.observed)
		t.observed = !bench_observe_stop(env, id, &t.obs);
	if (have_m0 && !bench_module_stats(env, &m1))
		module_stats_delta(cell, &m0, &m1, &t);
	if (!err && record)
		record_run(cell, &t);
	return err;
}

static int open_file(struct bench_cell *cell)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/bench-%llu", cell->env->files_dir,
		 (unsigned long long)cell->size);
	cell->file_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (cell->file_fd < 0)
		return bench_fail(cell, false, errno, "opening the file");
	return 0;
}

int bench_cell_open(struct bench_cell *cell)
{
	const struct bench_method *m = cell->method;
	int err;

	cell->file_fd = -1;
	cell->sock_fd = -1;
	cell->dev_fd = -1;
	cell->pipe_fd[0] = -1;
	cell->pipe_fd[1] = -1;
	/* Failed before it began (the observer switch): nothing to run. */
	cell->verified = !cell->error[0];
	if (cell->error[0])
		return -EINVAL;

	err = open_file(cell);
	if (!err)
		err = connect_target(cell);
	if (!err && m->setup) {
		cell->set_up = true;
		err = m->setup(cell);
	}
	if (!err && !cell->cold) {
		err = bench_make_hot(cell->file_fd, cell->size);
		if (err)
			bench_fail(cell, false, -err, "reading the file");
	}
	return err;
}

int bench_cell_round(struct bench_cell *cell, bool record)
{
	if (cell->error[0])
		return -EINVAL;
	return run_once(cell, record);
}

void bench_cell_close(struct bench_cell *cell)
{
	if (cell->set_up && cell->method->teardown)
		cell->method->teardown(cell);
	cell->set_up = false;
	if (cell->sock_fd >= 0)
		close(cell->sock_fd);
	cell->sock_fd = -1;
	if (cell->file_fd >= 0)
		close(cell->file_fd);
	cell->file_fd = -1;
	free(cell->mincore_vec);
	cell->mincore_vec = NULL;
	if (!cell->nr_runs)
		cell->verified = false;
}
