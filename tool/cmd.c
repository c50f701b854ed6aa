// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: command-line helpers shared by the subcommands, so that every
 * command reports usage errors and help the same way.
 */
#include <stdio.h>

#include "cmd.h"
#include "output.h"
#include "parse.h"

/* Where the first option's description starts, to align -h with it. */
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
	return 15;	/* "  -h, --help   " */
}

void cmd_print_usage(const struct cmd *cmd, FILE *f)
{
	int column = help_column(cmd->options_help);

	fprintf(f, "Usage: zcopyctl %s %s\n\n%s\n\nOptions:\n",
		cmd->name, cmd->synopsis, cmd->summary);
	fputs(cmd->options_help, f);
	fprintf(f, "%-*sshow this help\n", column, "  -h, --help");
	if (cmd->notes)
		fprintf(f, "\n%s", cmd->notes);
}

int cmd_usage_hint(const struct cmd *cmd)
{
	fprintf(stderr, "Try 'zcopyctl %s --help'.\n", cmd->name);
	return EXIT_USAGE;
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
		*status = cmd_usage_hint(cmd);
		return -1;
	}
	return opt;
}

int cmd_no_args(const struct cmd *cmd, int argc, char **argv)
{
	if (optind < argc)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind]);
	return CMD_CONTINUE;
}

int cmd_job_id_arg(const struct cmd *cmd, int argc, char **argv,
		   uint64_t *id)
{
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

const struct option cmd_json_options[] = {
	{ "json",	no_argument,	NULL, 'j' },
	{ "help",	no_argument,	NULL, 'h' },
	{ }
};

int cmd_json_only(const struct cmd *cmd, int argc, char **argv)
{
	int opt, status;

	while ((opt = cmd_getopt(cmd, argc, argv, &status)) != -1) {
		if (opt == 'j')
			out_set_json(true);
	}
	if (status != CMD_CONTINUE)
		return status;
	return cmd_no_args(cmd, argc, argv);
}
