/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl bench: what its files share.
 *
 * A cell is one method, path, file size, cache state and observer
 * setting; it runs warmup + runs times over one TCP connection. A run is
 * one or more transfers of the whole file; the method code sends them,
 * the cell code measures around it (bench_cell.c), bench_measure.c reads
 * the system's clocks and counters, bench_observe.c asks the module's
 * observer what the stack did with the bytes.
 */
#ifndef ZCOPYCTL_BENCH_H
#define ZCOPYCTL_BENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/zcopy.h>

#include "config.h"
#if ZCOPYCTL_HAVE_LIBURING
#include <liburing.h>
#endif

#include "json_writer.h"
#include "module_stats.h"
#include "nl.h"

#define BENCH_MAX_RUNS		100
#define BENCH_ERR_LEN		160

/* What the method code counts while it sends (one call of ->transfer). */
struct bench_counts {
	uint64_t syscalls;		/* crossings the method made */
	uint64_t user_copy_bytes;	/* copied into user space (read()) */
	uint64_t zc_copied_reports;	/* SO_EE_CODE_ZEROCOPY_COPIED */
	/* Module methods: the completion records, summed. */
	unsigned int records;
	unsigned int records_verified;
	uint64_t rec_cpu_ns;
	uint64_t rec_context_switches;
	uint64_t rec_cpu_copy_bytes;
	uint64_t rec_ref_bytes;
	uint64_t rec_dma_in_bytes;
	uint64_t rec_dma_out_bytes;
};

struct bench_cell;

struct bench_method {
	const char *name;
	bool module;		/* through /dev/zcopy */
	int mode;		/* enum zcopy_mode of module methods */
	bool batch;		/* K transfers per ZCOPY_IOC_SUBMIT_BATCH */
	/* Per cell, after the connection: 0 or -errno with cell->error set. */
	int (*setup)(struct bench_cell *cell);
	/* nr transfers of the whole file: 0 or -errno, cell->error set. */
	int (*transfer)(struct bench_cell *cell, unsigned int nr,
			struct bench_counts *counts);
	void (*teardown)(struct bench_cell *cell);
};

/* bench_user.c and bench_zcopy.c, in the order the cells run. */
extern const struct bench_method bench_user_methods[];
extern const unsigned int bench_nr_user_methods;
extern const struct bench_method bench_zcopy_methods[];
extern const unsigned int bench_nr_zcopy_methods;

/* Values of one run, per transfer unless named otherwise. */
enum bench_metric {
	BM_THROUGHPUT,		/* MiB/s */
	BM_TRANSFERS_PER_S,
	BM_SENDER_CPU,		/* ns per MiB */
	BM_SYSTEM_CPU,		/* ns per MiB */
	BM_CPU_COPY,		/* bytes copied per byte sent */
	BM_REF_BYTES,
	BM_DMA_IN,
	BM_DMA_OUT,
	BM_RETRANS,
	BM_SYSCALLS,
	BM_CONTEXT_SWITCHES,
	BM_OBSERVER_NS,		/* ns per MiB in the observer's probes */

	BM_NR,
};

/* Median, minimum and maximum; NAN when some run lacked the value. */
struct bench_summary {
	double median;
	double min;
	double max;
};

void bench_summarize(const double *values, unsigned int nr,
		     struct bench_summary *s);

struct bench_target {
	const char *path;		/* the label */
	const char *addr;		/* ADDR:PORT as given */
	char buf[512];
	char *host;
	uint16_t port;
};

struct bench_env {
	const char *files_dir;
	int cpu;			/* -1: not pinned */
	uint64_t run_bytes;		/* what a run sends at least */
	uint64_t batch_run_bytes;	/* cap on K * size; 0: none */
	unsigned int runs;
	unsigned int warmup;
	/* The observer (netlink): NULL when the family is missing. */
	struct nl_ctx *nl;
	bool observe_broken;		/* START refused once: do not retry */
	int cgroup_fd;			/* our cgroup v2, -1: none */
	char observe_why[NL_CTX_EXTACK_LEN + 64];
};

/* One cell: its setting, its state while it runs, its results. */
struct bench_cell {
	/* setting */
	const struct bench_method *method;
	const struct bench_target *target;
	uint64_t size;
	bool cold;
	bool observer;			/* the module's observer switched on */
	bool observe_cgroup;		/* our cgroup observed, not the socket */
	unsigned int transfers_per_run;
	unsigned int per_call;		/* transfers per ->transfer() */
	struct bench_env *env;

	/* state */
	bool set_up;			/* the method's setup ran */
	int file_fd;
	int sock_fd;
	char *buf;			/* read_write's 64 KiB */
	int pipe_fd[2];			/* splice */
	size_t pipe_size;
#if ZCOPYCTL_HAVE_LIBURING
	bool have_ring;
	struct io_uring ring;		/* io_uring_send_zc */
#endif
	int dev_fd;			/* module methods */
	struct zcopy_submit *submits;	/* batch */
	struct zcopy_completion *recs;
	unsigned char *mincore_vec;
	uint64_t zc_sent;		/* MSG_ZEROCOPY ids used */
	uint64_t zc_done;		/* ... and completed */

	/* results */
	char error[BENCH_ERR_LEN];	/* "" when none */
	bool unavailable;		/* the error says "not here", not "broke" */
	unsigned int nr_runs;
	double values[BM_NR][BENCH_MAX_RUNS];
	bool verified;
	uint64_t zc_copied_reports;
	uint64_t cold_residual_pages;	/* most left before a recorded transfer */
};

/*
 * Record why the cell failed: "<what>: <strerror(err)>"; returns -err.
 * unavailable marks errors that say the method cannot run here.
 */
int bench_fail(struct bench_cell *cell, bool unavailable, int err,
	       const char *what);
/* The cell cannot run here, for why (not an errno): -EOPNOTSUPP. */
int bench_unavailable(struct bench_cell *cell, const char *why);

/*
 * A cell's life: open (file, connection, method setup, hot cache), its
 * rounds (one run each; warm-up rounds are not recorded), close. A
 * cell that failed keeps its error and skips its remaining rounds.
 */
int bench_cell_open(struct bench_cell *cell);
int bench_cell_round(struct bench_cell *cell, bool record);
void bench_cell_close(struct bench_cell *cell);

/* --- bench_measure.c --------------------------------------------------- */

struct bench_thread_sample {
	uint64_t wall_ns;		/* CLOCK_MONOTONIC */
	uint64_t cpu_ns;		/* CLOCK_PROCESS_CPUTIME_ID */
	uint64_t csw;			/* nvcsw + nivcsw of this thread */
};

void bench_sample_thread(struct bench_thread_sample *s);
/* /proc/stat "cpu " busy time in ns, or -1 if unreadable. */
int64_t bench_system_busy_ns(void);
/* read_bytes of /proc/thread-self/io, or -1 if unreadable. */
int64_t bench_thread_read_bytes(void);
/* SIOCOUTQ until 0: the bytes left the sender. 0 or -errno. */
int bench_drain(int sock_fd);
/* Drop the file's page cache; the pages still resident, or -errno. */
int64_t bench_make_cold(struct bench_cell *cell);
/* Read the whole file once, untimed. 0 or -errno. */
int bench_make_hot(int fd, uint64_t size);
/* /sys/module/zcopy/parameters/observe: 0/1, or -errno (-ENOENT). */
int bench_observer_param(void);
int bench_set_observer_param(int value);

/* --- bench_observe.c --------------------------------------------------- */

struct bench_observation {
	uint64_t probes;
	uint64_t bytes;
	uint64_t copied_bytes;
	uint64_t ref_bytes;
	uint64_t dma_out_bytes;
	uint64_t retrans_bytes;
};

/* OBSERVE_START on the cell's socket and file: 0 and *id, or -errno. */
int bench_observe_start(struct bench_env *env, int sock_fd, int file_fd,
			uint64_t *id);
/*
 * Our own cgroup's instead (env->cgroup_fd): every socket of the bench
 * and of any process beside it. 0 and *id, or -errno, the cell failed.
 */
int bench_observe_start_cgroup(struct bench_cell *cell, uint64_t *id);
/* OBSERVE_STOP: 0 and *obs, or -errno. */
int bench_observe_stop(struct bench_env *env, uint64_t id,
		       struct bench_observation *obs);
/* The module's counters (STATS): 0, or -errno (-ENOENT: no module). */
int bench_module_stats(struct bench_env *env, struct module_stats *s);

/* --- bench_json.c ------------------------------------------------------ */

struct bench_doc {
	const char *profile;
	unsigned int runs;
	unsigned int warmup;
	uint64_t seed;			/* the order of the cells in a round */
	bool have_probes;
	uint64_t observer_probes;
	char started[32];
	double duration_s;
	struct bench_cell **cells;
	unsigned int nr_cells;		/* begun */
	unsigned int cells_planned;
	bool partial;			/* stopped by a signal */
};

/* The JSON document into f: 0 or -errno (write error). */
int bench_write_json(FILE *f, const struct bench_doc *doc, bool pretty);
/* The document as a value of an open writer (key NULL at the root). */
void bench_json_doc(struct json_writer *jw, const char *key,
		    const struct bench_doc *doc);
/* The text table through the output layer. */
void bench_out_table(const struct bench_doc *doc);
/* The cell's headline value for the progress line, NAN if none. */
double bench_cell_throughput(const struct bench_cell *cell);

#endif /* ZCOPYCTL_BENCH_H */
