/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transfer engine: runs a job's range through one of the four modes
 * and measures what it did.
 */
#ifndef _ZCOPY_ENGINE_H
#define _ZCOPY_ENGINE_H

#include <linux/workqueue.h>

#define ZCOPY_CHUNK_PAGES	64

/* The work function of every job; ends in zcopy_job_finish(). */
void zcopy_engine_work(struct work_struct *work);

#endif /* _ZCOPY_ENGINE_H */
