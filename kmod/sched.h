/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When a job runs: each user gets a few workers at a time (the run gate),
 * and a job that waits (for socket space, a handshake, its bytes to leave
 * or its turn on the socket) parks, costing no worker, until an event or
 * its timer kicks it back onto the workqueue.
 */
#ifndef _ZCOPY_SCHED_H
#define _ZCOPY_SCHED_H

#include <linux/wait.h>

struct zcopy_job;

int zcopy_sched_init(void);
/* Waits for every work item: after every job has ended. */
void zcopy_sched_exit(void);

/* work_fn runs each time the job is given a worker. */
void zcopy_sched_job_init(struct zcopy_job *job, work_func_t work_fn);

/* A new job that waits for nothing; or one that parks until kicked. */
void zcopy_sched_start(struct zcopy_job *job);
void zcopy_sched_hold(struct zcopy_job *job);

/*
 * start_here(): as start(), but when the user has a worker slot free the
 * caller takes it (true) and must then call run_here() without holding
 * a lock: the job's work function runs in the caller's context.
 */
bool zcopy_sched_start_here(struct zcopy_job *job);
void zcopy_sched_run_here(struct zcopy_job *job);

/* Makes a parked job run again; does nothing to one that is not parked. */
void zcopy_sched_kick(struct zcopy_job *job);

/*
 * In the job's work function. begin() first: the job is no longer parked
 * on anything. Then one of: park() (on head if not NULL, until deadline
 * in jiffies; false means do not park: an event came meanwhile, go on),
 * yield() (queue again behind the user's other jobs), or done() (the last
 * invocation; nothing may kick the job after it).
 */
void zcopy_sched_begin(struct zcopy_job *job);
bool zcopy_sched_park(struct zcopy_job *job, struct wait_queue_head *head,
		      unsigned long deadline, bool (*ready)(struct zcopy_job *));
void zcopy_sched_yield(struct zcopy_job *job);
void zcopy_sched_done(struct zcopy_job *job);

#endif /* _ZCOPY_SCHED_H */
