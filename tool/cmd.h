/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: what every subcommand shares.
 *
 * A subcommand is one file defining one struct cmd; main.c lists them in
 * its dispatch table.
 */
#ifndef ZCOPYCTL_CMD_H
#define ZCOPYCTL_CMD_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "error.h"
#include "util.h"

/* The exit status contract, see EXIT STATUS in zcopyctl.8. */
enum {
	EXIT_OK		= 0,
	EXIT_FAIL	= 1,	/* runtime failure */
	EXIT_USAGE	= 2,	/* bad command line */
};

struct cmd {
	const char *name;
	int (*run)(const struct cmd *cmd, int argc, char **argv);
	const char *summary;		/* one line for "zcopyctl help" */
	const char *synopsis;		/* what follows the name, e.g. "[-j]" */
	const char *options_help;	/* one "  -x, --long  what" per line */
	const char *notes;		/* after the options, or NULL */
	const char *optstring;		/* getopt_long() short options */
	const struct option *longopts;
};

/* Status for the caller while the command goes on. */
#define CMD_CONTINUE	(-1)

/* Long-only options every command takes, beside its own. */
enum {
	CMD_OPT_HELP = 0x7f00,
	CMD_OPT_PRETTY,
};

/* One of the command's own options (optarg set): CMD_CONTINUE or status. */
typedef int cmd_option_fn(const struct cmd *cmd, int opt, void *arg);

/*
 * getopt_long() over a command's own options and those every command
 * takes: --help, and the output options that may follow the command as
 * well as precede it (-h/--human, --pretty; -p is a port or a pid to some
 * commands, so --pretty is long only), and -j/--json for a command whose
 * optstring has 'j'. Uniform handling of --help (usage on stdout,
 * EXIT_OK), of -h/--human, --pretty and -j (they set the output mode), and
 * of unknown options or missing arguments (message on stderr,
 * EXIT_USAGE). Each of the command's own options goes to option(cmd, opt,
 * arg), NULL for a command without any; its status other than
 * CMD_CONTINUE ends the parsing. Returns CMD_CONTINUE if the command
 * should go on (its arguments from optind), else its exit status.
 */
int cmd_parse_options(const struct cmd *cmd, int argc, char **argv,
		      cmd_option_fn *option, void *arg);

/*
 * A bad option that getopt_long() (opterr = 0) returned as '?' or ':':
 * glibc's own wording, through tool_error() with prefix ("zcopyctl" or
 * "zcopyctl send"). Returns EXIT_USAGE.
 */
int cmd_option_error(const char *prefix, int opt, char **argv);

/* The help of the commands whose only option is -j/--json. */
#define CMD_JSON_HELP	"  -j, --json   print one JSON document\n"
/*
 * Parse the options of such a command and refuse arguments; returns
 * CMD_CONTINUE or the exit status.
 */
int cmd_json_only(const struct cmd *cmd, int argc, char **argv);

/*
 * "zcopyctl <cmd>: <message>" and a hint on stderr, the failure kept for
 * the error object (EINVAL); returns EXIT_USAGE.
 */
__printf(2, 3) int cmd_usage_error(const struct cmd *cmd, const char *fmt,
				   ...);

/* "Try 'zcopyctl <cmd> --help'." on stderr; returns EXIT_USAGE. */
int cmd_usage_hint(const struct cmd *cmd);

/* After the options: EXIT_USAGE if arguments remain, else CMD_CONTINUE. */
int cmd_no_args(const struct cmd *cmd, int argc, char **argv);

/*
 * Parse the options of a command without options of its own, then
 * exactly one argument, a job id (decimal). Returns CMD_CONTINUE with *id
 * set, or the exit status.
 */
int cmd_job_id_only(const struct cmd *cmd, int argc, char **argv,
		    uint64_t *id);

/* The usage of one command (synopsis, summary, options). */
void cmd_print_usage(const struct cmd *cmd, FILE *f);

extern const struct cmd cmd_version;
extern const struct cmd cmd_send;
extern const struct cmd cmd_list;
extern const struct cmd cmd_show;
extern const struct cmd cmd_stats;
extern const struct cmd cmd_cancel;
extern const struct cmd cmd_watch;
extern const struct cmd cmd_sink;
extern const struct cmd cmd_bench;
extern const struct cmd cmd_observe;
extern const struct cmd cmd_serve;

#endif /* ZCOPYCTL_CMD_H */
