/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the generic netlink context, one per command invocation.
 */
#ifndef ZCOPYCTL_NL_H
#define ZCOPYCTL_NL_H

#include <stdbool.h>
#include <stdint.h>

#include <netlink/genl/genl.h>

#define NL_CTX_EXTACK_LEN	256

struct nl_ctx {
	struct nl_sock *sock;
	int family_id;
	unsigned int family_version;
	int events_group;		/* multicast group id, -1 if none */

	/* Why the last nl_ctx_open() or nl_ctx_request() failed. */
	const char *what;
	bool family_missing;
	char extack[NL_CTX_EXTACK_LEN];	/* the kernel's message, or "" */
};

/*
 * Called for each reply message; return 0, or -errno to fail the request
 * (the remaining replies are still read, so the socket stays usable).
 */
typedef int (*nl_ctx_reply_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Connect to generic netlink with extended ACKs and look up the "zcopy"
 * family and its "events" group. Returns 0 or -errno, and prints nothing:
 * see nl_ctx_perror(). nl_ctx_close() is needed either way.
 */
int nl_ctx_open(struct nl_ctx *ctx);
void nl_ctx_close(struct nl_ctx *ctx);

/* A new request of the family, or NULL if out of memory. */
struct nl_msg *nl_ctx_new_msg(struct nl_ctx *ctx, uint8_t cmd, int flags);

/*
 * Send msg (always consumed) and read until the kernel's ACK or the end
 * of a dump, calling reply_fn per reply. Returns 0 or -errno; on failure
 * ctx->what is set to what and ctx->extack to the kernel's message.
 */
int nl_ctx_request(struct nl_ctx *ctx, const char *what, struct nl_msg *msg,
		   nl_ctx_reply_fn reply_fn, void *arg);

/*
 * Join the "events" group (completion events, ZCOPY_CMD_EVENT_DONE):
 * 0 or -errno, -EPERM without CAP_NET_ADMIN. The socket is then only
 * for events: non-blocking, to be polled on nl_ctx_fd().
 */
int nl_ctx_join_events(struct nl_ctx *ctx);
int nl_ctx_fd(const struct nl_ctx *ctx);

/*
 * Read the events waiting, without blocking, and call fn for each: 0 when
 * none is left, fn's error, or -errno (-ENOBUFS: the socket overflowed
 * and events were lost; reading may go on).
 */
int nl_ctx_read_events(struct nl_ctx *ctx, nl_ctx_reply_fn fn, void *arg);

/* Why the family is missing, and how to load the module (any install). */
#define NL_CTX_MODULE_MISSING						\
	"zcopy module not loaded: generic netlink family \"zcopy\" not found; " \
	"load it: modprobe zcopy (zcopy-dkms package) or insmod zcopy.ko"

/*
 * The failure through tool_error(): "<what>: <strerror>[: <extack>]", or
 * NL_CTX_MODULE_MISSING when the family does not exist.
 */
void nl_ctx_perror(const struct nl_ctx *ctx, int err);

#endif /* ZCOPYCTL_NL_H */
