// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl watch: follow the module's completion events (the "events"
 * multicast group, CAP_NET_ADMIN only) and print each finished transfer
 * as it comes: one line, or one JSON object per line, flushed at once.
 * SIGINT and SIGTERM end it with status 0.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <linux/zcopy.h>

#include "cmd.h"
#include "signals.h"
#include "job.h"
#include "nl.h"
#include "output.h"

/* Lock-free, so the handler may set it (C11 7.14.1.1). */

struct watch {
	unsigned long events;	/* printed so far */
	bool output_failed;	/* and said so */
};

static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct genlmsghdr *ghdr = NLMSG_DATA(nlh);
	struct zcopy_completion rec;
	struct watch *w = arg;
	int err;

	if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
	    ghdr->cmd != ZCOPY_CMD_EVENT_DONE)
		return 0;
	if (job_from_nlmsg(nlh, &rec)) {
		pr_warn("ignoring a malformed event");
		return 0;
	}
	if (out_is_json()) {
		out_open_object(NULL);
		job_out_fields(&rec);
		out_close_object();
	} else {
		out_open_table(NULL, w->events ? &job_table_layout_cont :
			       &job_table_layout);
		job_out_row(&rec);
		out_close_table();
	}
	w->events++;
	err = out_flush();
	if (err) {
		tool_error(-err, "writing output: %s", strerror(-err));
		w->output_failed = true;
	}
	return err;
}

/* Until a signal; 0, or -errno with the reason printed. */
static int watch_events(struct nl_ctx *ctx)
{
	struct pollfd pfd = { .fd = nl_ctx_fd(ctx), .events = POLLIN };
	struct watch w = { 0 };
	sigset_t saved, wait_mask;
	int err;

	stop_signals_catch(&saved, &wait_mask);

	/* Tests and scripts wait for this line before they start jobs. */
	fputs("listening for zcopy events\n", stderr);
	while (!atomic_load(&stop_requested)) {
		if (ppoll(&pfd, 1, NULL, &wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			tool_error(-err, "waiting for events: %s", strerror(-err));
			return err;
		}
		err = nl_ctx_read_events(ctx, on_event, &w);
		if (err == -ENOBUFS) {
			pr_warn("events lost: %s", strerror(-err));
		} else if (err) {
			if (!w.output_failed)
				nl_ctx_perror(ctx, err);
			return err;
		}
	}
	return 0;
}

static int watch_run(const struct cmd *cmd, int argc, char **argv)
{
	struct nl_ctx ctx;
	int status, err;

	status = cmd_json_only(cmd, argc, argv);
	if (status != CMD_CONTINUE)
		return status;

	err = nl_ctx_open(&ctx);
	if (!err)
		err = nl_ctx_join_events(&ctx);
	if (err)
		nl_ctx_perror(&ctx, err);
	else
		err = watch_events(&ctx);
	nl_ctx_close(&ctx);
	return err ? EXIT_FAIL : EXIT_OK;
}

const struct cmd cmd_watch = {
	.name		= "watch",
	.run		= watch_run,
	.summary	= "Print each transfer as it finishes, until interrupted.",
	.synopsis	= "[-j]",
	.options_help	= "  -j, --json   one JSON object per line\n",
	.notes		= "Needs CAP_NET_ADMIN: events carry every user's jobs.\n",
	.optstring	= "jh",
};
