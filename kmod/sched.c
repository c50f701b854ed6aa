// SPDX-License-Identifier: GPL-2.0
/*
 * Job scheduling. A job runs as a series of work items on one unbound
 * workqueue whose concurrency is set here (the first of them in its
 * submitter's call, if asked and a slot is free), and each user may have
 * only a few of them queued or running at once: the rest wait in the user's
 * runnable list, so that no user can take every worker. A job that has to
 * wait parks instead of sleeping in its worker: a wait queue entry on the
 * socket (woken by the socket's write-space and state callbacks, as an
 * epoll or vhost waiter is) or on the observation, and a timer for its
 * deadline. Whichever fires first kicks it back onto the workqueue; the
 * PARKED bit makes sure only one of them does.
 */
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "job.h"
#include "sched.h"
#include "user.h"

/* Workers for all jobs; well above what one user may take. */
#define ZCOPY_WQ_MAX_ACTIVE	64

static unsigned int max_running_per_user = 4;
module_param(max_running_per_user, uint, 0644);
MODULE_PARM_DESC(max_running_per_user,
		 "Workers one user's jobs may hold at once (default 4, at most 16)");

static struct workqueue_struct *zcopy_wq;

int zcopy_sched_init(void)
{
	/* Unbound: transfers are long and should spread over CPUs. */
	zcopy_wq = alloc_workqueue("zcopy", WQ_UNBOUND, ZCOPY_WQ_MAX_ACTIVE);
	return zcopy_wq ? 0 : -ENOMEM;
}

void zcopy_sched_exit(void)
{
	destroy_workqueue(zcopy_wq);
}

static unsigned int zcopy_sched_user_slots(void)
{
	return clamp(READ_ONCE(max_running_per_user), 1U,
		     ZCOPY_WQ_MAX_ACTIVE / 4U);
}

/* One of its user's worker slots for the job (true), or a place in line. */
static bool zcopy_sched_take_slot(struct zcopy_job *job)
{
	struct zcopy_user *u = job->user;
	unsigned long flags;
	bool slot = false;

	spin_lock_irqsave(&u->run_lock, flags);
	if (u->nr_running < zcopy_sched_user_slots()) {
		u->nr_running++;
		slot = true;
	} else {
		list_add_tail(&job->run_node, &u->runnable);
	}
	spin_unlock_irqrestore(&u->run_lock, flags);
	return slot;
}

/* Gives the job a worker, or a place in its user's queue for one. */
static void zcopy_sched_queue(struct zcopy_job *job)
{
	if (zcopy_sched_take_slot(job))
		queue_work(zcopy_wq, &job->work);
}

/* The job's worker goes to the user's next runnable job, if any. */
static void zcopy_sched_release(struct zcopy_job *job)
{
	struct zcopy_user *u = job->user;
	struct zcopy_job *next;
	unsigned long flags;

	spin_lock_irqsave(&u->run_lock, flags);
	next = list_first_entry_or_null(&u->runnable, struct zcopy_job,
					run_node);
	if (next) {
		list_del_init(&next->run_node);
		queue_work(zcopy_wq, &next->work);
	} else {
		u->nr_running--;
	}
	spin_unlock_irqrestore(&u->run_lock, flags);
}

void zcopy_sched_kick(struct zcopy_job *job)
{
	if (test_and_clear_bit(ZCOPY_JOB_PARKED, &job->sched))
		zcopy_sched_queue(job);
}

/* Received data is no news for a sender; space, errors and states are. */
static int zcopy_sched_wake(struct wait_queue_entry *wait, unsigned int mode,
			    int sync, void *key)
{
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & (EPOLLOUT | EPOLLWRNORM | EPOLLERR | EPOLLHUP)))
		return 0;
	zcopy_sched_kick(container_of(wait, struct zcopy_job, wait));
	return 0;
}

static void zcopy_sched_timeout(struct timer_list *timer)
{
	struct zcopy_job *job = from_timer(job, timer, timer);

	zcopy_sched_kick(job);
}

void zcopy_sched_job_init(struct zcopy_job *job, work_func_t work_fn)
{
	INIT_WORK(&job->work, work_fn);
	INIT_LIST_HEAD(&job->run_node);
	init_waitqueue_func_entry(&job->wait, zcopy_sched_wake);
	INIT_LIST_HEAD(&job->wait.entry);
	timer_setup(&job->timer, zcopy_sched_timeout, 0);
}

void zcopy_sched_start(struct zcopy_job *job)
{
	zcopy_sched_queue(job);
}

bool zcopy_sched_start_here(struct zcopy_job *job)
{
	return zcopy_sched_take_slot(job);
}

/* Not a work item: nothing pends, and a yield or a kick queues it anew. */
void zcopy_sched_run_here(struct zcopy_job *job)
{
	job->work.func(&job->work);
}

void zcopy_sched_hold(struct zcopy_job *job)
{
	set_bit(ZCOPY_JOB_PARKED, &job->sched);
}

void zcopy_sched_begin(struct zcopy_job *job)
{
	if (job->wait_head) {
		remove_wait_queue(job->wait_head, &job->wait);
		job->wait_head = NULL;
	}
	timer_delete_sync(&job->timer);
}

bool zcopy_sched_park(struct zcopy_job *job, struct wait_queue_head *head,
		      unsigned long deadline, bool (*ready)(struct zcopy_job *))
{
	if (head) {
		job->wait_head = head;
		add_wait_queue(head, &job->wait);
	}
	mod_timer(&job->timer, deadline);
	set_bit(ZCOPY_JOB_PARKED, &job->sched);
	/* Pairs with the cancel's store before its kick. */
	smp_mb__after_atomic();
	if ((zcopy_job_cancelled(job) || ready(job)) &&
	    test_and_clear_bit(ZCOPY_JOB_PARKED, &job->sched)) {
		zcopy_sched_begin(job);
		return false;
	}
	zcopy_sched_release(job);
	return true;
}

void zcopy_sched_yield(struct zcopy_job *job)
{
	zcopy_sched_release(job);
	zcopy_sched_queue(job);
}

void zcopy_sched_done(struct zcopy_job *job)
{
	zcopy_sched_release(job);
}
