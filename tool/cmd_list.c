// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl list: the jobs the module knows, running ones first, then the
 * history of finished ones (a ZCOPY_CMD_GET dump). A user sees only the
 * jobs it submitted, unless it has CAP_NET_ADMIN.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/zcopy.h>

#include "cmd.h"
#include "job.h"
#include "nl.h"
#include "output.h"

struct job_list {
	struct zcopy_completion *recs;
	size_t nr, alloc;
};

static int parse_job(struct nlmsghdr *nlh, void *arg)
{
	struct job_list *list = arg;
	struct zcopy_completion *recs;
	size_t n;

	if (list->nr == list->alloc) {
		n = list->alloc ? 2 * list->alloc : 64;
		recs = realloc(list->recs, n * sizeof(*recs));
		if (!recs)
			return -ENOMEM;
		list->recs = recs;
		list->alloc = n;
	}
	if (job_from_nlmsg(nlh, &list->recs[list->nr]))
		return -EPROTO;
	list->nr++;
	return 0;
}

/* The dump; on failure the reason is printed. */
static int read_jobs(struct job_list *list)
{
	const char *what = "listing jobs";
	struct nl_ctx ctx;
	struct nl_msg *msg;
	int err;

	err = nl_ctx_open(&ctx);
	if (!err) {
		msg = nl_ctx_new_msg(&ctx, ZCOPY_CMD_GET, NLM_F_DUMP);
		if (msg)
			err = nl_ctx_request(&ctx, what, msg, parse_job, list);
		else
			err = -ENOMEM;
		if (err)
			ctx.what = what;
	}
	if (err)
		nl_ctx_perror(&ctx, err);
	nl_ctx_close(&ctx);
	return err;
}

static void print_jobs(const struct job_list *list)
{
	size_t i;

	out_open_object(NULL);
	out_open_table("jobs", &job_table_layout);
	for (i = 0; i < list->nr; i++) {
		if (out_is_json()) {
			out_open_object(NULL);
			job_out_fields(&list->recs[i]);
			out_close_object();
		} else {
			job_out_row(&list->recs[i]);
		}
	}
	out_close_table();
	out_close_object();
}

static int list_run(const struct cmd *cmd, int argc, char **argv)
{
	struct job_list list = { 0 };
	int status, err;

	status = cmd_json_only(cmd, argc, argv);
	if (status != CMD_CONTINUE)
		return status;

	status = EXIT_FAIL;
	if (!read_jobs(&list)) {
		print_jobs(&list);
		err = out_flush();
		if (err)
			tool_error(-err, "writing output: %s", strerror(-err));
		else
			status = EXIT_OK;
	}
	free(list.recs);
	return status;
}

const struct cmd cmd_list = {
	.name		= "list",
	.run		= list_run,
	.summary	= "List the running jobs, then the finished ones, one line each.",
	.synopsis	= "[-j]",
	.options_help	= CMD_JSON_HELP,
	.optstring	= "jh",
};
