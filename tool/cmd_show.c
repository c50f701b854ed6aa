// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl show: one job in full, running or finished (ZCOPY_CMD_GET).
 */
#include <errno.h>
#include <string.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "job.h"
#include "nl.h"
#include "output.h"

static int show_run(const struct cmd *cmd, int argc, char **argv)
{
	struct zcopy_completion rec;
	struct nl_ctx ctx;
	int status, err;
	uint64_t id;

	status = cmd_job_id_only(cmd, argc, argv, &id);
	if (status != CMD_CONTINUE)
		return status;

	status = EXIT_FAIL;
	err = nl_ctx_open(&ctx);
	if (!err)
		err = job_get(&ctx, id, &rec);
	if (err) {
		nl_ctx_perror(&ctx, err);
		goto out;
	}
	out_open_object(NULL);
	job_out_fields(&rec);
	out_close_object();
	err = out_flush();
	if (err)
		tool_error(-err, "writing output: %s", strerror(-err));
	else
		status = EXIT_OK;
out:
	nl_ctx_close(&ctx);
	return status;
}

const struct cmd cmd_show = {
	.name		= "show",
	.run		= show_run,
	.summary	= "Show one job, running or finished, with all its statistics.",
	.synopsis	= "[-j] ID",
	.options_help	= CMD_JSON_HELP,
	.optstring	= "jh",
};
