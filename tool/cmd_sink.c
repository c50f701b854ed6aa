// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl sink: a TCP receiver for tests and benchmarks. It needs no
 * module. It accepts connections (several at once), reads and discards
 * what they send, optionally hashes it with SHA-256, and reports each
 * connection when it closes: one line, or one JSON object per line,
 * flushed at once. SIGINT and SIGTERM end it with status 0; --count N
 * ends it after N connections.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cmd.h"
#include "signals.h"
#include "output.h"
#include "parse.h"
#include "sha256.h"

/* Not iperf3's 5201: both may well run on one host. */
#define SINK_DEFAULT_PORT	9933
#define SINK_BUF_SIZE		(1024 * 1024)
#define SINK_MAX_CONNS		64
#define SINK_BACKLOG		64

enum {
	OPT_COUNT = 0x100,
	OPT_SHA256,
};

struct sink_opts {
	uint16_t port;
	const char *bind;	/* NULL: any address, IPv6 and IPv4 */
	char bind_host[256];	/* -b without the brackets */
	uint64_t count;		/* 0: until a signal */
	bool sha256;
};

struct conn {
	int fd;
	char peer[ADDR_STR_LEN];
	uint64_t bytes;
	double start;
	struct sha256 *md;	/* --sha256 */
};

struct sink {
	const struct sink_opts *opts;
	int listen_fd;
	struct conn conns[SINK_MAX_CONNS];
	unsigned int nr_conns;
	uint64_t reported;
	char *buf;
};

/* Lock-free, so the handler may set it (C11 7.14.1.1). */

/* --- the listening socket ------------------------------------------------ */

/*
 * -b ADDR as typed: a name, an IPv4 address, an IPv6 one with or without
 * brackets, with a scope (fe80::1%eth0). The host part into bind_host;
 * -EINVAL if the brackets are wrong.
 */
static int parse_bind(struct sink_opts *o)
{
	size_t n = strlen(o->bind);

	if (o->bind[0] != '[') {
		if (!n || n >= sizeof(o->bind_host))
			return -EINVAL;
		memcpy(o->bind_host, o->bind, n + 1);
		return 0;
	}
	if (n < 3 || n - 2 >= sizeof(o->bind_host) || o->bind[n - 1] != ']')
		return -EINVAL;
	memcpy(o->bind_host, o->bind + 1, n - 2);
	o->bind_host[n - 2] = '\0';
	return 0;
}

/*
 * The addresses -b stands for, through getaddrinfo(): 0, or -1 with the
 * reason said. Brackets are for IPv6 only.
 */
static int resolve_bind(const struct sink_opts *o, struct addrinfo **ai)
{
	struct addrinfo hints = {
		.ai_family = o->bind[0] == '[' ? AF_INET6 : AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_protocol = IPPROTO_TCP,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
	};
	char port[8];
	int ret;

	snprintf(port, sizeof(port), "%u", o->port);
	ret = getaddrinfo(o->bind_host, port, &hints, ai);
	if (!ret)
		return 0;
	if (ret == EAI_SYSTEM)
		tool_error(errno, "cannot resolve the address '%s': %s",
			   o->bind, strerror(errno));
	else
		tool_error(ENOENT, "cannot resolve the address '%s': %s",
			   o->bind, gai_strerror(ret));
	return -1;
}

/* Without -b: [::] accepting IPv4 too, or 0.0.0.0 without IPv6. */
static int listen_any(const struct sink_opts *o, char *what, size_t len)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(o->port),
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(o->port),
	};
	int fd, zero = 0, one = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		snprintf(what, len, "cannot listen on [::]:%u", o->port);
		if (!bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
			return fd;
		close(fd);
		return -1;
	}
	if (errno != EAFNOSUPPORT) {
		snprintf(what, len, "cannot create a TCP socket");
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, IPPROTO_TCP);
	snprintf(what, len, "cannot create a TCP socket");
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	snprintf(what, len, "cannot listen on 0.0.0.0:%u", o->port);
	if (!bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return fd;
	close(fd);
	return -1;
}

/* Bind to the first of the addresses that takes it; -1, errno set. */
static int bind_first(const struct addrinfo *ai, char *what, size_t len)
{
	char addr[ADDR_STR_LEN];
	int fd, one = 1, err = EADDRNOTAVAIL;

	for (; ai; ai = ai->ai_next) {
		format_sockaddr(ai->ai_addr, addr, sizeof(addr));
		snprintf(what, len, "cannot listen on %s", addr);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen))
			return fd;
		err = errno;
		close(fd);
	}
	errno = err;
	return -1;
}

/* A bound, listening socket, its address said on stderr; -1, printed. */
static int open_listener(const struct sink_opts *o, const struct addrinfo *ai)
{
	struct sockaddr_storage bound;
	socklen_t len = sizeof(bound);
	char what[160], addr[ADDR_STR_LEN];
	int fd;

	if (!o->bind)
		fd = listen_any(o, what, sizeof(what));
	else
		fd = bind_first(ai, what, sizeof(what));
	if (fd < 0 || listen(fd, SINK_BACKLOG) ||
	    getsockname(fd, (struct sockaddr *)&bound, &len)) {
		tool_error(errno, "%s: %s", what, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Tests and scripts wait for this line (and -p 0 needs the port). */
	fprintf(stderr, "listening on %s\n",
		format_sockaddr((struct sockaddr *)&bound, addr, sizeof(addr)));
	return fd;
}

/* --- connections --------------------------------------------------------- */

static const unsigned int report_widths[] = { 21, 10, 8, 12 };

static void report(struct sink *s, struct conn *c, int err)
{
	static const struct out_table_layout first = {
		.min_width = report_widths,
		.nr_min_width = ARRAY_SIZE(report_widths),
	};
	static const struct out_table_layout cont = {
		.min_width = report_widths,
		.nr_min_width = ARRAY_SIZE(report_widths),
		.no_header = true,
	};
	char hex[SHA256_HEX_LEN];
	double seconds = now_seconds() - c->start;
	double bytes_per_s = seconds > 0 ? (double)c->bytes / seconds : 0;
	bool hashed = c->md && !sha256_final(c->md, hex);

	if (!out_is_json())
		out_open_table(NULL, s->reported ? &cont : &first);
	out_open_object(NULL);
	out_str("peer", c->peer);
	out_bytes("bytes", c->bytes);
	out_double("seconds", seconds, 6);
	out_rate("rate", bytes_per_s);
	if (hashed)
		out_str("sha256", hex);
	else
		out_null("sha256");
	if (err)
		out_str("error", strerror(err));
	else
		out_null("error");
	out_close_object();
	if (!out_is_json())
		out_close_table();
	s->reported++;
}

static int conn_close(struct sink *s, unsigned int i, int err)
{
	struct conn *c = &s->conns[i];
	int ret;

	report(s, c, err);
	close(c->fd);
	sha256_free(c->md);
	s->conns[i] = s->conns[--s->nr_conns];
	ret = out_flush();
	if (ret)
		tool_error(-ret, "writing output: %s", strerror(-ret));
	return ret;
}

static int conn_accept(struct sink *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct conn *c;
	int fd;

	fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &len,
		     SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0) {
		/* a connection that died in the queue, or a signal */
		if (errno == EINTR || errno == EAGAIN ||
		    errno == ECONNABORTED || errno == EPROTO)
			return 0;
		tool_error(errno, "accepting a connection: %s", strerror(errno));
		return -errno;
	}
	c = &s->conns[s->nr_conns];
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	format_sockaddr((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
	c->start = now_seconds();
	if (s->opts->sha256) {
		c->md = sha256_new();
		if (!c->md) {
			close(fd);
			tool_error(ENOMEM, "starting SHA-256: %s", strerror(ENOMEM));
			return -ENOMEM;
		}
	}
	s->nr_conns++;
	return 0;
}

/* Read what is there; 1 once the connection is over and reported. */
static int conn_read(struct sink *s, unsigned int i)
{
	struct conn *c = &s->conns[i];
	ssize_t n;
	int err;

	n = read(c->fd, s->buf, SINK_BUF_SIZE);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		/* e.g. ECONNRESET: reported with what came before */
		err = conn_close(s, i, errno);
		return err ? err : 1;
	}
	if (!n) {
		err = conn_close(s, i, 0);
		return err ? err : 1;
	}
	c->bytes += n;
	if (c->md && sha256_update(c->md, s->buf, n)) {
		tool_error(EIO, "computing SHA-256: %s", strerror(EIO));
		return -EIO;
	}
	return 0;
}

static bool sink_done(const struct sink *s)
{
	return atomic_load(&stop_requested) || (s->opts->count && s->reported >= s->opts->count);
}

static int sink_loop(struct sink *s)
{
	struct pollfd pfds[1 + SINK_MAX_CONNS];
	sigset_t saved, wait_mask;
	unsigned int i, n;
	int ret;

	stop_signals_catch(&saved, &wait_mask);

	while (!sink_done(s)) {
		/* Full: leave new connections in the backlog for now. */
		pfds[0].fd = s->nr_conns < SINK_MAX_CONNS ? s->listen_fd : -1;
		pfds[0].events = POLLIN;
		for (i = 0; i < s->nr_conns; i++) {
			pfds[1 + i].fd = s->conns[i].fd;
			pfds[1 + i].events = POLLIN;
		}
		n = s->nr_conns;
		if (ppoll(pfds, 1 + n, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			tool_error(errno, "waiting for data: %s", strerror(errno));
			return -errno;
		}
		/* Backwards: closing i moves the last one into its place. */
		for (i = n; i-- > 0 && !sink_done(s);) {
			if (!pfds[1 + i].revents)
				continue;
			ret = conn_read(s, i);
			if (ret < 0)
				return ret;
		}
		if (pfds[0].revents && !sink_done(s)) {
			ret = conn_accept(s);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* --- the command --------------------------------------------------------- */

static int sink_option(const struct cmd *cmd, int opt, void *arg)
{
	struct sink_opts *o = arg;

	switch (opt) {
	case 'p':
		if (parse_port(optarg, true, &o->port))
			return cmd_usage_error(cmd, "invalid port '%s' (0-65535)",
					       optarg);
		break;
	case 'b':
		o->bind = optarg;
		if (parse_bind(o))
			return cmd_usage_error(cmd,
				"invalid address '%s' (a name, or an IPv4 or IPv6 address)",
				optarg);
		break;
	case OPT_COUNT:
		if (parse_u64(optarg, &o->count) || !o->count)
			return cmd_usage_error(cmd, "invalid count '%s' (a number from 1)",
					       optarg);
		break;
	case OPT_SHA256:
		o->sha256 = true;
		break;
	}
	return CMD_CONTINUE;
}

static int parse_args(const struct cmd *cmd, int argc, char **argv,
		      struct sink_opts *o)
{
	int status;

	o->port = SINK_DEFAULT_PORT;
	status = cmd_parse_options(cmd, argc, argv, sink_option, o);
	if (status != CMD_CONTINUE)
		return status;
	/* A usage error: this build cannot do what was asked. */
	if (o->sha256 && !sha256_available())
		return cmd_usage_error(cmd,
			"--sha256: built without libssl (libcrypto): rebuild with libssl-dev installed");
	return cmd_no_args(cmd, argc, argv);
}

static int sink_run(const struct cmd *cmd, int argc, char **argv)
{
	struct sink_opts o = { 0 };
	struct sink s = { .opts = &o };
	struct addrinfo *ai = NULL;
	int status;
	unsigned int i;

	status = parse_args(cmd, argc, argv, &o);
	if (status != CMD_CONTINUE)
		return status;
	if (o.bind && resolve_bind(&o, &ai))
		return EXIT_FAIL;

	s.buf = malloc(SINK_BUF_SIZE);
	if (!s.buf) {
		tool_error(ENOMEM, "allocating the receive buffer: %s", strerror(ENOMEM));
		if (ai)
			freeaddrinfo(ai);
		return EXIT_FAIL;
	}
	s.listen_fd = open_listener(&o, ai);
	if (ai)
		freeaddrinfo(ai);
	status = EXIT_FAIL;
	if (s.listen_fd >= 0) {
		if (!sink_loop(&s))
			status = EXIT_OK;
		close(s.listen_fd);
	}
	/* Connections still open at the end are not reported. */
	for (i = 0; i < s.nr_conns; i++) {
		close(s.conns[i].fd);
		sha256_free(s.conns[i].md);
	}
	free(s.buf);
	return status;
}

static const struct option sink_options[] = {
	{ "port",	required_argument,	NULL, 'p' },
	{ "bind",	required_argument,	NULL, 'b' },
	{ "count",	required_argument,	NULL, OPT_COUNT },
	{ "sha256",	no_argument,		NULL, OPT_SHA256 },
	{ }
};

const struct cmd cmd_sink = {
	.name		= "sink",
	.run		= sink_run,
	.summary	= "Receive TCP connections, count (and hash) their bytes, report each.",
	.synopsis	= "[-p PORT] [-b ADDR] [--count N] [--sha256] [-j]",
	.options_help	=
		"  -p, --port PORT   port to listen on (default 9933; 0: any free one)\n"
		"  -b, --bind ADDR   name or address to listen on (default: all, IPv6\n"
		"                    and IPv4); IPv6 may be [ADDR], with %IFNAME\n"
		"      --count N     exit after N connections\n"
		"      --sha256      hash what each connection sends\n"
		"  -j, --json        one JSON object per line\n",
	.notes		=
		"It prints \"listening on ADDR:PORT\" on stderr once ready, then one\n"
		"line per connection when it closes. SIGINT or SIGTERM end it.\n",
	.optstring	= "p:b:jh",
	.longopts	= sink_options,
};
