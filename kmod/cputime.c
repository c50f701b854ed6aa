// SPDX-License-Identifier: GPL-2.0
/*
 * A job's CPU time, exactly. A task's sum_exec_runtime is brought up to
 * date only at a tick or a context switch, so reading it around a work
 * item counts in whole scheduler ticks (4 ms at HZ=250): a job of a few
 * milliseconds read 0 or 4. Instead the worker registers a preempt
 * notifier for the invocation and sums its on-CPU intervals with
 * local_clock(); time it is switched out (a sleeping lock, another
 * task preempting it) is not the job's. Kernels built without preempt
 * notifiers (the debug kernel) fall back to sum_exec_runtime.
 */
#include <linux/sched.h>
#include <linux/sched/clock.h>

#include "cputime.h"

#ifdef ZCOPY_HAVE_PREEMPT_NOTIFIERS

static void zcopy_cputime_in(struct preempt_notifier *pn, int cpu)
{
	struct zcopy_cputime *c = container_of(pn, struct zcopy_cputime, pn);

	c->since = local_clock();
}

static void zcopy_cputime_out(struct preempt_notifier *pn,
			      struct task_struct *next)
{
	struct zcopy_cputime *c = container_of(pn, struct zcopy_cputime, pn);

	c->ns += local_clock() - c->since;
}

static struct preempt_ops zcopy_cputime_ops = {
	.sched_in = zcopy_cputime_in,
	.sched_out = zcopy_cputime_out,
};

void zcopy_cputime_init(void)
{
	preempt_notifier_inc();
}

void zcopy_cputime_exit(void)
{
	preempt_notifier_dec();
}

void zcopy_cputime_begin(struct zcopy_cputime *c)
{
	preempt_notifier_init(&c->pn, &zcopy_cputime_ops);
	c->ns = 0;
	preempt_disable();
	c->since = local_clock();
	preempt_notifier_register(&c->pn);
	preempt_enable();
}

u64 zcopy_cputime_end(struct zcopy_cputime *c)
{
	preempt_disable();
	preempt_notifier_unregister(&c->pn);
	c->ns += local_clock() - c->since;
	preempt_enable();
	return c->ns;
}

#else /* !ZCOPY_HAVE_PREEMPT_NOTIFIERS */

void zcopy_cputime_init(void)
{
}

void zcopy_cputime_exit(void)
{
}

void zcopy_cputime_begin(struct zcopy_cputime *c)
{
	c->runtime_ns = current->se.sum_exec_runtime;
}

u64 zcopy_cputime_end(struct zcopy_cputime *c)
{
	return current->se.sum_exec_runtime - c->runtime_ns;
}

#endif
