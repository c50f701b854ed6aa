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
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/zcopy.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define NOBODY		65534
#define PAGE		4096UL
#define NL_BUF_SIZE	(PATH_MAX + 8192)
#define NL_RECV_SIZE	65536
#define NL_TIMEOUT_S	15	/* a reply slower than this: not answering */
#define ERRNO_SLOTS	140	/* errno values counted by name, then "other" */
#define MAX_FAIL_LOGS	20	/* failure lines printed per worker */
#define MAX_IDS		512	/* job ids a worker remembers */
#define MAX_TCP		8	/* connected sockets a worker keeps */
#define WORKER_GRACE_S	30	/* past the time limit, then SIGKILL */
#define STUCK_S		30	/* one input this long: the module hangs */

/* What one input does. */
enum fuzz_op {
	OP_NL_SUBMIT_FDS,
	OP_NL_SUBMIT_PATH,
	OP_NL_GET,
	OP_NL_DUMP,
	OP_NL_DUMP_UNREAD,
	OP_NL_CANCEL,
	OP_NL_STATS,
	OP_NL_OBSERVE_START,
	OP_NL_OBSERVE_READ,
	OP_NL_OBSERVE_STOP,
	OP_NL_UNKNOWN,
	OP_NL_EVENTS,
	OP_IOC_SUBMIT,
	OP_IOC_BATCH,
	OP_IOC_VERSION,
	OP_IOC_CANCEL,
	OP_IOC_RANDOM,
	OP_DEV_READ,
	OP_DEV_POLL,
	OP_DEV_REOPEN,
	OP_FD_CHURN,

	OP_MAX,
};

static const struct {
	const char *name;
	unsigned int weight;
} op_table[OP_MAX] = {
	[OP_NL_SUBMIT_FDS] = { "nl-submit-fds", 18 },
	[OP_NL_SUBMIT_PATH] = { "nl-submit-path", 5 },
	[OP_NL_GET] = { "nl-get", 7 },
	[OP_NL_DUMP] = { "nl-dump", 3 },
	[OP_NL_DUMP_UNREAD] = { "nl-dump-unread", 2 },
	[OP_NL_CANCEL] = { "nl-cancel", 5 },
	[OP_NL_STATS] = { "nl-stats", 3 },
	[OP_NL_OBSERVE_START] = { "nl-observe-start", 5 },
	[OP_NL_OBSERVE_READ] = { "nl-observe-read", 3 },
	[OP_NL_OBSERVE_STOP] = { "nl-observe-stop", 3 },
	[OP_NL_UNKNOWN] = { "nl-unknown-cmd", 2 },
	[OP_NL_EVENTS] = { "nl-events", 2 },
	[OP_IOC_SUBMIT] = { "ioc-submit", 16 },
	[OP_IOC_BATCH] = { "ioc-batch", 6 },
	[OP_IOC_VERSION] = { "ioc-version", 2 },
	[OP_IOC_CANCEL] = { "ioc-cancel", 4 },
	[OP_IOC_RANDOM] = { "ioc-random", 2 },
	[OP_DEV_READ] = { "dev-read", 6 },
	[OP_DEV_POLL] = { "dev-poll", 2 },
	[OP_DEV_REOPEN] = { "dev-reopen", 1 },
	[OP_FD_CHURN] = { "fd-churn", 3 },
};

/* Counters of one worker, in memory shared with the parent. */
struct worker_stats {
	uint64_t inputs;
	uint64_t ops[OP_MAX];
	uint64_t nl_errno[ERRNO_SLOTS + 1];
	uint64_t ioc_errno[ERRNO_SLOTS + 1];
	uint64_t jobs_created;
	uint64_t read_states[ZCOPY_STATE_MAX + 1];
	uint64_t get_states[ZCOPY_STATE_MAX + 1];
	uint64_t event_states[ZCOPY_STATE_MAX + 1];
	uint64_t records_read;
	uint64_t failures;
	uint64_t stray_msgs;
	int current_op;
	int unpriv;
	int finished;
	char first_failure[256];
};

struct fuzz_opts {
	long inputs;
	int procs;
	uint64_t seed;
	double unpriv;
	int time_limit;
	bool chmod_dev;
	bool verbose;
};

static struct fuzz_opts opts = {
	.inputs = 20000,
	.procs = 4,
	.seed = 1,
	.unpriv = 0.5,
	.time_limit = 150,
	.chmod_dev = true,
};

/* Set up by the parent before the workers fork. */
static char work_dir[64];
static uint16_t sink_port;		/* 0.0.0.0 and :: listener that reads */
static uint16_t closed_port;		/* nothing listens there */
static struct worker_stats *all_stats;

static struct in_addr local_v4[4];
static unsigned int nr_local_v4;

/* ---- The random stream: splitmix64, one per worker. ---- */

static uint64_t rng_state;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

/* True with probability pct percent. */
static bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static const uint64_t edge_u64[] = {
	0, 1, 2, PAGE - 1, PAGE, PAGE + 1, 65535, 65536, 1ULL << 20,
	(1ULL << 20) + 1, 1ULL << 31, (1ULL << 31) - 1, 1ULL << 32,
	(1ULL << 32) + 1, 1ULL << 63, (1ULL << 63) - 1, ~0ULL, ~0ULL - 1,
	~0ULL - PAGE + 1, 0x7fffffffffffffffULL - PAGE,
};

static uint64_t edge_value(void)
{
	if (chance(20))
		return rnd64();
	return edge_u64[rnd(ARRAY_SIZE(edge_u64))];
}

static const int32_t edge_s32[] = {
	-1, 0, 1, 2, INT32_MAX, INT32_MIN, 1 << 30, 65535, 1024, -2,
};

/* ---- Reporting. ---- */

static int worker_index = -1;
static struct worker_stats *ws;

static void out_line(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line: the workers share stdout. */
	if (write(STDOUT_FILENO, line, n) < 0)
		return;
}

/* Something the ABI does not allow: remembered and printed. */
static void fail(const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ws->failures)
		snprintf(ws->first_failure, sizeof(ws->first_failure),
			 "worker %d input %" PRIu64 ": %s", worker_index,
			 ws->inputs, msg);
	if (ws->failures++ < MAX_FAIL_LOGS || opts.verbose)
		out_line("# FAIL worker %d input %" PRIu64 ": %s",
			 worker_index, ws->inputs, msg);
}

static void count_errno(uint64_t *hist, int err)
{
	hist[err >= 0 && err < ERRNO_SLOTS ? err : ERRNO_SLOTS]++;
}

static const char *errno_label(int err, char *buf, size_t len)
{
	const char *name = err ? strerrorname_np(err) : "OK";

	if (name)
		return name;
	snprintf(buf, len, "E%d", err);
	return buf;
}

/* Allowed errnos of one kind of request, as a 64-bit set per range. */
struct errset {
	const int *v;
	unsigned int n;
};

#define ERRSET(...) ((struct errset){ (const int[]){ __VA_ARGS__ },	\
	sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int) })

static bool errset_has(struct errset s, int err)
{
	unsigned int i;

	for (i = 0; i < s.n; i++)
		if (s.v[i] == err)
			return true;
	return false;
}

static struct errset errlist(const int *v, unsigned int n)
{
	return (struct errset){ v, n };
}

/* Resolving an fd (netlink SUBMIT, OBSERVE_START): any of these. */
static const int fd_errs[] = {
	EINVAL, ERANGE, EBADF, ENOTSOCK, EPROTONOSUPPORT, ENOTCONN, EOVERFLOW,
	EOPNOTSUPP, EAGAIN, ENOMEM, EMSGSIZE,
};

/* And a path and an address: opening, resolving, connecting. */
static const int path_errs[] = {
	EINVAL, ERANGE, EBADF, EPROTONOSUPPORT, ENOTCONN, EOVERFLOW,
	EOPNOTSUPP, EAGAIN, ENOMEM, EMSGSIZE, EPERM, ENOENT, ENOTDIR, EISDIR,
	ENAMETOOLONG, EACCES, ELOOP, ENXIO, ENODEV, ECONNREFUSED, ENETUNREACH,
	EHOSTUNREACH, ETIMEDOUT, EADDRNOTAVAIL, EAFNOSUPPORT, ECONNRESET,
	EINPROGRESS, EFBIG, EROFS, ETXTBSY,
};

/* ioctl SUBMIT and SUBMIT_BATCH. */
static const int submit_errs[] = {
	EINVAL, E2BIG, EFAULT, EBADF, ENOTSOCK, EPROTONOSUPPORT, ENOTCONN,
	EOVERFLOW, EOPNOTSUPP, EAGAIN, ENOMEM, EINTR,
};

/* ---- Small helpers. ---- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void noop_handler(int sig)
{
	(void)sig;
}

/* Interrupts a system call that blocks longer than sec (0 disarms). */
static void watchdog_arm(int sec)
{
	struct itimerval it = { .it_value = { .tv_sec = sec } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* ---- Raw generic netlink. ---- */

struct nl_sock {
	int fd;
	uint32_t portid;
	uint32_t seq;
};

static uint16_t family_id;
static uint32_t events_group;

struct nl_msg {
	union {
		struct nlmsghdr nlh;
		char buf[NL_BUF_SIZE];
	};
	size_t len;
	size_t nest;	/* offset of the open nest, 0 if none */
};

static void msg_init(struct nl_msg *m, uint16_t type, uint16_t flags,
		     uint8_t cmd, uint8_t version)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nest = 0;
}

/* Appends an attribute; nla_len says len, whatever fits. */
static void msg_put(struct nl_msg *m, uint16_t type, const void *data,
		    size_t len)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > sizeof(m->buf))
		return;
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0,
	       total - NLA_HDRLEN - len);
	m->len += total;
}

static void msg_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

static int nl_open(struct nl_sock *s)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int one = 1;

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &len)) {
		close_fd(&s->fd);
		return -errno;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = sa.nl_pid;
	s->seq = 1;
	return 0;
}

static int nl_send(struct nl_sock *s, struct nl_msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	m->nlh.nlmsg_len = m->len;
	m->nlh.nlmsg_seq = ++s->seq;
	m->nlh.nlmsg_pid = 0;
	n = sendto(s->fd, m->buf, m->len, 0, (struct sockaddr *)&sa,
		   sizeof(sa));
	if (n < 0)
		return -errno;
	if ((size_t)n != m->len) {
		fail("netlink sendto returned %zd of %zu", n, m->len);
		return -EIO;
	}
	return 0;
}

/* Attributes of one level, checked to stay inside their container. */
struct attrs {
	const struct nlattr *tb[64];
	bool malformed;
};

static void parse_attrs(struct attrs *a, const void *data, size_t len,
			unsigned int max)
{
	const char *p = data;

	memset(a, 0, sizeof(*a));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const void *)p;
		unsigned int type = nla->nla_type & NLA_TYPE_MASK;

		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len) {
			a->malformed = true;
			return;
		}
		if (type <= max && type < ARRAY_SIZE(a->tb))
			a->tb[type] = nla;
		if ((size_t)NLA_ALIGN(nla->nla_len) >= len)
			return;
		len -= NLA_ALIGN(nla->nla_len);
		p += NLA_ALIGN(nla->nla_len);
	}
	if (len)
		a->malformed = true;
}

static const void *nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static unsigned int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static uint64_t nla_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static uint32_t nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static bool nla_is_string(const struct nlattr *nla, unsigned int max)
{
	unsigned int len = nla_len(nla);

	return len && len <= max &&
	       memchr(nla_data(nla), 0, len) == (const char *)nla_data(nla) +
						  len - 1;
}

/* Called for each data message of a reply; false: malformed. */
typedef bool (*nl_reply_cb)(const struct nlmsghdr *nlh, void *arg);

enum { NL_OK, NL_TIMEOUT, NL_MALFORMED };

/*
 * Reads the answer to request seq: data messages to cb, then the ack
 * (doit) or NLMSG_DONE (dump). *err gets the request's errno (0 or a
 * positive errno).
 */
static int nl_recv(struct nl_sock *s, bool dump, nl_reply_cb cb, void *arg,
		   int *err)
{
	static uint32_t buf32[NL_RECV_SIZE / 4];
	char *buf = (char *)buf32;
	const struct nlmsghdr *nlh;
	int tries = 0;
	ssize_t n;

	for (;;) {
		n = recv(s->fd, buf, sizeof(buf32), 0);
		if (n < 0 && errno == EINTR && ++tries < 4)
			continue;
		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n < 0) {
			fail("netlink recv: %s (module not answering?)",
			     strerror(errno));
			return NL_TIMEOUT;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != s->seq) {
				ws->stray_msgs++;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->error > 0) {
					fail("malformed netlink ack");
					return NL_MALFORMED;
				}
				*err = -e->error;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
					struct attrs a;
					size_t off = NLMSG_LENGTH(sizeof(*e));

					parse_attrs(&a, (const char *)nlh + off,
						    nlh->nlmsg_len - off,
						    NLMSGERR_ATTR_MAX);
					if (a.malformed ||
					    (a.tb[NLMSGERR_ATTR_MSG] &&
					     !nla_is_string(a.tb[NLMSGERR_ATTR_MSG],
							    256))) {
						fail("malformed extack");
						return NL_MALFORMED;
					}
				}
				return NL_OK;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (!dump) {
					fail("NLMSG_DONE answering a doit");
					return NL_MALFORMED;
				}
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
				if (e > 0) {
					fail("NLMSG_DONE with error %d", e);
					return NL_MALFORMED;
				}
				*err = -e;
				return NL_OK;
			}
			if (nlh->nlmsg_type != family_id ||
			    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
			    !!(nlh->nlmsg_flags & NLM_F_MULTI) != dump) {
				fail("unexpected netlink message type %u flags %#x",
				     nlh->nlmsg_type, nlh->nlmsg_flags);
				return NL_MALFORMED;
			}
			if (cb && !cb(nlh, arg))
				return NL_MALFORMED;
		}
		if (n) {
			fail("netlink datagram with %zd trailing bytes", n);
			return NL_MALFORMED;
		}
	}
}

static bool ctrl_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct attrs a, grp, grps;
	unsigned int i;

	(void)arg;
	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), CTRL_ATTR_MAX);
	if (a.malformed || !a.tb[CTRL_ATTR_FAMILY_ID])
		return false;
	family_id = *(const uint16_t *)nla_data(a.tb[CTRL_ATTR_FAMILY_ID]);
	if (!a.tb[CTRL_ATTR_MCAST_GROUPS])
		return true;
	parse_attrs(&grps, nla_data(a.tb[CTRL_ATTR_MCAST_GROUPS]),
		    nla_len(a.tb[CTRL_ATTR_MCAST_GROUPS]), 63);
	for (i = 0; i < 64; i++) {
		if (!grps.tb[i])
			continue;
		parse_attrs(&grp, nla_data(grps.tb[i]), nla_len(grps.tb[i]),
			    CTRL_ATTR_MCAST_GRP_MAX);
		if (grp.tb[CTRL_ATTR_MCAST_GRP_NAME] &&
		    grp.tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(nla_data(grp.tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    ZCOPY_GENL_MCGRP_EVENTS))
			events_group = nla_u32(grp.tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return true;
}

/* CTRL_CMD_GETFAMILY: the family id and the events group. */
static int resolve_family(struct nl_sock *s)
{
	static struct nl_msg m;
	int err = 0;

	msg_init(&m, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, ZCOPY_GENL_NAME,
		sizeof(ZCOPY_GENL_NAME));
	if (nl_send(s, &m))
		return -EIO;
	family_id = GENL_ID_CTRL;	/* what the reply's type will be */
	if (nl_recv(s, false, ctrl_reply, NULL, &err) != NL_OK)
		return -EIO;
	if (err)
		return -err;
	return family_id != GENL_ID_CTRL && events_group ? 0 : -ENOENT;
}

/* ---- Checks of what the module says about a job. ---- */

static const uint8_t job_u64_attrs[] = {
	ZCOPY_A_ID, ZCOPY_A_OFFSET, ZCOPY_A_LENGTH, ZCOPY_A_USER_DATA,
	ZCOPY_A_BYTES_SENT, ZCOPY_A_CPU_COPY_BYTES, ZCOPY_A_REF_BYTES,
	ZCOPY_A_DMA_IN_BYTES, ZCOPY_A_DMA_OUT_BYTES, ZCOPY_A_CACHE_HIT_PAGES,
	ZCOPY_A_CACHE_MISS_PAGES, ZCOPY_A_SKBS, ZCOPY_A_FRAGS,
	ZCOPY_A_SYSCALLS, ZCOPY_A_CONTEXT_SWITCHES, ZCOPY_A_QUEUED_NS,
	ZCOPY_A_START_NS, ZCOPY_A_END_NS, ZCOPY_A_CPU_NS,
};

/* The invariants every job record keeps, from read() or netlink. */
static void check_record(const char *where, uint64_t id, uint32_t mode,
			 uint32_t state, int32_t error, uint64_t length,
			 uint64_t sent, uint64_t queued_ns, uint64_t start_ns,
			 uint64_t end_ns)
{
	bool ended = state >= ZCOPY_STATE_DONE;

	if (!id || mode > ZCOPY_MODE_MAX || state > ZCOPY_STATE_MAX) {
		fail("%s: job %" PRIu64 " mode %u state %u", where, id, mode,
		     state);
		return;
	}
	if ((state == ZCOPY_STATE_DONE && (error || sent != length)) ||
	    (state == ZCOPY_STATE_CANCELLED && error != -ECANCELED) ||
	    (state == ZCOPY_STATE_FAILED && (error >= 0 ||
					     error == -ECANCELED)) ||
	    (!ended && error) || error > 0 || error < -4095)
		fail("%s: job %" PRIu64 " state %u error %d sent %" PRIu64
		     " of %" PRIu64, where, id, state, error, sent, length);
	if (sent > length)
		fail("%s: job %" PRIu64 " sent %" PRIu64 " > length %" PRIu64,
		     where, id, sent, length);
	if (ended && (!queued_ns || start_ns < queued_ns || end_ns < start_ns))
		fail("%s: job %" PRIu64 " times %" PRIu64 " %" PRIu64
		     " %" PRIu64, where, id, queued_ns, start_ns, end_ns);
}

struct job_reply {
	uint64_t want_id;	/* 0: any */
	unsigned int count;
	uint64_t *states;	/* histogram to count into */
};

static bool job_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct job_reply *r = arg;
	const struct nlattr *const *tb;
	struct attrs a;
	unsigned int i;
	uint32_t state;

	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), ZCOPY_A_MAX);
	tb = a.tb;
	if (a.malformed) {
		fail("job message: attributes overrun");
		return false;
	}
	for (i = 0; i < ARRAY_SIZE(job_u64_attrs); i++) {
		if (!tb[job_u64_attrs[i]] ||
		    nla_len(tb[job_u64_attrs[i]]) != 8) {
			fail("job message (cmd %u): attribute %u missing or not u64",
			     g->cmd, job_u64_attrs[i]);
			return false;
		}
	}
	if (!tb[ZCOPY_A_MODE] || nla_len(tb[ZCOPY_A_MODE]) != 4 ||
	    !tb[ZCOPY_A_STATE] || nla_len(tb[ZCOPY_A_STATE]) != 4 ||
	    !tb[ZCOPY_A_ERROR] || nla_len(tb[ZCOPY_A_ERROR]) != 4 ||
	    !tb[ZCOPY_A_VERIFIED] || nla_len(tb[ZCOPY_A_VERIFIED]) != 1 ||
	    !tb[ZCOPY_A_EGRESS_DEV] || !nla_is_string(tb[ZCOPY_A_EGRESS_DEV], 16)) {
		fail("job message (cmd %u): mode/state/error/verified/egress_dev malformed",
		     g->cmd);
		return false;
	}
	if (*(const uint8_t *)nla_data(tb[ZCOPY_A_VERIFIED]) > 1)
		fail("job message: verified %u",
		     *(const uint8_t *)nla_data(tb[ZCOPY_A_VERIFIED]));
	state = nla_u32(tb[ZCOPY_A_STATE]);
	check_record(g->cmd == ZCOPY_CMD_EVENT_DONE ? "event" : "GET",
		     nla_u64(tb[ZCOPY_A_ID]), nla_u32(tb[ZCOPY_A_MODE]), state,
		     (int32_t)nla_u32(tb[ZCOPY_A_ERROR]),
		     nla_u64(tb[ZCOPY_A_LENGTH]),
		     nla_u64(tb[ZCOPY_A_BYTES_SENT]),
		     nla_u64(tb[ZCOPY_A_QUEUED_NS]),
		     nla_u64(tb[ZCOPY_A_START_NS]), nla_u64(tb[ZCOPY_A_END_NS]));
	if (r->want_id && nla_u64(tb[ZCOPY_A_ID]) != r->want_id)
		fail("GET %" PRIu64 " answered job %" PRIu64, r->want_id,
		     nla_u64(tb[ZCOPY_A_ID]));
	if (g->cmd == ZCOPY_CMD_EVENT_DONE && state < ZCOPY_STATE_DONE)
		fail("event of a job in state %u", state);
	if (state <= ZCOPY_STATE_MAX && r->states)
		r->states[state]++;
	r->count++;
	return true;
}

/* ---- Job ids a worker has seen, for GET and CANCEL. ---- */

static uint64_t known_ids[MAX_IDS];
static unsigned int nr_known_ids;
static uint64_t last_id;

static void remember_id(uint64_t id, const char *where)
{
	if (!id || (last_id && id <= last_id))
		fail("%s: job id %" PRIu64 " after %" PRIu64, where, id,
		     last_id);
	last_id = id;
	known_ids[nr_known_ids++ % MAX_IDS] = id;
	ws->jobs_created++;
}

static uint64_t pick_id(void)
{
	unsigned int n = nr_known_ids < MAX_IDS ? nr_known_ids : MAX_IDS;

	if (n && chance(75))
		return known_ids[rnd(n)];
	if (chance(50))
		return last_id + rnd(3);
	return edge_value();
}

/* ---- Resources: fds of every kind. ---- */

enum res_kind {
	RES_FILE,		/* small regular files in work_dir */
	RES_DATA,		/* files of $ZCOPY_DATA */
	RES_MEMFD,
	RES_WRONLY,
	RES_OPATH,
	RES_DIR,
	RES_PIPE,
	RES_FIFO,
	RES_UDP,
	RES_TCP_LISTEN,
	RES_TCP_UNCONN,
	RES_TCP_CONNECTING,
	RES_TCP_SINK,		/* connected to the reading listener */
	RES_TCP6_SINK,
	RES_TCP_NOREAD,		/* connected to a listener that never reads */
	RES_UNIX,
	RES_NETLINK,
	RES_DEV,
	RES_CLOSED,
	RES_BAD,

	RES_MAX,
};

struct file_info {
	char path[PATH_MAX];
	uint64_t size;
	bool page_ok;		/* the file system has read_folio */
};

static struct file_info files[32];
static unsigned int nr_files, nr_tmp_files;

struct res {
	int fd;
	unsigned int file;	/* RES_FILE/RES_DATA: index in files */
};

static struct res res_one[RES_MAX];
static struct res tcp_sink[MAX_TCP];
static int noread_listener = -1, backlog_listener = -1;
static int noread_accepted[MAX_TCP];
static int dev_fd = -1;
static int closed_fd_number = 1000;

/* ids submitted through the current dev_fd, for the records read back. */
static uint64_t dev_ids[1024];
static unsigned int nr_dev_ids;
static bool dev_ids_overflow;

static int tcp_connect(int family, const char *addr, uint16_t port,
		       bool nonblock)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC |
		    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (void *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (void *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

static int tcp_listener(int family, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
	int one = 1, fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -1;
	}
	if (port)
		*port = ntohs(family == AF_INET ?
			      ((struct sockaddr_in *)&ss)->sin_port :
			      ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static uint16_t listener_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

/* A socket connected to this worker's listener that never reads. */
static int open_noread(void)
{
	int fd, peer;
	unsigned int slot = rnd(MAX_TCP);

	if (noread_listener < 0)
		noread_listener = tcp_listener(AF_INET, 64, NULL);
	if (noread_listener < 0)
		return -1;
	fd = tcp_connect(AF_INET, "127.0.0.1", listener_port(noread_listener),
			 false);
	if (fd < 0)
		return -1;
	/* Accepted and kept, or left in the accept queue. */
	if (chance(50)) {
		peer = accept4(noread_listener, NULL, NULL,
			       SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (peer >= 0) {
			close_fd(&noread_accepted[slot]);
			noread_accepted[slot] = peer;
		}
	}
	return fd;
}

/* Stays in SYN_SENT: the listener's accept queue is full. */
static int open_connecting(void)
{
	if (backlog_listener < 0) {
		backlog_listener = tcp_listener(AF_INET, 0, NULL);
		if (backlog_listener < 0)
			return -1;
		/* Fill the queue once; later SYNs are dropped. */
		for (int i = 0; i < 2; i++)
			tcp_connect(AF_INET, "127.0.0.1",
				    listener_port(backlog_listener), true);
	}
	return tcp_connect(AF_INET, "127.0.0.1",
			   listener_port(backlog_listener), true);
}

static const char *sink_addr(void)
{
	static char buf[INET_ADDRSTRLEN];
	unsigned int i = rnd(nr_local_v4 + 2);

	if (i >= nr_local_v4)
		return "127.0.0.1";
	return inet_ntop(AF_INET, &local_v4[i], buf, sizeof(buf));
}

static int open_dev(int flags)
{
	return open("/dev/zcopy", flags | O_CLOEXEC);
}

static int res_open(enum res_kind kind, unsigned int *file)
{
	int fds[2], fd = -1;
	unsigned int f;

	switch (kind) {
	case RES_FILE:
	case RES_DATA:
		if (kind == RES_DATA && nr_files > nr_tmp_files)
			f = nr_tmp_files + rnd(nr_files - nr_tmp_files);
		else
			f = rnd(nr_tmp_files);
		*file = f;
		return open(files[f].path, O_RDONLY | O_CLOEXEC);
	case RES_MEMFD:
		fd = memfd_create("zcopy-fuzz", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, rnd(3) * PAGE + rnd(2)))
			close_fd(&fd);
		return fd;
	case RES_WRONLY:
		return open(files[0].path, O_WRONLY | O_CLOEXEC);
	case RES_OPATH:
		return open(files[1].path, O_PATH | O_CLOEXEC);
	case RES_DIR:
		return open(work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case RES_PIPE:
		if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
			return -1;
		close(fds[1]);
		return fds[0];
	case RES_FIFO: {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/fifo", work_dir);
		return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	}
	case RES_UDP:
		fd = socket(chance(50) ? AF_INET : AF_INET6,
			    SOCK_DGRAM | SOCK_CLOEXEC, 0);
		return fd;
	case RES_TCP_LISTEN:
		return tcp_listener(chance(50) ? AF_INET : AF_INET6, 4, NULL);
	case RES_TCP_UNCONN:
		return socket(chance(50) ? AF_INET : AF_INET6,
			      SOCK_STREAM | SOCK_CLOEXEC, 0);
	case RES_TCP_CONNECTING:
		return open_connecting();
	case RES_TCP_SINK:
		return tcp_connect(AF_INET, sink_addr(), sink_port, false);
	case RES_TCP6_SINK:
		return tcp_connect(AF_INET6, "::1", sink_port, false);
	case RES_TCP_NOREAD:
		return open_noread();
	case RES_UNIX:
		return socket(AF_UNIX, (chance(50) ? SOCK_STREAM : SOCK_DGRAM) |
			      SOCK_CLOEXEC, 0);
	case RES_NETLINK:
		return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			      NETLINK_GENERIC);
	default:
		return -1;
	}
}

/* An fd of the kind; *kind_out and *file say what it is. */
static int pick_fd(enum res_kind kind, unsigned int *file)
{
	struct res *r;

	*file = 0;
	switch (kind) {
	case RES_DEV:
		return dev_fd;
	case RES_CLOSED:
		return closed_fd_number;
	case RES_BAD:
		return edge_s32[rnd(ARRAY_SIZE(edge_s32))];
	case RES_TCP_SINK:
	case RES_TCP6_SINK:
	case RES_TCP_NOREAD:
		/* Several, so that jobs do not all queue on one socket. */
		r = &tcp_sink[rnd(MAX_TCP)];
		if (r->fd >= 0 && chance(80))
			return r->fd;
		close_fd(&r->fd);
		r->fd = res_open(kind, NULL);
		return r->fd;
	default:
		r = &res_one[kind];
		if (r->fd < 0 || (kind <= RES_DATA && chance(30))) {
			close_fd(&r->fd);
			r->fd = res_open(kind, &r->file);
		}
		*file = r->file;
		return r->fd;
	}
}

/* Forgets an fd that was closed by the fuzzer (a job may still hold it). */
static void forget_fd(int fd)
{
	unsigned int i;

	if (fd < 0)
		return;
	for (i = 0; i < RES_MAX; i++)
		if (res_one[i].fd == fd)
			res_one[i].fd = -1;
	for (i = 0; i < MAX_TCP; i++)
		if (tcp_sink[i].fd == fd)
			tcp_sink[i].fd = -1;
	if (fd == dev_fd) {
		dev_fd = -1;
		nr_dev_ids = 0;
		dev_ids_overflow = false;
	}
	close(fd);
	closed_fd_number = fd;
}

static enum res_kind pick_file_kind(void)
{
	static const enum res_kind kinds[] = {
		RES_FILE, RES_FILE, RES_DATA, RES_DATA, RES_DATA, RES_MEMFD,
		RES_WRONLY, RES_OPATH, RES_DIR, RES_PIPE, RES_FIFO, RES_UDP,
		RES_TCP_SINK, RES_UNIX, RES_NETLINK, RES_DEV, RES_CLOSED,
		RES_BAD,
	};

	if (chance(70))
		return chance(50) ? RES_DATA : RES_FILE;
	return kinds[rnd(ARRAY_SIZE(kinds))];
}

static enum res_kind pick_sock_kind(void)
{
	static const enum res_kind kinds[] = {
		RES_TCP_SINK, RES_TCP6_SINK, RES_TCP_NOREAD, RES_TCP_LISTEN,
		RES_TCP_UNCONN, RES_TCP_CONNECTING, RES_UDP, RES_UNIX,
		RES_NETLINK, RES_FILE, RES_PIPE, RES_DEV, RES_CLOSED, RES_BAD,
	};

	if (chance(70))
		return chance(70) ? RES_TCP_SINK :
		       chance(50) ? RES_TCP6_SINK : RES_TCP_NOREAD;
	return kinds[rnd(ARRAY_SIZE(kinds))];
}

/* A file and socket pair for a job, and whether the module must take it. */
struct job_fds {
	int file_fd, sock_fd;
	enum res_kind file_kind, sock_kind;
	unsigned int file;
	bool valid;		/* a readable regular file, a connected TCP socket */
};

static bool tcp_connected(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return false;
	return ti.tcpi_state == TCP_ESTABLISHED ||
	       ti.tcpi_state == TCP_CLOSE_WAIT;
}

static void pick_job_fds(struct job_fds *j)
{
	unsigned int unused;

	j->file_kind = pick_file_kind();
	j->sock_kind = pick_sock_kind();
	j->file_fd = pick_fd(j->file_kind, &j->file);
	j->sock_fd = pick_fd(j->sock_kind, &unused);
	j->valid = j->file_fd >= 0 && j->sock_fd >= 0 &&
		   (j->file_kind == RES_FILE || j->file_kind == RES_DATA) &&
		   (j->sock_kind == RES_TCP_SINK || j->sock_kind == RES_TCP6_SINK ||
		    j->sock_kind == RES_TCP_NOREAD) && tcp_connected(j->sock_fd);
}

/* A range: mostly inside the file and small, sometimes at the edges. */
static void pick_range(const struct job_fds *j, uint64_t *offset,
		       uint64_t *length, bool *valid)
{
	uint64_t size = files[j->file].size;

	if (j->file_kind != RES_FILE && j->file_kind != RES_DATA)
		size = 0;
	if (chance(85)) {
		*offset = size ? rnd64() % (size + 1) : 0;
		if (chance(20))
			*offset = chance(50) ? 0 : size;
		*length = chance(15) ? 0 : 1 + rnd(1 << (rnd(20) + 1));
		/* 0 means to the end: only on small files, mostly. */
		if (!*length && size - *offset > (2 << 20) && !chance(2))
			*length = 1 + rnd(1 << 20);
	} else {
		*offset = chance(50) ? edge_value() : size + rnd(3) - 1;
		*length = edge_value();
	}
	*valid = *offset <= size && *offset + *length >= *offset &&
		 *offset + *length <= 0x7fffffffffffffffULL;
}

/* ---- Netlink requests. ---- */

static struct nl_sock nl = { .fd = -1 };
static struct nl_sock nl_events = { .fd = -1 };
static struct nl_sock nl_dump_left = { .fd = -1 };
static struct nl_msg req;
static uint64_t observe_ids[16];
static unsigned int nr_observe_ids;

/* An attribute, now and then with a wrong length or type. */
static bool put_fuzzed(uint16_t type, const void *data, size_t len)
{
	uint64_t junk = rnd64();

	if (!chance(4)) {
		msg_put(&req, type, data, len);
		return false;
	}
	switch (rnd(5)) {
	case 0:
		msg_put(&req, type, &junk, len == 8 ? 4 : 8);
		break;
	case 1:
		msg_put(&req, type, &junk, rnd(3));
		break;
	case 2:
		msg_put(&req, type | NLA_F_NESTED, data, len);
		break;
	case 3:
		msg_put(&req, ZCOPY_A_MAX + 1 + rnd(3), data, len);
		break;
	default:
		/* Twice: the last one wins. */
		msg_put(&req, type, data, len);
		msg_put(&req, type, &junk, len);
		break;
	}
	return true;
}

static void put_u32_fuzzed(uint16_t type, uint32_t v, bool *bad)
{
	*bad |= put_fuzzed(type, &v, sizeof(v));
}

static void put_u64_fuzzed(uint16_t type, uint64_t v, bool *bad)
{
	*bad |= put_fuzzed(type, &v, sizeof(v));
}

/*
 * Header-level damage: the version (ignored), genlmsghdr.reserved and
 * nlmsg_flags (checked: the family validates every command), a truncated
 * attribute at the end. True if the request must be refused.
 */
static bool fuzz_header(void)
{
	static const uint16_t flags[] = {
		NLM_F_ECHO, NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, NLM_F_EXCL,
		NLM_F_MULTI, NLM_F_DUMP_INTR,
	};
	struct genlmsghdr *g = (struct genlmsghdr *)(req.buf + NLMSG_HDRLEN);
	uint16_t flag;

	if (!chance(4))
		return false;
	switch (rnd(4)) {
	case 0:
		g->version = rnd(256);
		return false;
	case 1:
		g->reserved = 1 + rnd(65535);
		return true;
	case 2:
		flag = flags[rnd(ARRAY_SIZE(flags))];
		req.nlh.nlmsg_flags |= flag;
		return flag != NLM_F_ECHO;
	default:
		req.buf[req.len] = 0x7f;
		req.len += 1 + rnd(3);
		return true;
	}
}

/* Sends req on s and reads the answer; the errno is counted. */
static int nl_transact(struct nl_sock *s, bool dump, nl_reply_cb cb,
		       void *arg, struct errset allowed, const char *what)
{
	char ebuf[16];
	int err = 0, ret;

	ret = nl_send(s, &req);
	if (ret) {
		fail("%s: netlink send: %s", what, strerror(-ret));
		return -EIO;
	}
	if (nl_recv(s, dump, cb, arg, &err) != NL_OK)
		return -EIO;
	count_errno(ws->nl_errno, err);
	if (err && !errset_has(allowed, err))
		fail("%s: netlink errno %s not expected", what,
		     errno_label(err, ebuf, sizeof(ebuf)));
	return -err;
}

static bool submit_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct attrs a;

	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), ZCOPY_A_MAX);
	if (a.malformed || g->cmd != ZCOPY_CMD_SUBMIT || !a.tb[ZCOPY_A_ID] ||
	    nla_len(a.tb[ZCOPY_A_ID]) != 8) {
		fail("SUBMIT reply malformed");
		return false;
	}
	*(uint64_t *)arg = nla_u64(a.tb[ZCOPY_A_ID]);
	return true;
}

/* Closes the job's file or socket right after the submit, sometimes. */
static void maybe_close_after(const struct job_fds *j)
{
	if (!chance(10))
		return;
	if (chance(50))
		forget_fd(j->file_kind <= RES_MEMFD ? j->file_fd : -1);
	else if (j->sock_kind >= RES_TCP_SINK && j->sock_kind <= RES_TCP_NOREAD)
		forget_fd(j->sock_fd);
}

static void put_mode_etc(uint32_t *mode, bool *bad)
{
	*mode = chance(95) ? rnd(ZCOPY_MODE_MAX + 1) : (uint32_t)edge_value();
	if (chance(95))
		put_u32_fuzzed(ZCOPY_A_MODE, *mode, bad);
	else
		*bad = true;
	if (chance(30)) {
		uint32_t flags = chance(70) ? 0 : 1U << rnd(32);

		put_u32_fuzzed(ZCOPY_A_FLAGS, flags, bad);
		*bad |= flags != 0;
	}
	if (chance(50))
		put_u64_fuzzed(ZCOPY_A_USER_DATA, rnd64(), bad);
	*bad |= *mode > ZCOPY_MODE_MAX;
}

static void op_nl_submit_fds(void)
{
	struct job_fds j;
	uint64_t offset, length, id = 0;
	bool range_ok, bad = false;
	uint32_t mode;
	int ret;

	pick_job_fds(&j);
	pick_range(&j, &offset, &length, &range_ok);
	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_SUBMIT, 1);
	if (chance(97))
		put_u32_fuzzed(ZCOPY_A_FILE_FD, j.file_fd, &bad);
	else
		bad = true;
	if (chance(97))
		put_u32_fuzzed(ZCOPY_A_SOCK_FD, j.sock_fd, &bad);
	else
		bad = true;
	put_mode_etc(&mode, &bad);
	if (chance(90) || offset)
		put_u64_fuzzed(ZCOPY_A_OFFSET, offset, &bad);
	if (chance(90) || length)
		put_u64_fuzzed(ZCOPY_A_LENGTH, length, &bad);
	if (chance(2)) {
		msg_put(&req, ZCOPY_A_PATH, "/etc/passwd", 12);
		bad = true;
	}
	bad |= fuzz_header();
	ret = nl_transact(&nl, false, submit_reply, &id,
			  errlist(fd_errs, ARRAY_SIZE(fd_errs)), "nl SUBMIT fds");
	if (!ret) {
		remember_id(id, "nl SUBMIT");
		maybe_close_after(&j);
	} else if (ret != -EIO && j.valid && range_ok && !bad &&
		   ret != -EAGAIN &&
		   !(ret == -EOPNOTSUPP && !files[j.file].page_ok)) {
		fail("nl SUBMIT of a valid job (file %s, sock kind %d, mode %u, off %" PRIu64
		     " len %" PRIu64 "): %s", files[j.file].path, j.sock_kind,
		     mode, offset, length, strerror(-ret));
	}
}

/* Paths of every kind; some exist only in the VM. */
static void pick_path(char *path, size_t size)
{
	static const char *const fixed[] = {
		"/proc/version", "/proc/self/status", "/proc/self/maps",
		"/proc/sys/kernel/tainted", "/sys/module/zcopy/parameters/max_jobs",
		"/sys/kernel/mm/transparent_hugepage/enabled", "/dev/null",
		"/dev/zero", "/dev/zcopy", "/", "/proc", "/nonexistent/file",
		"relative/path", "data", "", "/etc/passwd/x",
	};
	unsigned int n;

	switch (rnd(6)) {
	case 0:
	case 1:
		snprintf(path, size, "%s", files[rnd(nr_files)].path);
		break;
	case 2:
		snprintf(path, size, "%s", fixed[rnd(ARRAY_SIZE(fixed))]);
		break;
	case 3:
		/* The FIFO only now and then: opening it may block. */
		if (chance(20))
			snprintf(path, size, "%s/fifo", work_dir);
		else
			snprintf(path, size, "%s", work_dir);
		break;
	case 4:
		n = chance(50) ? PATH_MAX - 2 : 200 + rnd(PATH_MAX);
		if (n >= size)
			n = size - 1;
		memset(path, chance(50) ? '/' : 'a', n);
		path[0] = '/';
		path[n] = 0;
		break;
	default:
		snprintf(path, size, "%s/../%s/./%s", work_dir,
			 strrchr(work_dir, '/') + 1,
			 strrchr(files[rnd(nr_tmp_files)].path, '/') + 1);
		break;
	}
}

static size_t pick_addr(struct sockaddr_in6 *out)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	uint16_t port;
	size_t len;

	memset(out, 0, sizeof(*out));
	port = chance(70) ? sink_port : chance(50) ? closed_port :
	       chance(50) ? 0 : rnd(65536);
	/* A listener whose accept queue is full: connect() would hang. */
	if (chance(3) && backlog_listener >= 0)
		port = listener_port(backlog_listener);
	/* Ports elsewhere only on loopback: nothing leaves the VM. */
	if (chance(60)) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, port == sink_port ? sink_addr() : "127.0.0.1",
			  &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		out->sin6_family = AF_INET6;
		out->sin6_port = htons(port);
		inet_pton(AF_INET6, chance(70) ? "::1" : "::ffff:127.0.0.1",
			  &out->sin6_addr);
		len = sizeof(*out);
	}
	if (chance(10))
		len += chance(50) ? 1 + rnd(8) : -(size_t)(1 + rnd(4));
	if (chance(3))
		sin->sin_family = rnd(64);
	return len;
}

static void op_nl_submit_path(void)
{
	static char path[PATH_MAX + 16];
	struct sockaddr_in6 addr[2];
	uint64_t id = 0;
	bool bad = false;
	uint32_t mode;
	size_t alen;

	pick_path(path, sizeof(path));
	alen = pick_addr(addr);
	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_SUBMIT, 1);
	if (chance(95))
		msg_put(&req, ZCOPY_A_PATH, path,
			strlen(path) + (chance(97) ? 1 : 0));
	if (chance(95))
		msg_put(&req, ZCOPY_A_ADDR, addr, alen);
	put_mode_etc(&mode, &bad);
	if (chance(70))
		put_u64_fuzzed(ZCOPY_A_OFFSET, chance(80) ? rnd(8192) :
			       edge_value(), &bad);
	if (chance(70))
		put_u64_fuzzed(ZCOPY_A_LENGTH, chance(80) ? 1 + rnd(1 << 20) :
			       edge_value(), &bad);
	/* A path that blocks in open() is cut short by the watchdog. */
	watchdog_arm(5);
	if (!nl_transact(&nl, false, submit_reply, &id,
			 errlist(path_errs, ARRAY_SIZE(path_errs)), "nl SUBMIT path"))
		remember_id(id, "nl SUBMIT path");
	watchdog_arm(0);
}

static void op_nl_get(bool dump)
{
	struct job_reply r = { .states = dump ? NULL : ws->get_states };
	uint64_t id = pick_id();
	bool bad = false;
	int ret;

	msg_init(&req, family_id, dump ? NLM_F_DUMP : NLM_F_ACK,
		 ZCOPY_CMD_GET, 1);
	if (!dump || chance(10))
		put_u64_fuzzed(ZCOPY_A_ID, id, &bad);
	if (!dump)
		bad |= fuzz_header();
	r.want_id = dump || bad ? 0 : id;
	ret = nl_transact(&nl, dump, job_msg, &r,
			  ERRSET(ENOENT, EINVAL, ERANGE, ENOMEM),
			  dump ? "nl GET dump" : "nl GET");
	if (!ret && !dump && r.count != 1)
		fail("GET: %u replies", r.count);
}

/* A dump started and never read, or closed half read. */
static void op_nl_dump_unread(void)
{
	char buf[256];

	if (nl_dump_left.fd < 0 && nl_open(&nl_dump_left))
		return;
	msg_init(&req, family_id, NLM_F_DUMP, ZCOPY_CMD_GET, 1);
	if (nl_send(&nl_dump_left, &req))
		return;
	if (chance(50))
		recv(nl_dump_left.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (chance(50))
		close_fd(&nl_dump_left.fd);
}

static void op_nl_cancel(void)
{
	bool bad = false;

	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_CANCEL, 1);
	if (chance(97))
		put_u64_fuzzed(ZCOPY_A_ID, pick_id(), &bad);
	bad |= fuzz_header();
	nl_transact(&nl, false, NULL, NULL, ERRSET(ENOENT, EINVAL, ERANGE),
		    "nl CANCEL");
}

struct stats_reply {
	uint64_t v[ZCOPY_STATS_A_MAX + 1];
	bool seen;
};

static bool stats_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct stats_reply *r = arg;
	struct attrs a, s;
	unsigned int i;

	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), ZCOPY_A_MAX);
	if (a.malformed || !a.tb[ZCOPY_A_STATS] ||
	    (a.tb[ZCOPY_A_OBSERVER_ERROR] &&
	     !nla_is_string(a.tb[ZCOPY_A_OBSERVER_ERROR], 1024))) {
		fail("STATS reply malformed");
		return false;
	}
	parse_attrs(&s, nla_data(a.tb[ZCOPY_A_STATS]),
		    nla_len(a.tb[ZCOPY_A_STATS]), ZCOPY_STATS_A_MAX);
	for (i = ZCOPY_STATS_A_JOBS_SUBMITTED; i <= ZCOPY_STATS_A_MAX; i++) {
		if (s.malformed || !s.tb[i] || nla_len(s.tb[i]) != 8) {
			fail("STATS counter %u missing or not u64", i);
			return false;
		}
		r->v[i] = nla_u64(s.tb[i]);
	}
	/* Gauges: a negative one reads as a huge number. */
	if (r->v[ZCOPY_STATS_A_JOBS_QUEUED] > 1U << 20 ||
	    r->v[ZCOPY_STATS_A_JOBS_RUNNING] > 1U << 20 ||
	    r->v[ZCOPY_STATS_A_OBSERVATIONS] > 1U << 20)
		fail("STATS gauges queued %" PRIu64 " running %" PRIu64
		     " observations %" PRIu64,
		     r->v[ZCOPY_STATS_A_JOBS_QUEUED],
		     r->v[ZCOPY_STATS_A_JOBS_RUNNING],
		     r->v[ZCOPY_STATS_A_OBSERVATIONS]);
	r->seen = true;
	return true;
}

static void op_nl_stats(void)
{
	struct stats_reply r = {};
	bool bad = false;
	int ret;

	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_STATS, 1);
	if (chance(5))
		put_u64_fuzzed(ZCOPY_A_ID, rnd64(), &bad);
	bad |= fuzz_header();
	ret = nl_transact(&nl, false, stats_msg, &r, ERRSET(EINVAL, ERANGE),
			  "nl STATS");
	if (!ret && !r.seen)
		fail("STATS: no reply");
}

struct observe_reply {
	uint64_t id;
	bool seen;
};

static bool observe_msg(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct observe_reply *r = arg;
	struct attrs a, o;
	unsigned int i;

	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), ZCOPY_A_MAX);
	if (a.malformed || !a.tb[ZCOPY_A_OBSERVE])
		goto bad;
	parse_attrs(&o, nla_data(a.tb[ZCOPY_A_OBSERVE]),
		    nla_len(a.tb[ZCOPY_A_OBSERVE]), ZCOPY_OBSERVE_A_MAX);
	if (o.malformed)
		goto bad;
	for (i = ZCOPY_OBSERVE_A_ID; i < ZCOPY_OBSERVE_A_EGRESS_DEV; i++)
		if (!o.tb[i] || nla_len(o.tb[i]) != 8)
			goto bad;
	if (!o.tb[ZCOPY_OBSERVE_A_EGRESS_DEV] ||
	    !nla_is_string(o.tb[ZCOPY_OBSERVE_A_EGRESS_DEV], 16))
		goto bad;
	r->id = nla_u64(o.tb[ZCOPY_OBSERVE_A_ID]);
	if (nla_u64(o.tb[ZCOPY_OBSERVE_A_BYTES]) !=
	    nla_u64(o.tb[ZCOPY_OBSERVE_A_COPIED_BYTES]) +
	    nla_u64(o.tb[ZCOPY_OBSERVE_A_REF_BYTES]))
		fail("OBSERVE %" PRIu64 ": bytes %" PRIu64 " != copied %" PRIu64
		     " + ref %" PRIu64, r->id,
		     nla_u64(o.tb[ZCOPY_OBSERVE_A_BYTES]),
		     nla_u64(o.tb[ZCOPY_OBSERVE_A_COPIED_BYTES]),
		     nla_u64(o.tb[ZCOPY_OBSERVE_A_REF_BYTES]));
	r->seen = true;
	return true;
bad:
	fail("OBSERVE reply (cmd %u) malformed", g->cmd);
	return false;
}

static void op_nl_observe_start(void)
{
	struct observe_reply r = {};
	struct job_fds j;
	bool bad = false;

	pick_job_fds(&j);
	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_OBSERVE_START, 1);
	if (chance(97))
		put_u32_fuzzed(ZCOPY_A_FILE_FD, j.file_fd, &bad);
	if (chance(97))
		put_u32_fuzzed(ZCOPY_A_SOCK_FD, j.sock_fd, &bad);
	bad |= fuzz_header();
	if (!nl_transact(&nl, false, observe_msg, &r,
			 errlist(fd_errs, ARRAY_SIZE(fd_errs)),
			 "nl OBSERVE_START")) {
		if (!r.seen || !r.id)
			fail("OBSERVE_START: no id");
		observe_ids[nr_observe_ids++ % ARRAY_SIZE(observe_ids)] = r.id;
		maybe_close_after(&j);
	}
}

static void op_nl_observe_read(uint8_t cmd)
{
	struct observe_reply r = {};
	unsigned int n = nr_observe_ids < ARRAY_SIZE(observe_ids) ?
			 nr_observe_ids : ARRAY_SIZE(observe_ids);
	uint64_t id = n && chance(80) ? observe_ids[rnd(n)] : edge_value();
	bool bad = false;

	msg_init(&req, family_id, NLM_F_ACK, cmd, 1);
	if (chance(97))
		put_u64_fuzzed(ZCOPY_A_OBSERVE_ID, id, &bad);
	bad |= fuzz_header();
	if (!nl_transact(&nl, false, observe_msg, &r,
			 ERRSET(ENOENT, EINVAL, ERANGE),
			 cmd == ZCOPY_CMD_OBSERVE_READ ? "nl OBSERVE_READ" :
							 "nl OBSERVE_STOP") &&
	    (!r.seen || r.id != id))
		fail("OBSERVE cmd %u of %" PRIu64 " answered %" PRIu64, cmd,
		     id, r.id);
}

/* Commands the family does not have, EVENT_DONE among them. */
static void op_nl_unknown(void)
{
	static const uint8_t cmds[] = {
		ZCOPY_CMD_UNSPEC, ZCOPY_CMD_EVENT_DONE, ZCOPY_CMD_MAX + 1,
		ZCOPY_CMD_MAX + 2, 100, 255,
	};
	bool dump = chance(30);

	msg_init(&req, family_id, dump ? NLM_F_DUMP : NLM_F_ACK,
		 chance(80) ? cmds[rnd(ARRAY_SIZE(cmds))] : ZCOPY_CMD_STATS, 1);
	if (chance(50))
		msg_put_u64(&req, ZCOPY_A_ID, rnd64());
	nl_transact(&nl, dump, NULL, NULL, ERRSET(EOPNOTSUPP, EINVAL, ERANGE),
		    "nl unknown command");
}

/* Joins the events group (root only) and checks what arrived. */
static void op_nl_events(void)
{
	static uint32_t buf32[NL_RECV_SIZE / 4];
	char *buf = (char *)buf32;
	struct job_reply r = { .states = ws->event_states };
	const struct nlmsghdr *nlh;
	char ebuf[16];
	ssize_t n;
	int grp;

	if (nl_events.fd < 0) {
		if (nl_open(&nl_events))
			return;
		grp = chance(90) ? (int)events_group : (int)rnd(64);
		if (setsockopt(nl_events.fd, SOL_NETLINK,
			       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp))) {
			count_errno(ws->nl_errno, errno);
			if (errno != EPERM && errno != EINVAL && errno != ENOENT)
				fail("join group %d: %s", grp,
				     errno_label(errno, ebuf, sizeof(ebuf)));
			if (grp == (int)events_group && !ws->unpriv)
				fail("root could not join the events group");
			close_fd(&nl_events.fd);
			return;
		}
		if (grp == (int)events_group && ws->unpriv)
			fail("nobody joined the events group");
		return;
	}
	while ((n = recv(nl_events.fd, buf, sizeof(buf32), MSG_DONTWAIT)) > 0) {
		for (nlh = (void *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			const struct genlmsghdr *g = NLMSG_DATA(nlh);

			if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
				fail("event of %u bytes", nlh->nlmsg_len);
				break;
			}
			if (nlh->nlmsg_type != family_id ||
			    g->cmd != ZCOPY_CMD_EVENT_DONE) {
				fail("event type %u cmd %u", nlh->nlmsg_type,
				     g->cmd);
				continue;
			}
			job_msg(nlh, &r);
		}
	}
	if (chance(10))
		close_fd(&nl_events.fd);
}

/* ---- The character device. ---- */

/*
 * Scratch memory for ioctl arguments: two pages and a guard page, so
 * that structures can end right before a fault.
 */
static char *arena;

static void *arena_tail(size_t len)
{
	return arena + 2 * PAGE - len;
}

static void check_ioctl_ret(const char *what, long ret, int err,
			    struct errset allowed)
{
	char ebuf[16];

	if (ret != 0 && ret != -1) {
		fail("%s returned %ld", what, ret);
		return;
	}
	count_errno(ws->ioc_errno, ret ? err : 0);
	if (ret && !errset_has(allowed, err))
		fail("%s: errno %s not expected", what,
		     errno_label(err, ebuf, sizeof(ebuf)));
}

static void track_dev_id(uint64_t id)
{
	if (nr_dev_ids < ARRAY_SIZE(dev_ids))
		dev_ids[nr_dev_ids++] = id;
	else
		dev_ids_overflow = true;
}

/* One zcopy_submit; *valid: the module has to take it. */
static void fill_submit(struct zcopy_submit *s, struct job_fds *j,
			bool *valid)
{
	uint64_t offset, length;
	bool range_ok;

	pick_job_fds(j);
	memset(s, 0, sizeof(*s));
	s->size = sizeof(*s);
	s->file_fd = j->file_fd;
	s->sock_fd = j->sock_fd;
	s->mode = chance(95) ? rnd(ZCOPY_MODE_MAX + 1) : (uint32_t)edge_value();
	pick_range(j, &offset, &length, &range_ok);
	s->offset = offset;
	s->length = length;
	if (chance(3))
		s->flags = 1U << rnd(32);
	if (chance(3))
		s->reserved = 1 + rnd(100);
	s->user_data = rnd64();
	s->id = chance(90) ? 0 : rnd64();
	if (chance(8))
		s->size = chance(50) ? ZCOPY_SUBMIT_SIZE_VER0 :
			  (uint32_t)edge_value();
	*valid = j->valid && range_ok && s->mode <= ZCOPY_MODE_MAX &&
		 !s->flags && !s->reserved && s->size == sizeof(*s) &&
		 j->file_kind != RES_MEMFD;
	if (!files[j->file].page_ok && s->mode != ZCOPY_MODE_COPY)
		*valid = false;
}

static void op_ioc_submit(void)
{
	struct zcopy_submit *s;
	struct job_fds j;
	bool valid, bad_ptr;
	long ret;
	int err;

	if (dev_fd < 0)
		return;
	/* At the start of the arena, or flush against the guard page. */
	s = chance(70) ? (void *)arena : arena_tail(sizeof(*s));
	memset(arena, 0, 2 * PAGE);
	fill_submit(s, &j, &valid);
	/* Bytes past sizeof: zero (accepted) or not (E2BIG). */
	if (s->size > sizeof(*s) && (void *)s == arena && chance(50))
		arena[sizeof(*s) + rnd(PAGE)] = 1;
	bad_ptr = chance(2);
	if (bad_ptr)
		valid = false;
	ret = ioctl(dev_fd, ZCOPY_IOC_SUBMIT, bad_ptr ? (chance(50) ? NULL :
		    (void *)(arena + 2 * PAGE)) : s);
	err = errno;
	check_ioctl_ret("SUBMIT", ret, err,
			errlist(submit_errs, ARRAY_SIZE(submit_errs)));
	if (!ret && bad_ptr) {
		fail("SUBMIT of a bad pointer succeeded");
	} else if (!ret) {
		remember_id(s->id, "ioctl SUBMIT");
		track_dev_id(s->id);
		maybe_close_after(&j);
	} else if (valid && err != EAGAIN) {
		fail("SUBMIT of a valid job (file %s, sock kind %d, mode %u off %" PRIu64
		     " len %" PRIu64 "): %s", files[j.file].path, j.sock_kind,
		     s->mode, s->offset, s->length, strerror(err));
	}
}

static void op_ioc_batch(void)
{
	static struct zcopy_submit_batch *b;
	struct zcopy_submit *entries;
	unsigned int count, i, room;
	struct job_fds j;
	bool valid, bad_ptr;
	long ret;
	int err;

	if (dev_fd < 0)
		return;
	memset(arena, 0, 2 * PAGE);
	count = chance(80) ? 1 + rnd(8) : (uint32_t)edge_value();
	room = count < 32 ? count : 32;
	/* Entries at the start, or ending at the guard page (EFAULT mid-way). */
	entries = chance(80) ? (void *)(arena + 64) :
		  arena_tail(room * sizeof(*entries) - rnd(2) * 8);
	if ((char *)entries < arena + 64)
		entries = (void *)(arena + 64);
	b = (void *)arena;
	for (i = 0; i < room && (char *)&entries[i + 1] <= arena + 2 * PAGE; i++)
		fill_submit(&entries[i], &j, &valid);
	b->size = chance(90) ? sizeof(*b) : (uint32_t)edge_value();
	b->count = count;
	b->jobs = (uintptr_t)entries;
	if (chance(5))
		b->jobs = chance(50) ? 0 : chance(50) ?
			  (uintptr_t)(arena + 2 * PAGE) : rnd64();
	bad_ptr = chance(3);
	ret = ioctl(dev_fd, ZCOPY_IOC_SUBMIT_BATCH, bad_ptr ? (chance(50) ?
		    NULL : (void *)(arena + 2 * PAGE - 8)) : b);
	err = errno;
	check_ioctl_ret("SUBMIT_BATCH", ret, err,
			errlist(submit_errs, ARRAY_SIZE(submit_errs)));
	if (ret)
		return;
	if (bad_ptr) {
		fail("SUBMIT_BATCH of a bad pointer succeeded");
		return;
	}
	if (!b->count || b->count > count || b->count > room) {
		fail("SUBMIT_BATCH of %u accepted %u", count, b->count);
		return;
	}
	for (i = 0; i < b->count; i++) {
		remember_id(entries[i].id, "ioctl SUBMIT_BATCH");
		track_dev_id(entries[i].id);
	}
}

static void op_ioc_version(void)
{
	struct zcopy_version *v;
	bool bad_ptr;
	long ret;

	if (dev_fd < 0)
		return;
	v = chance(80) ? (void *)arena : arena_tail(sizeof(*v) - rnd(2) * 8);
	memset(v, 0xaa, sizeof(*v) - ((char *)v == arena ? 0 : 8));
	bad_ptr = chance(5);
	ret = ioctl(dev_fd, ZCOPY_IOC_VERSION, bad_ptr ? NULL : v);
	check_ioctl_ret("VERSION", ret, errno, ERRSET(EFAULT));
	if (!ret && bad_ptr)
		fail("VERSION to NULL succeeded");
	else if (!ret && (v->abi_version != ZCOPY_ABI_VERSION || !v->modes ||
			  v->modes & ~((1U << (ZCOPY_MODE_MAX + 1)) - 1) ||
			  !memchr(v->release, 0, sizeof(v->release))))
		fail("VERSION: abi %u modes %#x", v->abi_version, v->modes);
	/* The same number with another size or direction is not ours. */
	if (chance(30)) {
		unsigned long cmd = _IOC(rnd(4), ZCOPY_IOC_MAGIC, 0x80,
					 rnd(128));

		if (cmd == ZCOPY_IOC_VERSION)
			return;
		ret = ioctl(dev_fd, cmd, arena);
		check_ioctl_ret("VERSION with another size", ret, errno,
				ERRSET(ENOTTY));
	}
}

static void op_ioc_cancel(void)
{
	uint64_t *id = arena_tail(8);
	long ret;

	if (dev_fd < 0)
		return;
	*id = pick_id();
	ret = ioctl(dev_fd, ZCOPY_IOC_CANCEL, chance(95) ? (void *)id :
		    chance(50) ? NULL : (void *)(arena + 2 * PAGE - 4));
	check_ioctl_ret("CANCEL", ret, errno, ERRSET(ENOENT, EFAULT));
}

static void op_ioc_random(void)
{
	static const unsigned long ours[] = {
		ZCOPY_IOC_VERSION, ZCOPY_IOC_SUBMIT, ZCOPY_IOC_SUBMIT_BATCH,
		ZCOPY_IOC_CANCEL,
	};
	unsigned long cmd;
	unsigned int i;
	long ret;

	if (dev_fd < 0)
		return;
	if (chance(60))
		cmd = _IOC(rnd(4), ZCOPY_IOC_MAGIC, rnd(256), rnd(1 << 14));
	else
		/* Magic numbers of VFS ioctls ('T', 'X', 'f', 0x94) left out. */
		cmd = _IOC(rnd(4), 'A' + rnd(16), rnd(256), rnd(1 << 14));
	for (i = 0; i < ARRAY_SIZE(ours); i++)
		if (cmd == ours[i])
			return;
	memset(arena, 0, 2 * PAGE);
	ret = ioctl(dev_fd, cmd, chance(80) ? (void *)arena : (void *)rnd64());
	check_ioctl_ret("random ioctl", ret, errno,
			ERRSET(ENOTTY, EINVAL, EFAULT, EOPNOTSUPP, EPERM));
}

static void check_completion(const struct zcopy_completion *c)
{
	unsigned int i;

	check_record("read()", c->id, c->mode, c->state, c->error, c->length,
		     c->bytes_sent, c->queued_ns, c->start_ns, c->end_ns);
	if (c->state < ZCOPY_STATE_DONE)
		fail("read(): job %" PRIu64 " not ended (state %u)", c->id,
		     c->state);
	if (c->verified > 1 || !memchr(c->egress_dev, 0, sizeof(c->egress_dev)))
		fail("read(): job %" PRIu64 " verified %u or egress_dev unterminated",
		     c->id, c->verified);
	if (c->state <= ZCOPY_STATE_MAX)
		ws->read_states[c->state]++;
	for (i = 0; i < nr_dev_ids; i++) {
		if (dev_ids[i] == c->id) {
			dev_ids[i] = dev_ids[--nr_dev_ids];
			return;
		}
	}
	/* Only the first ids are tracked: past those, any may come. */
	if (!dev_ids_overflow)
		fail("read(): record of job %" PRIu64 " not submitted on this fd",
		     c->id);
}

static void op_dev_read(void)
{
	const size_t rsize = sizeof(struct zcopy_completion);
	static const size_t sizes[] = {
		0, 1, sizeof(struct zcopy_completion) - 1,
		sizeof(struct zcopy_completion),
		sizeof(struct zcopy_completion) + 1,
		2 * sizeof(struct zcopy_completion) - 1,
		2 * PAGE,
	};
	struct pollfd pfd = { .fd = dev_fd, .events = POLLIN };
	size_t count = sizes[rnd(ARRAY_SIZE(sizes))];
	char *buf = arena;
	bool blocking;
	ssize_t n;
	int err;

	if (dev_fd < 0)
		return;
	if (chance(20) && count <= 2 * PAGE)
		buf = arena + 2 * PAGE - count + rnd(2) * rsize / 2;
	if (chance(3)) {
		n = pread(dev_fd, buf, count, 0);
		count_errno(ws->ioc_errno, n < 0 ? errno : 0);
		if (n >= 0 || errno != ESPIPE)
			fail("pread of /dev/zcopy: %zd", n);
		return;
	}
	/* Blocking reads only when a record is there, or with a watchdog. */
	blocking = chance(10);
	if (!blocking)
		fcntl(dev_fd, F_SETFL, O_NONBLOCK);
	else if (poll(&pfd, 1, 0) != 1)
		watchdog_arm(1);
	n = read(dev_fd, buf, count);
	err = errno;
	watchdog_arm(0);
	if (!blocking)
		fcntl(dev_fd, F_SETFL, 0);
	if (n < 0) {
		count_errno(ws->ioc_errno, err);
		if (!errset_has(ERRSET(EINVAL, EAGAIN, EFAULT, EINTR), err) ||
		    (err == EINVAL && count >= rsize))
			fail("read(%zu): %s", count, strerror(err));
		return;
	}
	count_errno(ws->ioc_errno, 0);
	if ((size_t)n > count || n % rsize || !n)
		fail("read(%zu) returned %zd", count, n);
	for (; n >= (ssize_t)rsize; n -= rsize, buf += rsize) {
		struct zcopy_completion c;

		memcpy(&c, buf, rsize);
		ws->records_read++;
		check_completion(&c);
	}
}

static void op_dev_poll(void)
{
	struct pollfd pfd = { .fd = dev_fd, .events = POLLIN | POLLOUT };
	int n;

	if (dev_fd < 0)
		return;
	n = poll(&pfd, 1, rnd(3) * 5);
	if (n < 0 || n > 1 || (n && pfd.revents & ~(POLLIN | POLLRDNORM)))
		fail("poll: %d revents %#x", n, pfd.revents);
}

static void op_dev_reopen(void)
{
	char ebuf[16];

	/* Closing cancels the fd's jobs and waits for them. */
	forget_fd(dev_fd);
	dev_fd = open_dev(O_RDWR);
	if (dev_fd < 0 && errno != EACCES)
		fail("open /dev/zcopy: %s",
		     errno_label(errno, ebuf, sizeof(ebuf)));
}

static void op_fd_churn(void)
{
	unsigned int i = rnd(RES_MAX);

	if (chance(50))
		forget_fd(res_one[i].fd);
	else
		forget_fd(tcp_sink[rnd(MAX_TCP)].fd);
	if (chance(20))
		close_fd(&noread_listener);
	if (chance(10)) {
		close_fd(&nl.fd);
		if (nl_open(&nl))
			fail("netlink socket: %s", strerror(errno));
		nr_observe_ids = 0;
	}
}

static enum fuzz_op pick_op(void)
{
	static unsigned int total;
	unsigned int i, r;

	if (!total)
		for (i = 0; i < OP_MAX; i++)
			total += op_table[i].weight;
	r = rnd(total);
	for (i = 0; i < OP_MAX; i++) {
		if (r < op_table[i].weight)
			return i;
		r -= op_table[i].weight;
	}
	return OP_NL_STATS;
}

static void run_op(enum fuzz_op op)
{
	switch (op) {
	case OP_NL_SUBMIT_FDS:
		op_nl_submit_fds();
		break;
	case OP_NL_SUBMIT_PATH:
		op_nl_submit_path();
		break;
	case OP_NL_GET:
		op_nl_get(false);
		break;
	case OP_NL_DUMP:
		op_nl_get(true);
		break;
	case OP_NL_DUMP_UNREAD:
		op_nl_dump_unread();
		break;
	case OP_NL_CANCEL:
		op_nl_cancel();
		break;
	case OP_NL_STATS:
		op_nl_stats();
		break;
	case OP_NL_OBSERVE_START:
		op_nl_observe_start();
		break;
	case OP_NL_OBSERVE_READ:
		op_nl_observe_read(ZCOPY_CMD_OBSERVE_READ);
		break;
	case OP_NL_OBSERVE_STOP:
		op_nl_observe_read(ZCOPY_CMD_OBSERVE_STOP);
		break;
	case OP_NL_UNKNOWN:
		op_nl_unknown();
		break;
	case OP_NL_EVENTS:
		op_nl_events();
		break;
	case OP_IOC_SUBMIT:
		op_ioc_submit();
		break;
	case OP_IOC_BATCH:
		op_ioc_batch();
		break;
	case OP_IOC_VERSION:
		op_ioc_version();
		break;
	case OP_IOC_CANCEL:
		op_ioc_cancel();
		break;
	case OP_IOC_RANDOM:
		op_ioc_random();
		break;
	case OP_DEV_READ:
		op_dev_read();
		break;
	case OP_DEV_POLL:
		op_dev_poll();
		break;
	case OP_DEV_REOPEN:
		op_dev_reopen();
		break;
	case OP_FD_CHURN:
		op_fd_churn();
		break;
	default:
		break;
	}
}

/* ---- Workers. ---- */

static void drop_privileges(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY)) {
		fail("cannot become nobody: %s", strerror(errno));
		_exit(1);
	}
}

/* Cancels what this worker started over netlink, so nothing outlives it. */
static void worker_cleanup(void)
{
	unsigned int i, n = nr_known_ids < MAX_IDS ? nr_known_ids : MAX_IDS;

	if (nl.fd >= 0 || !nl_open(&nl)) {
		for (i = 0; i < n; i++) {
			msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_CANCEL,
				 1);
			msg_put_u64(&req, ZCOPY_A_ID, known_ids[i]);
			nl_transact(&nl, false, NULL, NULL, ERRSET(ENOENT),
				    "cleanup CANCEL");
		}
	}
	/* The device's release cancels its own jobs and waits for them. */
	close_fd(&dev_fd);
}

static void worker_main(int idx, long inputs, double deadline)
{
	struct sigaction sa = { .sa_handler = noop_handler };
	unsigned int i;
	int ret;

	worker_index = idx;
	ws = &all_stats[idx];
	/* Streams of one seed: the worker's index mixed in, not added. */
	rng_state = opts.seed;
	rng_state = rnd64() ^ (idx + 1) * 0xd1342543de82ef95ULL;
	rng_state = rnd64();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* SIGALRM interrupts blocking calls: no SA_RESTART. */
	sigaction(SIGALRM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	for (i = 0; i < RES_MAX; i++)
		res_one[i].fd = -1;
	for (i = 0; i < MAX_TCP; i++) {
		tcp_sink[i].fd = -1;
		noread_accepted[i] = -1;
	}
	if (ws->unpriv)
		drop_privileges();

	arena = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED || mprotect(arena + 2 * PAGE, PAGE, PROT_NONE)) {
		fail("arena: %s", strerror(errno));
		_exit(1);
	}
	ret = nl_open(&nl);
	if (!ret)
		ret = resolve_family(&nl);
	if (ret) {
		fail("resolving family %s: %s", ZCOPY_GENL_NAME,
		     strerror(-ret));
		_exit(1);
	}
	dev_fd = open_dev(O_RDWR);

	while (ws->inputs < (uint64_t)inputs && now_s() < deadline) {
		enum fuzz_op op = pick_op();

		ws->ops[op]++;
		ws->current_op = op;
		run_op(op);
		ws->inputs++;
		if (nl.fd < 0 && nl_open(&nl)) {
			fail("netlink socket: %s", strerror(errno));
			break;
		}
	}
	worker_cleanup();
	ws->finished = 1;
	_exit(0);
}

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
