/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An opener of /dev/zcopy: the jobs it submitted and the completion
 * records waiting for it to read them.
 */
#ifndef _ZCOPY_OWNER_H
#define _ZCOPY_OWNER_H

#include <linux/list.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

struct zcopy_owner {
	refcount_t ref;			/* the open file and each job */
	spinlock_t lock;		/* the lists, nr_done and closed */
	struct list_head running;	/* jobs not ended yet */
	struct list_head done;		/* ended, record not read yet */
	unsigned int nr_done;
	bool closed;			/* jobs that end now are freed */
	wait_queue_head_t wait;		/* readers and pollers */
	u32 rec_size;			/* read()'s record size, 0: VER0 */
};

#endif /* _ZCOPY_OWNER_H */
