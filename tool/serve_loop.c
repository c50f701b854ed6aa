// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: the event loop. One epoll set holds the listener,
 * /dev/zcopy (readable when completion records wait) and the connections,
 * all non-blocking. An iteration reads what is ready, turns whole request
 * heads into queued responses, then submits the queue in batches.
 *
 * A connection is a slot of a fixed array, named in its jobs' user_data
 * by slot and generation. It is freed only when none of its jobs runs and
 * none of its responses waits: the module holds the socket, but the fd
 * number and the slot must not be reused under a running job.
 *
 * At --max-connections the listener leaves the epoll set: new connections
 * wait in the kernel's accept queue until one closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "job.h"
#include "serve.h"
#include "signals.h"
#include "util.h"

#define EVENTS_PER_WAIT		256
#define IN_BUF_INITIAL		2048
/* After the last response of a closing connection: its EOF, this long. */
#define LINGER_S		2.0
/* Timeouts are looked at this often. */
#define SWEEP_S			0.1

/* epoll_event.data of the two fds that are not connections. */
#define EV_LISTENER		UINT64_MAX
#define EV_DEVICE		(UINT64_MAX - 1)

/* --- connection ids ---------------------------------------------------- */

uint64_t serve_conn_id(const struct server *s, const struct conn *c)
{
	/* generation from 1: an id is never 0 */
	return (uint64_t)c->gen << 32 | (uint64_t)(c - s->conns);
}

struct conn *serve_conn_by_id(struct server *s, uint64_t id)
{
	uint32_t slot = (uint32_t)id;
	struct conn *c;

	if (slot >= s->opts->max_conns)
		return NULL;
	c = &s->conns[slot];
	if (c->state == CONN_FREE || c->gen != (uint32_t)(id >> 32))
		return NULL;
	return c;
}

/* --- epoll interest ---------------------------------------------------- */

static void conn_watch(struct server *s, struct conn *c, int events)
{
	struct epoll_event ev = {
		.events = (uint32_t)events,
		.data.u64 = serve_conn_id(s, c),
	};

	if (events == c->events)
		return;
	if (events < 0)
		epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	else
		epoll_ctl(s->epoll_fd, c->events < 0 ? EPOLL_CTL_ADD :
			  EPOLL_CTL_MOD, c->fd, &ev);
	c->events = events;
}

static void listener_watch(struct server *s, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_LISTENER };

	if (on == s->accepting || s->listen_fd < 0)
		return;
	epoll_ctl(s->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
		  s->listen_fd, &ev);
	s->accepting = on;
}

/* --- connection life --------------------------------------------------- */

static bool conn_busy(const struct conn *c)
{
	return c->queued || c->nr_inflight;
}

static void conn_free(struct server *s, struct conn *c)
{
	conn_watch(s, c, -1);
	close(c->fd);
	free(c->in);
	c->in = NULL;
	c->state = CONN_FREE;
	c->gen++;
	if (!c->gen)
		c->gen = 1;
	s->free_slots[s->nr_free++] = (uint32_t)(c - s->conns);
	s->nr_open--;
	if (!s->stopping)
		listener_watch(s, true);
}

void serve_conn_abort(struct server *s, struct conn *c)
{
	c->state = CONN_ABORTED;
	conn_watch(s, c, -1);
	/* the peer sees the end now, not when the last job has ended */
	shutdown(c->fd, SHUT_RDWR);
	serve_cancel_conn(s, c);
	serve_conn_jobs_changed(s, c);
}

/* Its responses have left: shut the write side, wait for the peer's EOF. */
static void conn_linger(struct server *s, struct conn *c, double now)
{
	if (c->peer_eof) {
		conn_free(s, c);
		return;
	}
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGER;
	c->in_len = 0;
	c->deadline = now + LINGER_S;
	conn_watch(s, c, EPOLLIN);
}

/* What the connection reads for, and until when, after any change. */
static void conn_update(struct server *s, struct conn *c, double now)
{
	const struct serve_opts *o = s->opts;

	if (c->state == CONN_OPEN && c->peer_eof && !conn_busy(c)) {
		/* answered all it could ask: a partial head never ends */
		conn_free(s, c);
	} else if (c->state == CONN_OPEN) {
		if (conn_busy(c))
			c->deadline = 0;
		else if (!c->deadline)
			/* a head begun, or nothing yet */
			c->deadline = now + (c->in_len || c->fresh ?
					     o->header_timeout : o->idle_timeout);
		/* a full pipeline waits for completions before reading on */
		conn_watch(s, c, !c->peer_eof && c->queued + c->nr_inflight <
			   SERVE_PIPELINE_MAX ? EPOLLIN : 0);
	} else if (c->state == CONN_DRAINING) {
		if (!conn_busy(c))
			conn_linger(s, c, now);
		else
			/* errors and hang-ups only: a reset aborts it */
			conn_watch(s, c, 0);
	} else if (c->state == CONN_ABORTED) {
		if (!conn_busy(c))
			conn_free(s, c);
	}
}

/* Parse and answer the whole heads in its buffer, as far as allowed. */
static void conn_process_input(struct server *s, struct conn *c)
{
	static struct http_request req;

	while (c->state == CONN_OPEN && c->in_len &&
	       c->queued + c->nr_inflight < SERVE_PIPELINE_MAX) {
		if (!http_parse_request(c->in, c->in_len, &req))
			break;
		serve_respond(s, c, &req);
		if (c->state == CONN_ABORTED)
			return;
		c->in_len -= req.head_len;
		memmove(c->in, c->in + req.head_len, c->in_len);
		c->fresh = false;
	}
}

void serve_conn_jobs_changed(struct server *s, struct conn *c)
{
	double now = now_seconds();

	if (c->state == CONN_OPEN && !conn_busy(c))
		/* idle again: the next head's clock starts now */
		c->deadline = 0;
	conn_process_input(s, c);
	conn_update(s, c, now);
}

/* Room for more input: false when a head may not grow any more. */
static bool conn_grow_input(struct conn *c)
{
	size_t cap = c->in_cap ? c->in_cap * 2 : IN_BUF_INITIAL;
	char *in;

	if (c->in_len < c->in_cap)
		return true;
	if (c->in_cap >= HTTP_MAX_HEAD + 1024)
		return false;
	if (cap > HTTP_MAX_HEAD + 1024)
		cap = HTTP_MAX_HEAD + 1024;
	in = realloc(c->in, cap);
	if (!in)
		return false;
	c->in = in;
	c->in_cap = cap;
	return true;
}

static void conn_readable(struct server *s, struct conn *c, double now)
{
	size_t room;
	ssize_t n;

	while (c->state == CONN_OPEN || c->state == CONN_LINGER) {
		if (c->state == CONN_LINGER)
			c->in_len = 0;	/* discarded */
		if (!conn_grow_input(c))
			break;
		room = c->in_cap - c->in_len;
		n = read(c->fd, c->in + c->in_len, room);
		if (n > 0) {
			if (!c->in_len && !conn_busy(c) && c->state == CONN_OPEN)
				c->deadline = now + s->opts->header_timeout;
			c->in_len += (size_t)n;
			/*
			 * The socket had no more: the interest is level-
			 * triggered, so what comes later is another event,
			 * not a read() that says EAGAIN now.
			 */
			if ((size_t)n < room)
				break;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n == 0 && c->state == CONN_OPEN) {
			/* half-closed: what it asked for still goes out */
			c->peer_eof = true;
			break;
		}
		if (n == 0) {
			conn_free(s, c);	/* lingering: the EOF awaited */
			return;
		}
		serve_conn_abort(s, c);
		return;
	}
	conn_process_input(s, c);
	/* a full buffer that is still no head: over every limit */
	if (c->state == CONN_OPEN && c->in_len == c->in_cap &&
	    c->queued + c->nr_inflight < SERVE_PIPELINE_MAX) {
		serve_conn_abort(s, c);
		return;
	}
	conn_update(s, c, now);
}

static void conn_event(struct server *s, uint64_t id, uint32_t events,
		       double now)
{
	struct conn *c = serve_conn_by_id(s, id);

	if (!c)
		return;		/* freed earlier in this batch of events */
	if (c->state == CONN_LINGER && (events & (EPOLLERR | EPOLLHUP))) {
		conn_free(s, c);
		return;
	}
	/* a reset, or a hang-up with nothing left to read: the peer is gone */
	if ((events & EPOLLERR) ||
	    ((events & EPOLLHUP) && !(events & EPOLLIN))) {
		serve_conn_abort(s, c);
		return;
	}
	conn_readable(s, c, now);
}

static void accept_conns(struct server *s, double now)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct conn *c;
	int fd;

	while (s->nr_free) {
		len = sizeof(ss);
		fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				/* out of fds: wait until a connection closes */
				listener_watch(s, false);
			return;
		}
		c = &s->conns[s->free_slots[--s->nr_free]];
		c->state = CONN_OPEN;
		c->fd = fd;
		c->events = -1;
		c->fresh = true;
		c->peer_eof = false;
		c->in_len = 0;
		c->in_cap = 0;
		c->queued = 0;
		c->nr_inflight = 0;
		c->deadline = now + s->opts->header_timeout;
		format_sockaddr((struct sockaddr *)&ss, c->peer,
				sizeof(c->peer));
		s->nr_open++;
		conn_watch(s, c, EPOLLIN);
	}
	listener_watch(s, false);
}

static bool conn_expired(const struct conn *c, double now)
{
	return (c->state == CONN_OPEN || c->state == CONN_LINGER) &&
	       c->deadline && now >= c->deadline && !conn_busy(c);
}

/*
 * Close the connections whose time is up (none while a job of theirs
 * runs). What arrived in time counts even if its event is not among those
 * handled yet (a busy loop takes EVENTS_PER_WAIT at a time): it is read
 * first, and a head it completes is answered.
 */
static void sweep_timeouts(struct server *s, double now)
{
	unsigned int i;
	struct conn *c;

	for (i = 0; i < s->opts->max_conns; i++) {
		c = &s->conns[i];
		if (!conn_expired(c, now))
			continue;
		conn_readable(s, c, now);
		if (conn_expired(c, now))
			conn_free(s, c);
	}
}

/* SIGINT/SIGTERM: no new connection or request; what is in flight ends. */
static void begin_stop(struct server *s, double now)
{
	unsigned int i;
	struct conn *c;

	s->stopping = true;
	listener_watch(s, false);
	close(s->listen_fd);
	s->listen_fd = -1;
	for (i = 0; i < s->opts->max_conns; i++) {
		c = &s->conns[i];
		if (c->state != CONN_OPEN)
			continue;
		if (!conn_busy(c)) {
			conn_free(s, c);
			continue;
		}
		c->state = CONN_DRAINING;
		conn_update(s, c, now);
	}
}

/* --- setup --------------------------------------------------------------- */

/* The listening socket, its address said on stderr; -1 when it fails. */
static int open_listener(const struct serve_opts *o)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
		/* without -b: [::], which takes IPv4 too */
		.ai_family = o->bind ? AF_UNSPEC : AF_INET6,
	};
	char host[ADDR_STR_LEN], port[8], addr[ADDR_STR_LEN];
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	struct addrinfo *ai;
	int fd, one = 1, zero = 0, ret;

	snprintf(port, sizeof(port), "%u", o->port);
	snprintf(host, sizeof(host), "%s", o->bind ? o->bind : "");
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strcspn(host, "]")] = '\0';
	}
	ret = getaddrinfo(o->bind ? host : NULL, port, &hints, &ai);
	if (ret && !o->bind) {
		hints.ai_family = AF_INET;
		ret = getaddrinfo(NULL, port, &hints, &ai);
	}
	if (ret) {
		tool_error(EADDRNOTAVAIL, "serve: cannot listen on %s: %s",
			   o->bind ? o->bind : "any address", gai_strerror(ret));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6 && !o->bind)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero,
				   sizeof(zero));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) ||
		    listen(fd, (int)o->max_conns) ||
		    getsockname(fd, (struct sockaddr *)&bound, &len)) {
			ret = errno;
			close(fd);
			fd = -1;
			errno = ret;
		}
	}
	if (fd < 0)
		tool_error(errno, "serve: cannot listen on %s: %s",
			   format_sockaddr(ai->ai_addr, addr, sizeof(addr)),
		       strerror(errno));
	freeaddrinfo(ai);
	if (fd >= 0)
		/* tests and scripts wait for this line (-p 0 needs the port) */
		fprintf(stderr, "listening on %s\n",
			format_sockaddr((struct sockaddr *)&bound, addr,
					sizeof(addr)));
	return fd;
}

/* /dev/zcopy, non-blocking, records of the size zcopyctl knows. */
static int open_device(void)
{
	int fd = job_dev_open(O_NONBLOCK);

	if (fd < 0)
		tool_error(errno, "serve: cannot open %s: %s", JOB_DEV_PATH,
			   errno == EPROTO ? "the module's records are shorter" :
		       strerror(errno));
	return fd;
}

/* As many fds as the hard limit allows: a connection is one. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int server_open(struct server *s, const struct serve_opts *o)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = EV_DEVICE };
	unsigned int i;

	memset(s, 0, sizeof(*s));
	s->opts = o;
	s->root_fd = -1;
	s->listen_fd = -1;
	s->dev_fd = -1;
	s->epoll_fd = -1;
	s->empty_fd = -1;
	raise_fd_limit();

	s->root_fd = open(o->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0) {
		tool_error(errno, "serve: cannot open the directory %s: %s", o->dir,
			   strerror(errno));
		return -1;
	}
	s->empty_fd = memfd_create("zcopyctl-serve-empty", MFD_CLOEXEC);
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	s->conns = calloc(o->max_conns, sizeof(*s->conns));
	s->free_slots = calloc(o->max_conns, sizeof(*s->free_slots));
	s->q_cap = (size_t)o->max_conns * SERVE_PIPELINE_MAX;
	s->queue = calloc(s->q_cap, sizeof(*s->queue));
	if (s->empty_fd < 0 || s->epoll_fd < 0 || !s->conns ||
	    !s->free_slots || !s->queue) {
		tool_error(errno, "serve: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < o->max_conns; i++) {
		s->conns[i].gen = 1;
		/* slot 0 first */
		s->free_slots[s->nr_free++] = o->max_conns - 1 - i;
	}
	s->dev_fd = open_device();
	if (s->dev_fd < 0 || serve_report_open(s))
		return -1;
	s->listen_fd = open_listener(o);
	if (s->listen_fd < 0)
		return -1;
	if (epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, s->dev_fd, &ev)) {
		tool_error(errno, "serve: epoll: %s", strerror(errno));
		return -1;
	}
	listener_watch(s, true);
	s->start = now_seconds();
	s->last_tick = s->start;
	return 0;
}

static void server_close(struct server *s)
{
	unsigned int i;

	if (s->conns)
		for (i = 0; i < s->opts->max_conns; i++)
			if (s->conns[i].state != CONN_FREE)
				conn_free(s, &s->conns[i]);
	while (s->q_len) {
		serve_response_release(s, &s->queue[s->q_head]);
		s->q_head = (s->q_head + 1) % s->q_cap;
		s->q_len--;
	}
	serve_report_close(s);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	/* closing the device cancels whatever still runs */
	if (s->dev_fd >= 0)
		close(s->dev_fd);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	if (s->empty_fd >= 0)
		close(s->empty_fd);
	if (s->root_fd >= 0)
		close(s->root_fd);
	free(s->conns);
	free(s->free_slots);
	free(s->queue);
}

/* --- the loop ------------------------------------------------------------ */

static int wait_ms(const struct server *s, double now)
{
	double next = now + SWEEP_S;

	if (s->opts->stats && s->last_tick + 1.0 < next)
		next = s->last_tick + 1.0;
	if (s->submit_blocked && !s->jobs_inflight && s->submit_retry < next)
		next = s->submit_retry;
	return next <= now ? 0 : (int)((next - now) * 1000) + 1;
}

static int serve_loop(struct server *s)
{
	static struct epoll_event events[EVENTS_PER_WAIT];
	sigset_t saved, wait_mask;
	double now, last_sweep = 0;
	size_t inflight;
	int i, n;

	stop_signals_catch(&saved, &wait_mask);
	for (;;) {
		now = now_seconds();
		if (atomic_load(&stop_requested) && !s->stopping)
			begin_stop(s, now);
		if (s->stopping && !s->nr_open && !s->jobs_inflight)
			break;
		n = epoll_pwait(s->epoll_fd, events, EVENTS_PER_WAIT,
				wait_ms(s, now), &wait_mask);
		if (n < 0 && errno != EINTR) {
			tool_error(errno, "serve: epoll_pwait: %s", strerror(errno));
			return -1;
		}
		now = now_seconds();
		for (i = 0; i < n; i++) {
			if (events[i].data.u64 == EV_LISTENER) {
				accept_conns(s, now);
			} else if (events[i].data.u64 == EV_DEVICE) {
				if (serve_read_completions(s))
					return -1;
			} else {
				conn_event(s, events[i].data.u64,
					   events[i].events, now);
			}
		}
		inflight = s->jobs_inflight;
		serve_submit(s, now);
		/*
		 * A response that fit its socket ended in the submit call:
		 * its record is there now, not one epoll round later.
		 */
		if (s->jobs_inflight > inflight) {
			if (serve_read_completions(s))
				return -1;
			serve_submit(s, now);
		}
		if (now - last_sweep >= SWEEP_S) {
			sweep_timeouts(s, now);
			last_sweep = now;
		}
		serve_stats_tick(s, now, false);
	}
	serve_stats_tick(s, now_seconds(), true);
	return 0;
}

int serve_run(const struct serve_opts *o)
{
	struct server s;
	int ret = -1;

	/* a client gone is a failed job or a read error, not a signal */
	signal(SIGPIPE, SIG_IGN);
	if (!server_open(&s, o))
		ret = serve_loop(&s);
	server_close(&s);
	return ret ? EXIT_FAIL : EXIT_OK;
}
