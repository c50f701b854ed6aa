/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopy_fuzz, a structured fuzzer of the zcopy module: what its files
 * share. zcopy_fuzz.c is the parent (options, setup, listener, verdict);
 * each worker runs zcopy_fuzz_worker.c's loop over the requests of
 * zcopy_fuzz_nl_ops.c and zcopy_fuzz_dev.c, with the fds of
 * zcopy_fuzz_fds.c. State of a worker lives in globals: each worker is a
 * process of its own.
 */
#ifndef _ZCOPY_FUZZ_H
#define _ZCOPY_FUZZ_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/zcopy.h>
#include <netinet/in.h>
#include <sys/time.h>

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

/* An op's name in the report and its weight in the worker's picks. */
struct fuzz_op_info {
	const char *name;
	unsigned int weight;
};

extern const struct fuzz_op_info op_table[OP_MAX];

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

/* zcopy_fuzz.c: the options, and what the parent sets up before forking. */
extern struct fuzz_opts opts;
extern char work_dir[64];
extern uint16_t sink_port;
extern uint16_t closed_port;
extern struct worker_stats *all_stats;
extern struct in_addr local_v4[4];
extern unsigned int nr_local_v4;

/* zcopy_fuzz_rand.c: the random stream, one per worker. */
extern uint64_t rng_state;

uint64_t rnd64(void);
uint32_t rnd(uint32_t n);
bool chance(unsigned int pct);
uint64_t edge_value(void);
int32_t edge_value_s32(void);

/* zcopy_fuzz_report.c: TAP lines, failures, errno counts. */
extern int worker_index;
extern struct worker_stats *ws;

void out_line(const char *fmt, ...);
void fail(const char *fmt, ...);
void count_errno(uint64_t *hist, int err);
const char *errno_label(int err, char *buf, size_t len);

/* Allowed errnos of one kind of request, as a 64-bit set per range. */
struct errset {
	const int *v;
	unsigned int n;
};

#define ERRSET(...) ((struct errset){ (const int[]){ __VA_ARGS__ },	\
	sizeof((const int[]){ __VA_ARGS__ }) / sizeof(int) })

bool errset_has(struct errset s, int err);
struct errset errlist(const int *v, unsigned int n);

/* Small helpers. */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Interrupts a system call that blocks longer than sec (0 disarms). */
static inline void watchdog_arm(int sec)
{
	struct itimerval it = { .it_value = { .tv_sec = sec } };

	setitimer(ITIMER_REAL, &it, NULL);
}

/* zcopy_fuzz_genl.c: raw generic netlink. */
struct nl_sock {
	int fd;
	uint32_t portid;
	uint32_t seq;
};

extern uint16_t family_id;
extern uint32_t events_group;

struct nl_msg {
	union {
		struct nlmsghdr nlh;
		char buf[NL_BUF_SIZE];
	};
	size_t len;
	size_t nest;	/* offset of the open nest, 0 if none */
};

/* Attributes of one level, checked to stay inside their container. */
struct attrs {
	const struct nlattr *tb[64];
	bool malformed;
};

static inline const void *nla_data(const struct nlattr *nla)
{
	return (const char *)nla + NLA_HDRLEN;
}

static inline unsigned int nla_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

static inline uint64_t nla_u64(const struct nlattr *nla)
{
	uint64_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

static inline uint32_t nla_u32(const struct nlattr *nla)
{
	uint32_t v;

	memcpy(&v, nla_data(nla), sizeof(v));
	return v;
}

/* Called for each data message of a reply; false: malformed. */
typedef bool (*nl_reply_cb)(const struct nlmsghdr *nlh, void *arg);

enum { NL_OK, NL_TIMEOUT, NL_MALFORMED };

void msg_init(struct nl_msg *m, uint16_t type, uint16_t flags,
	      uint8_t cmd, uint8_t version);
void msg_put(struct nl_msg *m, uint16_t type, const void *data, size_t len);
void msg_put_u64(struct nl_msg *m, uint16_t type, uint64_t v);
int nl_open(struct nl_sock *s);
int nl_send(struct nl_sock *s, struct nl_msg *m);
void parse_attrs(struct attrs *a, const void *data, size_t len,
		 unsigned int max);
bool nla_is_string(const struct nlattr *nla, unsigned int max);
int nl_recv(struct nl_sock *s, bool dump, nl_reply_cb cb, void *arg,
	    int *err);
int resolve_family(struct nl_sock *s);

/* zcopy_fuzz_jobs.c: what the module says about a job, the ids seen. */
struct job_reply {
	uint64_t want_id;	/* 0: any */
	unsigned int count;
	uint64_t *states;	/* histogram to count into */
};

extern uint64_t known_ids[MAX_IDS];
extern unsigned int nr_known_ids;

/*
 * frame: the job's header and trailer bytes, sent with length, or
 * FRAME_UNKNOWN (a record too short to say): then bytes_sent is not
 * checked against length.
 */
#define FRAME_UNKNOWN	UINT64_MAX
void check_record(const char *where, uint64_t id, uint32_t mode,
		  uint32_t state, int32_t error, uint64_t length,
		  uint64_t frame, uint64_t sent, uint64_t queued_ns,
		  uint64_t start_ns, uint64_t end_ns);
bool job_msg(const struct nlmsghdr *nlh, void *arg);
void remember_id(uint64_t id, const char *where);
uint64_t pick_id(void);

/* zcopy_fuzz_fds.c: fds of every kind. */
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

/* A file and socket pair for a job, and whether the module must take it. */
struct job_fds {
	int file_fd, sock_fd;
	enum res_kind file_kind, sock_kind;
	unsigned int file;
	bool valid;		/* a readable regular file, a connected TCP socket */
};

extern struct file_info files[32];
extern unsigned int nr_files, nr_tmp_files;
extern int backlog_listener;
extern int dev_fd;
/* The size of dev_fd's records: VER0 until SET_RECORD_SIZE. */
extern size_t dev_rec_size;

/* ids submitted through the current dev_fd, for the records read back. */
extern uint64_t dev_ids[1024];
extern unsigned int nr_dev_ids;
extern bool dev_ids_overflow;

void fds_init(void);
int tcp_listener(int family, int backlog, uint16_t *port);
uint16_t listener_port(int fd);
const char *sink_addr(void);
int open_dev(int flags);
void forget_fd(int fd);
void pick_job_fds(struct job_fds *j);
/*
 * Whether a TCP socket is still one a job may take (established or closed
 * by the peer only): a peer may reset it between the pick and the submit.
 */
bool tcp_still_connected(int fd);
void pick_range(const struct job_fds *j, uint64_t *offset,
		uint64_t *length, bool *valid);
void maybe_close_after(const struct job_fds *j);
void op_fd_churn(void);

/* zcopy_fuzz_nl_ops.c: the netlink requests. */
extern struct nl_sock nl;
extern struct nl_msg req;

struct stats_reply {
	uint64_t v[ZCOPY_STATS_A_MAX + 1];
	bool seen;
};

int nl_transact(struct nl_sock *s, bool dump, nl_reply_cb cb,
		void *arg, struct errset allowed, const char *what);
bool stats_msg(const struct nlmsghdr *nlh, void *arg);
void nl_reopen(void);
void op_nl_submit_fds(void);
void op_nl_submit_path(void);
void op_nl_get(bool dump);
void op_nl_dump_unread(void);
void op_nl_cancel(void);
void op_nl_stats(void);
void op_nl_observe_start(void);
void op_nl_observe_read(uint8_t cmd);
void op_nl_unknown(void);
void op_nl_events(void);

/* zcopy_fuzz_dev.c: the character device. */
extern char *arena;

void op_ioc_submit(void);
void op_ioc_batch(void);
void op_ioc_version(void);
void op_ioc_cancel(void);
void op_ioc_random(void);
void op_dev_read(void);
void op_dev_poll(void);
void op_dev_reopen(void);

/* zcopy_fuzz_worker.c: one process of the run. */
void worker_main(int idx, long inputs, double deadline);

#endif /* _ZCOPY_FUZZ_H */
