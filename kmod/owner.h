/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An opener of /dev/zcopy: the jobs it submitted and the completion
 * records waiting for it to read them.
 */
#ifndef _ZCOPY_OWNER_H
#define _ZCOPY_OWNER_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct zcopy_job;

struct zcopy_owner {
	spinlock_t lock;		/* the lists and nr_done */
	struct list_head running;	/* jobs not finished yet */
	struct list_head done;		/* finished, record not read yet */
	unsigned int nr_done;
	wait_queue_head_t wait;		/* readers, pollers and release */
	u32 rec_size;			/* read()'s record size, 0: VER0 */
};

void zcopy_owner_add(struct zcopy_owner *owner, struct zcopy_job *job);
/* Takes over a finished job: its record waits for read(). */
void zcopy_owner_job_done(struct zcopy_owner *owner, struct zcopy_job *job);

#endif /* _ZCOPY_OWNER_H */
