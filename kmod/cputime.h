/* SPDX-License-Identifier: GPL-2.0 */
/* The CPU time of a stretch of work in the current task: see cputime.c. */
#ifndef _ZCOPY_CPUTIME_H
#define _ZCOPY_CPUTIME_H

#include <linux/preempt.h>
#include <linux/types.h>

#include "compat.h"

struct zcopy_cputime {
#ifdef ZCOPY_HAVE_PREEMPT_NOTIFIERS
	struct preempt_notifier pn;
	u64 since;		/* local_clock() when it last got the CPU */
	u64 ns;			/* on-CPU time before that */
#else
	u64 runtime_ns;		/* sum_exec_runtime at begin */
#endif
};

void zcopy_cputime_init(void);
void zcopy_cputime_exit(void);

/* Between begin and end, in the same task, nothing else may schedule. */
void zcopy_cputime_begin(struct zcopy_cputime *c);
/* The task's on-CPU nanoseconds since begin. */
u64 zcopy_cputime_end(struct zcopy_cputime *c);

#endif /* _ZCOPY_CPUTIME_H */
