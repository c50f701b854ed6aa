/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: a transfer job as the commands see it, the module's
 * struct zcopy_completion: its names, its netlink form and its output.
 */
#ifndef ZCOPYCTL_JOB_H
#define ZCOPYCTL_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/zcopy.h>

#include "nl.h"
#include "output.h"

/* Names of enum zcopy_mode and enum zcopy_state; NULL if unknown. */
const char *job_mode_name(unsigned int mode);
const char *job_state_name(unsigned int state);
/* The mode called name, or -1. */
int job_mode_parse(const char *name);
/* done, failed or cancelled: the record will not change any more. */
bool job_state_final(unsigned int state);

#define JOB_DEV_PATH	"/dev/" ZCOPY_DEVICE_NAME

/*
 * /dev/zcopy opened with O_RDWR | O_CLOEXEC | extra_flags, its read()s
 * returning whole struct zcopy_completion records (VER0 ones unless the
 * opener asks): the fd, or -1 with errno set (EPROTO: a module whose
 * records are shorter).
 */
int job_dev_open(int extra_flags);

/* A record read() from /dev/zcopy has the layout zcopyctl knows. */
bool job_dev_record_ok(const struct zcopy_completion *rec);

/* A GET reply or a completion event into rec: 0 or -EPROTO. */
int job_from_nlmsg(struct nlmsghdr *nlh, struct zcopy_completion *rec);

/*
 * ZCOPY_CMD_GET of one job: 0 or -errno (-ENOENT: no such job visible to
 * the caller); nl_ctx_perror() explains a failure.
 */
int job_get(struct nl_ctx *ctx, uint64_t id, struct zcopy_completion *rec);

/* Every field of the record, in the object being described. */
void job_out_fields(const struct zcopy_completion *rec);

/*
 * The one-line summary of list and watch: an object in a table opened
 * with job_table_layout (or job_table_layout_cont for the lines after
 * the first when they are printed one at a time).
 */
void job_out_row(const struct zcopy_completion *rec);
extern const struct out_table_layout job_table_layout;
extern const struct out_table_layout job_table_layout_cont;

#endif /* ZCOPYCTL_JOB_H */
