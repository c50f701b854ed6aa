// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl cancel: stop a queued or running job (ZCOPY_CMD_CANCEL) and
 * wait until it has ended. The engine notices a cancel between two
 * chunks or while it waits for socket space, so that is quick.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>

#include <linux/zcopy.h>
#include <netlink/attr.h>

#include "cmd.h"
#include "job.h"
#include "nl.h"
#include "util.h"

#define CANCEL_POLL_MS		50
#define CANCEL_TIMEOUT_S	10

static int request_cancel(struct nl_ctx *ctx, uint64_t id)
{
	static char what[64];
	struct nl_msg *msg;

	snprintf(what, sizeof(what), "cancelling job %" PRIu64, id);
	ctx->what = what;
	msg = nl_ctx_new_msg(ctx, ZCOPY_CMD_CANCEL, 0);
	if (!msg || nla_put_u64(msg, ZCOPY_A_ID, id) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	return nl_ctx_request(ctx, what, msg, NULL, NULL);
}

/* 0 once the job has ended (or left the history), else -errno. */
static int wait_ended(struct nl_ctx *ctx, uint64_t id)
{
	double deadline = now_seconds() + CANCEL_TIMEOUT_S;
	struct zcopy_completion rec;
	int err;

	for (;;) {
		err = job_get(ctx, id, &rec);
		if (err == -ENOENT || (!err && job_state_final(rec.state)))
			return 0;
		if (err) {
			nl_ctx_perror(ctx, err);
			return err;
		}
		if (now_seconds() > deadline) {
			tool_error(ETIMEDOUT,
				   "cancelling job %" PRIu64 ": still %s %d s after the request",
				   id, job_state_name(rec.state), CANCEL_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, CANCEL_POLL_MS);
	}
}

static int cancel_run(const struct cmd *cmd, int argc, char **argv)
{
	struct nl_ctx ctx;
	int status, err;
	uint64_t id;

	status = cmd_job_id_only(cmd, argc, argv, &id);
	if (status != CMD_CONTINUE)
		return status;

	err = nl_ctx_open(&ctx);
	if (!err)
		err = request_cancel(&ctx, id);
	if (err)
		nl_ctx_perror(&ctx, err);
	else
		err = wait_ended(&ctx, id);
	nl_ctx_close(&ctx);
	return err ? EXIT_FAIL : EXIT_OK;
}

static const struct option cancel_options[] = {
	{ }
};

const struct cmd cmd_cancel = {
	.name		= "cancel",
	.run		= cancel_run,
	.summary	= "Cancel a queued or running job and wait until it has stopped.",
	.synopsis	= "ID",
	.options_help	= "",
	.optstring	= "h",
	.longopts	= cancel_options,
};
