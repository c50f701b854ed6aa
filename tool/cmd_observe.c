// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl observe: is a program's sending really zero-copy? The module's
 * observer on every TCP socket of a cgroup (v2): --cgroup PATH, or
 * -- CMD [ARG...], which runs CMD in a fresh child cgroup of our own and
 * observes it until CMD exits (and its sockets have sent what they held),
 * as perf stat does. Every --interval
 * seconds a line of what was sent in it; at the end (CMD's exit,
 * --duration, SIGINT or SIGTERM) the totals and where the stack copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "file_path.h"
#include "nl.h"
#include "observation.h"
#include "output.h"
#include "parse.h"
#include "prometheus.h"
#include "signals.h"

struct observe_opts {
	const char *cgroup;		/* --cgroup PATH, or NULL */
	pid_t pid;			/* --pid PID, or 0 */
	int fd;				/* --fd N of it, or -1 */
	char **argv;			/* -- CMD [ARG...], or NULL */
	double interval;		/* 0: no live lines */
	double duration;		/* 0: until the end */
	const char *prometheus;		/* --prometheus FILE, or NULL */
};

struct observe_run {
	struct nl_ctx nl;
	uint64_t id;
	char made[PATH_MAX];		/* the cgroup made for CMD, or "" */
	pid_t child;
	int child_pidfd;		/* CMD's or --pid's: readable at exit */
	int go_fd;			/* CMD waits for this to close */
	int status;			/* CMD's wait status */
	struct observation last;	/* at the previous live line */
	double start, last_at;
	unsigned long lines;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double copies_per_byte(uint64_t copied, uint64_t bytes)
{
	return bytes ? (double)copied / (double)bytes : 0.0;
}

/* The observation's counters by Prometheus' conventions. */
/*
 * The observation's counters: the summary's keys (in its order) and
 * Prometheus' names.
 */
static const struct observe_counter {
	int attr;
	const char *key;
	bool bytes;
	const char *name;
	const char *help;
} observe_counters[] = {
	{ ZCOPY_OBSERVE_A_BYTES, "bytes", true, "zcopy_observe_bytes_total",
	  "TCP payload bytes transmitted, retransmissions included." },
	{ ZCOPY_OBSERVE_A_COPIED_BYTES, "copied", true,
	  "zcopy_observe_copied_bytes_total",
	  "Of those, bytes the CPU copied." },
	{ ZCOPY_OBSERVE_A_REF_BYTES, "by_ref", true,
	  "zcopy_observe_by_reference_bytes_total",
	  "Of those, bytes sent by page reference." },
	{ ZCOPY_OBSERVE_A_SKBS, "skbs", false, "zcopy_observe_skbs_total",
	  "Socket buffers transmitted." },
	{ ZCOPY_OBSERVE_A_FRAGS, "frags", false, "zcopy_observe_frags_total",
	  "Page fragments in them." },
	{ ZCOPY_OBSERVE_A_DMA_OUT_BYTES, "dma_out", true,
	  "zcopy_observe_dma_out_bytes_total",
	  "Bytes sent by a device with a bus parent." },
	{ ZCOPY_OBSERVE_A_RETRANS_BYTES, "retrans", true,
	  "zcopy_observe_retransmitted_bytes_total",
	  "Bytes sent again." },
};

/* Where the stack copied or checksummed: summary keys, Prometheus labels. */
static const struct copy_reason {
	int attr;
	const char *reason;
} copy_reasons[] = {
	{ ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES, "deferred_for_local_receiver" },
	{ ZCOPY_OBSERVE_A_PULL_BYTES, "linearised" },
	{ ZCOPY_OBSERVE_A_COPY_BITS_BYTES, "copy_bits" },
	{ ZCOPY_OBSERVE_A_SEGMENT_COPY_BYTES, "segmented_without_sg" },
	{ ZCOPY_OBSERVE_A_SW_CSUM_BYTES, "software_checksum" },
};

/* Every live line a table of its own: fixed widths keep them aligned. */
static const unsigned int live_widths[] = { 6, 9, 9, 9, 15, 6, 6, 9 };

static const struct out_table_layout live_layout = {
	.min_width = live_widths, .nr_min_width = ARRAY_SIZE(live_widths),
};

static const struct out_table_layout live_layout_cont = {
	.min_width = live_widths, .nr_min_width = ARRAY_SIZE(live_widths),
	.no_header = true,
};

/* Device d's counts at the previous line (by name: slots stay put). */
static const struct observation_dev *last_dev(const struct observe_run *r,
					      const struct observation_dev *d)
{
	static const struct observation_dev none;
	unsigned int i;

	for (i = 0; i < r->last.nr_devs; i++)
		if (!strcmp(r->last.devs[i].name, d->name))
			return &r->last.devs[i];
	return &none;
}

/* The devices that sent since the previous line: "eth0,lo", or "-". */
static void interval_devs(const struct observe_run *r,
			  const struct observation *o, char *buf, size_t len)
{
	size_t used = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < o->nr_devs && used < len; i++)
		if (o->devs[i].bytes != last_dev(r, &o->devs[i])->bytes)
			used += (size_t)snprintf(buf + used, len - used, "%s%s",
						 used ? "," : "", o->devs[i].name);
	if (!buf[0])
		snprintf(buf, len, "-");
}

/* JSON lines: each device's share of the interval, and the copies. */
static void interval_details(const struct observe_run *r,
			     const struct observation *o)
{
	const struct observation_dev *d, *l;
	unsigned int i;

	out_open_array("devices");
	for (i = 0; i < o->nr_devs; i++) {
		d = &o->devs[i];
		l = last_dev(r, d);
		if (d->bytes == l->bytes)
			continue;
		out_open_object(NULL);
		out_str("dev", d->name);
		out_bytes("bytes", d->bytes - l->bytes);
		out_bytes("copied", d->copied - l->copied);
		out_bytes("by_ref", d->ref - l->ref);
		out_close_object();
	}
	out_close_array();
	out_open_object("copies");
	for (i = 0; i < ARRAY_SIZE(copy_reasons); i++)
		out_bytes(copy_reasons[i].reason,
			  o->v[copy_reasons[i].attr] -
			  r->last.v[copy_reasons[i].attr]);
	out_close_object();
}

/* One live line: what was sent since the previous one. */
static int print_interval(struct observe_run *r, const struct observation *o,
			  double at)
{
	char devs[64];

	uint64_t bytes = o->v[ZCOPY_OBSERVE_A_BYTES] -
			 r->last.v[ZCOPY_OBSERVE_A_BYTES];
	uint64_t copied = o->v[ZCOPY_OBSERVE_A_COPIED_BYTES] -
			  r->last.v[ZCOPY_OBSERVE_A_COPIED_BYTES];
	uint64_t ref = o->v[ZCOPY_OBSERVE_A_REF_BYTES] -
		       r->last.v[ZCOPY_OBSERVE_A_REF_BYTES];

	/* Text: a table of one row, its header on the first line only. */
	if (!out_is_json())
		out_open_table(NULL, r->lines ? &live_layout_cont : &live_layout);
	out_open_object(NULL);
	if (out_is_json())
		out_str("type", "interval");
	out_double("time_s", at - r->start, 1);
	out_bytes("bytes", bytes);
	out_bytes("copied", copied);
	out_bytes("by_ref", ref);
	out_double("copies_per_byte", copies_per_byte(copied, bytes), 2);
	out_u64("skbs", o->v[ZCOPY_OBSERVE_A_SKBS] -
		r->last.v[ZCOPY_OBSERVE_A_SKBS]);
	out_u64("frags", o->v[ZCOPY_OBSERVE_A_FRAGS] -
		r->last.v[ZCOPY_OBSERVE_A_FRAGS]);
	out_bytes("retrans", o->v[ZCOPY_OBSERVE_A_RETRANS_BYTES] -
		  r->last.v[ZCOPY_OBSERVE_A_RETRANS_BYTES]);
	interval_devs(r, o, devs, sizeof(devs));
	out_str("dev", devs);
	if (out_is_json())
		interval_details(r, o);
	out_close_object();
	if (!out_is_json())
		out_close_table();
	r->last = *o;
	r->last_at = at;
	r->lines++;
	return out_flush();
}

/* Each egress device: bytes, copied, by reference (as at transmit). */
static void print_devices(const struct observation *o)
{
	const struct observation_dev *d;
	unsigned int i;

	out_open_table("devices", NULL);
	for (i = 0; i < o->nr_devs; i++) {
		d = &o->devs[i];
		out_open_object(NULL);
		out_str("dev", d->name);
		out_bytes("bytes", d->bytes);
		out_bytes("copied", d->copied);
		out_bytes("by_ref", d->ref);
		out_close_object();
	}
	out_close_table();
	if (o->v[ZCOPY_OBSERVE_A_OTHER_DEVICES_BYTES])
		out_bytes("other_devices_bytes",
			  o->v[ZCOPY_OBSERVE_A_OTHER_DEVICES_BYTES]);
}

static int by_ref_desc(const void *a, const void *b)
{
	const struct observation_file *fa = a, *fb = b;

	return fa->ref < fb->ref ? 1 : fa->ref > fb->ref ? -1 : 0;
}

/* The files sent by reference, most first, with their paths if found. */
static void print_files(const struct observation *o)
{
	struct observation_file files[OBSERVATION_FILES];
	char path[PATH_MAX], dev[32];
	unsigned int i;

	memcpy(files, o->files, o->nr_files * sizeof(files[0]));
	qsort(files, o->nr_files, sizeof(files[0]), by_ref_desc);
	out_open_table("files", NULL);
	for (i = 0; i < o->nr_files; i++) {
		out_open_object(NULL);
		out_bytes("by_ref", files[i].ref);
		snprintf(dev, sizeof(dev), "%u:%u", major(files[i].dev),
			 minor(files[i].dev));
		out_str("dev", dev);
		out_u64("ino", files[i].ino);
		if (file_path(files[i].dev, files[i].ino, files[i].generation,
			      path, sizeof(path)))
			snprintf(path, sizeof(path), "-");
		out_str("path", path);
		out_close_object();
	}
	out_close_table();
	if (o->v[ZCOPY_OBSERVE_A_OTHER_FILES_BYTES])
		out_bytes("other_files_by_ref",
			  o->v[ZCOPY_OBSERVE_A_OTHER_FILES_BYTES]);
}

static void print_summary(const struct observe_opts *opts,
			  const struct observe_run *r,
			  const struct observation *o, double at)
{
	const uint64_t *v = o->v;
	size_t i;

	out_open_object(NULL);
	if (out_is_json())
		out_str("type", "summary");
	if (opts->cgroup) {
		out_str("cgroup", opts->cgroup);
	} else if (opts->pid) {
		out_u64("pid", (uint64_t)opts->pid);
		if (opts->fd >= 0)
			out_u64("fd", (uint64_t)opts->fd);
		else
			out_u64("sockets", v[ZCOPY_OBSERVE_A_SOCKETS]);
		if (v[ZCOPY_OBSERVE_A_SENDS_MISSED])
			out_u64("sends_missed",
				v[ZCOPY_OBSERVE_A_SENDS_MISSED]);
	} else {
		out_str("command", opts->argv[0]);
	}
	if (opts->argv && WIFEXITED(r->status))
		out_u64("exit_status", WEXITSTATUS(r->status));
	else if (opts->argv && WIFSIGNALED(r->status))
		out_str("killed_by", strsignal(WTERMSIG(r->status)));
	out_double("seconds", at - r->start, 3);
	for (i = 0; i < ARRAY_SIZE(observe_counters); i++) {
		const struct observe_counter *k = &observe_counters[i];

		if (k->bytes)
			out_bytes(k->key, v[k->attr]);
		else
			out_u64(k->key, v[k->attr]);
		/* Right after what it is made of. */
		if (k->attr == ZCOPY_OBSERVE_A_REF_BYTES)
			out_double("copies_per_byte",
				   copies_per_byte(v[ZCOPY_OBSERVE_A_COPIED_BYTES],
						   v[ZCOPY_OBSERVE_A_BYTES]), 2);
	}
	out_str("egress_dev", o->egress_dev[0] ? o->egress_dev : "-");
	out_open_object("copies");
	for (i = 0; i < ARRAY_SIZE(copy_reasons); i++)
		out_bytes(copy_reasons[i].reason, v[copy_reasons[i].attr]);
	out_close_object();
	print_devices(o);
	print_files(o);
	out_bool("all_probes", (v[ZCOPY_OBSERVE_A_PROBES] & ZCOPY_PROBES_ALL) ==
		 ZCOPY_PROBES_ALL);
	out_close_object();
}

/* Per egress device: copied, and by reference. */
static const struct device_metric {
	const char *name;
	const char *help;
	bool ref;
} device_metrics[] = {
	{ "zcopy_observe_device_copied_bytes_total",
	  "Bytes the CPU copied, by egress device.", false },
	{ "zcopy_observe_device_by_reference_bytes_total",
	  "Bytes sent by page reference, by egress device.", true },
};

/* The file rewritten whole: a collector never reads half of it. */
static int write_prometheus(const struct observe_opts *opts,
			    const struct observation *o)
{
	struct prom_file p;
	char base[512] = "", labels[640], pid[16];
	size_t i, m;
	int err;

	if (opts->cgroup) {
		prom_label(base, sizeof(base), "cgroup", opts->cgroup);
	} else if (opts->pid) {
		snprintf(pid, sizeof(pid), "%d", (int)opts->pid);
		prom_label(base, sizeof(base), "pid", pid);
		if (opts->fd >= 0) {
			snprintf(pid, sizeof(pid), "%d", opts->fd);
			prom_label(base, sizeof(base), "fd", pid);
		}
	} else {
		prom_label(base, sizeof(base), "command", opts->argv[0]);
	}
	err = prom_begin(&p, opts->prometheus);
	if (err) {
		tool_error(-err, "observe: %s: %s", opts->prometheus, strerror(-err));
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(observe_counters); i++)
		prom_sample(&p, observe_counters[i].name, "counter",
			    observe_counters[i].help, base,
			    (double)o->v[observe_counters[i].attr]);
	/* A metric's samples together: one device after the other. */
	for (m = 0; m < ARRAY_SIZE(device_metrics); m++) {
		for (i = 0; i < o->nr_devs; i++) {
			const struct observation_dev *d = &o->devs[i];

			snprintf(labels, sizeof(labels), "%s", base);
			prom_label(labels, sizeof(labels), "device", d->name);
			prom_sample(&p, device_metrics[m].name, "counter",
				    i ? NULL : device_metrics[m].help, labels,
				    (double)(device_metrics[m].ref ? d->ref :
					     d->copied));
		}
	}
	for (i = 0; i < ARRAY_SIZE(copy_reasons); i++) {
		snprintf(labels, sizeof(labels), "%s", base);
		prom_label(labels, sizeof(labels), "reason",
			   copy_reasons[i].reason);
		prom_sample(&p, "zcopy_observe_stack_copy_bytes_total",
			    "counter", i ? NULL :
			    "Bytes the stack copied or checksummed, by where.",
			    labels, (double)o->v[copy_reasons[i].attr]);
	}
	err = prom_commit(&p);
	if (err)
		tool_error(-err, "observe: %s: %s", opts->prometheus, strerror(-err));
	return err;
}

/*
 * CMD in a new child cgroup of ours, held until go_fd closes: it must not
 * send a byte before the observation starts. Returns the cgroup's fd.
 */
static int start_command(const struct observe_opts *opts,
			 struct observe_run *r)
{
	char own[PATH_MAX], procs[PATH_MAX + 16];
	int go[2], dir_fd, err;
	char c;

	err = observation_own_cgroup(own, sizeof(own));
	if (err) {
		tool_error(-err, "observe: no cgroup v2 at %s: %s", OBSERVATION_CGROUP_MOUNT,
			   strerror(-err));
		return err;
	}
	if ((size_t)snprintf(r->made, sizeof(r->made), "%s/zcopyctl-observe-%d",
			     own, getpid()) >= sizeof(r->made))
		return -ENAMETOOLONG;
	if (mkdir(r->made, 0755)) {
		err = -errno;
		tool_error(-err,
			   "observe: cannot make a cgroup in %s: %s (root, or a cgroup delegated to you)",
			   own, strerror(-err));
		r->made[0] = '\0';
		return err;
	}
	dir_fd = open(r->made, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir_fd < 0 || pipe2(go, O_CLOEXEC)) {
		err = -errno;
		tool_error(-err, "observe: %s: %s", r->made, strerror(-err));
		if (dir_fd >= 0)
			close(dir_fd);
		return err;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", r->made);
	r->child = fork();
	if (r->child < 0) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		close(dir_fd);
		return err;
	}
	if (!r->child) {
		int fd;

		close(go[1]);
		/* EOF: the observation started, or the tool died. */
		if (read(go[0], &c, 1) != 0)
			_exit(127);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1) {
			fprintf(stderr, "zcopyctl observe: joining %s: %s\n",
				procs, strerror(errno));
			_exit(127);
		}
		close(fd);
		execvp(opts->argv[0], opts->argv);
		fprintf(stderr, "zcopyctl observe: %s: %s\n", opts->argv[0],
			strerror(errno));
		_exit(127);
	}
	close(go[0]);
	r->go_fd = go[1];
	r->child_pidfd = (int)syscall(SYS_pidfd_open, r->child, 0);
	if (r->child_pidfd < 0) {
		err = -errno;
		tool_error(-err, "observe: pidfd_open: %s", strerror(-err));
		close(dir_fd);
		return err;
	}
	return dir_fd;
}

static void end_command(struct observe_run *r)
{
	if (r->go_fd >= 0)
		close(r->go_fd);
	r->go_fd = -1;
	if (r->child > 0 && waitpid(r->child, &r->status, 0) < 0)
		r->status = 0;
	r->child = 0;
	if (r->child_pidfd >= 0)
		close(r->child_pidfd);
	r->child_pidfd = -1;
	if (r->made[0] && rmdir(r->made))
		pr_warn("observe: removing %s: %s", r->made,
			strerror(errno));
	r->made[0] = '\0';
}

/*
 * CMD's sockets outlive it: closed ones still send what they hold. The
 * summary waits until the cgroup's byte count has stood still for
 * QUIET_S (at most SETTLE_MAX_S).
 */
#define QUIET_S		0.2
#define SETTLE_MAX_S	10.0

static void settle(struct observe_run *r)
{
	const struct timespec tick = { .tv_nsec = 50000000 };
	double t0 = now_s(), still = t0;
	uint64_t bytes = UINT64_MAX;
	struct observation o;

	while (now_s() - t0 < SETTLE_MAX_S && now_s() - still < QUIET_S) {
		if (observation_read(&r->nl, r->id, false, &o))
			return;
		if (o.v[ZCOPY_OBSERVE_A_BYTES] != bytes) {
			bytes = o.v[ZCOPY_OBSERVE_A_BYTES];
			still = now_s();
		}
		nanosleep(&tick, NULL);
	}
}

/* Whether the process of pidfd has exited (its pidfd is readable). */
static bool exited(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return pidfd >= 0 && poll(&pfd, 1, 0) == 1;
}

/* Until CMD or PID exits, the duration is over or a signal; live lines. */
static int follow(const struct observe_opts *opts, struct observe_run *r)
{
	struct pollfd pfd = { .fd = r->child_pidfd, .events = POLLIN };
	double end = opts->duration ? r->start + opts->duration : 0;
	sigset_t saved, wait_mask;
	struct observation o;
	int err;

	stop_signals_catch(&saved, &wait_mask);
	for (;;) {
		double next = opts->interval ? r->last_at + opts->interval : 0;
		double wake = next && end ? (next < end ? next : end) :
			      next ? next : end;
		struct timespec ts, *tsp = NULL;
		double t = now_s(), left;

		if (atomic_load(&stop_requested) || (end && t >= end))
			return 0;
		if (wake) {
			left = wake > t ? wake - t : 0;
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			tsp = &ts;
		}
		if (ppoll(&pfd, r->child_pidfd >= 0 ? 1 : 0, tsp,
			  &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd.revents & POLLIN)
			return 0;
		t = now_s();
		if (next && t >= next) {
			err = observation_read(&r->nl, r->id, false, &o);
			if (err) {
				nl_ctx_perror(&r->nl, err);
				return err;
			}
			err = print_interval(r, &o, t);
			if (!err && opts->prometheus)
				err = write_prometheus(opts, &o);
			if (err)
				return err;
		}
	}
}

/*
 * --pid: its /proc/PID/mem, whose open needs what ptrace-attach needs;
 * --fd: a copy of that descriptor, which pidfd_getfd(2) gives on the
 * same terms. The pidfd tells when the process exits.
 */
static int start_process(const struct observe_opts *opts,
			 struct observe_run *r)
{
	char mem[64];
	int fd, err;

	r->child_pidfd = (int)syscall(SYS_pidfd_open, opts->pid, 0);
	if (r->child_pidfd < 0) {
		tool_error(errno, "observe: process %d: %s", (int)opts->pid,
			   strerror(errno));
		return -1;
	}
	if (opts->fd >= 0) {
		fd = (int)syscall(SYS_pidfd_getfd, r->child_pidfd, opts->fd, 0);
		if (fd < 0) {
			tool_error(errno, "observe: fd %d of process %d: %s%s", opts->fd,
				   (int)opts->pid, strerror(errno),
			       errno == EPERM ? " (it needs what ptrace-attach needs)" : "");
			return -1;
		}
		err = observation_start_socket(&r->nl, fd, -1, &r->id);
	} else {
		snprintf(mem, sizeof(mem), "/proc/%d/mem", (int)opts->pid);
		fd = open(mem, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tool_error(errno, "observe: %s: %s%s", mem, strerror(errno),
				   errno == EACCES || errno == EPERM ?
			       " (observing a process needs what ptrace-attach needs)" : "");
			return -1;
		}
		err = observation_start_process(&r->nl, fd, &r->id);
	}
	close(fd);
	if (err) {
		nl_ctx_perror(&r->nl, err);
		return -1;
	}
	return 0;
}

static int observe_cgroup(const struct observe_opts *opts)
{
	struct observe_run r = {
		.child_pidfd = -1, .go_fd = -1,
	};
	struct observation o;
	int dir_fd, err, ret = EXIT_FAIL;

	err = nl_ctx_open(&r.nl);
	if (err) {
		nl_ctx_perror(&r.nl, err);
		return EXIT_FAIL;
	}
	if (opts->pid) {
		if (start_process(opts, &r))
			goto out;
	} else {
		if (opts->cgroup) {
			dir_fd = open(opts->cgroup,
				      O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (dir_fd < 0)
				tool_error(errno, "observe: %s: %s", opts->cgroup,
					   strerror(errno));
		} else {
			dir_fd = start_command(opts, &r);
		}
		if (dir_fd < 0)
			goto out;
		err = observation_start_cgroup(&r.nl, dir_fd, &r.id);
		close(dir_fd);
		if (err) {
			nl_ctx_perror(&r.nl, err);
			goto out;
		}
	}
	r.start = now_s();
	r.last_at = r.start;
	/* Only now may CMD run. */
	if (r.go_fd >= 0) {
		close(r.go_fd);
		r.go_fd = -1;
	}
	err = follow(opts, &r);
	if (err && err != -EPIPE)
		tool_error(-err, "observe: %s", strerror(-err));
	if (r.child > 0 || (opts->pid && exited(r.child_pidfd))) {
		end_command(&r);
		settle(&r);
	}
	err = observation_read(&r.nl, r.id, true, &o);
	if (err) {
		nl_ctx_perror(&r.nl, err);
		goto out;
	}
	/* What was sent since the last line gets a (shorter) line too. */
	if (opts->interval && (o.v[ZCOPY_OBSERVE_A_BYTES] !=
			       r.last.v[ZCOPY_OBSERVE_A_BYTES] ||
			       o.v[ZCOPY_OBSERVE_A_SKBS] !=
			       r.last.v[ZCOPY_OBSERVE_A_SKBS])) {
		err = print_interval(&r, &o, now_s());
		if (err) {
			tool_error(-err, "writing output: %s", strerror(-err));
			goto out;
		}
	}
	if (opts->interval && !out_is_json() && r.lines)
		putchar('\n');
	print_summary(opts, &r, &o, now_s());
	err = out_flush();
	if (err) {
		tool_error(-err, "writing output: %s", strerror(-err));
		goto out;
	}
	if (opts->prometheus && write_prometheus(opts, &o))
		goto out;
	if (!opts->argv)
		ret = EXIT_OK;
	else if (WIFEXITED(r.status))
		ret = WEXITSTATUS(r.status);
	else
		ret = 128 + WTERMSIG(r.status);
out:
	if (r.child > 0) {
		/* CMD never ran: it sees EOF before the go. */
		kill(r.child, SIGKILL);
		end_command(&r);
	} else if (r.made[0] || r.child_pidfd >= 0) {
		end_command(&r);
	}
	nl_ctx_close(&r.nl);
	return ret;
}

static const struct option observe_options[] = {
	{ "cgroup",	required_argument, NULL, 'c' },
	{ "pid",	required_argument, NULL, 'p' },
	{ "fd",		required_argument, NULL, 'f' },
	{ "interval",	required_argument, NULL, 'i' },
	{ "duration",	required_argument, NULL, 'd' },
	{ "prometheus",	required_argument, NULL, 'P' },
	{ NULL, 0, NULL, 0 },
};

static int parse_seconds(const struct cmd *cmd, const char *what,
			 const char *arg, double *value)
{
	char *end;

	errno = 0;
	*value = strtod(arg, &end);
	if (errno || end == arg || *end || !(*value > 0) || *value > 86400.0)
		return cmd_usage_error(cmd, "--%s: '%s' is not a number of seconds in (0, 86400]",
				       what, arg);
	return CMD_CONTINUE;
}

static int observe_option(const struct cmd *cmd, int opt, void *arg)
{
	struct observe_opts *opts = arg;
	uint64_t n;

	switch (opt) {
	case 'c':
		opts->cgroup = optarg;
		break;
	case 'p':
		if (parse_u64(optarg, &n) || !n || n > INT_MAX)
			return cmd_usage_error(cmd, "--pid: '%s' is not a process id",
					       optarg);
		opts->pid = (pid_t)n;
		break;
	case 'f':
		if (parse_u64(optarg, &n) || n > INT_MAX)
			return cmd_usage_error(cmd, "--fd: '%s' is not a descriptor number",
					       optarg);
		opts->fd = (int)n;
		break;
	case 'i':
		return parse_seconds(cmd, "interval", optarg, &opts->interval);
	case 'd':
		return parse_seconds(cmd, "duration", optarg, &opts->duration);
	case 'P':
		opts->prometheus = optarg;
		break;
	}
	return CMD_CONTINUE;
}

static int observe_run(const struct cmd *cmd, int argc, char **argv)
{
	struct observe_opts opts = { .fd = -1 };
	int status;

	status = cmd_parse_options(cmd, argc, argv, observe_option, &opts);
	if (status != CMD_CONTINUE)
		return status;
	if (optind < argc)
		opts.argv = argv + optind;
	if (!!opts.cgroup + !!opts.pid + !!opts.argv != 1)
		return cmd_usage_error(cmd, "one of --cgroup PATH, --pid PID and -- CMD [ARG...]");
	if (opts.fd >= 0 && !opts.pid)
		return cmd_usage_error(cmd, "--fd is a descriptor of --pid's process");
	if (opts.argv && opts.duration)
		return cmd_usage_error(cmd, "--duration with -- CMD: CMD's exit ends it");
	return observe_cgroup(&opts);
}

const struct cmd cmd_observe = {
	.name		= "observe",
	.run		= observe_run,
	.summary	= "Observe a program's TCP sending: copied or by reference.",
	.synopsis	= "[-j] [-i S] [-P FILE] (--cgroup PATH | --pid PID [--fd N]) [-d S]\n"
			  "       [-j] [-i S] [-P FILE] -- CMD [ARG...]",
	.options_help	=
		"  -c, --cgroup PATH    every TCP socket of this cgroup v2 and its descendants\n"
		"  -p, --pid PID        every TCP socket this process sends on, until it exits\n"
		"  -f, --fd N           only its socket N\n"
		"  -i, --interval S     a line of what was sent every S seconds\n"
		"  -d, --duration S     stop after S seconds (--cgroup, --pid)\n"
		"  -P, --prometheus FILE  the counters in Prometheus' text format,\n"
		"                       rewritten with each line and at the end\n"
		"  -j, --json           one JSON object per line: intervals, then the summary\n",
	.notes		=
		"-- CMD [ARG...] runs CMD in a new child cgroup of zcopyctl's own and\n"
		"observes it until CMD exits; the exit status is CMD's. SIGINT or SIGTERM\n"
		"print the summary. Observing a cgroup needs CAP_NET_ADMIN or CAP_PERFMON,\n"
		"or a cgroup whose directory you own; a process, what ptrace-attach needs.\n",
	.optstring	= "+c:p:f:i:d:P:jh",
	.longopts	= observe_options,
};
