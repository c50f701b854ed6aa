// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: the requests of the generic netlink family. Mostly
 * well-formed, with attributes and headers damaged now and then; every
 * answer is checked against what the ABI allows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>

#include "zcopy_fuzz.h"

/* ---- Netlink requests. ---- */

/* Resolving an fd (netlink SUBMIT, OBSERVE_START): any of these. */
static const int fd_errs[] = {
	EINVAL, ERANGE, EBADF, ENOTSOCK, EPROTONOSUPPORT, ENOTCONN, EOVERFLOW,
	EOPNOTSUPP, EAGAIN, ENOMEM, EMSGSIZE,
};

/* Observing a cgroup: also EPERM (a cgroup nobody may observe). */
static const int cgroup_errs[] = {
	EINVAL, ERANGE, EBADF, EOPNOTSUPP, EAGAIN, ENOMEM, EMSGSIZE, EPERM,
};

/* Observing a process: also ESRCH (no memory), EPERM. */
static const int process_errs[] = {
	EINVAL, ERANGE, EBADF, EOPNOTSUPP, EAGAIN, ENOMEM, EMSGSIZE, EPERM,
	ESRCH,
};

/* And a path and an address: opening, resolving, connecting. */
static const int path_errs[] = {
	EINVAL, ERANGE, EBADF, EPROTONOSUPPORT, ENOTCONN, EOVERFLOW,
	EOPNOTSUPP, EAGAIN, ENOMEM, EMSGSIZE, EPERM, ENOENT, ENOTDIR, EISDIR,
	ENAMETOOLONG, EACCES, ELOOP, ENXIO, ENODEV, ECONNREFUSED, ENETUNREACH,
	EHOSTUNREACH, ETIMEDOUT, EADDRNOTAVAIL, EAFNOSUPPORT, ECONNRESET,
	EINPROGRESS, EFBIG, EROFS, ETXTBSY,
};

struct nl_sock nl = { .fd = -1 };
static struct nl_sock nl_events = { .fd = -1 };
static struct nl_sock nl_dump_left = { .fd = -1 };
struct nl_msg req;
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
int nl_transact(struct nl_sock *s, bool dump, nl_reply_cb cb,
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
		/* inline submission is the device's alone */
		*bad |= (flags & ~ZCOPY_SUBMIT_FLAGS_ALL) != 0 ||
			(flags & ZCOPY_SUBMIT_INLINE);
	}
	if (chance(50))
		put_u64_fuzzed(ZCOPY_A_USER_DATA, rnd64(), bad);
	*bad |= *mode > ZCOPY_MODE_MAX;
}

/* A header or trailer attribute, sometimes; any length is valid. */
static void put_frame(uint16_t type)
{
	static const char frame[1024];

	if (chance(10))
		msg_put(&req, type, frame, rnd(sizeof(frame) + 1));
}

void op_nl_submit_fds(void)
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
	put_frame(ZCOPY_A_HEADER);
	put_frame(ZCOPY_A_TRAILER);
	bad |= fuzz_header();
	ret = nl_transact(&nl, false, submit_reply, &id,
			  errlist(fd_errs, ARRAY_SIZE(fd_errs)), "nl SUBMIT fds");
	if (!ret) {
		remember_id(id, "nl SUBMIT");
		maybe_close_after(&j);
	} else if (ret != -EIO && j.valid && range_ok && !bad &&
		   ret != -EAGAIN &&
		   !(ret == -EOPNOTSUPP && !files[j.file].page_ok) &&
		   !(ret == -ENOTCONN && !tcp_still_connected(j.sock_fd))) {
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

void op_nl_submit_path(void)
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

void op_nl_get(bool dump)
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
void op_nl_dump_unread(void)
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

void op_nl_cancel(void)
{
	bool bad = false;

	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_CANCEL, 1);
	if (chance(97))
		put_u64_fuzzed(ZCOPY_A_ID, pick_id(), &bad);
	bad |= fuzz_header();
	nl_transact(&nl, false, NULL, NULL, ERRSET(ENOENT, EINVAL, ERANGE),
		    "nl CANCEL");
}

bool stats_msg(const struct nlmsghdr *nlh, void *arg)
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

void op_nl_stats(void)
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

/* The root cgroup v2's directory, opened once; -1 without one. */
static int cgroup_root_fd(void)
{
	static int fd = -2;

	if (fd == -2)
		fd = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd;
}

/* Our own /proc/self/mem, opened once (our sockets join); -1 without. */
static int proc_mem_fd(void)
{
	static int fd = -2;

	if (fd == -2)
		fd = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	return fd;
}

void op_nl_observe_start(void)
{
	struct errset errs = errlist(fd_errs, ARRAY_SIZE(fd_errs));
	struct observe_reply r = {};
	struct job_fds j;
	bool bad = false;

	pick_job_fds(&j);
	msg_init(&req, family_id, NLM_F_ACK, ZCOPY_CMD_OBSERVE_START, 1);
	if (chance(20)) {
		/* A cgroup (root's: nobody's to observe), or any other fd. */
		put_u32_fuzzed(ZCOPY_A_CGROUP_FD, chance(60) ? cgroup_root_fd() :
			       chance(50) ? j.file_fd : j.sock_fd, &bad);
		if (chance(10))
			put_u32_fuzzed(ZCOPY_A_SOCK_FD, j.sock_fd, &bad);
		errs = errlist(cgroup_errs, ARRAY_SIZE(cgroup_errs));
	} else if (chance(20)) {
		/* A process (ourselves), or any other fd; and a stray one. */
		put_u32_fuzzed(ZCOPY_A_PROC_MEM_FD, chance(60) ? proc_mem_fd() :
			       chance(50) ? j.file_fd : j.sock_fd, &bad);
		if (chance(10))
			put_u32_fuzzed(chance(50) ? ZCOPY_A_FILE_FD :
				       ZCOPY_A_CGROUP_FD, j.file_fd, &bad);
		errs = errlist(process_errs, ARRAY_SIZE(process_errs));
	} else {
		/* Without a file: the page's rule. */
		if (chance(90))
			put_u32_fuzzed(ZCOPY_A_FILE_FD, j.file_fd, &bad);
		if (chance(97))
			put_u32_fuzzed(ZCOPY_A_SOCK_FD, j.sock_fd, &bad);
	}
	bad |= fuzz_header();
	if (!nl_transact(&nl, false, observe_msg, &r, errs,
			 "nl OBSERVE_START")) {
		if (!r.seen || !r.id)
			fail("OBSERVE_START: no id");
		observe_ids[nr_observe_ids++ % ARRAY_SIZE(observe_ids)] = r.id;
		maybe_close_after(&j);
	}
}

void op_nl_observe_read(uint8_t cmd)
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
void op_nl_unknown(void)
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
void op_nl_events(void)
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

/* A new request socket; the observations' ids went with the old one. */
void nl_reopen(void)
{
	close_fd(&nl.fd);
	if (nl_open(&nl))
		fail("netlink socket: %s", strerror(errno));
	nr_observe_ids = 0;
}
