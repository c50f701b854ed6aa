/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the zcopy selftests: module loading, privilege
 * dropping and generic netlink requests with errno and extack capture.
 */
#ifndef _ZCOPY_TEST_LIB_H
#define _ZCOPY_TEST_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <linux/zcopy.h>

#define ZCOPY_DEV_PATH	"/dev/zcopy"
#define ZCOPY_NOBODY	65534

/* Path of zcopy.ko: $ZCOPY_KO or the VM's /zcopy/zcopy.ko. */
const char *zcopy_ko_path(void);
bool zcopy_module_loaded(void);
/* Return 0 or a negative errno of finit_module / delete_module. */
int zcopy_load(const char *params);
int zcopy_unload(void);
/* Make sure the module is loaded with default parameters. */
int zcopy_ensure_loaded(void);

/* In a child: drop to nobody; returns 0 or -errno. */
int zcopy_drop_privileges(void);

struct zcopy_nl {
	struct nl_sock *sk;
	int family;
};

struct zcopy_nl_reply {
	int error;		/* 0 or the kernel's negative errno */
	char extack[256];	/* the kernel's extack message, if any */
	struct nlattr *attrs[ZCOPY_A_MAX + 1];
	struct nl_msg *msg;	/* last reply, kept for attrs[] */
	int replies;
};

/* 0 or a negative errno; -ENOENT when the family does not resolve. */
int zcopy_nl_open(struct zcopy_nl *nl);
void zcopy_nl_close(struct zcopy_nl *nl);
/*
 * Send cmd with optional extra attributes (fill may be NULL) and wait for
 * the reply or the ack. Returns reply->error.
 */
int zcopy_nl_request(struct zcopy_nl *nl, uint8_t cmd,
		     int (*fill)(struct nl_msg *msg, void *arg), void *arg,
		     struct zcopy_nl_reply *reply);
void zcopy_nl_reply_free(struct zcopy_nl_reply *reply);
/* A fill callback for zcopy_nl_request(): arg is a uint64_t job id. */
int zcopy_put_u64_id(struct nl_msg *msg, void *arg);
/* GET one job by id. */
int zcopy_nl_get(struct zcopy_nl *nl, uint64_t id,
		 struct zcopy_nl_reply *reply);
/* A u64 attribute of the last reply, ~0 when absent. */
uint64_t zcopy_nl_reply_u64(struct zcopy_nl_reply *reply, int attr);
/* Polls GET (60 s at most) until the job has ended: its state, or -1. */
int zcopy_nl_wait_job(struct zcopy_nl *nl, uint64_t id,
		      struct zcopy_nl_reply *reply);

/*
 * A job's state as GET on a netlink socket of its own sees it, or -1;
 * with wait, once it has ended (60 s at most).
 */
int zcopy_job_state(uint64_t id, bool wait);

/* CLOCK_MONOTONIC in seconds. */
double zcopy_now(void);

/* Writes text to path opened O_WRONLY | flags: 0 or -errno. */
int zcopy_write_file(const char *path, const char *text, int flags);

#endif /* _ZCOPY_TEST_LIB_H */
