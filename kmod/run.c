// SPDX-License-Identifier: GPL-2.0
/*
 * A job's life in the worker, as steps that each may park and resume:
 *
 *   START    a path+address job opens its file and starts to connect
 *   CONNECT  waits for the handshake, connect_timeout_ms at most
 *   SEND     the engine sends a budget of chunks per invocation; a full
 *            socket parks the job until it has room, stall_timeout_ms at
 *            most without progress
 *   DRAIN    everything is queued: the next job on the socket may go;
 *            this one waits for the observer to see its bytes leave
 *   END      the record is final
 *
 * What the worker did (CPU time, context switches, block reads) is
 * sampled around each invocation and summed.
 */
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/timekeeping.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "cputime.h"
#include "engine.h"
#include "job.h"
#include "observe.h"
#include "run.h"
#include "sched.h"
#include "stats.h"

static bool observe = true;
module_param(observe, bool, 0644);
MODULE_PARM_DESC(observe, "Observe jobs at transmit to measure copies (default on)");

static unsigned int stall_timeout_ms = 30000;
module_param(stall_timeout_ms, uint, 0644);
MODULE_PARM_DESC(stall_timeout_ms,
		 "A job whose socket takes nothing for this long fails with ETIMEDOUT (0: never; default 30000)");

static unsigned int connect_timeout_ms = 10000;
module_param(connect_timeout_ms, uint, 0644);
MODULE_PARM_DESC(connect_timeout_ms,
		 "A path+address job fails with ETIMEDOUT if its connect takes longer (default 10000)");

/* Chunks per invocation: then the user's other jobs get the worker. */
#define ZCOPY_BUDGET_CHUNKS	4
/* A transfer whose bytes stop leaving for this long is not waited for. */
#define ZCOPY_DRAIN_IDLE	(5 * HZ)
/* Socket errors while draining are seen this often. */
#define ZCOPY_DRAIN_SLICE	(HZ / 4)

enum zcopy_run {
	ZCOPY_RUN_ON,		/* the next step, now */
	ZCOPY_RUN_PARKED,	/* an event or a timer resumes the job */
	ZCOPY_RUN_YIELD,	/* budget spent: queue again */
};

/* What the worker task did in an invocation: begun, then accounted. */
struct zcopy_task_sample {
	struct zcopy_cputime cpu;
	u64 switches;
	u64 read_bytes;
};

static u64 zcopy_task_read_bytes(void)
{
#ifdef ZCOPY_HAVE_IO_ACCOUNTING
	return current->ioac.read_bytes;
#else
	return 0;
#endif
}

static void zcopy_task_begin(struct zcopy_task_sample *s)
{
	s->switches = current->nvcsw + current->nivcsw;
	s->read_bytes = zcopy_task_read_bytes();
	zcopy_cputime_begin(&s->cpu);
}

static void zcopy_task_account(struct zcopy_job *job,
			       struct zcopy_task_sample *s)
{
	u64 cpu_ns = zcopy_cputime_end(&s->cpu);
	u64 switches = current->nvcsw + current->nivcsw - s->switches;
	u64 read_bytes = zcopy_task_read_bytes() - s->read_bytes;

	spin_lock(&job->lock);
	job->rec.cpu_ns += cpu_ns;
	job->rec.context_switches += switches;
	job->rec.dma_in_bytes += read_bytes;
	spin_unlock(&job->lock);
}

static unsigned long zcopy_deadline(unsigned int ms)
{
	return ms ? jiffies + msecs_to_jiffies(ms) : jiffies + MAX_JIFFY_OFFSET;
}

static struct sock *zcopy_sk(struct zcopy_job *job)
{
	return job->sock->sk;
}

static bool zcopy_writable(struct zcopy_job *job)
{
	struct sock *sk = zcopy_sk(job);

	return sk_stream_is_writeable(sk) || READ_ONCE(sk->sk_err) ||
	       (READ_ONCE(sk->sk_shutdown) & SEND_SHUTDOWN);
}

static bool zcopy_handshake_over(struct zcopy_job *job)
{
	return !((1 << inet_sk_state_load(zcopy_sk(job))) &
		 (TCPF_SYN_SENT | TCPF_SYN_RECV));
}

static bool zcopy_drained(struct zcopy_job *job)
{
	return zcopy_obs_seen(job->obs) >= job->rec.bytes_sent ||
	       READ_ONCE(zcopy_sk(job)->sk_err);
}

static int zcopy_park(struct zcopy_job *job, struct wait_queue_head *head,
		      unsigned long deadline, bool (*ready)(struct zcopy_job *))
{
	return zcopy_sched_park(job, head, deadline, ready) ?
	       ZCOPY_RUN_PARKED : ZCOPY_RUN_ON;
}

static int zcopy_send_begin(struct zcopy_job *job)
{
	int ret;

	ret = zcopy_xfer_start(job);
	if (ret)
		return ret;
	if (READ_ONCE(observe))
		job->obs = zcopy_obs_start(zcopy_sk(job), job->file,
					   ZCOPY_PROBES_JOB);
	job->deadline = zcopy_deadline(READ_ONCE(stall_timeout_ms));
	job->step = ZCOPY_STEP_SEND;
	return ZCOPY_RUN_ON;
}

static int zcopy_step_start(struct zcopy_job *job)
{
	int ret;

	zcopy_stats_add(ZCOPY_STATS_A_JOBS_QUEUED, -1);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_RUNNING, 1);
	spin_lock(&job->lock);
	job->rec.state = ZCOPY_STATE_RUNNING;
	job->rec.start_ns = ktime_get_ns();
	spin_unlock(&job->lock);

	if (zcopy_job_cancelled(job))
		return -ECANCELED;
	if (job->link_failed && !(job->flags & ZCOPY_SUBMIT_INDEPENDENT))
		return -ENOLINK;
	if (!job->target)
		return zcopy_send_begin(job);

	ret = zcopy_job_open_target(job);
	if (ret != -EINPROGRESS)
		return ret ?: zcopy_send_begin(job);
	job->deadline = zcopy_deadline(READ_ONCE(connect_timeout_ms));
	job->step = ZCOPY_STEP_CONNECT;
	return ZCOPY_RUN_ON;
}

static int zcopy_step_connect(struct zcopy_job *job)
{
	int ret = zcopy_job_connect(job);

	if (ret != -EALREADY)
		return ret ?: zcopy_send_begin(job);
	if (time_after_eq(jiffies, job->deadline))
		return -ETIMEDOUT;
	return zcopy_park(job, sk_sleep(zcopy_sk(job)), job->deadline,
			  zcopy_handshake_over);
}

/*
 * All the job will send is queued (or it failed midway): the next job on
 * the socket may go, told whether this one failed, and the observation
 * ends at this job's last byte.
 */
static void zcopy_sent_all(struct zcopy_job *job)
{
	if (job->obs)
		zcopy_obs_bound(job->obs, job->rec.bytes_sent);
	zcopy_job_pass_turn(job, job->result);
	job->drain_seen = 0;
	job->drain_since = jiffies;
	job->step = ZCOPY_STEP_DRAIN;
}

static int zcopy_step_send(struct zcopy_job *job)
{
	bool progress;
	int ret;

	ret = zcopy_xfer_run(job, ZCOPY_BUDGET_CHUNKS, &progress);
	if (progress)
		job->deadline = zcopy_deadline(READ_ONCE(stall_timeout_ms));
	if (!ret) {
		zcopy_sent_all(job);
		return ZCOPY_RUN_ON;
	}
	if (ret == 1)
		return ZCOPY_RUN_YIELD;
	if (ret != -EAGAIN)
		return ret;
	if (time_after_eq(jiffies, job->deadline))
		return -ETIMEDOUT;
	return zcopy_park(job, sk_sleep(zcopy_sk(job)), job->deadline,
			  zcopy_writable);
}

static int zcopy_step_drain(struct zcopy_job *job)
{
	unsigned long deadline;
	u64 seen;

	if (!job->obs || !zcopy_obs_can_wait(job->obs) ||
	    zcopy_job_cancelled(job) || zcopy_drained(job)) {
		job->step = ZCOPY_STEP_END;
		return ZCOPY_RUN_ON;
	}
	seen = zcopy_obs_seen(job->obs);
	if (seen != job->drain_seen) {
		job->drain_seen = seen;
		job->drain_since = jiffies;
	}
	deadline = job->drain_since + ZCOPY_DRAIN_IDLE;
	if (time_after_eq(jiffies, deadline)) {
		job->step = ZCOPY_STEP_END;
		return ZCOPY_RUN_ON;
	}
	if (time_after(deadline, jiffies + ZCOPY_DRAIN_SLICE))
		deadline = jiffies + ZCOPY_DRAIN_SLICE;
	return zcopy_park(job,
			  zcopy_obs_wait_head(job->obs, job->rec.bytes_sent),
			  deadline, zcopy_drained);
}

/*
 * A step failed. A transfer that failed midway still waits for what it
 * queued to leave, so that its record counts it; a cancelled or stalled
 * one does not wait.
 */
static void zcopy_step_failed(struct zcopy_job *job, int err)
{
	job->result = err;
	if (job->step == ZCOPY_STEP_SEND && err != -ECANCELED &&
	    err != -ETIMEDOUT) {
		zcopy_sent_all(job);
		return;
	}
	zcopy_job_pass_turn(job, true);
	job->step = ZCOPY_STEP_END;
}

static int zcopy_job_steps(struct zcopy_job *job)
{
	int ret;

	while (job->step != ZCOPY_STEP_END) {
		switch (job->step) {
		case ZCOPY_STEP_START:
			ret = zcopy_step_start(job);
			break;
		case ZCOPY_STEP_CONNECT:
			ret = zcopy_step_connect(job);
			break;
		case ZCOPY_STEP_SEND:
			ret = zcopy_step_send(job);
			break;
		default:
			ret = zcopy_step_drain(job);
			break;
		}
		if (ret < 0)
			zcopy_step_failed(job, ret);
		else if (ret != ZCOPY_RUN_ON)
			return ret;
	}
	return ZCOPY_RUN_ON;
}

/*
 * Once every byte was seen leaving, the observer's counts replace the
 * estimate: the engine's own copies plus those the stack made.
 */
static void zcopy_observed(struct zcopy_job *job)
{
	struct zcopy_completion *rec = &job->rec;
	struct zcopy_obs_counts c;

	zcopy_obs_stop(job->obs, &c, NULL);
	job->obs = NULL;
	zcopy_stats_add(ZCOPY_STATS_A_RETRANS_BYTES, c.retrans_bytes);
	if (!zcopy_obs_complete(&c, rec->bytes_sent))
		return;

	spin_lock(&job->lock);
	rec->cpu_copy_bytes = job->own_copy_bytes + c.copied_bytes;
	rec->ref_bytes = c.ref_bytes;
	rec->dma_out_bytes = c.dma_out_bytes;
	rec->skbs = c.skbs;
	rec->frags = c.frags;
	if (c.egress_dev[0])
		memcpy(rec->egress_dev, c.egress_dev, IFNAMSIZ);
	rec->verified = 1;
	spin_unlock(&job->lock);
}

static void zcopy_job_end(struct zcopy_job *job)
{
	struct zcopy_completion *rec = &job->rec;
	int ret = job->result;

	if (job->obs)
		zcopy_observed(job);
	zcopy_xfer_end(job);

	spin_lock(&job->lock);
	rec->end_ns = ktime_get_ns();
	rec->error = ret;
	if (!ret)
		rec->state = ZCOPY_STATE_DONE;
	else if (ret == -ECANCELED)
		rec->state = ZCOPY_STATE_CANCELLED;
	else
		rec->state = ZCOPY_STATE_FAILED;
	spin_unlock(&job->lock);
}

void zcopy_run_work(struct work_struct *work)
{
	struct zcopy_job *job = container_of(work, struct zcopy_job, work);
	struct zcopy_identity_saved saved;
	struct zcopy_task_sample before;
	int run;

	zcopy_sched_begin(job);
	/* Every invocation, in whatever worker: it must leave as it came. */
	zcopy_identity_enter(&job->ident, &saved);
	zcopy_task_begin(&before);
	run = zcopy_job_steps(job);
	/*
	 * A parked or yielding job may be queued again already: the
	 * workqueue runs it only after this invocation has returned.
	 */
	zcopy_task_account(job, &before);
	zcopy_identity_leave(&saved);
	if (run == ZCOPY_RUN_PARKED)
		return;
	if (run == ZCOPY_RUN_YIELD) {
		zcopy_sched_yield(job);
		return;
	}
	zcopy_job_end(job);
	zcopy_sched_done(job);
	zcopy_job_finish(job);
}
