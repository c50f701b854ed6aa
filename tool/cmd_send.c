// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl send: one file range to a TCP receiver, moved by the module.
 *
 * The tool opens the file and connects the socket; the module's job takes
 * its own references to both. Jobs go through /dev/zcopy when the caller
 * may open it (the completion record is then read from the device), else
 * through generic netlink with the two fds (the job is then followed with
 * GET: its completion event is for CAP_NET_ADMIN only). --no-wait always
 * uses netlink: closing /dev/zcopy would cancel the job.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/zcopy.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "cmd.h"
#include "signals.h"
#include "job.h"
#include "nl.h"
#include "output.h"
#include "parse.h"

#define PROGRESS_INTERVAL_MS	100	/* redraw of the progress bar */

enum {
	OPT_NO_WAIT = 0x100,
	OPT_PROGRESS,
	OPT_ALL_MODES,
};

struct send_opts {
	int mode;		/* enum zcopy_mode; -1 for --all-modes */
	uint64_t offset;
	uint64_t length;	/* 0: to the end of the file */
	bool no_wait;
	bool progress;
	bool have_mode, all_modes;	/* -m, --all-modes given */
	const char *file;
	const char *target;	/* HOST:PORT as given */
	char target_buf[512];
	char *host;
	uint16_t port;
};

/* How jobs are submitted and followed. */
struct channel {
	int dev_fd;		/* /dev/zcopy, or -1: netlink */
	bool have_nl;
	struct nl_ctx nl;	/* netlink jobs; GET for the progress bar */
};

/* The textbook table of the design, row per mode it stands for. */
static const struct textbook {
	const char *method;
	unsigned int cpu_copies;
	unsigned int dma_copies;
	const char *syscalls;
	unsigned int context_switches;
} textbook[] = {
	[ZCOPY_MODE_COPY]	= { "read + write", 2, 2, "read/write", 4 },
	[ZCOPY_MODE_MMAP]	= { "mmap + write", 1, 2, "mmap/write", 4 },
	[ZCOPY_MODE_SENDFILE]	= { "sendfile", 1, 2, "sendfile", 2 },
	[ZCOPY_MODE_SG]		= { "sendfile + DMA gather", 0, 2, "sendfile", 2 },
};

#define NR_MODES	ARRAY_SIZE(textbook)

/* --- signals: the first SIGINT or SIGTERM cancels the job -------------- */

static sigset_t wait_mask;	/* the mask while waiting: signals let in */

/* After the cancel, a second signal ends the tool as usual. */
static void signals_default(void)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void signals_restore(const sigset_t *saved)
{
	signals_default();
	sigprocmask(SIG_SETMASK, saved, NULL);
}

/* ppoll() with the signals let in; a timeout below 0 waits forever. */
static int wait_fds(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long)(timeout_ms % 1000) * 1000000,
	};

	return ppoll(fds, nfds, timeout_ms < 0 ? NULL : &ts, &wait_mask);
}

/* --- the progress bar ---------------------------------------------------- */

struct progress {
	bool on;		/* asked for, and stderr is a terminal */
	bool drawn;
};

static void format_eta(char *buf, size_t len, double seconds)
{
	unsigned long s;

	if (seconds < 0 || seconds > 359999) {
		snprintf(buf, len, "--:--");
		return;
	}
	s = (unsigned long)(seconds + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60,
			 s % 60);
	else
		snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
}

static void progress_draw(struct progress *p,
			  const struct zcopy_completion *rec)
{
	char sent[OUT_BYTES_LEN], total[OUT_BYTES_LEN], rate[OUT_BYTES_LEN];
	char eta[32], text[160], bar[256];
	double elapsed = 0, bytes_per_s = 0, frac = 1;
	struct winsize ws;
	int cols = 80, width, filled;

	if (!p->on)
		return;
	if (rec->start_ns)
		elapsed = now_seconds() - (double)rec->start_ns / 1e9;
	if (elapsed > 0)
		bytes_per_s = (double)rec->bytes_sent / elapsed;
	if (rec->length)
		frac = (double)rec->bytes_sent / (double)rec->length;
	if (bytes_per_s > 0)
		format_eta(eta, sizeof(eta),
			   (double)(rec->length - rec->bytes_sent) / bytes_per_s);
	else
		format_eta(eta, sizeof(eta), -1);
	out_format_bytes((double)rec->bytes_sent, sent, sizeof(sent));
	out_format_bytes((double)rec->length, total, sizeof(total));
	out_format_bytes(bytes_per_s, rate, sizeof(rate));
	snprintf(text, sizeof(text), "%3.0f%% %s/%s  %s/s  ETA %s",
		 frac * 100, sent, total, rate, eta);

	if (!ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		cols = ws.ws_col;
	/* "[" bar "] " text, one column spare so that nothing wraps */
	width = cols - (int)strlen(text) - 4;
	if (width > (int)sizeof(bar) - 1)
		width = sizeof(bar) - 1;
	if (width >= 10) {
		filled = (int)(frac * width);
		if (filled > width)
			filled = width;
		memset(bar, '#', filled);
		memset(bar + filled, '.', width - filled);
		bar[width] = '\0';
		fprintf(stderr, "\r[%s] %s\033[K", bar, text);
	} else {
		fprintf(stderr, "\r%s\033[K", text);
	}
	fflush(stderr);
	p->drawn = true;
}

static void progress_clear(struct progress *p)
{
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = false;
	}
}

/* --- submission and waiting --------------------------------------------- */

/* /dev/zcopy if it opens (root, usually), else netlink. */
static int channel_open(struct channel *ch, bool device, bool need_nl)
{
	int err;

	ch->dev_fd = -1;
	if (device)
		ch->dev_fd = job_dev_open(0);
	if (ch->dev_fd >= 0 && !need_nl)
		return 0;

	err = nl_ctx_open(&ch->nl);
	ch->have_nl = true;
	if (err && ch->dev_fd >= 0) {
		/* the device works: do without netlink (no progress bar) */
		nl_ctx_close(&ch->nl);
		ch->have_nl = false;
		return 0;
	}
	if (err)
		nl_ctx_perror(&ch->nl, err);
	return err;
}

static void channel_close(struct channel *ch)
{
	if (ch->dev_fd >= 0)
		close(ch->dev_fd);
	if (ch->have_nl)
		nl_ctx_close(&ch->nl);
}

static int parse_submit_reply(struct nlmsghdr *nlh, void *arg)
{
	static struct nla_policy policy[ZCOPY_A_MAX + 1] = {
		[ZCOPY_A_ID]	= { .type = NLA_U64 },
	};
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	uint64_t *id = arg;

	if (genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, policy) < 0 ||
	    !tb[ZCOPY_A_ID])
		return -EPROTO;
	*id = nla_get_u64(tb[ZCOPY_A_ID]);
	return 0;
}

/* Submits; on failure the reason is printed. */
static int submit(struct channel *ch, const struct send_opts *o, int mode,
		  int file_fd, int sock_fd, uint64_t *id)
{
	const char *what = "submitting the transfer";
	struct zcopy_submit s = {
		.size = sizeof(s),
		.file_fd = file_fd,
		.sock_fd = sock_fd,
		.mode = (__u32)mode,
		.offset = o->offset,
		.length = o->length,
	};
	struct nl_msg *msg;
	int err;

	if (ch->dev_fd >= 0) {
		if (ioctl(ch->dev_fd, ZCOPY_IOC_SUBMIT, &s) < 0) {
			err = -errno;
			tool_error(-err, "%s: %s", what, strerror(-err));
			return err;
		}
		*id = s.id;
		return 0;
	}

	*id = 0;
	msg = nl_ctx_new_msg(&ch->nl, ZCOPY_CMD_SUBMIT, 0);
	if (!msg ||
	    nla_put_s32(msg, ZCOPY_A_FILE_FD, file_fd) < 0 ||
	    nla_put_s32(msg, ZCOPY_A_SOCK_FD, sock_fd) < 0 ||
	    nla_put_u32(msg, ZCOPY_A_MODE, (uint32_t)mode) < 0 ||
	    nla_put_u64(msg, ZCOPY_A_OFFSET, o->offset) < 0 ||
	    nla_put_u64(msg, ZCOPY_A_LENGTH, o->length) < 0) {
		nlmsg_free(msg);
		tool_error(ENOMEM, "%s: %s", what, strerror(ENOMEM));
		return -ENOMEM;
	}
	err = nl_ctx_request(&ch->nl, what, msg, parse_submit_reply, id);
	if (!err && !*id)
		err = -EPROTO;
	if (err) {
		ch->nl.what = what;
		nl_ctx_perror(&ch->nl, err);
	}
	return err;
}

/* The first signal: ask the module to stop the job, keep waiting. */
static void cancel_on_signal(struct channel *ch, uint64_t id)
{
	struct nl_msg *msg;

	if (!atomic_exchange(&stop_requested, 0))
		return;
	signals_default();
	if (ch->dev_fd >= 0) {
		ioctl(ch->dev_fd, ZCOPY_IOC_CANCEL, &id);
		return;
	}
	msg = nl_ctx_new_msg(&ch->nl, ZCOPY_CMD_CANCEL, 0);
	if (msg && nla_put_u64(msg, ZCOPY_A_ID, id) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	/* -ENOENT: it has just ended by itself; the wait will tell. */
	if (msg)
		nl_ctx_request(&ch->nl, "cancelling the job", msg, NULL, NULL);
}

/* The device: the record comes by read() once poll() says so. */
static int wait_device(struct channel *ch, uint64_t id,
		       struct progress *p, struct zcopy_completion *rec)
{
	struct zcopy_completion now;
	struct pollfd pfd = { .fd = ch->dev_fd, .events = POLLIN };
	bool bar = p->on && ch->have_nl;
	ssize_t n;
	int ret;

	for (;;) {
		ret = wait_fds(&pfd, 1, bar ? PROGRESS_INTERVAL_MS : -1);
		if (ret < 0 && errno != EINTR) {
			tool_error(errno, "waiting for job %" PRIu64 ": %s", id,
				   strerror(errno));
			return -errno;
		}
		cancel_on_signal(ch, id);
		if (ret > 0) {
			n = read(ch->dev_fd, rec, sizeof(*rec));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0) {
				ret = -errno;
				tool_error(-ret, "reading the completion of job %" PRIu64 ": %s",
					   id, strerror(-ret));
				return ret;
			}
			if (n != sizeof(*rec) || !job_dev_record_ok(rec) ||
			    rec->id != id) {
				tool_error(EPROTO, "reading the completion of job %" PRIu64 ": %s",
					   id, strerror(EPROTO));
				return -EPROTO;
			}
			return 0;
		}
		if (bar && !job_get(&ch->nl, id, &now))
			progress_draw(p, &now);
	}
}

/*
 * Netlink: GET until the job has ended. Each GET is a system call that
 * the module counts for the job, so the pauses grow quickly from 1 ms (a
 * short job is seen at once) to 100 ms (a long one costs ten a second).
 */
static int wait_netlink(struct channel *ch, uint64_t id,
			struct progress *p, struct zcopy_completion *rec)
{
	static const int pause_ms[] = { 1, 2, 5, 10, 20, 50, 100 };
	unsigned int polls = 0;
	double next_draw = 0;
	int err;

	for (;;) {
		err = job_get(&ch->nl, id, rec);
		if (err) {
			/* -ENOENT: gone from the history before we saw it */
			nl_ctx_perror(&ch->nl, err);
			return err;
		}
		if (job_state_final(rec->state))
			return 0;
		if (now_seconds() >= next_draw) {
			progress_draw(p, rec);
			next_draw = now_seconds() + PROGRESS_INTERVAL_MS / 1e3;
		}
		if (polls < ARRAY_SIZE(pause_ms) - 1)
			polls++;
		if (wait_fds(NULL, 0, pause_ms[polls]) < 0 && errno != EINTR) {
			tool_error(errno, "waiting for job %" PRIu64 ": %s", id,
				   strerror(errno));
			return -errno;
		}
		cancel_on_signal(ch, id);
	}
}

static int wait_job(struct channel *ch, uint64_t id, bool progress,
		    struct zcopy_completion *rec)
{
	struct progress p = { .on = progress && isatty(STDERR_FILENO) };
	sigset_t saved;
	int err;

	stop_signals_catch(&saved, &wait_mask);
	if (ch->dev_fd >= 0)
		err = wait_device(ch, id, &p, rec);
	else
		err = wait_netlink(ch, id, &p, rec);
	progress_clear(&p);
	signals_restore(&saved);
	return err;
}

/* --- the connection ------------------------------------------------------ */

static int resolve_target(const struct send_opts *o, struct addrinfo **ai)
{
	const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
		.ai_flags = AI_NUMERICSERV,
	};
	char port[8];
	int ret;

	snprintf(port, sizeof(port), "%u", o->port);
	ret = getaddrinfo(o->host, port, &hints, ai);
	if (ret) {
		tool_error(ENOENT, "cannot resolve %s: %s", o->host,
			   ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
		return -ENOENT;
	}
	return 0;
}

/* A connected socket, the addresses tried in order; or -1, printed. */
static int connect_to(const struct send_opts *o, const struct addrinfo *ai)
{
	int fd, err = EHOSTUNREACH;

	for (; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (!connect(fd, ai->ai_addr, ai->ai_addrlen))
			return fd;
		err = errno;
		close(fd);
	}
	tool_error(err, "cannot connect to %s: %s", o->target, strerror(err));
	return -1;
}

/* One job: connect, submit, wait (unless --no-wait). */
static int send_one(struct channel *ch, const struct send_opts *o, int mode,
		    int file_fd, const struct addrinfo *ai, uint64_t *id,
		    struct zcopy_completion *rec)
{
	int sock_fd, err;

	sock_fd = connect_to(o, ai);
	if (sock_fd < 0)
		return -1;
	err = submit(ch, o, mode, file_fd, sock_fd, id);
	/* The job holds the socket now; ours only keeps it open. */
	close(sock_fd);
	if (err || o->no_wait)
		return err;
	return wait_job(ch, *id, o->progress, rec);
}

/* --- output ------------------------------------------------------------- */

static double per_byte(uint64_t bytes, uint64_t sent)
{
	return sent ? (double)bytes / (double)sent : NAN;
}

/* JSON: the job's fields, the ratios and the textbook's row. */
static void out_mode_json(const struct zcopy_completion *rec)
{
	const struct textbook *t = &textbook[rec->mode];

	out_open_object(NULL);
	job_out_fields(rec);
	out_double("cpu_copies_per_byte",
		   per_byte(rec->cpu_copy_bytes, rec->bytes_sent), 3);
	out_double("dma_copies_per_byte",
		   per_byte(rec->dma_in_bytes + rec->dma_out_bytes,
			    rec->bytes_sent), 3);
	out_open_object("textbook");
	out_str("method", t->method);
	out_u64("cpu_copies", t->cpu_copies);
	out_u64("dma_copies", t->dma_copies);
	out_str("syscalls", t->syscalls);
	out_u64("context_switches", t->context_switches);
	out_close_object();
	out_close_object();
}

/*
 * Text: one line per mode, each measured column next to the book's; the
 * copies are per byte sent.
 */
static void out_mode_row(const struct zcopy_completion *rec)
{
	const struct textbook *t = &textbook[rec->mode];

	out_open_object(NULL);
	out_str("mode", job_mode_name(rec->mode));
	out_str("textbook", t->method);
	out_double("cpu_copies",
		   per_byte(rec->cpu_copy_bytes, rec->bytes_sent), 2);
	out_u64("(book)", t->cpu_copies);
	out_double("dma_copies",
		   per_byte(rec->dma_in_bytes + rec->dma_out_bytes,
			    rec->bytes_sent), 2);
	out_u64("(book)", t->dma_copies);
	out_u64("syscalls", rec->syscalls);
	out_str("(book)", t->syscalls);
	out_u64("ctx_switches", rec->context_switches);
	out_u64("(book)", t->context_switches);
	out_bytes("bytes_sent", rec->bytes_sent);
	out_bytes("ref_bytes", rec->ref_bytes);
	out_bytes("dma_out", rec->dma_out_bytes);
	out_ns("cpu_time", rec->cpu_ns);
	out_close_object();
}

static void out_modes_table(const struct zcopy_completion *recs, size_t nr)
{
	size_t i;

	out_open_table("modes", NULL);
	for (i = 0; i < nr; i++) {
		if (out_is_json())
			out_mode_json(&recs[i]);
		else
			out_mode_row(&recs[i]);
	}
	out_close_table();
}

/* What the command prints: the job, or with --all-modes one per mode. */
static void out_results(const struct zcopy_completion *recs, size_t nr,
			bool all_modes)
{
	out_open_object(NULL);
	if (all_modes)
		out_modes_table(recs, nr);
	else
		job_out_fields(&recs[0]);
	out_close_object();
}

/*
 * With -j, a transfer that failed is an error object; the records go in
 * it, beside "error" ("job", or "modes" with --all-modes). They must
 * outlive send_run(): main() prints the error object.
 */
static struct {
	struct zcopy_completion recs[NR_MODES];
	size_t nr;
	bool all_modes;
} failed;

static void out_failed_records(void *arg)
{
	(void)arg;
	if (failed.all_modes) {
		out_modes_table(failed.recs, failed.nr);
	} else {
		out_open_object("job");
		job_out_fields(&failed.recs[0]);
		out_close_object();
	}
}

static int flush(void)
{
	int err = out_flush();

	if (err)
		tool_error(-err, "writing output: %s", strerror(-err));
	return err;
}

/* A job that did not end done: why, and exit status 1. */
static bool report_failure(const struct zcopy_completion *rec, bool all)
{
	int err = rec->error ? -rec->error : ECANCELED;
	char why[64];

	if (rec->state == ZCOPY_STATE_DONE)
		return false;
	if (rec->error)
		snprintf(why, sizeof(why), "%s", strerror(-rec->error));
	else
		snprintf(why, sizeof(why), "job %s",
			 job_state_name(rec->state) ?: "ended");
	if (all)
		tool_error(err, "transfer failed: %s (mode %s)", why,
			   job_mode_name(rec->mode) ?: "?");
	else
		tool_error(err, "transfer failed: %s", why);
	return true;
}

/* --- the command -------------------------------------------------------- */

static int send_option(const struct cmd *cmd, int opt, void *arg)
{
	struct send_opts *o = arg;
	const char *name;
	int err;

	switch (opt) {
	case 'm':
		o->mode = job_mode_parse(optarg);
		if (o->mode < 0)
			return cmd_usage_error(cmd,
				"unknown mode '%s' (copy, mmap, sendfile or sg)",
				optarg);
		o->have_mode = true;
		break;
	case 'o':
	case 'l':
		name = opt == 'o' ? "offset" : "length";
		err = parse_size(optarg, opt == 'o' ? &o->offset : &o->length);
		if (err == -ERANGE)
			return cmd_usage_error(cmd,
				"%s '%s' is too large (more than 64 bits)",
				name, optarg);
		if (err)
			return cmd_usage_error(cmd,
				"invalid %s '%s' (a number of bytes, with k, M or G for KiB, MiB or GiB)",
				name, optarg);
		break;
	case OPT_NO_WAIT:
		o->no_wait = true;
		break;
	case OPT_PROGRESS:
		o->progress = true;
		break;
	case OPT_ALL_MODES:
		o->all_modes = true;
		break;
	}
	return CMD_CONTINUE;
}

static int parse_args(const struct cmd *cmd, int argc, char **argv,
		      struct send_opts *o)
{
	int status;

	o->mode = ZCOPY_MODE_SG;
	status = cmd_parse_options(cmd, argc, argv, send_option, o);
	if (status != CMD_CONTINUE)
		return status;

	if (o->all_modes && o->have_mode)
		return cmd_usage_error(cmd, "--all-modes and -m exclude each other");
	if (o->all_modes && o->no_wait)
		return cmd_usage_error(cmd, "--all-modes and --no-wait exclude each other");
	if (o->progress && o->no_wait)
		return cmd_usage_error(cmd, "--progress needs to wait: not with --no-wait");
	if (o->all_modes)
		o->mode = -1;
	if (o->offset > UINT64_MAX - o->length)
		return cmd_usage_error(cmd, "offset + length is beyond 2^64");

	if (argc - optind < 2)
		return cmd_usage_error(cmd, "missing %s",
				       optind == argc ? "FILE and HOST:PORT" :
				       "HOST:PORT");
	if (argc - optind > 2)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 2]);
	o->file = argv[optind];
	o->target = argv[optind + 1];
	if (parse_host_port(o->target, o->target_buf, sizeof(o->target_buf),
			    &o->host, &o->port))
		return cmd_usage_error(cmd,
			"invalid receiver '%s' (HOST:PORT or [IPv6]:PORT, port 1-65535)",
			o->target);
	return CMD_CONTINUE;
}

static void beyond_end(const struct send_opts *o, uint64_t size)
{
	tool_error(EINVAL,
		   "cannot send %s: offset %" PRIu64 " is beyond its end (%" PRIu64 " bytes)",
		   o->file, o->offset, size);
}

/* The file, open for reading, and whether the range makes sense. */
static int open_file(const struct send_opts *o)
{
	struct stat st;
	int fd;

	fd = open(o->file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		tool_error(errno, "cannot open %s: %s", o->file, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0)
		tool_error(errno, "cannot stat %s: %s", o->file, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		tool_error(EINVAL, "cannot send %s: not a regular file", o->file);
	else if (o->offset > (uint64_t)st.st_size)
		beyond_end(o, (uint64_t)st.st_size);
	else
		return fd;
	close(fd);
	return -1;
}

static int send_run(const struct cmd *cmd, int argc, char **argv)
{
	struct zcopy_completion recs[NR_MODES];
	struct send_opts o = { 0 };
	struct channel ch = { .dev_fd = -1 };
	struct addrinfo *ai = NULL;
	int status, file_fd, mode, err = 0;
	size_t nr = 0;
	uint64_t id;

	status = parse_args(cmd, argc, argv, &o);
	if (status != CMD_CONTINUE)
		return status;

	file_fd = open_file(&o);
	if (file_fd < 0)
		return EXIT_FAIL;
	status = EXIT_FAIL;
	if (resolve_target(&o, &ai))
		goto out_file;
	if (channel_open(&ch, !o.no_wait,
			 o.no_wait || (o.progress && isatty(STDERR_FILENO))))
		goto out;

	if (o.no_wait) {
		if (send_one(&ch, &o, o.mode, file_fd, ai, &id, NULL))
			goto out;
		out_open_object(NULL);
		out_u64("id", id);
		out_close_object();
		status = flush() ? EXIT_FAIL : EXIT_OK;
		goto out;
	}

	for (mode = o.mode < 0 ? 0 : o.mode; nr < NR_MODES; mode++) {
		err = send_one(&ch, &o, mode, file_fd, ai, &id, &recs[nr]);
		if (err)
			break;
		/* The next mode only after a clean transfer. */
		if (recs[nr++].state != ZCOPY_STATE_DONE || o.mode >= 0)
			break;
	}
	if (!nr)
		goto out;	/* nothing to show, the reason is printed */

	if (out_is_json() && (err || recs[nr - 1].state != ZCOPY_STATE_DONE)) {
		memcpy(failed.recs, recs, nr * sizeof(recs[0]));
		failed.nr = nr;
		failed.all_modes = o.mode < 0;
		error_set_detail(out_failed_records, NULL);
		if (!err)
			report_failure(&recs[nr - 1], o.mode < 0);
		goto out;
	}
	out_results(recs, nr, o.mode < 0);
	if (!flush() && !err && !report_failure(&recs[nr - 1], o.mode < 0))
		status = EXIT_OK;
out:
	channel_close(&ch);
	freeaddrinfo(ai);
out_file:
	close(file_fd);
	return status;
}

static const struct option send_options[] = {
	{ "mode",	required_argument,	NULL, 'm' },
	{ "offset",	required_argument,	NULL, 'o' },
	{ "length",	required_argument,	NULL, 'l' },
	{ "no-wait",	no_argument,		NULL, OPT_NO_WAIT },
	{ "progress",	no_argument,		NULL, OPT_PROGRESS },
	{ "all-modes",	no_argument,		NULL, OPT_ALL_MODES },
	{ }
};

const struct cmd cmd_send = {
	.name		= "send",
	.run		= send_run,
	.summary	= "Send a file (or a range of it) to a TCP receiver through the module.",
	.synopsis	=
		"[-m MODE] [-o OFFSET] [-l LENGTH] [--no-wait] [--progress] [--all-modes] [-j] FILE HOST:PORT",
	.options_help	=
		"  -m, --mode MODE      copy, mmap, sendfile or sg (default sg)\n"
		"  -o, --offset SIZE    start at this byte of the file (default 0)\n"
		"  -l, --length SIZE    send this many bytes (default: to the end)\n"
		"      --no-wait        print the job's id and return at once\n"
		"      --progress       progress bar on a terminal (stderr)\n"
		"      --all-modes      send once per mode, compare with the textbook\n"
		"  -j, --json           print one JSON document\n",
	.notes		=
		"SIZE is a number of bytes, with k, M or G for KiB, MiB or GiB.\n"
		"HOST:PORT takes a name or an address; IPv6 as [ADDR]:PORT.\n",
	.optstring	= "m:o:l:jh",
	.longopts	= send_options,
};
