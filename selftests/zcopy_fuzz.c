// SPDX-License-Identifier: GPL-2.0
/*
 * A structured fuzzer of the zcopy module: random but mostly well-formed
 * requests on the generic netlink family (raw sockets, no libnl) and on
 * /dev/zcopy (raw ioctl, read, poll), with fds of every kind, edge values,
 * bad pointers and fds closed under running jobs, from several processes
 * at once, some of them unprivileged. It checks that every answer is one
 * the ABI allows and that the module still answers at the end.
 *
 * Deterministic per worker for a seed (modulo timing). Only 127.0.0.1,
 * ::1 and the VM's own addresses are ever connected to.
 *
 *   zcopy_fuzz [--inputs N] [--procs P] [--seed S] [--unpriv F]
 *              [--time-limit SEC] [--no-chmod] [--verbose]
 *
 * The environment gives the same: ZCOPY_FUZZ_INPUTS, ZCOPY_FUZZ_PROCS,
 * ZCOPY_FUZZ_SEED, ZCOPY_FUZZ_UNPRIV, ZCOPY_FUZZ_TIME. Output is TAP.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/zcopy.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "zcopy_fuzz.h"

struct fuzz_opts opts = {
	.inputs = 20000,
	.procs = 4,
	.seed = 1,
	.unpriv = 0.5,
	.time_limit = 150,
	.chmod_dev = true,
};

/* Set up by the parent before the workers fork. */
char work_dir[64];
uint16_t sink_port;		/* 0.0.0.0 and :: listener that reads */
uint16_t closed_port;		/* nothing listens there */
struct worker_stats *all_stats;

struct in_addr local_v4[4];
unsigned int nr_local_v4;

/* ---- The parent: setup, the reading listener, the verdict. ---- */

static void make_file(const char *name, uint64_t size)
{
	struct file_info *f = &files[nr_files];
	char buf[4096];
	uint64_t done;
	int fd;

	snprintf(f->path, sizeof(f->path), "%s/%s", work_dir, name);
	fd = open(f->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		return;
	for (done = 0; done < size; done += sizeof(buf)) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		memset(buf, (int)(done / sizeof(buf)), n);
		if (write(fd, buf, n) != (ssize_t)n)
			break;
	}
	fchmod(fd, 0666);
	close(fd);
	f->size = size;
	nr_files++;
}

/* Which file systems read pages: tmpfs does not (copy mode only). */
static bool fs_reads_pages(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type != TMPFS_MAGIC;
}

static void setup_files(void)
{
	static const uint64_t sizes[] = { 0, 1, 4095, 4096, 4097, 100000,
					  1 << 20 };
	const char *data = getenv("ZCOPY_DATA");
	struct dirent *de;
	unsigned int i;
	struct stat st;
	DIR *d;

	snprintf(work_dir, sizeof(work_dir), "/tmp/zcopy-fuzz.%d", getpid());
	mkdir(work_dir, 0755);
	chmod(work_dir, 0755);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		char name[32];

		snprintf(name, sizeof(name), "f%" PRIu64, sizes[i]);
		make_file(name, sizes[i]);
	}
	snprintf(files[nr_files].path, sizeof(files[0].path), "%s/fifo",
		 work_dir);
	mkfifo(files[nr_files].path, 0666);
	chmod(files[nr_files].path, 0666);
	nr_tmp_files = nr_files;
	for (i = 0; i < nr_tmp_files; i++)
		files[i].page_ok = fs_reads_pages(files[i].path);

	d = opendir(data ? data : "/data");
	while (d && (de = readdir(d)) && nr_files < ARRAY_SIZE(files)) {
		struct file_info *f = &files[nr_files];

		snprintf(f->path, sizeof(f->path), "%s/%s", data ? data : "/data",
			 de->d_name);
		if (stat(f->path, &st) || !S_ISREG(st.st_mode) ||
		    access(f->path, R_OK))
			continue;
		f->size = st.st_size;
		f->page_ok = fs_reads_pages(f->path);
		nr_files++;
	}
	if (d)
		closedir(d);
}

static void cleanup_files(void)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; i < nr_tmp_files; i++)
		unlink(files[i].path);
	snprintf(path, sizeof(path), "%s/fifo", work_dir);
	unlink(path);
	rmdir(work_dir);
}

/* Reads and discards everything sent to the listeners, until killed. */
static void sink_main(int l4, int l6)
{
	static struct pollfd pfd[1024];
	static char buf[65536];
	unsigned int n = 2, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	pfd[0] = (struct pollfd){ .fd = l4, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = l6, .events = POLLIN };
	for (;;) {
		if (poll(pfd, n, 1000) < 0 && errno != EINTR)
			_exit(1);
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (i < 2) {
				int fd = accept4(pfd[i].fd, NULL, NULL,
						 SOCK_NONBLOCK);

				if (fd >= 0 && n < ARRAY_SIZE(pfd))
					pfd[n++] = (struct pollfd){
						.fd = fd, .events = POLLIN };
				else if (fd >= 0)
					close(fd);
				continue;
			}
			if (read(pfd[i].fd, buf, sizeof(buf)) == 0 ||
			    pfd[i].revents & (POLLERR | POLLHUP)) {
				close(pfd[i].fd);
				pfd[i--] = pfd[--n];
			}
		}
	}
}

static pid_t start_sink(void)
{
	int l4, l6, tmp;
	pid_t pid;

	l4 = tcp_listener(AF_INET, 128, &sink_port);
	if (l4 < 0)
		return -1;
	l6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l6 >= 0) {
		struct sockaddr_in6 sin6 = {
			.sin6_family = AF_INET6,
			.sin6_port = htons(sink_port),
		};
		int one = 1;

		setsockopt(l6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(l6, (struct sockaddr *)&sin6, sizeof(sin6)) ||
		    listen(l6, 128))
			close_fd(&l6);
	}
	/* A port that was just free: connecting to it is refused. */
	tmp = tcp_listener(AF_INET, 1, &closed_port);
	close(tmp);

	pid = fork();
	if (!pid)
		sink_main(l4, l6);
	close(l4);
	if (l6 >= 0)
		close(l6);
	return pid;
}

static void local_addresses(void)
{
	static const char *const vars[] = {
		"ZCOPY_LOCAL_VIRTIO", "ZCOPY_LOCAL_VETH",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v && inet_pton(AF_INET, v, &local_v4[nr_local_v4]) == 1)
			nr_local_v4++;
	}
}

/* The module answers STATS: the last proof that it is alive. */
static int final_stats(struct stats_reply *r)
{
	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_STATS, 1);
	memset(r, 0, sizeof(*r));
	return nl_transact(&nl, false, stats_msg, r, ERRSET(0), "final STATS");
}

static void print_hist(const char *what, const uint64_t *h)
{
	char line[1024], ebuf[16];
	size_t off = 0;
	int e;

	for (e = 0; e <= ERRNO_SLOTS; e++) {
		if (!h[e])
			continue;
		off += snprintf(line + off, sizeof(line) - off, " %s=%" PRIu64,
				e == ERRNO_SLOTS ? "other" :
				errno_label(e, ebuf, sizeof(ebuf)), h[e]);
		if (off >= sizeof(line) - 32)
			break;
	}
	out_line("# %s errno:%s", what, off ? line : " none");
}

static void print_states(const char *what, const uint64_t *h)
{
	static const char *const names[] = {
		"queued", "running", "done", "failed", "cancelled",
	};

	out_line("# %s: %s=%" PRIu64 " %s=%" PRIu64 " %s=%" PRIu64
		 " %s=%" PRIu64 " %s=%" PRIu64, what, names[0], h[0], names[1],
		 h[1], names[2], h[2], names[3], h[3], names[4], h[4]);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}

static void usage(const char *prog)
{
	fprintf(stderr, "%s [--inputs N] [--procs P] [--seed S] %s\n", prog,
		"[--unpriv FRACTION] [--time-limit SEC] [--no-chmod] [--verbose]");
	exit(2);
}

static void parse_opts(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "inputs", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "seed", required_argument, NULL, 's' },
		{ "unpriv", required_argument, NULL, 'u' },
		{ "time-limit", required_argument, NULL, 't' },
		{ "no-chmod", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *u = getenv("ZCOPY_FUZZ_UNPRIV");
	int c;

	opts.inputs = env_long("ZCOPY_FUZZ_INPUTS", opts.inputs);
	opts.procs = env_long("ZCOPY_FUZZ_PROCS", opts.procs);
	opts.seed = env_long("ZCOPY_FUZZ_SEED", opts.seed);
	opts.time_limit = env_long("ZCOPY_FUZZ_TIME", opts.time_limit);
	if (u && *u)
		opts.unpriv = strtod(u, NULL);
	while ((c = getopt_long(argc, argv, "n:p:s:u:t:Cvh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			opts.inputs = strtol(optarg, NULL, 0);
			break;
		case 'p':
			opts.procs = strtol(optarg, NULL, 0);
			break;
		case 's':
			opts.seed = strtoull(optarg, NULL, 0);
			break;
		case 'u':
			opts.unpriv = strtod(optarg, NULL);
			break;
		case 't':
			opts.time_limit = strtol(optarg, NULL, 0);
			break;
		case 'C':
			opts.chmod_dev = false;
			break;
		case 'v':
			opts.verbose = true;
			break;
		default:
			usage(argv[0]);
		}
	}
	if (opts.procs < 1 || opts.procs > 64 || opts.inputs < 0 ||
	    opts.time_limit < 1 || opts.unpriv < 0 || opts.unpriv > 1)
		usage(argv[0]);
}

/* Where a stuck worker sleeps in the kernel, as # lines. */
static void print_kernel_stack(pid_t pid)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		out_line("#   %s", line);
	}
	if (f)
		fclose(f);
}

/*
 * Waits for the workers; one that makes no progress for STUCK_S is
 * reported with its kernel stack, and at the deadline all are killed.
 * A worker that SIGKILL cannot end (D state in the module) is left behind
 * after a few seconds, so that the verdict still comes.
 */
static int reap_workers(pid_t *pids, double deadline)
{
	uint64_t seen[64] = {};
	double progress[64], killed_at = 0;
	int status, bad = 0, left = opts.procs, i;
	bool reported[64] = {};
	pid_t pid;

	for (i = 0; i < opts.procs; i++)
		progress[i] = now_s();
	while (left) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid > 0) {
			for (i = 0; i < opts.procs; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				left--;
				if (WIFSIGNALED(status) || WEXITSTATUS(status) ||
				    !all_stats[i].finished) {
					out_line("# worker %d ended abnormally: %s %d", i,
						 WIFSIGNALED(status) ? "signal" : "exit",
						 WIFSIGNALED(status) ? WTERMSIG(status) :
						 WEXITSTATUS(status));
					bad++;
				}
			}
			continue;
		}
		for (i = 0; i < opts.procs; i++) {
			if (!pids[i])
				continue;
			if (all_stats[i].inputs != seen[i]) {
				seen[i] = all_stats[i].inputs;
				progress[i] = now_s();
			} else if (!reported[i] && now_s() - progress[i] > STUCK_S) {
				reported[i] = true;
				bad++;
				out_line("# worker %d stuck %d s in input %" PRIu64
					 " (%s); kernel stack:", i, STUCK_S, seen[i],
					 op_table[all_stats[i].current_op].name);
				print_kernel_stack(pids[i]);
			}
		}
		if (!killed_at && now_s() > deadline) {
			for (i = 0; i < opts.procs; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			killed_at = now_s();
			out_line("# workers alive %d s past the time limit: killed",
				 WORKER_GRACE_S);
			bad++;
		}
		if (killed_at && now_s() - killed_at > 10) {
			out_line("# %d worker(s) survive SIGKILL: unkillable in the kernel",
				 left);
			return bad + 1;
		}
		usleep(50000);
	}
	return bad;
}

/* Nothing may stay queued or running: cancel leftovers as root, then wait. */
static bool wait_idle(struct stats_reply *r)
{
	double end = now_s() + 30;

	while (now_s() < end) {
		if (final_stats(r) || !r->seen)
			return false;
		if (!r->v[ZCOPY_STATS_A_JOBS_QUEUED] &&
		    !r->v[ZCOPY_STATS_A_JOBS_RUNNING])
			return true;
		usleep(200000);
	}
	out_line("# jobs still live 30 s after the workers: queued %" PRIu64
		 " running %" PRIu64, r->v[ZCOPY_STATS_A_JOBS_QUEUED],
		 r->v[ZCOPY_STATS_A_JOBS_RUNNING]);
	return false;
}

/* As the other tests do: load $ZCOPY_MODULE if zcopy is not loaded. */
static void ensure_module(void)
{
	const char *ko = getenv("ZCOPY_MODULE");
	int fd;

	if (!ko || !access("/sys/module/zcopy", F_OK))
		return;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (syscall(SYS_finit_module, fd, "", 0))
		out_line("# finit_module %s: %s", ko, strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	struct stats_reply before = {}, after = {};
	struct worker_stats total = {};
	struct stat dev_st;
	bool dev_chmodded = false;
	pid_t pids[64] = {}, sink;
	int i, e, bad = 0, nunpriv;
	double start, elapsed;
	struct worker_stats parent_ws = {};

	setvbuf(stdout, NULL, _IONBF, 0);
	parse_opts(argc, argv);
	ws = &parent_ws;
	out_line("TAP version 13");
	out_line("1..1");
	out_line("# zcopy_fuzz: %ld inputs, %d processes, seed %" PRIu64
		 ", unprivileged fraction %.2f, time limit %d s", opts.inputs,
		 opts.procs, opts.seed, opts.unpriv, opts.time_limit);

	ensure_module();
	if (nl_open(&nl) || resolve_family(&nl)) {
		out_line("not ok 1 - fuzz: family %s not found (module not loaded?)",
			 ZCOPY_GENL_NAME);
		return 1;
	}
	if (final_stats(&before) || !before.seen) {
		out_line("not ok 1 - fuzz: STATS before the run failed");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	local_addresses();
	setup_files();
	sink = start_sink();
	if (sink < 0) {
		out_line("not ok 1 - fuzz: cannot start the listener");
		cleanup_files();
		return 1;
	}

	nunpriv = geteuid() ? opts.procs : (int)(opts.procs * opts.unpriv + 0.5);
	/* nobody can open /dev/zcopy only if its mode allows it. */
	if (!geteuid() && nunpriv && opts.chmod_dev &&
	    !stat("/dev/zcopy", &dev_st) && !chmod("/dev/zcopy", 0666))
		dev_chmodded = true;

	all_stats = mmap(NULL, sizeof(*all_stats) * opts.procs,
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	if (all_stats == MAP_FAILED) {
		out_line("not ok 1 - fuzz: mmap: %s", strerror(errno));
		return 1;
	}
	start = now_s();
	for (i = 0; i < opts.procs; i++) {
		long n = opts.inputs / opts.procs +
			 (i < opts.inputs % opts.procs);

		all_stats[i].unpriv = i >= opts.procs - nunpriv;
		pids[i] = fork();
		if (!pids[i])
			worker_main(i, n, start + opts.time_limit);
		if (pids[i] < 0)
			bad++;
	}
	bad += reap_workers(pids, start + opts.time_limit + WORKER_GRACE_S);
	elapsed = now_s() - start;
	kill(sink, SIGKILL);
	waitpid(sink, NULL, 0);

	if (dev_chmodded)
		chmod("/dev/zcopy", dev_st.st_mode & 07777);

	/* A fresh socket: the module must still answer, and be idle. */
	close_fd(&nl.fd);
	if (nl_open(&nl)) {
		out_line("# netlink socket: %s", strerror(errno));
		bad++;
	} else if (!wait_idle(&after)) {
		out_line("# final STATS failed or jobs left");
		bad++;
	} else if (after.v[ZCOPY_STATS_A_JOBS_SUBMITTED] !=
		   after.v[ZCOPY_STATS_A_JOBS_DONE] +
		   after.v[ZCOPY_STATS_A_JOBS_FAILED] +
		   after.v[ZCOPY_STATS_A_JOBS_CANCELLED]) {
		out_line("# STATS: submitted %" PRIu64 " != done + failed + cancelled",
			 after.v[ZCOPY_STATS_A_JOBS_SUBMITTED]);
		bad++;
	}
	cleanup_files();

	for (i = 0; i < opts.procs; i++) {
		struct worker_stats *w = &all_stats[i];
		unsigned int k;

		total.inputs += w->inputs;
		total.jobs_created += w->jobs_created;
		total.failures += w->failures;
		total.records_read += w->records_read;
		total.stray_msgs += w->stray_msgs;
		for (k = 0; k < OP_MAX; k++)
			total.ops[k] += w->ops[k];
		for (e = 0; e <= ERRNO_SLOTS; e++) {
			total.nl_errno[e] += w->nl_errno[e];
			total.ioc_errno[e] += w->ioc_errno[e];
		}
		for (k = 0; k <= ZCOPY_STATE_MAX; k++) {
			total.read_states[k] += w->read_states[k];
			total.get_states[k] += w->get_states[k];
			total.event_states[k] += w->event_states[k];
		}
		out_line("# worker %d (%s): %" PRIu64 " inputs, %" PRIu64
			 " jobs, %" PRIu64 " failures", i,
			 w->unpriv ? "nobody" : "root", w->inputs,
			 w->jobs_created, w->failures);
		if (w->failures)
			out_line("#   first: %s", w->first_failure);
	}
	bad += total.failures ? 1 : 0;

	out_line("# inputs: %" PRIu64 " in %.1f s, %.0f inputs/s", total.inputs,
		 elapsed, total.inputs / (elapsed > 0 ? elapsed : 1));
	{
		char line[2048];
		size_t off = 0;
		unsigned int k;

		for (k = 0; k < OP_MAX; k++)
			off += snprintf(line + off, sizeof(line) - off,
					" %s=%" PRIu64, op_table[k].name,
					total.ops[k]);
		out_line("# per command:%s", line);
	}
	print_hist("netlink ack", total.nl_errno);
	print_hist("ioctl/read", total.ioc_errno);
	out_line("# jobs created: %" PRIu64 " (module: %" PRIu64
		 " submitted during the run)", total.jobs_created,
		 after.v[ZCOPY_STATS_A_JOBS_SUBMITTED] -
		 before.v[ZCOPY_STATS_A_JOBS_SUBMITTED]);
	out_line("# module end states during the run: done=%" PRIu64
		 " failed=%" PRIu64 " cancelled=%" PRIu64 " verified=%" PRIu64,
		 after.v[ZCOPY_STATS_A_JOBS_DONE] -
		 before.v[ZCOPY_STATS_A_JOBS_DONE],
		 after.v[ZCOPY_STATS_A_JOBS_FAILED] -
		 before.v[ZCOPY_STATS_A_JOBS_FAILED],
		 after.v[ZCOPY_STATS_A_JOBS_CANCELLED] -
		 before.v[ZCOPY_STATS_A_JOBS_CANCELLED],
		 after.v[ZCOPY_STATS_A_JOBS_VERIFIED] -
		 before.v[ZCOPY_STATS_A_JOBS_VERIFIED]);
	print_states("states in read() records", total.read_states);
	print_states("states in GET (doit) replies", total.get_states);
	print_states("states in events (each root worker sees all)",
		     total.event_states);
	out_line("# records read: %" PRIu64 ", stray netlink messages: %" PRIu64,
		 total.records_read, total.stray_msgs);

	if (bad) {
		out_line("not ok 1 - fuzz: %" PRIu64 " inputs in %d processes, %" PRIu64
			 " failures", total.inputs, opts.procs, total.failures);
		return 1;
	}
	out_line("ok 1 - fuzz: %" PRIu64 " inputs in %d processes", total.inputs,
		 opts.procs);
	return 0;
}
