/* SPDX-License-Identifier: GPL-2.0 */
/* A job's file and socket, for the job core: see target.c. */
#ifndef _ZCOPY_TARGET_H
#define _ZCOPY_TARGET_H

struct netlink_ext_ack;
struct zcopy_job;

/*
 * The file is known: fix the range, so that a file that shrinks later
 * fails the job. rec.offset and rec.length hold the request until then.
 */
int zcopy_job_bind_file(struct zcopy_job *job, struct netlink_ext_ack *extack);
/* Drops the file, the socket and the target: the job has ended. */
void zcopy_job_release_io(struct zcopy_job *job);

#endif /* _ZCOPY_TARGET_H */
