// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: control tool for the zcopy module.
 *
 * Global options, then a command from the dispatch table below. Adding a
 * command: one cmd_<name>.c defining a struct cmd, its declaration in
 * cmd.h and one line in the table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "version.h"

static const struct cmd cmd_help;

static const struct cmd *const commands[] = {
	&cmd_send,
	&cmd_list,
	&cmd_show,
	&cmd_cancel,
	&cmd_watch,
	&cmd_stats,
	&cmd_observe,
	&cmd_serve,
	&cmd_bench,
	&cmd_sink,
	&cmd_version,
	&cmd_help,
};

#define NR_COMMANDS	ARRAY_SIZE(commands)

static const struct cmd *find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void print_usage(FILE *f)
{
	size_t i;

	fputs("Usage: zcopyctl [OPTIONS] COMMAND [ARGS]\n"
	      "       zcopyctl COMMAND --help\n"
	      "\nCommands:\n", f);
	for (i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
	fputs("\nOptions:\n"
	      "  -j, --json     print one JSON document (commands that print data)\n"
	      "  -p, --pretty   indented JSON (implies -j)\n"
	      "  -h, --human    units in text output (KiB, ms, MiB/s)\n"
	      "      --help     show this help\n"
	      "  -V, --version  show the tool's version\n"
	      "\nExit status: 0 success, 1 failure, 2 usage error.\n", f);
}

static int help_run(const struct cmd *cmd, int argc, char **argv)
{
	const struct cmd *topic;
	int status;

	status = cmd_parse_options(cmd, argc, argv, NULL, NULL);
	if (status != CMD_CONTINUE)
		return status;
	if (optind == argc) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (argc - optind > 1)
		return cmd_usage_error(cmd, "unexpected argument '%s'",
				       argv[optind + 1]);
	topic = find_command(argv[optind]);
	if (!topic)
		return cmd_usage_error(cmd, "unknown command '%s'",
				       argv[optind]);
	cmd_print_usage(topic, stdout);
	return EXIT_OK;
}

static const struct option help_options[] = {
	{ }
};

static const struct cmd cmd_help = {
	.name		= "help",
	.run		= help_run,
	.summary	= "List the commands, or show one command's usage.",
	.synopsis	= "[COMMAND]",
	.options_help	= "",
	.optstring	= "h",
	.longopts	= help_options,
};

/* Usage errors before a command runs: exit 2, with -j the error object. */
static int global_usage_error(const char *hint)
{
	fputs(hint, stderr);
	error_print_json(EXIT_USAGE);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument,	NULL, 'j' },
		{ "pretty",	no_argument,	NULL, 'p' },
		{ "human",	no_argument,	NULL, 'h' },
		{ "help",	no_argument,	NULL, CMD_OPT_HELP },
		{ "version",	no_argument,	NULL, 'V' },
		{ }
	};
	/* getopt_long() names the program in its messages; keep it stable. */
	char program[] = "zcopyctl";
	char cmd_program[64];
	const struct cmd *cmd;
	int opt, status;

	if (argc > 0)
		argv[0] = program;
	/*
	 * '+': stop at the command, its options are its own; ':': a missing
	 * argument returns ':'. Our messages, through the error path.
	 */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:jphV", options, NULL)) != -1) {
		switch (opt) {
		case 'j':
			out_set_json(true);
			break;
		case 'p':
			out_set_pretty(true);
			break;
		case 'h':
			out_set_human(true);
			break;
		case CMD_OPT_HELP:
			print_usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("zcopyctl %s\n", ZCOPYCTL_VERSION);
			return EXIT_OK;
		default:
			cmd_option_error("zcopyctl", opt, argv);
			return global_usage_error("Try 'zcopyctl --help'.\n");
		}
	}
	if (optind >= argc) {
		print_usage(stderr);
		if (out_is_json())
			tool_error(EINVAL, "missing command");
		return global_usage_error("");
	}

	cmd = find_command(argv[optind]);
	if (!cmd) {
		tool_error(EINVAL, "unknown command '%s'", argv[optind]);
		return global_usage_error("Try 'zcopyctl help'.\n");
	}

	argc -= optind;
	argv += optind;
	snprintf(cmd_program, sizeof(cmd_program), "zcopyctl %s", cmd->name);
	argv[0] = cmd_program;
	optind = 0;	/* glibc: start a fresh scan of the command's argv */

	status = cmd->run(cmd, argc, argv);
	error_print_json(status);
	out_discard();
	return status;
}
