// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: command-line helpers shared by the subcommands, so that every
 * command reports usage errors and help the same way.
 */
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "parse.h"

/* Where the first option's description starts, to align ours with it. */
static int help_column(const char *options_help)
{
	const char *p = options_help;

	while (*p == ' ')
		p++;
	while (*p && *p != '\n') {
		if (p[0] == ' ' && p[1] == ' ') {
			while (*p == ' ')
				p++;
			return (int)(p - options_help);
		}
		p++;
	}
	return 15;	/* "  -h, --human  " */
}

void cmd_print_usage(const struct cmd *cmd, FILE *f)
{
	int column = help_column(cmd->options_help);

	fprintf(f, "Usage: zcopyctl %s %s\n\n%s\n\nOptions:\n",
		cmd->name, cmd->synopsis, cmd->summary);
	fputs(cmd->options_help, f);
	fprintf(f, "%-*sunits in text output (KiB, ms, MiB/s)\n", column,
		"  -h, --human");
	fprintf(f, "%-*sindented JSON (implies -j)\n", column,
		"      --pretty");
	fprintf(f, "%-*sshow this help\n", column, "      --help");
	if (cmd->notes)
		fprintf(f, "\n%s", cmd->notes);
}

int cmd_usage_hint(const struct cmd *cmd)
{
	fprintf(stderr, "Try 'zcopyctl %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

int cmd_usage_error(const struct cmd *cmd, const char *fmt, ...)
{
	char prefix[64];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "zcopyctl %s", cmd->name);
	va_start(ap, fmt);
	error_vreport(EINVAL, prefix, fmt, ap);
	va_end(ap);
	return cmd_usage_hint(cmd);
}

static int option_error(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vreport(EINVAL, prefix, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int cmd_option_error(const char *prefix, int opt, char **argv)
{
	/* The element that failed; for "-jx" the group, its char optopt. */
	const char *arg = argv[optind - 1];
	int len;

	if (strncmp(arg, "--", 2)) {
		if (opt == ':')
			return option_error(prefix,
				"option requires an argument -- '%c'", optopt);
		return option_error(prefix, "invalid option -- '%c'", optopt);
	}
	len = (int)strcspn(arg, "=");
	if (opt == ':')
		return option_error(prefix, "option '%.*s' requires an argument",
				    len, arg);
	if (optopt)
		return option_error(prefix,
			"option '%.*s' doesn't allow an argument", len, arg);
	return option_error(prefix, "unrecognized option '%s'", arg);
}

#define CMD_MAX_LONGOPTS	32

/* The command's long options, then those of every command (and --json). */
static const struct option *all_longopts(const struct cmd *cmd)
{
	static const struct option common[] = {
		{ "json",	no_argument,	NULL, 'j' },	/* first */
		{ "help",	no_argument,	NULL, CMD_OPT_HELP },
		{ "human",	no_argument,	NULL, 'h' },
		{ "pretty",	no_argument,	NULL, CMD_OPT_PRETTY },
		{ }
	};
	static struct option all[CMD_MAX_LONGOPTS];
	unsigned int n = 0, i;

	for (i = 0; cmd->longopts && cmd->longopts[i].name; i++) {
		assert(n + ARRAY_SIZE(common) < CMD_MAX_LONGOPTS);
		all[n++] = cmd->longopts[i];
	}
	/* --json only where -j is an option: not for cancel */
	for (i = strchr(cmd->optstring, 'j') ? 0 : 1; i < ARRAY_SIZE(common);
	     i++)
		all[n++] = common[i];
	return all;
}

/* The next of the command's own options, or -1 with *status set. */
static int cmd_getopt(const struct cmd *cmd, int argc, char **argv,
		      int *status)
{
	/* ':' first (after a '+'): a missing argument returns ':'. */
	char optstring[64], prefix[64];
	const struct option *longopts = all_longopts(cmd);
	bool plus = cmd->optstring[0] == '+';
	int opt;

	snprintf(optstring, sizeof(optstring), "%s:%s", plus ? "+" : "",
		 cmd->optstring + plus);
	*status = CMD_CONTINUE;
	opterr = 0;	/* our messages, through tool_error() */
	for (;;) {
		opt = getopt_long(argc, argv, optstring, longopts, NULL);
		switch (opt) {
		case 'j':	/* only if the optstring has it */
			out_set_json(true);
			continue;
		case 'h':
			out_set_human(true);
			continue;
		case CMD_OPT_PRETTY:
			out_set_pretty(true);
			continue;
		case CMD_OPT_HELP:
			cmd_print_usage(cmd, stdout);
			*status = EXIT_OK;
			return -1;
		case '?':
		case ':':
			snprintf(prefix, sizeof(prefix), "zcopyctl %s",
				 cmd->name);
			cmd_option_error(prefix, opt, argv);
			*status = cmd_usage_hint(cmd);
			return -1;
		}
		return opt;
	}
}

int cmd_no_args(const struct cmd *cmd, int argc, char **argv)
{
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	return CMD_CONTINUE;
}

int cmd_job_id_only(const struct cmd *cmd, int argc, char **argv,
		    uint64_t *id)
{
	int status = cmd_parse_options(cmd, argc, argv, NULL, NULL);

	if (status != CMD_CONTINUE)
		return status;
	if (optind == argc)
		return cmd_usage_error(cmd, "missing job ID");
	if (argc - optind > 1)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	if (parse_u64(argv[optind], id))
		return cmd_usage_error(cmd, "invalid job ID '%s'",
				       argv[optind]);
	return CMD_CONTINUE;
}

int cmd_parse_options(const struct cmd *cmd, int argc, char **argv,
		      cmd_option_fn *option, void *arg)
{
	int opt, status;

	while ((opt = cmd_getopt(cmd, argc, argv, &status)) != -1) {
		/* a command with options of its own handles them */
		assert(option);
		status = option(cmd, opt, arg);
		if (status != CMD_CONTINUE)
			return status;
	}
	return status;
}

int cmd_json_only(const struct cmd *cmd, int argc, char **argv)
{
	int status = cmd_parse_options(cmd, argc, argv, NULL, NULL);

	if (status != CMD_CONTINUE)
		return status;
	return cmd_no_args(cmd, argc, argv);
}
