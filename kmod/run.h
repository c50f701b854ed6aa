/* SPDX-License-Identifier: GPL-2.0 */
/* A job's steps in the worker: see run.c. */
#ifndef _ZCOPY_RUN_H
#define _ZCOPY_RUN_H

#include <linux/workqueue.h>

/* The work function of every job; ends in zcopy_job_finish(). */
void zcopy_run_work(struct work_struct *work);

#endif /* _ZCOPY_RUN_H */
