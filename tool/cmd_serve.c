// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve DIR: a static HTTP/1.1 file server whose responses are
 * zcopy jobs: the head in the job, the file's range by page reference.
 * This file is its command line; see serve.h for the rest.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "parse.h"
#include "serve.h"

#define SERVE_DEFAULT_PORT		8080
#define SERVE_DEFAULT_HEADER_TIMEOUT	10
#define SERVE_DEFAULT_IDLE_TIMEOUT	60
#define SERVE_DEFAULT_MAX_CONNS		1024
/* A slot array and the queue are sized by it: keep it sane. */
#define SERVE_MAX_MAX_CONNS		65536
#define SERVE_MAX_TIMEOUT		86400

enum {
	OPT_HEADER_TIMEOUT = 0x100,
	OPT_IDLE_TIMEOUT,
	OPT_MAX_CONNS,
	OPT_ACCESS_LOG,
	OPT_STATS,
};

static const struct option serve_options[] = {
	{ "port",		required_argument, NULL, 'p' },
	{ "bind",		required_argument, NULL, 'b' },
	{ "header-timeout",	required_argument, NULL, OPT_HEADER_TIMEOUT },
	{ "idle-timeout",	required_argument, NULL, OPT_IDLE_TIMEOUT },
	{ "max-connections",	required_argument, NULL, OPT_MAX_CONNS },
	{ "access-log",		required_argument, NULL, OPT_ACCESS_LOG },
	{ "stats",		no_argument,	   NULL, OPT_STATS },
	{ }
};

/* A numeric IPv4 or IPv6 address, the latter with or without brackets. */
static bool valid_bind_addr(const char *s)
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN];
	size_t n = strlen(s);

	if (inet_pton(AF_INET, s, &a4) == 1 || inet_pton(AF_INET6, s, &a6) == 1)
		return true;
	if (n < 3 || n - 2 >= sizeof(buf) || s[0] != '[' || s[n - 1] != ']')
		return false;
	memcpy(buf, s + 1, n - 2);
	buf[n - 2] = '\0';
	return inet_pton(AF_INET6, buf, &a6) == 1;
}

/* The options that take a count: seconds or connections, 1..max. */
static const struct count_option {
	int opt;
	const char *what;
	const char *unit;
	uint64_t max;
	size_t offset;		/* of the unsigned int in struct serve_opts */
} count_options[] = {
	{ OPT_HEADER_TIMEOUT, "header timeout", "seconds", SERVE_MAX_TIMEOUT,
	  offsetof(struct serve_opts, header_timeout) },
	{ OPT_IDLE_TIMEOUT, "idle timeout", "seconds", SERVE_MAX_TIMEOUT,
	  offsetof(struct serve_opts, idle_timeout) },
	{ OPT_MAX_CONNS, "connection limit", "connections", SERVE_MAX_MAX_CONNS,
	  offsetof(struct serve_opts, max_conns) },
};

/* optarg for the count option opt: CMD_CONTINUE or EXIT_USAGE. */
static int parse_count(const struct cmd *cmd, int opt, struct serve_opts *o)
{
	const struct count_option *c = count_options;
	uint64_t v;

	while (c->opt != opt)
		c++;
	if (parse_u64(optarg, &v) || !v || v > c->max)
		return cmd_usage_error(cmd, "invalid %s '%s' (%s, 1 to %" PRIu64 ")",
				       c->what, optarg, c->unit, c->max);
	*(unsigned int *)((char *)o + c->offset) = (unsigned int)v;
	return CMD_CONTINUE;
}

static int serve_option(const struct cmd *cmd, int opt, void *arg)
{
	struct serve_opts *o = arg;

	switch (opt) {
	case 'p':
		if (parse_port(optarg, true, &o->port))
			return cmd_usage_error(cmd, "invalid port '%s'", optarg);
		break;
	case 'b':
		if (!valid_bind_addr(optarg))
			return cmd_usage_error(cmd,
				"invalid address '%s' (a numeric IPv4 or IPv6 address)",
				optarg);
		o->bind = optarg;
		break;
	case OPT_ACCESS_LOG:
		o->access_log = optarg;
		break;
	case OPT_STATS:
		o->stats = true;
		break;
	case OPT_HEADER_TIMEOUT:
	case OPT_IDLE_TIMEOUT:
	case OPT_MAX_CONNS:
		return parse_count(cmd, opt, o);
	}
	return CMD_CONTINUE;
}

static int serve_parse(const struct cmd *cmd, int argc, char **argv,
		       struct serve_opts *o)
{
	int status = cmd_parse_options(cmd, argc, argv, serve_option, o);

	if (status != CMD_CONTINUE)
		return status;
	if (optind == argc)
		return cmd_usage_error(cmd, "missing directory");
	if (argc - optind > 1)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	o->dir = argv[optind];
	return CMD_CONTINUE;
}

static int serve_cmd_run(const struct cmd *cmd, int argc, char **argv)
{
	struct serve_opts o = {
		.port = SERVE_DEFAULT_PORT,
		.header_timeout = SERVE_DEFAULT_HEADER_TIMEOUT,
		.idle_timeout = SERVE_DEFAULT_IDLE_TIMEOUT,
		.max_conns = SERVE_DEFAULT_MAX_CONNS,
	};
	int status;

	status = serve_parse(cmd, argc, argv, &o);
	if (status != CMD_CONTINUE)
		return status;
	return serve_run(&o);
}

const struct cmd cmd_serve = {
	.name		= "serve",
	.run		= serve_cmd_run,
	.summary	= "Serve a directory over HTTP/1.1, every response a zcopy job.",
	.synopsis	= "[-p PORT] [-b ADDR] [OPTIONS] DIR",
	.options_help	=
		"  -p, --port PORT            TCP port (default 8080; 0: any free one)\n"
		"  -b, --bind ADDR            numeric address to listen on (default: all)\n"
		"      --header-timeout SEC   a request head must arrive within (default 10)\n"
		"      --idle-timeout SEC     a keep-alive connection may idle (default 60)\n"
		"      --max-connections N    open connections at most (default 1024)\n"
		"      --access-log FILE      Common Log Format lines, '-' for stdout\n"
		"      --stats                a line per second: requests/s, bytes/s, copies/B\n"
		"  -j, --json                 --stats lines as JSON objects\n",
	.notes		=
		"GET and HEAD of regular files beneath DIR only; a directory serves its\n"
		"index.html. Needs /dev/zcopy. SIGINT or SIGTERM: the responses in\n"
		"flight finish, then it exits 0. It says \"listening on ADDR:PORT\" on\n"
		"stderr once it accepts connections.\n",
	.optstring	= "p:b:jh",
	.longopts	= serve_options,
};
