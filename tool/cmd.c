// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: command-line helpers shared by the subcommands, so that every
 * command reports usage errors and help the same way.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cmd.h"

void pr_err(const char *fmt, ...)
{
	va_list ap;

	fputs("zcopyctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cmd_print_usage(const struct cmd *cmd, FILE *f)
{
	fprintf(f, "Usage: zcopyctl %s %s\n\n%s\n\nOptions:\n",
		cmd->name, cmd->synopsis, cmd->summary);
	fputs(cmd->options_help, f);
	fputs("  -h, --help   show this help\n", f);
}

static void print_hint(const struct cmd *cmd)
{
	fprintf(stderr, "Try 'zcopyctl %s --help'.\n", cmd->name);
}

int cmd_getopt(const struct cmd *cmd, int argc, char **argv, int *status)
{
	int opt;

	*status = CMD_CONTINUE;
	/* getopt_long() itself explains a bad option, see main(). */
	opt = getopt_long(argc, argv, cmd->optstring, cmd->longopts, NULL);
	switch (opt) {
	case 'h':
		cmd_print_usage(cmd, stdout);
		*status = EXIT_OK;
		return -1;
	case '?':
	case ':':
		print_hint(cmd);
		*status = EXIT_USAGE;
		return -1;
	}
	return opt;
}

int cmd_usage_error(const struct cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "zcopyctl %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	print_hint(cmd);
	return EXIT_USAGE;
}

int cmd_no_args(const struct cmd *cmd, int argc, char **argv)
{
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	return CMD_CONTINUE;
}
