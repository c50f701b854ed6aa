// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: allocations that fail under every entry point of the
 * module and under its worker, on a kernel with CONFIG_FAILSLAB,
 * CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS and
 * CONFIG_FAULT_INJECTION_STACKTRACE_FILTER (and CONFIG_FAIL_FUNCTION for
 * the error-injection sweep). Elsewhere every test skips.
 *
 * System calls: /proc/thread-self/fail-nth fails the N-th allocation the
 * call makes, for N = 1, 2, ... until a call completes without reaching
 * N. Each call must then succeed or fail with an errno listed for it, a
 * failed call must leave nothing behind (no job, no observation), and
 * what succeeded must work (the jobs end done and the receiver gets every
 * byte).
 *
 * The worker: this thread's fail-nth does not reach the kworker that runs
 * a job. Both ways in filter on the stack (zcopy's text within 32
 * frames): failslab, fail_page_alloc and fail_function armed with a
 * number of faults (times) where "space" moves the fault through the
 * job's allocations (worker_*), and fail-nth set on every unbound
 * kworker, which fails exactly the N-th such allocation of the one that
 * runs the job (worker_walk). Each job must end done and whole, or
 * failed with a listed errno after sending a prefix of its range, and
 * an events listener must get its event or ENOBUFS.
 *
 * Settings are saved and restored; verbose=0 throughout, since every
 * injected fault would otherwise dump a stack, which the VM's dmesg
 * check reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <openssl/evp.h>

#include "kselftest_harness.h"
#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

#define DEBUGFS		"/sys/kernel/debug/"
#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define MAX_NTH		200	/* fail-nth points per operation, at most */
#define SWEEP_SECS	30	/* and seconds per sweep, on a slow VM */
/* All sweeps stop after this long (ZCOPY_FI_BUDGET); the VM allows 300. */
#define BUDGET_SECS	200
#define WAIT_MS		60000
#define SMALL_FILE	"f4097"
#define SMALL_SIZE	4097
#define WORKER_FILE	"f100000"
#define WORKER_SIZE	100000
/* Worker points per mode and fault; a calibration run comes first. */
#define WORKER_POINTS		8	/* even steps over the whole job */
#define WORKER_HEAD_POINTS	6	/* small steps over its first step */
#define WORKER_SECS		60	/* per worker test */
#define WALK_SECS		90
/* The walk: each of the first candidates, then this many more. */
#define WALK_EACH		16
#define WALK_STRIDED		12
/* The test itself never reaches this many allocations: see immune(). */
#define NTH_IMMUNE	1000000000U

static const char *const fault_attrs[] = {
	"failslab", "fail_page_alloc", "fail_function",
};

/* Settings saved before the tests change them, written back after. */
static const char *const fault_knobs[] = {
	"probability", "interval", "times", "space", "verbose", "task-filter",
	"stacktrace-depth", "require-start", "require-end", "reject-start",
	"reject-end", "ignore-gfp-wait", "ignore-gfp-highmem", "min-order",
};

#define NR_SAVED	(ARRAY_SIZE(fault_attrs) * ARRAY_SIZE(fault_knobs))

struct saved_knob {
	bool valid;
	char value[64];
};

/* Calls of one operation under fail-nth, and what they returned. */
struct tally {
	const char *what;
	unsigned int points;	/* calls made with a fault armed */
	unsigned int injected;	/* calls in which it fired */
	unsigned int failed;	/* calls that returned an error */
	unsigned int errs[4];	/* by errno, in the order of errnos[] */
	const int *errnos;	/* the errnos this operation may return */
	bool exhausted;		/* a call completed without reaching N */
};

struct fi_ctx {
	bool skip;
	int nth_fd;
	int dev;
	char data[128];
	struct saved_knob saved[NR_SAVED];
	struct zcopy_nl nl;
	time_t sweep_start;
};

FIXTURE(fi) {
	struct fi_ctx c;
};

static const char *data_dir(void)
{
	const char *d = getenv("ZCOPY_DATA");

	return d && *d ? d : "/data";
}

static int knob_path(char *buf, size_t len, const char *attr,
		     const char *knob)
{
	return snprintf(buf, len, DEBUGFS "%s/%s", attr, knob);
}

static int knob_read(const char *attr, const char *knob, char *out,
		     size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	knob_path(path, sizeof(path), attr, knob);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

static int knob_write(const char *attr, const char *knob, const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;
	int fd, len, ret = 0;

	va_start(ap, fmt);
	len = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	knob_path(path, sizeof(path), attr, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static long long knob_num(const char *attr, const char *knob)
{
	char buf[64];

	if (knob_read(attr, knob, buf, sizeof(buf)))
		return LLONG_MIN;
	return strtoll(buf, NULL, 0);
}

static bool attr_present(const char *attr)
{
	char path[256];

	snprintf(path, sizeof(path), DEBUGFS "%s", attr);
	return access(path, F_OK) == 0;
}

/* Nothing fires: probability 0 stops everything but fail-nth. */
static void disarm(const char *attr)
{
	knob_write(attr, "probability", "0");
	knob_write(attr, "times", "1");
	knob_write(attr, "space", "0");
}

/*
 * Every allocation a candidate (GFP_KERNEL ones sleep, so ignore-gfp-wait
 * must be off; order-0 pages are below the default min-order), verbose=0
 * since each injected fault would otherwise print a stack trace that the
 * VM's dmesg check takes for a bug, and no stack filter.
 */
/* CONFIG_FAULT_INJECTION_STACKTRACE_FILTER: the worker tests need it. */
static bool has_stack_filter(void)
{
	return !access(DEBUGFS "failslab/require-start", F_OK);
}

static int configure(void)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < ARRAY_SIZE(fault_attrs); i++) {
		const char *a = fault_attrs[i];

		if (!attr_present(a))
			continue;
		disarm(a);
		ret |= knob_write(a, "verbose", "0");
		ret |= knob_write(a, "interval", "1");
		ret |= knob_write(a, "task-filter", "N");
		if (!has_stack_filter())
			continue;
		ret |= knob_write(a, "stacktrace-depth", "32");
		ret |= knob_write(a, "require-start", "0");
		ret |= knob_write(a, "require-end", "0xffffffffffffffff");
		ret |= knob_write(a, "reject-start", "0");
		ret |= knob_write(a, "reject-end", "0");
	}
	ret |= knob_write("failslab", "ignore-gfp-wait", "N");
	ret |= knob_write("fail_page_alloc", "ignore-gfp-wait", "N");
	ret |= knob_write("fail_page_alloc", "ignore-gfp-highmem", "N");
	ret |= knob_write("fail_page_alloc", "min-order", "0");
	return ret;
}

static void save_knobs(struct fi_ctx *self)
{
	unsigned int a, k;

	for (a = 0; a < ARRAY_SIZE(fault_attrs); a++)
		for (k = 0; k < ARRAY_SIZE(fault_knobs); k++) {
			struct saved_knob *s =
				&self->saved[a * ARRAY_SIZE(fault_knobs) + k];

			s->valid = !knob_read(fault_attrs[a], fault_knobs[k],
					      s->value, sizeof(s->value));
		}
}

/* Probability last: nothing may fire while the others are restored. */
static void restore_knobs(struct fi_ctx *self)
{
	unsigned int a, k;

	for (a = 0; a < ARRAY_SIZE(fault_attrs); a++) {
		if (!attr_present(fault_attrs[a]))
			continue;
		knob_write(fault_attrs[a], "probability", "0");
		for (k = ARRAY_SIZE(fault_knobs); k-- > 0;) {
			struct saved_knob *s =
				&self->saved[a * ARRAY_SIZE(fault_knobs) + k];

			if (s->valid)
				knob_write(fault_attrs[a], fault_knobs[k], "%s",
					   s->value);
		}
	}
	if (attr_present("fail_function"))
		knob_write("fail_function", "inject", " ");
}

FIXTURE_SETUP(fi)
{
	struct fi_ctx *fi = &self->c;

	fi->nth_fd = -1;
	fi->dev = -1;
	if (access(DEBUGFS "failslab", F_OK) ||
	    access(DEBUGFS "fail_page_alloc", F_OK) ||
	    access(FAIL_NTH, F_OK)) {
		fi->skip = true;
		SKIP(return, "kernel without fault injection (failslab, fail-nth)");
	}
	ASSERT_EQ(0, zcopy_ensure_loaded());
	save_knobs(fi);
	ASSERT_EQ(0, configure());
	fi->nth_fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fi->nth_fd);
	fi->dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fi->dev);
	ASSERT_EQ(0, zcopy_nl_open(&fi->nl));
	snprintf(fi->data, sizeof(fi->data), "%s", data_dir());
	fi->sweep_start = time(NULL);
}

static void reset_kworkers(void);

FIXTURE_TEARDOWN(fi)
{
	struct fi_ctx *fi = &self->c;

	if (fi->skip)
		return;
	if (fi->nth_fd >= 0) {
		if (pwrite(fi->nth_fd, "0", 1, 0) != 1)
			TH_LOG("cannot clear fail-nth: %s", strerror(errno));
		close(fi->nth_fd);
	}
	/* A walk cut short would leave faults armed for other tests. */
	reset_kworkers();
	restore_knobs(fi);
	if (fi->nl.sk)
		zcopy_nl_close(&fi->nl);
	if (fi->dev >= 0)
		close(fi->dev);
}

/* The n-th fault-injection candidate of this thread's next calls fails. */
static void nth_arm(struct fi_ctx *self, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	if (pwrite(self->nth_fd, buf, len, 0) != len)
		abort();
}

/* Whether the fault fired; clears what is left of the count. */
static bool nth_disarm(struct fi_ctx *self)
{
	char buf[16] = "";
	ssize_t n;

	n = pread(self->nth_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0 || pwrite(self->nth_fd, "0", 1, 0) != 1)
		abort();
	return strtoul(buf, NULL, 10) == 0;
}

/*
 * While a worker sweep is armed, this thread's own calls into zcopy (the
 * submission, poll, read, GET) have zcopy's text on the stack and would
 * pass the stack filter. A fail-nth count it never reaches puts them on
 * the fail-nth path, which returns before times, space or probability
 * are looked at: the armed fault is left to the worker. Children start
 * with fail-nth 0, but a receiver's stack never holds zcopy's text.
 */
static void immune(struct fi_ctx *self, bool on)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", on ? NTH_IMMUNE : 0);

	if (pwrite(self->nth_fd, buf, len, 0) != len)
		abort();
}

/* Seconds since the test program started (the harness forks each test). */
static long program_age(void)
{
	unsigned long long start;
	char buf[1024], path[64], *p;
	double uptime;
	ssize_t n;
	FILE *f;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", getppid());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	/* Field 22, starttime in clock ticks after boot: 20 spaces on. */
	p = strrchr(buf, ')');
	for (i = 0; p && i < 20; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	f = fopen("/proc/uptime", "re");
	if (!f)
		return 0;
	if (fscanf(f, "%lf", &uptime) != 1)
		uptime = 0;
	fclose(f);
	return uptime - (double)start / sysconf(_SC_CLK_TCK);
}

/* Whether a loop that began at start may not go on. */
static bool out_of_time(time_t start, int secs)
{
	const char *env = getenv("ZCOPY_FI_BUDGET");
	long budget = env && *env ? atol(env) : BUDGET_SECS;

	return time(NULL) - start >= secs || program_age() >= budget;
}

static bool sweep_over(struct fi_ctx *self, struct tally *t)
{
	if (!out_of_time(self->sweep_start, SWEEP_SECS))
		return false;
	printf("# %s: time budget spent at point %u\n", t->what, t->points);
	return true;
}

/* Another point: the last one fired, and neither cap is reached. */
static bool sweep_next(struct fi_ctx *self, struct tally *t, unsigned int n,
		       bool fired)
{
	return fired && n <= MAX_NTH && !sweep_over(self, t);
}

static void sweep_begin(struct fi_ctx *self, struct tally *t,
			const char *what, const int *errnos)
{
	memset(t, 0, sizeof(*t));
	t->what = what;
	t->errnos = errnos;
	self->sweep_start = time(NULL);
}

/* Counts one call; false if err is not one the operation may return. */
static bool tally_add(struct tally *t, bool fired, int err)
{
	unsigned int i;

	t->points++;
	t->injected += fired;
	if (!err)
		return true;
	t->failed++;
	for (i = 0; t->errnos[i] && i < ARRAY_SIZE(t->errs); i++)
		if (-err == t->errnos[i]) {
			t->errs[i]++;
			return true;
		}
	return false;
}

static void tally_log(struct __test_metadata *_metadata, struct tally *t)
{
	char errs[128] = "";
	size_t used = 0;
	unsigned int i;

	for (i = 0; t->errnos[i] && i < ARRAY_SIZE(t->errs); i++)
		if (t->errs[i])
			used += snprintf(errs + used, sizeof(errs) - used,
					 " %s x%u", strerrorname_np(t->errnos[i]),
					 t->errs[i]);
	TH_LOG("%s: %u points, %u injected, %u failed:%s%s", t->what,
	       t->points, t->injected, t->failed, used ? errs : " -",
	       t->exhausted ? "" : " (sweep cut short)");
}

/* The last point did not fire: the operation ran out of allocations. */
static void sweep_end(struct __test_metadata *_metadata, struct tally *t,
		      bool fired)
{
	t->exhausted = !fired;
	tally_log(_metadata, t);
}

/* Module-wide counters, read with no fault armed. */
static uint64_t stat_of(struct __test_metadata *_metadata,
			struct fi_ctx *self, int attr)
{
	struct nlattr *tb[ZCOPY_STATS_A_MAX + 1];
	struct zcopy_nl_reply reply;
	uint64_t v = UINT64_MAX;

	if (!zcopy_nl_request(&self->nl, ZCOPY_CMD_STATS, NULL, NULL, &reply) &&
	    reply.attrs[ZCOPY_A_STATS] &&
	    !nla_parse_nested(tb, ZCOPY_STATS_A_MAX, reply.attrs[ZCOPY_A_STATS],
			      NULL) && tb[attr])
		v = nla_get_u64(tb[attr]);
	zcopy_nl_reply_free(&reply);
	EXPECT_NE(UINT64_MAX, v) TH_LOG("STATS attribute %d unreadable", attr);
	return v;
}

/* A receiver on loopback, one connection to it and the file to send. */
struct xfer {
	struct zcopy_receiver rx;
	int sock;
	int file;
	uint64_t size;
	char path[160];
};

static int xfer_open(struct fi_ctx *self, struct xfer *x, const char *name)
{
	struct stat st;

	snprintf(x->path, sizeof(x->path), "%s/%s", self->data, name);
	x->file = open(x->path, O_RDONLY | O_CLOEXEC);
	if (x->file < 0 || fstat(x->file, &st))
		return -errno;
	x->size = st.st_size;
	if (zcopy_receiver_start(&x->rx, &zcopy_paths[0], RECV_ALL))
		return -EIO;
	x->sock = zcopy_connect(&zcopy_paths[0], x->rx.port);
	return x->sock < 0 ? x->sock : 0;
}

/* Closes the sender's side; what the receiver got, or -1. */
static int xfer_close(struct xfer *x, struct zcopy_received *got)
{
	int ret;

	close(x->sock);
	ret = zcopy_receiver_wait(&x->rx, got);
	close(x->file);
	return ret;
}

/* SHA-256 of the file's first len bytes, repeated copies times. */
static void sha_of(const char *path, uint64_t len, unsigned int copies,
		   unsigned char out[SHA256_LEN])
{
	static char buf[1 << 20];
	unsigned int md_len, i;
	EVP_MD_CTX *ctx;
	ssize_t n = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && len <= sizeof(buf))
		n = pread(fd, buf, len, 0);
	if (fd >= 0)
		close(fd);
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; n >= 0 && (uint64_t)n == len && i < copies; i++)
		EVP_DigestUpdate(ctx, buf, len);
	EVP_DigestFinal_ex(ctx, out, &md_len);
	EVP_MD_CTX_free(ctx);
}

/*
 * Raw generic netlink, to see each errno as it comes: sendmsg's own,
 * the ack's, and ENOBUFS on the socket when the kernel could not queue
 * the ack or a dump's next part.
 */
struct rnl {
	int fd;
	uint32_t seq;
	int family;
};

struct rmsg {
	union {
		struct nlmsghdr nlh;
		char buf[512];
	};
};

struct rnl_result {
	int err;		/* 0 or the first error seen */
	int replies;		/* messages with a payload */
	uint64_t id;		/* ZCOPY_A_ID, or OBSERVE's, of the last */
	bool has_id;
	uint64_t ids[512];	/* a dump's job ids */
};

static int rnl_open(struct rnl *r, int family)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 30 };

	r->seq = 0;
	r->family = family;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (r->fd < 0)
		return -errno;
	if (bind(r->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(r->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		close(r->fd);
		return -errno;
	}
	return 0;
}

static void rmsg_init(struct rmsg *m, int family, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nlh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nlh.nlmsg_type = family;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = NLMSG_DATA(&m->nlh);
	g->cmd = cmd;
	g->version = ZCOPY_GENL_VERSION;
}

static void rmsg_put(struct rmsg *m, uint16_t type, const void *data,
		     uint16_t len)
{
	struct nlattr *a = (struct nlattr *)(m->buf +
					     NLMSG_ALIGN(m->nlh.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	m->nlh.nlmsg_len = NLMSG_ALIGN(m->nlh.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void rmsg_put_u64(struct rmsg *m, uint16_t type, uint64_t v)
{
	rmsg_put(m, type, &v, sizeof(v));
}

static void rmsg_put_u32(struct rmsg *m, uint16_t type, uint32_t v)
{
	rmsg_put(m, type, &v, sizeof(v));
}

static void rnl_parse(struct nlmsghdr *nlh, struct rnl_result *res)
{
	struct nlattr *tb[ZCOPY_A_MAX + 1], *ob[ZCOPY_OBSERVE_A_MAX + 1];

	if (genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, NULL))
		return;
	if (tb[ZCOPY_A_ID]) {
		res->id = nla_get_u64(tb[ZCOPY_A_ID]);
		res->has_id = true;
	} else if (tb[ZCOPY_A_OBSERVE] &&
		   !nla_parse_nested(ob, ZCOPY_OBSERVE_A_MAX,
				     tb[ZCOPY_A_OBSERVE], NULL) &&
		   ob[ZCOPY_OBSERVE_A_ID]) {
		res->id = nla_get_u64(ob[ZCOPY_OBSERVE_A_ID]);
		res->has_id = true;
	}
	if (res->has_id && res->replies <= (int)ARRAY_SIZE(res->ids))
		res->ids[res->replies - 1] = res->id;
}

/*
 * One request and everything it brings, up to the ack or NLMSG_DONE.
 * After ENOBUFS what is still queued is read too: the reply may have
 * made it when the ack did not.
 */
static int rnl_request(struct rnl *r, struct rmsg *m, struct rnl_result *res)
{
	static union {
		struct nlmsghdr nlh;
		char buf[65536];
	} u;
	char *buf = u.buf;
	int flags = 0;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	m->nlh.nlmsg_seq = ++r->seq;
	if (send(r->fd, &m->nlh, m->nlh.nlmsg_len, 0) < 0) {
		res->err = -errno;
		return res->err;
	}
	for (;;) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

		n = recv(r->fd, buf, sizeof(u.buf), flags);
		if (n < 0) {
			if (errno == ENOBUFS) {
				res->err = res->err ?: -ENOBUFS;
				flags = MSG_DONTWAIT;
				continue;
			}
			if (!flags || !res->err)
				res->err = -errno;
			return res->err;
		}
		for (; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != r->seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);

				res->err = res->err ?: e->error;
				return res->err;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int *e = NLMSG_DATA(nlh);

				res->err = res->err ?: *e;
				return res->err;
			}
			res->replies++;
			rnl_parse(nlh, res);
		}
	}
}

static void rmsg_submit_fds(struct rmsg *m, int family, int file, int sock,
			    uint32_t mode, uint64_t user_data)
{
	rmsg_init(m, family, ZCOPY_CMD_SUBMIT, NLM_F_ACK);
	rmsg_put_u32(m, ZCOPY_A_FILE_FD, file);
	rmsg_put_u32(m, ZCOPY_A_SOCK_FD, sock);
	rmsg_put_u32(m, ZCOPY_A_MODE, mode);
	rmsg_put_u64(m, ZCOPY_A_USER_DATA, user_data);
}

/* GET until the job has ended; its record's state, or -1. */
static int nl_wait_job(struct fi_ctx *self, uint64_t id,
		       struct zcopy_completion *rec)
{
	struct zcopy_nl_reply reply;
	int i, state = -1;

	for (i = 0; i < WAIT_MS / 20; i++) {
		if (zcopy_nl_get(&self->nl, id, &reply) ||
		    !reply.attrs[ZCOPY_A_STATE]) {
			zcopy_nl_reply_free(&reply);
			return -1;
		}
		state = nla_get_u32(reply.attrs[ZCOPY_A_STATE]);
		if (state >= ZCOPY_STATE_DONE) {
			rec->id = id;
			rec->state = state;
			rec->error = nla_get_s32(reply.attrs[ZCOPY_A_ERROR]);
			rec->bytes_sent =
				nla_get_u64(reply.attrs[ZCOPY_A_BYTES_SENT]);
			rec->verified = nla_get_u8(reply.attrs[ZCOPY_A_VERIFIED]);
			zcopy_nl_reply_free(&reply);
			return state;
		}
		zcopy_nl_reply_free(&reply);
		usleep(20000);
	}
	return -1;
}

/* Reads n completion records; each job must have sent the whole size. */
static void expect_records_done(struct __test_metadata *_metadata, int dev,
				unsigned int n, uint64_t size)
{
	struct zcopy_completion rec;
	unsigned int i;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, zcopy_wait_completion(dev, WAIT_MS, &rec))
			TH_LOG("record %u of %u missing", i + 1, n);
		EXPECT_EQ(ZCOPY_STATE_DONE, rec.state)
			TH_LOG("job %llu: error %d", (unsigned long long)rec.id,
			       rec.error);
		EXPECT_EQ(size, rec.bytes_sent);
	}
}

/* The receiver got jobs copies of the file, in one stream. */
static void expect_received(struct __test_metadata *_metadata, struct xfer *x,
			    unsigned int jobs)
{
	unsigned char sha[SHA256_LEN];
	struct zcopy_received got;

	ASSERT_EQ(0, xfer_close(x, &got));
	EXPECT_EQ(x->size * jobs, got.bytes);
	sha_of(x->path, x->size, jobs, sha);
	EXPECT_EQ(0, memcmp(sha, got.sha256, SHA256_LEN))
		TH_LOG("the receiver's data is not %u copies of %s", jobs,
		       x->path);
}

static const int errs_ioctl[] = { ENOMEM, 0 };
/* ENOBUFS: netlink's own skbs (the request, the ack) could not be had. */
static const int errs_nl[] = { ENOMEM, ENOBUFS, 0 };
/* ENFILE: sock_alloc() failing in sock_create(), as the kernel says it. */
static const int errs_nl_path[] = { ENOMEM, ENOBUFS, ENFILE, 0 };

TEST_F_TIMEOUT(fi, ioctl_submit, 300)
{
	struct fi_ctx *fi = &self->c;
	uint64_t before, id;
	unsigned int n, jobs = 0;
	struct tally t;
	struct xfer x;
	bool fired;
	int ret;

	if (fi->skip)
		return;
	ASSERT_EQ(0, xfer_open(fi, &x, SMALL_FILE));
	sweep_begin(fi, &t, "ioctl SUBMIT", errs_ioctl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		before = stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_SUBMITTED);
		nth_arm(fi, n);
		ret = zcopy_submit(fi->dev, x.file, x.sock, n % 4, 0, 0, n,
				   &id);
		fired = nth_disarm(fi);
		ASSERT_TRUE(tally_add(&t, fired, ret))
			TH_LOG("N=%u: %s", n, strerror(-ret));
		ASSERT_TRUE(fired || !ret) TH_LOG("N=%u: failed with no fault", n);
		/* A refused job was never counted, an accepted one once. */
		ASSERT_EQ(before + !ret, stat_of(_metadata, fi,
						 ZCOPY_STATS_A_JOBS_SUBMITTED))
			TH_LOG("N=%u returned %d", n, ret);
		jobs += !ret;
	}
	sweep_end(_metadata, &t, fired);
	expect_records_done(_metadata, fi->dev, jobs, x.size);
	expect_received(_metadata, &x, jobs);
}

TEST_F_TIMEOUT(fi, ioctl_submit_batch, 300)
{
	struct fi_ctx *fi = &self->c;
	struct zcopy_submit s[3];
	struct zcopy_submit_batch b;
	unsigned int n, i, jobs = 0;
	uint64_t before, after;
	struct tally t;
	struct xfer x;
	bool fired;
	int ret;

	if (fi->skip)
		return;
	ASSERT_EQ(0, xfer_open(fi, &x, SMALL_FILE));
	sweep_begin(fi, &t, "ioctl SUBMIT_BATCH of 3", errs_ioctl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		for (i = 0; i < ARRAY_SIZE(s); i++)
			s[i] = (struct zcopy_submit) {
				.size = sizeof(s[i]),
				.file_fd = x.file,
				.sock_fd = x.sock,
				.mode = (n + i) % 4,
				.user_data = n,
			};
		b = (struct zcopy_submit_batch) {
			.size = sizeof(b),
			.count = ARRAY_SIZE(s),
			.jobs = (uintptr_t)s,
			.entry_size = sizeof(s[0]),
		};
		before = stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_SUBMITTED);
		nth_arm(fi, n);
		ret = ioctl(fi->dev, ZCOPY_IOC_SUBMIT_BATCH, &b) ? -errno : 0;
		fired = nth_disarm(fi);
		after = stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_SUBMITTED);
		ASSERT_TRUE(tally_add(&t, fired, ret))
			TH_LOG("N=%u: %s", n, strerror(-ret));
		ASSERT_TRUE(fired || (!ret && b.count == ARRAY_SIZE(s)))
			TH_LOG("N=%u: short or failed with no fault", n);
		/* A failed call accepted none; a short batch says how many. */
		if (ret) {
			ASSERT_EQ(before, after);
		} else {
			ASSERT_LE(1, b.count);
			ASSERT_GE(ARRAY_SIZE(s), b.count);
			ASSERT_EQ(before + b.count, after);
			jobs += b.count;
		}
	}
	sweep_end(_metadata, &t, fired);
	expect_records_done(_metadata, fi->dev, jobs, x.size);
	expect_received(_metadata, &x, jobs);
}

/*
 * One point of a netlink SUBMIT sweep: m sent with the N-th allocation
 * failing. The reply carries the id: with it the job exists, even if the
 * ack that follows was lost (ENOBUFS); without it, none was created. The
 * id goes to ids[(*jobs)++]. Returns whether the fault fired.
 */
static bool submit_point(struct __test_metadata *_metadata,
			 struct fi_ctx *fi, struct tally *t, unsigned int n,
			 struct rnl *r, struct rmsg *m, uint64_t *ids,
			 unsigned int *jobs)
{
	struct rnl_result res;
	uint64_t before, after;
	bool fired;

	before = stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_SUBMITTED);
	nth_arm(fi, n);
	rnl_request(r, m, &res);
	fired = nth_disarm(fi);
	after = stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_SUBMITTED);
	ASSERT_TRUE(tally_add(t, fired, res.has_id ? 0 : res.err))
		TH_LOG("N=%u: %s", n, strerror(-res.err));
	ASSERT_TRUE(fired || (!res.err && res.has_id))
		TH_LOG("N=%u: %d with no fault", n, res.err);
	ASSERT_TRUE(!res.has_id || !res.err || res.err == -ENOBUFS)
		TH_LOG("N=%u: a reply and error %d", n, res.err);
	ASSERT_TRUE(res.has_id || res.err) TH_LOG("N=%u: no reply", n);
	ASSERT_EQ(before + res.has_id, after) TH_LOG("N=%u", n);
	if (res.has_id)
		ids[(*jobs)++] = res.id;
	return fired;
}

/*
 * One point of a sweep of any other request that names a job or an
 * observation: a reply carries its id, or the request failed with an
 * errno listed. Returns whether the fault fired.
 */
static bool nl_point(struct __test_metadata *_metadata, struct fi_ctx *fi,
		     struct tally *t, unsigned int n, struct rnl *r,
		     struct rmsg *m, struct rnl_result *res)
{
	bool fired;

	nth_arm(fi, n);
	rnl_request(r, m, res);
	fired = nth_disarm(fi);
	ASSERT_TRUE(tally_add(t, fired, res->has_id ? 0 : res->err))
		TH_LOG("N=%u: %s", n, strerror(-res->err));
	ASSERT_TRUE(fired || (!res->err && res->has_id));
	return fired;
}

TEST_F_TIMEOUT(fi, netlink_submit_fds, 300)
{
	struct fi_ctx *fi = &self->c;
	struct zcopy_completion rec;
	static uint64_t ids[MAX_NTH];
	unsigned int n, i, jobs = 0;
	struct rmsg m;
	struct tally t;
	struct xfer x;
	struct rnl r;
	bool fired;

	if (fi->skip)
		return;
	ASSERT_EQ(0, xfer_open(fi, &x, SMALL_FILE));
	ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
	sweep_begin(fi, &t, "netlink SUBMIT (fds)", errs_nl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		rmsg_submit_fds(&m, r.family, x.file, x.sock, n % 4, n);
		fired = submit_point(_metadata, fi, &t, n, &r, &m, ids, &jobs);
	}
	sweep_end(_metadata, &t, fired);
	for (i = 0; i < jobs; i++) {
		ASSERT_EQ(ZCOPY_STATE_DONE, nl_wait_job(fi, ids[i], &rec))
			TH_LOG("job %" PRIu64 ": error %d", ids[i], rec.error);
		EXPECT_EQ(x.size, rec.bytes_sent);
	}
	close(r.fd);
	expect_received(_metadata, &x, jobs);
}

/*
 * A receiver for path+address jobs, which connect themselves: accepts
 * until told to stop and checks every connection's data against the file.
 */
struct sink {
	pid_t pid;
	int port;
	int ctl;		/* closing it stops the sink */
	int result;
};

struct sink_result {
	unsigned int conns, whole, bad;
	uint64_t bytes;
};

static void sink_main(int lfd, int ctl, int out, const unsigned char *want,
		      uint64_t size)
{
	struct pollfd pfd[2] = {
		{ .fd = lfd, .events = POLLIN }, { .fd = ctl, .events = POLLIN },
	};
	struct sink_result r = {};
	static char buf[1 << 16];
	unsigned char sha[SHA256_LEN];
	unsigned int md_len;

	for (;;) {
		EVP_MD_CTX *ctx;
		uint64_t got = 0;
		ssize_t n;
		int fd;

		if (poll(pfd, 2, -1) < 0)
			_exit(2);
		if (!(pfd[0].revents & POLLIN))
			break;
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			_exit(3);
		ctx = EVP_MD_CTX_new();
		EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
		while ((n = read(fd, buf, sizeof(buf))) > 0) {
			EVP_DigestUpdate(ctx, buf, n);
			got += n;
		}
		EVP_DigestFinal_ex(ctx, sha, &md_len);
		EVP_MD_CTX_free(ctx);
		close(fd);
		r.conns++;
		r.bytes += got;
		if (got == size && !memcmp(sha, want, SHA256_LEN))
			r.whole++;
		else if (got)
			r.bad++;
	}
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(4);
	_exit(0);
}

static int sink_start(struct sink *s, const char *path, uint64_t size)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	unsigned char want[SHA256_LEN];
	int lfd, ctl[2], res[2];

	sha_of(path, size, 1, want);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 64) ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) ||
	    pipe2(ctl, O_CLOEXEC) || pipe2(res, O_CLOEXEC))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (!s->pid) {
		close(ctl[1]);
		close(res[0]);
		sink_main(lfd, ctl[0], res[1], want, size);
	}
	close(lfd);
	close(ctl[0]);
	close(res[1]);
	s->port = ntohs(sin.sin_port);
	s->ctl = ctl[1];
	s->result = res[0];
	return 0;
}

static int sink_stop(struct sink *s, struct sink_result *r)
{
	int ret = 0;

	close(s->ctl);
	if (read(s->result, r, sizeof(*r)) != sizeof(*r))
		ret = -1;
	close(s->result);
	waitpid(s->pid, NULL, 0);
	return ret;
}

TEST_F_TIMEOUT(fi, netlink_submit_path, 300)
{
	struct fi_ctx *fi = &self->c;
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct zcopy_completion rec;
	static uint64_t ids[MAX_NTH];
	struct sink_result got;
	unsigned int n, i, jobs = 0;
	char path[160];
	struct sink sk = {};
	struct rmsg m;
	struct tally t;
	struct rnl r;
	bool fired;

	if (fi->skip)
		return;
	snprintf(path, sizeof(path), "%s/%s", fi->data, SMALL_FILE);
	ASSERT_EQ(0, sink_start(&sk, path, SMALL_SIZE));
	sin.sin_port = htons(sk.port);
	ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
	sweep_begin(fi, &t, "netlink SUBMIT (path, address)", errs_nl_path);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		rmsg_init(&m, r.family, ZCOPY_CMD_SUBMIT, NLM_F_ACK);
		rmsg_put(&m, ZCOPY_A_PATH, path, strlen(path) + 1);
		rmsg_put(&m, ZCOPY_A_ADDR, &sin, sizeof(sin));
		rmsg_put_u32(&m, ZCOPY_A_MODE, n % 4);
		fired = submit_point(_metadata, fi, &t, n, &r, &m, ids, &jobs);
	}
	sweep_end(_metadata, &t, fired);
	for (i = 0; i < jobs; i++) {
		ASSERT_EQ(ZCOPY_STATE_DONE, nl_wait_job(fi, ids[i], &rec))
			TH_LOG("job %" PRIu64 ": error %d", ids[i], rec.error);
		EXPECT_EQ(SMALL_SIZE, rec.bytes_sent);
	}
	close(r.fd);
	/* Connections of failed submissions carry nothing. */
	ASSERT_EQ(0, sink_stop(&sk, &got));
	EXPECT_EQ(jobs, got.whole);
	EXPECT_EQ(0, got.bad);
	EXPECT_EQ((uint64_t)jobs * SMALL_SIZE, got.bytes);
	TH_LOG("sink: %u connections, %u whole transfers", got.conns,
	       got.whole);
}

/* A dump of every job, from its request to NLMSG_DONE. */
static int dump_jobs(struct rnl *r, struct rnl_result *res)
{
	struct rmsg m;

	rmsg_init(&m, r->family, ZCOPY_CMD_GET, NLM_F_DUMP);
	return rnl_request(r, &m, res);
}

TEST_F_TIMEOUT(fi, netlink_get_and_dump, 300)
{
	struct fi_ctx *fi = &self->c;
	static struct rnl_result clean, res;
	struct zcopy_submit s[48];
	struct zcopy_submit_batch b = {
		.size = sizeof(b), .count = ARRAY_SIZE(s), .jobs = (uintptr_t)s,
		.entry_size = sizeof(s[0]),
	};
	unsigned int n, i;
	struct tally t;
	struct xfer x;
	struct rmsg m;
	struct rnl r;
	bool fired;
	int ret;

	if (fi->skip)
		return;
	/* Enough finished jobs for a dump of several parts. */
	ASSERT_EQ(0, xfer_open(fi, &x, "f1"));
	for (i = 0; i < ARRAY_SIZE(s); i++)
		s[i] = (struct zcopy_submit) {
			.size = sizeof(s[i]), .file_fd = x.file,
			.sock_fd = x.sock, .mode = ZCOPY_MODE_COPY,
		};
	ASSERT_EQ(0, ioctl(fi->dev, ZCOPY_IOC_SUBMIT_BATCH, &b));
	ASSERT_EQ(ARRAY_SIZE(s), b.count);
	expect_records_done(_metadata, fi->dev, b.count, x.size);
	expect_received(_metadata, &x, b.count);

	ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
	ASSERT_EQ(0, dump_jobs(&r, &clean));
	close(r.fd);
	ASSERT_LE(ARRAY_SIZE(s), clean.replies);
	ASSERT_GE(ARRAY_SIZE(clean.ids), clean.replies);
	TH_LOG("a dump of %d jobs", clean.replies);

	sweep_begin(fi, &t, "netlink GET dump", errs_nl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		/* Each on a socket of its own: a cut-short dump goes with it. */
		ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
		nth_arm(fi, n);
		ret = dump_jobs(&r, &res);
		fired = nth_disarm(fi);
		close(r.fd);
		ASSERT_TRUE(tally_add(&t, fired, ret))
			TH_LOG("N=%u: %s", n, strerror(-ret));
		ASSERT_TRUE(fired || !ret) TH_LOG("N=%u: %d with no fault", n, ret);
		/* A dump that ends well is whole: none lost, none twice. */
		if (!ret) {
			ASSERT_EQ(clean.replies, res.replies) TH_LOG("N=%u", n);
			ASSERT_EQ(0, memcmp(clean.ids, res.ids,
					    clean.replies * sizeof(res.ids[0])));
		}
	}
	sweep_end(_metadata, &t, fired);

	ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
	sweep_begin(fi, &t, "netlink GET (one job)", errs_nl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		rmsg_init(&m, r.family, ZCOPY_CMD_GET, NLM_F_ACK);
		rmsg_put_u64(&m, ZCOPY_A_ID, clean.ids[0]);
		fired = nl_point(_metadata, fi, &t, n, &r, &m, &res);
		ASSERT_TRUE(!res.has_id || res.id == clean.ids[0]);
	}
	sweep_end(_metadata, &t, fired);
	close(r.fd);
}

static void observe_cmd_msg(struct rmsg *m, int family, uint8_t cmd,
			    uint64_t id)
{
	rmsg_init(m, family, cmd, NLM_F_ACK);
	rmsg_put_u64(m, ZCOPY_A_OBSERVE_ID, id);
}

static int observe_cmd(struct rnl *r, uint8_t cmd, uint64_t id,
		       struct rnl_result *res)
{
	struct rmsg m;

	observe_cmd_msg(&m, r->family, cmd, id);
	return rnl_request(r, &m, res);
}

static void observe_start_msg(struct rmsg *m, int family, int file, int sock)
{
	rmsg_init(m, family, ZCOPY_CMD_OBSERVE_START, NLM_F_ACK);
	rmsg_put_u32(m, ZCOPY_A_SOCK_FD, sock);
	rmsg_put_u32(m, ZCOPY_A_FILE_FD, file);
}

static int observe_start(struct rnl *r, int file, int sock,
			 struct rnl_result *res)
{
	struct rmsg m;

	observe_start_msg(&m, r->family, file, sock);
	return rnl_request(r, &m, res);
}

TEST_F_TIMEOUT(fi, netlink_observe, 300)
{
	struct fi_ctx *fi = &self->c;
	struct rnl_result res, clean;
	uint64_t base, id;
	unsigned int n;
	struct tally t;
	struct rmsg m;
	struct xfer x;
	struct rnl r;
	bool fired;

	if (fi->skip)
		return;
	ASSERT_EQ(0, xfer_open(fi, &x, SMALL_FILE));
	ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
	base = stat_of(_metadata, fi, ZCOPY_STATS_A_OBSERVATIONS);

	sweep_begin(fi, &t, "netlink OBSERVE_START", errs_nl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		observe_start_msg(&m, r.family, x.file, x.sock);
		fired = nl_point(_metadata, fi, &t, n, &r, &m, &res);
		/* No id, no observation left running. */
		ASSERT_EQ(base + res.has_id,
			  stat_of(_metadata, fi, ZCOPY_STATS_A_OBSERVATIONS))
			TH_LOG("N=%u: error %d", n, res.err);
		if (res.has_id)
			ASSERT_EQ(0, observe_cmd(&r, ZCOPY_CMD_OBSERVE_STOP,
						 res.id, &clean));
	}
	sweep_end(_metadata, &t, fired);

	ASSERT_EQ(0, observe_start(&r, x.file, x.sock, &clean));
	id = clean.id;
	sweep_begin(fi, &t, "netlink OBSERVE_READ", errs_nl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		observe_cmd_msg(&m, r.family, ZCOPY_CMD_OBSERVE_READ, id);
		fired = nl_point(_metadata, fi, &t, n, &r, &m, &res);
		ASSERT_TRUE(!res.has_id || res.id == id);
		ASSERT_EQ(0, observe_cmd(&r, ZCOPY_CMD_OBSERVE_READ, id, &clean))
			TH_LOG("N=%u: the observation is gone", n);
	}
	sweep_end(_metadata, &t, fired);
	ASSERT_EQ(0, observe_cmd(&r, ZCOPY_CMD_OBSERVE_STOP, id, &clean));

	/* A STOP that fails must leave the observation to stop again. */
	sweep_begin(fi, &t, "netlink OBSERVE_STOP", errs_nl);
	for (n = 1, fired = true; sweep_next(fi, &t, n, fired); n++) {
		ASSERT_EQ(0, observe_start(&r, x.file, x.sock, &clean));
		id = clean.id;
		observe_cmd_msg(&m, r.family, ZCOPY_CMD_OBSERVE_STOP, id);
		fired = nl_point(_metadata, fi, &t, n, &r, &m, &res);
		if (res.has_id) {
			EXPECT_EQ(-ENOENT, observe_cmd(&r, ZCOPY_CMD_OBSERVE_READ,
						       id, &clean));
		} else {
			EXPECT_EQ(0, observe_cmd(&r, ZCOPY_CMD_OBSERVE_READ, id,
						 &clean))
				TH_LOG("N=%u: STOP failed with %s but ended the observation",
				       n, strerror(-res.err));
			observe_cmd(&r, ZCOPY_CMD_OBSERVE_STOP, id, &clean);
		}
		ASSERT_EQ(base, stat_of(_metadata, fi,
					ZCOPY_STATS_A_OBSERVATIONS));
	}
	sweep_end(_metadata, &t, fired);
	close(r.fd);
	close(x.sock);
	zcopy_receiver_kill(&x.rx);
	close(x.file);
}

/*
 * zcopy's text, from its function symbols in kallsyms: the lowest one to
 * the first symbol of anything after its highest (its end, give or take
 * alignment), at most 64 KiB past it.
 */
static int zcopy_text(unsigned long *start, unsigned long *end)
{
	static unsigned long mods[1 << 16];
	unsigned long addr, lo = ULONG_MAX, hi = 0, next;
	unsigned int nmods = 0, i;
	char line[512], type;
	FILE *f;

	f = fopen("/proc/kallsyms", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %c", &addr, &type) != 2 || !addr ||
		    !strchr(line, '['))
			continue;
		if (nmods < ARRAY_SIZE(mods))
			mods[nmods++] = addr;
		if ((type == 't' || type == 'T') && strstr(line, "\t[zcopy]")) {
			lo = addr < lo ? addr : lo;
			hi = addr > hi ? addr : hi;
		}
	}
	fclose(f);
	if (!hi)
		return -ENOENT;	/* no addresses: kptr_restrict */
	next = hi + 0x10000;
	for (i = 0; i < nmods; i++)
		if (mods[i] > hi && mods[i] < next)
			next = mods[i];
	*start = lo;
	*end = next;
	return 0;
}

/*
 * One worker fault: a fault attribute (NULL: the fail-nth walk) and how
 * many faults it may inject per job.
 */
struct worker_fault {
	const char *attr;
	const char *unit;	/* what "space" counts */
	int times;
};

struct worker_ctx {
	const struct worker_fault *fault;
	unsigned long text_start, text_end;
	int events;		/* netlink socket in the "events" group */
	struct rnl rnl;
	pid_t kworkers[256];	/* walk: the unbound pool's workers */
	unsigned int nr_kworkers;
	unsigned int jobs, injected, failed, verified, events_lost;
	unsigned int errs_nomem;
};

/* fail-nth of task pid: write val, or read it back into *val. */
static int task_nth(pid_t pid, unsigned int *val, bool write_it)
{
	char path[64], buf[16] = "";
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/fail-nth", pid);
	fd = open(path, write_it ? O_WRONLY | O_CLOEXEC : O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write_it) {
		len = snprintf(buf, sizeof(buf), "%u", *val);
		if (write(fd, buf, len) != len)
			ret = -errno;
	} else if (read(fd, buf, sizeof(buf) - 1) <= 0) {
		ret = -EIO;
	} else {
		*val = strtoul(buf, NULL, 10);
	}
	close(fd);
	return ret;
}

/* The kworkers of the unbound pools, where zcopy's jobs run. */
static void find_kworkers(struct worker_ctx *w)
{
	char path[300], comm[32];
	struct dirent *d;
	DIR *dir;
	int fd;
	ssize_t n;

	w->nr_kworkers = 0;
	dir = opendir("/proc");
	while (dir && (d = readdir(dir)) &&
	       w->nr_kworkers < ARRAY_SIZE(w->kworkers)) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", d->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, comm, sizeof(comm) - 1);
		close(fd);
		if (n > 0 && !strncmp(comm, "kworker/u", 9))
			w->kworkers[w->nr_kworkers++] = atoi(d->d_name);
	}
	if (dir)
		closedir(dir);
}

static void kworkers_set(struct worker_ctx *w, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < w->nr_kworkers; i++)
		task_nth(w->kworkers[i], &nth, true);
}

/* The smallest count left: below the one armed, a worker ran the job. */
static unsigned int kworkers_min(struct worker_ctx *w, unsigned int armed)
{
	unsigned int i, v, min = armed;

	for (i = 0; i < w->nr_kworkers; i++)
		if (!task_nth(w->kworkers[i], &v, false) && v < min)
			min = v;
	return min;
}

static void reset_kworkers(void)
{
	static struct worker_ctx w;

	find_kworkers(&w);
	kworkers_set(&w, 0);
}

static int worker_ctx_init(struct fi_ctx *self, struct worker_ctx *w,
			   const struct worker_fault *fault)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int grp, ret;

	memset(w, 0, sizeof(*w));
	w->fault = fault;
	ret = zcopy_text(&w->text_start, &w->text_end);
	if (ret)
		return ret;
	grp = genl_ctrl_resolve_grp(self->nl.sk, ZCOPY_GENL_NAME,
				    ZCOPY_GENL_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	w->events = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			   NETLINK_GENERIC);
	if (w->events < 0 ||
	    bind(w->events, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(w->events, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp)))
		return -errno;
	return rnl_open(&w->rnl, self->nl.family);
}

static void worker_ctx_exit(struct worker_ctx *w)
{
	close(w->events);
	close(w->rnl.fd);
}

/*
 * The stack filter: a candidate allocation fails only if one of the 32
 * innermost return addresses lies in zcopy's text. That catches what the
 * worker allocates itself (its buffers, the observation, the completion
 * event), what it makes the kernel allocate for it (page-cache pages and
 * readahead, the file system's bios, TCP's skbs and page frags, vmap's
 * areas) and softirq work that runs on top of it (loopback delivery to
 * the receiver), but nothing of the receiver, which never runs zcopy
 * code, nor of this thread (see immune()).
 */
static int stack_filter(struct worker_ctx *w, const char *attr)
{
	int ret = 0;

	ret |= knob_write(attr, "require-start", "%#lx", w->text_start);
	ret |= knob_write(attr, "require-end", "%#lx", w->text_end);
	ret |= knob_write(attr, "stacktrace-depth", "32");
	return ret;
}

/* times: faults per job; space: the candidates let through first. */
static int worker_arm(struct worker_ctx *w, int space)
{
	const char *a = w->fault->attr;
	int ret = stack_filter(w, a);

	ret |= knob_write(a, "task-filter", "N");
	ret |= knob_write(a, "interval", "1");
	ret |= knob_write(a, "space", "%d", space);
	ret |= knob_write(a, "times", "%d", w->fault->times);
	ret |= knob_write(a, "probability", "100");
	return ret;
}

/* Whether the fault fired; *left: the space not used up. */
static bool worker_disarm(struct worker_ctx *w, long long *left)
{
	const char *a = w->fault->attr;
	bool fired;

	knob_write(a, "probability", "0");
	fired = knob_num(a, "times") < w->fault->times;
	*left = knob_num(a, "space");
	disarm(a);
	return fired;
}

/*
 * The listener must hear of every job: its event, or ENOBUFS when the
 * kernel could not deliver one. 1: the event, 0: ENOBUFS, -1: neither.
 */
static int worker_event(struct worker_ctx *w, uint64_t id)
{
	static union {
		struct nlmsghdr nlh;
		char buf[65536];
	} u;
	char *buf = u.buf;
	struct pollfd pfd = { .fd = w->events, .events = POLLIN };
	struct nlattr *tb[ZCOPY_A_MAX + 1];
	struct nlmsghdr *nlh;
	ssize_t n;

	while (poll(&pfd, 1, 2000) == 1) {
		n = recv(w->events, buf, sizeof(u.buf), MSG_DONTWAIT);
		if (n < 0)
			return errno == ENOBUFS ? 0 : -1;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n))
			if (!genlmsg_parse(nlh, 0, tb, ZCOPY_A_MAX, NULL) &&
			    tb[ZCOPY_A_ID] && nla_get_u64(tb[ZCOPY_A_ID]) == id)
				return 1;
	}
	return -1;
}

static int drop_page_cache(void)
{
	int fd, ret = 0;

	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

#define JOB_BROKEN	(-1LL)
#define JOB_ELSEWHERE	(-2LL)	/* walk: ran on a worker not armed */

/*
 * One job of the whole file, the page cache dropped first so the worker
 * reads the file in. With a fault attribute the fault is armed at arg
 * (space) and the space left is returned; in the walk every unbound
 * kworker's fail-nth is arg and the candidates the job's worker went
 * through are returned. Either measures the job in the calibration run.
 */
static long long worker_job(struct __test_metadata *_metadata,
			    struct fi_ctx *self, struct worker_ctx *w,
			    uint32_t mode, bool nl, unsigned int arg)
{
	unsigned char sha[SHA256_LEN];
	struct zcopy_completion rec = {};
	struct zcopy_received got;
	struct rnl_result res;
	long long out = JOB_BROKEN;
	unsigned int left_nth = 0;
	struct xfer x;
	struct rmsg m;
	uint64_t id;
	int ret, state = -1, event;
	bool fired;

	if (xfer_open(self, &x, WORKER_FILE) || drop_page_cache())
		return JOB_BROKEN;
	if (w->fault->attr) {
		immune(self, true);
		if (worker_arm(w, arg)) {
			immune(self, false);
			return JOB_BROKEN;
		}
	} else {
		find_kworkers(w);
		kworkers_set(w, arg);
	}
	if (nl) {
		rmsg_submit_fds(&m, w->rnl.family, x.file, x.sock, mode, arg);
		ret = rnl_request(&w->rnl, &m, &res);
		if (!ret && res.has_id)
			state = nl_wait_job(self, res.id, &rec);
	} else {
		ret = zcopy_submit(self->dev, x.file, x.sock, mode, 0, 0, arg,
				   &id);
		if (!ret && !zcopy_wait_completion(self->dev, WAIT_MS, &rec))
			state = rec.state;
	}
	if (w->fault->attr) {
		fired = worker_disarm(w, &out);
		immune(self, false);
	} else {
		left_nth = kworkers_min(w, arg);
		kworkers_set(w, 0);
		fired = left_nth == 0;
		out = left_nth < arg ? arg - left_nth : JOB_ELSEWHERE;
	}
	ret = xfer_close(&x, &got);

	EXPECT_EQ(0, ret) TH_LOG("no result from the receiver");
	EXPECT_NE(-1, state)
		TH_LOG("%s job (mode %u, at %u) never ended", nl ? "netlink" :
		       "ioctl", mode, arg);
	if (ret || state < 0)
		return JOB_BROKEN;
	w->jobs++;
	w->injected += fired;
	w->verified += rec.verified;
	if (state == ZCOPY_STATE_DONE) {
		EXPECT_EQ(0, rec.error);
		EXPECT_EQ(x.size, rec.bytes_sent);
		EXPECT_EQ(x.size, got.bytes);
	} else {
		/* Failed by the fault, with its errno, after a prefix. */
		w->failed++;
		w->errs_nomem += rec.error == -ENOMEM;
		EXPECT_EQ(ZCOPY_STATE_FAILED, state);
		EXPECT_TRUE(fired) TH_LOG("failed (%d) with no fault", rec.error);
		EXPECT_EQ(-ENOMEM, rec.error)
			TH_LOG("mode %u, at %u: %s", mode, arg,
			       strerror(-rec.error));
		EXPECT_GT(x.size, rec.bytes_sent);
		EXPECT_EQ(rec.bytes_sent, got.bytes);
	}
	sha_of(x.path, got.bytes, 1, sha);
	EXPECT_EQ(0, memcmp(sha, got.sha256, SHA256_LEN))
		TH_LOG("the receiver got %" PRIu64 " bytes, not the file's first",
		       got.bytes);
	event = worker_event(w, rec.id);
	w->events_lost += event == 0;
	EXPECT_NE(-1, event)
		TH_LOG("job %llu (mode %u, at %u, fault %s): no event and no ENOBUFS",
		       (unsigned long long)rec.id, mode, arg,
		       fired ? "fired" : "not fired");
	return out;
}

static void worker_summary(struct __test_metadata *_metadata,
			   struct worker_ctx *w, const char *what)
{
	TH_LOG("%s: %u jobs, %u faults, %u failed (ENOMEM x%u), %u verified, %u ENOBUFS events",
	       what, w->jobs, w->injected, w->failed, w->errs_nomem,
	       w->verified, w->events_lost);
}

/*
 * Per mode: a calibration job with all the space in the world measures
 * what the worker's candidates add up to; then the fault moves through
 * them at WORKER_POINTS even steps, at small steps over the first ones
 * (the engine's own buffers) and at the very last one, submitted
 * alternately through the device and through netlink.
 */
static void worker_sweep(struct __test_metadata *_metadata,
			 struct fi_ctx *self,
			 const struct worker_fault *fault)
{
	struct worker_ctx w;
	time_t start = time(NULL);
	long long total, left;
	unsigned int mode, i, points;
	struct rnl_result held, res;
	struct zcopy_received got;
	struct xfer hold;
	int space;

	if (!has_stack_filter())
		SKIP(return, "no stack filter: CONFIG_FAULT_INJECTION_STACKTRACE_FILTER");
	ASSERT_EQ(0, worker_ctx_init(self, &w, fault));
	/*
	 * An observation held over the sweep keeps the observer's probes
	 * armed. Else they are disarmed 0.5 s after a job's observation
	 * ends, by module code the stack filter covers too: when the fault
	 * was still armed then (a slow debug VM), ftrace's allocation failed
	 * and __disarm_kprobe_ftrace() WARNed, a failure outside fault
	 * injection's reach (GFP_KERNEL, a few bytes), and panic_on_warn.
	 */
	ASSERT_EQ(0, xfer_open(self, &hold, WORKER_FILE));
	ASSERT_EQ(0, observe_start(&w.rnl, hold.file, hold.sock, &held));
	ASSERT_TRUE(held.has_id);
	TH_LOG("%s: stack filter %#lx-%#lx", fault->attr, w.text_start,
	       w.text_end);
	for (mode = 0; mode <= ZCOPY_MODE_MAX; mode++) {
		left = worker_job(_metadata, self, &w, mode, false, INT_MAX);
		ASSERT_LE(0, left);
		total = INT_MAX - left;
		TH_LOG("%s, mode %u: %lld %s of candidates in the worker",
		       fault->attr, mode, total, fault->unit);
		points = WORKER_POINTS + WORKER_HEAD_POINTS + 1;
		for (i = 0; total && i < points; i++) {
			if (out_of_time(start, WORKER_SECS)) {
				TH_LOG("time budget spent in mode %u", mode);
				break;
			}
			if (i < WORKER_POINTS)
				space = total * i / WORKER_POINTS;
			else if (i < points - 1)
				space = total * (i - WORKER_POINTS + 1) /
					(WORKER_POINTS * (WORKER_HEAD_POINTS + 1));
			else
				space = total - 1;
			worker_job(_metadata, self, &w, mode, i % 2, space);
		}
	}
	EXPECT_EQ(0, observe_cmd(&w.rnl, ZCOPY_CMD_OBSERVE_STOP, held.id,
				 &res));
	EXPECT_EQ(0, xfer_close(&hold, &got));
	worker_summary(_metadata, &w, fault->attr);
	worker_ctx_exit(&w);
}

TEST_F_TIMEOUT(fi, worker_failslab, 300)
{
	struct fi_ctx *fi = &self->c;
	static const struct worker_fault f = { "failslab", "bytes", 1 };

	if (fi->skip)
		return;
	worker_sweep(_metadata, fi, &f);
}

TEST_F_TIMEOUT(fi, worker_fail_page_alloc, 300)
{
	struct fi_ctx *fi = &self->c;
	static const struct worker_fault f = { "fail_page_alloc", "pages", 1 };

	if (fi->skip)
		return;
	worker_sweep(_metadata, fi, &f);
}

#define INJECT_FN	"__filemap_add_folio"

static bool fn_injectable(const char *func)
{
	char line[256];
	bool found = false;
	size_t len = strlen(func);
	FILE *f;

	f = fopen(DEBUGFS "fail_function/injectable", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = !strncmp(line, func, len) &&
			(line[len] == '\t' || line[len] == ' ');
	fclose(f);
	return found;
}

/*
 * Injects -ENOMEM (what the page cache returns when its xarray cannot
 * grow) into INJECT_FN; NULL, or why it cannot be done here. An int3
 * kprobe runs its handler as an NMI: should_fail_ex() then takes the
 * CRNG's lock for its random draw and lockdep reports "inconsistent lock
 * state" (a kernel issue), and fail-nth does not apply (not in_task()).
 * Kprobes on ftrace (CONFIG_KPROBES_ON_FTRACE) have neither problem.
 */
static const char *inject_fn(void)
{
	char line[256];
	bool ftrace = false;
	FILE *f;

	if (!attr_present("fail_function") || !fn_injectable(INJECT_FN))
		return INJECT_FN " is not injectable";
	if (knob_write("fail_function", "inject", INJECT_FN) ||
	    knob_write("fail_function", INJECT_FN "/retval", "%#llx",
		       (unsigned long long)-ENOMEM))
		return "cannot inject " INJECT_FN;
	f = fopen(DEBUGFS "kprobes/list", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, INJECT_FN "+0x0") && strstr(line, "[FTRACE]"))
			ftrace = true;
	if (f)
		fclose(f);
	if (!ftrace && !access("/proc/lockdep", F_OK)) {
		knob_write("fail_function", "inject", "!" INJECT_FN);
		return "fail_function's kprobe is an int3 one and lockdep is on";
	}
	return NULL;
}

/*
 * Error injection where the worker reads the file: from the space-th
 * call on every one fails (times), in readahead, which shrugs it off,
 * and then in read_mapping_page() or filemap_read(), which cannot.
 */
TEST_F_TIMEOUT(fi, worker_fail_function, 300)
{
	struct fi_ctx *fi = &self->c;
	static const struct worker_fault f = { "fail_function", "calls", 1000 };
	const char *why;

	if (fi->skip)
		return;
	why = inject_fn();
	if (why)
		SKIP(return, "%s", why);
	worker_sweep(_metadata, fi, &f);
	knob_write("fail_function", "inject", "!" INJECT_FN);
}

/*
 * The worker's allocations one by one: every unbound kworker gets
 * fail-nth N, which counts only candidates that pass the stack filter,
 * so the N-th allocation made with zcopy's text on the stack of the
 * worker that runs the job fails, and nothing else does (fail-nth is
 * checked before probability, times and space, and in task context
 * only). The calibration job's worker tells how many there are. A job
 * picked up by a kworker born after the arming is run again.
 */
TEST_F_TIMEOUT(fi, worker_walk, 300)
{
	struct fi_ctx *fi = &self->c;
	static const struct worker_fault f = { NULL, "candidates", 0 };
	unsigned int mode, i, n, tries, total, step;
	time_t start = time(NULL);
	struct worker_ctx w;
	const char *why;
	long long out;
	bool fn;

	if (fi->skip)
		return;
	if (!has_stack_filter())
		SKIP(return, "no stack filter: CONFIG_FAULT_INJECTION_STACKTRACE_FILTER");
	ASSERT_EQ(0, worker_ctx_init(fi, &w, &f));
	ASSERT_EQ(0, stack_filter(&w, "failslab"));
	ASSERT_EQ(0, stack_filter(&w, "fail_page_alloc"));
	why = inject_fn();
	fn = !why;
	ASSERT_EQ(0, fn ? stack_filter(&w, "fail_function") : 0);
	if (!fn)
		TH_LOG("no fail_function in the walk: %s", why);
	for (mode = 0; mode <= ZCOPY_MODE_MAX; mode++) {
		for (tries = 0, out = JOB_ELSEWHERE;
		     out == JOB_ELSEWHERE && tries < 3; tries++)
			out = worker_job(_metadata, fi, &w, mode, false,
					 NTH_IMMUNE);
		ASSERT_LT(0, out) TH_LOG("mode %u: no armed worker ran it", mode);
		total = out;
		step = total > WALK_EACH ?
		       (total - WALK_EACH) / WALK_STRIDED + 1 : 1;
		TH_LOG("walk, mode %u: %u candidates, each of the first %u, then every %u",
		       mode, total, WALK_EACH, step);
		for (n = 1; n <= total; n += n < WALK_EACH ? 1 : step) {
			if (out_of_time(start, WALK_SECS)) {
				TH_LOG("time budget spent in mode %u at %u",
				       mode, n);
				break;
			}
			for (i = 0, out = JOB_ELSEWHERE;
			     out == JOB_ELSEWHERE && i < 3; i++)
				out = worker_job(_metadata, fi, &w, mode,
						 n % 2, n);
		}
	}
	worker_summary(_metadata, &w, "walk");
	worker_ctx_exit(&w);
	if (fn)
		knob_write("fail_function", "inject", "!" INJECT_FN);
}

/* After the sweeps: the module still works, and nothing is left over. */
TEST_F_TIMEOUT(fi, clean_after_sweeps, 300)
{
	struct fi_ctx *fi = &self->c;
	unsigned char sha[SHA256_LEN];
	struct zcopy_completion rec;
	struct zcopy_received got;
	struct rnl_result res;
	unsigned int nl;
	struct rmsg m;
	struct xfer x;
	struct rnl r;
	uint64_t id;

	if (fi->skip)
		return;
	ASSERT_EQ(0, rnl_open(&r, fi->nl.family));
	for (nl = 0; nl < 2; nl++) {
		ASSERT_EQ(0, xfer_open(fi, &x, WORKER_FILE));
		ASSERT_EQ(0, drop_page_cache());
		if (nl) {
			rmsg_submit_fds(&m, r.family, x.file, x.sock,
					ZCOPY_MODE_SG, 0);
			ASSERT_EQ(0, rnl_request(&r, &m, &res));
			ASSERT_TRUE(res.has_id);
			ASSERT_EQ(ZCOPY_STATE_DONE,
				  nl_wait_job(fi, res.id, &rec));
		} else {
			ASSERT_EQ(0, zcopy_submit(fi->dev, x.file, x.sock,
						  ZCOPY_MODE_SG, 0, 0, 0, &id));
			ASSERT_EQ(0, zcopy_wait_completion(fi->dev, WAIT_MS,
							   &rec));
			ASSERT_EQ(ZCOPY_STATE_DONE, rec.state);
		}
		EXPECT_EQ(WORKER_SIZE, rec.bytes_sent);
		ASSERT_EQ(0, xfer_close(&x, &got));
		EXPECT_EQ(WORKER_SIZE, got.bytes);
		sha_of(x.path, WORKER_SIZE, 1, sha);
		EXPECT_EQ(0, memcmp(sha, got.sha256, SHA256_LEN));
	}
	close(r.fd);

	EXPECT_EQ(0, stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_QUEUED));
	EXPECT_EQ(0, stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_RUNNING));
	EXPECT_EQ(0, stat_of(_metadata, fi, ZCOPY_STATS_A_OBSERVATIONS));
	/* Every job submitted has ended, one way or another. */
	EXPECT_EQ(stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_SUBMITTED),
		  stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_DONE) +
		  stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_FAILED) +
		  stat_of(_metadata, fi, ZCOPY_STATS_A_JOBS_CANCELLED));
}

TEST_HARNESS_MAIN
