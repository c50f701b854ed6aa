// SPDX-License-Identifier: GPL-2.0
/*
 * The job core: submission, live jobs by id, the order of jobs on one
 * socket, cancellation, lookups and the end of a job. Front ends call in;
 * the core calls back only through a job's ops and the event function it
 * was given at init.
 *
 * zcopy_jobs_lock guards the live xarray's contents, each job's live
 * flag and the per-socket chains (prev, next, turn_passed, link_failed,
 * the socket tails). It is never held across a call into a front end.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/xarray.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "job.h"
#include "run.h"
#include "sched.h"
#include "stats.h"
#include "target.h"
#include "user.h"

static struct kmem_cache *zcopy_job_cache;
static atomic64_t zcopy_next_id = ATOMIC64_INIT(0);
static zcopy_job_event_fn zcopy_job_event;

static DEFINE_SPINLOCK(zcopy_jobs_lock);
/* Live jobs (submitted, not ended) by id; slots reserved unlocked. */
static DEFINE_XARRAY(zcopy_live);
static unsigned int zcopy_live_count;
static bool zcopy_stopping;
static DECLARE_WAIT_QUEUE_HEAD(zcopy_live_wait);
/* The newest job of each socket that has not passed its turn yet. */
static DEFINE_HASHTABLE(zcopy_sock_tails, 8);

int zcopy_jobs_init(zcopy_job_event_fn event)
{
	int ret;

	zcopy_job_event = event;
	/* Charged to the submitter's memory cgroup. */
	zcopy_job_cache = KMEM_CACHE(zcopy_job, SLAB_ACCOUNT);
	if (!zcopy_job_cache)
		return -ENOMEM;
	ret = zcopy_sched_init();
	if (ret)
		kmem_cache_destroy(zcopy_job_cache);
	return ret;
}

static void zcopy_job_cancel_locked(struct zcopy_job *job);

/*
 * Module unload: no job may start now, every live one is cancelled, and
 * this returns when the last has ended. Parked jobs end at once; one in
 * the middle of a disk read ends when the read does.
 */
void zcopy_jobs_stop(void)
{
	struct zcopy_job *job;
	unsigned long id;

	spin_lock(&zcopy_jobs_lock);
	zcopy_stopping = true;
	xa_for_each(&zcopy_live, id, job)
		zcopy_job_cancel_locked(job);
	spin_unlock(&zcopy_jobs_lock);
	wait_event(zcopy_live_wait, !READ_ONCE(zcopy_live_count));
}

void zcopy_jobs_exit(void)
{
	/* The last job's worker may still be returning. */
	zcopy_sched_exit();
	zcopy_users_exit();
	xa_destroy(&zcopy_live);
	kmem_cache_destroy(zcopy_job_cache);
}

void zcopy_caller_init(struct zcopy_caller *caller, const struct sk_buff *skb)
{
	caller->uid = current_euid();
	caller->net = skb ? sock_net(skb->sk) : current->nsproxy->net_ns;
	caller->skb = skb;
	caller->listing = false;
	caller->admin = -1;
}

/*
 * A caller sees the jobs of its network namespace that it submitted, and
 * the others only with CAP_NET_ADMIN over that namespace. The capability
 * is asked only for someone else's job, so that owners leave no audit
 * trail, and never under a spinlock. A dump only filters what it lists,
 * as /proc does: its check leaves no audit record either.
 */
static bool zcopy_caller_may_see(struct zcopy_caller *caller, kuid_t owner)
{
	struct user_namespace *ns = caller->net->user_ns;

	if (uid_eq(owner, caller->uid))
		return true;
	if (caller->admin >= 0)
		return caller->admin;
	if (caller->listing)
		caller->admin = ns_capable_noaudit(ns, CAP_NET_ADMIN);
	else if (caller->skb)
		caller->admin = netlink_net_capable(caller->skb, CAP_NET_ADMIN);
	else
		caller->admin = ns_capable(ns, CAP_NET_ADMIN);
	return caller->admin;
}

struct zcopy_job *zcopy_job_alloc(const struct zcopy_job_ops *ops,
				  void *owner)
{
	struct zcopy_job *job;

	job = kmem_cache_zalloc(zcopy_job_cache, GFP_KERNEL);
	if (!job)
		return NULL;
	job->ops = ops;
	job->owner = owner;
	INIT_LIST_HEAD(&job->owner_node);
	spin_lock_init(&job->lock);
	zcopy_identity_capture(&job->ident);
	job->net = get_net(current->nsproxy->net_ns);
	zcopy_sched_job_init(job, zcopy_run_work);
	return job;
}

int zcopy_job_set_frame(struct zcopy_job *job, u32 header_len,
			u32 trailer_len, struct netlink_ext_ack *extack)
{
	size_t len = (size_t)header_len + trailer_len;

	if (header_len > ZCOPY_HEADER_MAX || trailer_len > ZCOPY_HEADER_MAX) {
		NL_SET_ERR_MSG(extack, "header or trailer longer than 64 KiB");
		return -E2BIG;
	}
	if (!len)
		return 0;
	/* Bounded by the user's jobs, charged to the submitter. */
	job->frame = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!job->frame)
		return -ENOMEM;
	job->rec.header_len = header_len;
	job->rec.trailer_len = trailer_len;
	job->own_copy_bytes = len;
	job->rec.cpu_copy_bytes = len;
	return 0;
}

static void zcopy_job_frame_free(struct zcopy_job *job)
{
	kvfree(job->frame);
	job->frame = NULL;
}

void zcopy_job_free(struct zcopy_job *job)
{
	zcopy_job_frame_free(job);
	zcopy_job_release_io(job);
	if (job->user)
		zcopy_user_uncharge(job);
	put_net(job->net);
	kmem_cache_free(zcopy_job_cache, job);
}

int zcopy_request_check(const struct zcopy_request *req,
			struct netlink_ext_ack *extack)
{
	u64 end;

	if (req->mode > ZCOPY_MODE_MAX) {
		NL_SET_ERR_MSG(extack, "unknown mode");
		return -EINVAL;
	}
	if (req->flags & ~ZCOPY_SUBMIT_FLAGS_ALL) {
		NL_SET_ERR_MSG(extack, "unknown flags");
		return -EINVAL;
	}
	if (check_add_overflow(req->offset, req->length, &end) ||
	    end > MAX_LFS_FILESIZE) {
		NL_SET_ERR_MSG(extack, "offset + length overflows");
		return -EOVERFLOW;
	}
	return 0;
}

static struct zcopy_job *zcopy_sock_tail(const struct sock *sk)
{
	struct zcopy_job *job;

	lockdep_assert_held(&zcopy_jobs_lock);
	hash_for_each_possible(zcopy_sock_tails, job, sock_node,
			       (unsigned long)sk)
		if (job->sock->sk == sk)
			return job;
	return NULL;
}

static void zcopy_sock_tail_set(struct zcopy_job *job)
{
	hash_add(zcopy_sock_tails, &job->sock_node,
		 (unsigned long)job->sock->sk);
}

/* hash_del() leaves the node unhashed, as the zeroed job starts. */
static void zcopy_sock_tail_clear(struct zcopy_job *job)
{
	if (hash_hashed(&job->sock_node))
		hash_del(&job->sock_node);
}

/*
 * Behind the socket's newest job that has not passed its turn: true when
 * the job must wait for it. A path+address job's socket is its own.
 */
static bool zcopy_job_chain(struct zcopy_job *job)
{
	struct zcopy_job *tail;

	lockdep_assert_held(&zcopy_jobs_lock);
	if (job->target)
		return false;
	tail = zcopy_sock_tail(job->sock->sk);
	if (tail) {
		tail->next = job;
		job->prev = tail;
		zcopy_sock_tail_clear(tail);
	}
	zcopy_sock_tail_set(job);
	return tail;
}

static void zcopy_job_pass_turn_locked(struct zcopy_job *job, bool failed)
{
	struct zcopy_job *next = job->next;

	lockdep_assert_held(&zcopy_jobs_lock);
	if (job->turn_passed)
		return;
	job->turn_passed = true;
	zcopy_sock_tail_clear(job);
	if (!next)
		return;
	job->next = NULL;
	next->prev = NULL;
	if (failed)
		next->link_failed = true;
	zcopy_sched_kick(next);
}

void zcopy_job_pass_turn(struct zcopy_job *job, bool failed)
{
	spin_lock(&zcopy_jobs_lock);
	zcopy_job_pass_turn_locked(job, failed);
	spin_unlock(&zcopy_jobs_lock);
}

/* Checks the request, applies the limits and queues the job. */
int zcopy_job_submit(struct zcopy_job *job, const struct zcopy_request *req,
		     u64 *idp, struct netlink_ext_ack *extack)
{
	bool wait, here = false;
	u64 id;
	int ret;

	ret = zcopy_request_check(req, extack);
	if (ret)
		return ret;

	job->flags = req->flags;
	job->rec.offset = req->offset;
	job->rec.length = req->length;
	job->rec.mode = req->mode;
	job->rec.user_data = req->user_data;
	job->rec.state = ZCOPY_STATE_QUEUED;
	job->rec.syscalls = 1;
	/* A path+address job learns its file in its worker. */
	if (!job->target) {
		ret = zcopy_job_bind_file(job, extack);
		if (ret)
			return ret;
	}

	id = atomic64_inc_return(&zcopy_next_id);
	job->rec.id = id;
	ret = zcopy_user_charge(job);
	if (ret == -EAGAIN)
		NL_SET_ERR_MSG(extack, "too many jobs in flight");
	if (ret)
		return ret;
	ret = xa_reserve(&zcopy_live, id, GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;

	spin_lock(&zcopy_jobs_lock);
	if (zcopy_stopping) {
		spin_unlock(&zcopy_jobs_lock);
		xa_release(&zcopy_live, id);
		NL_SET_ERR_MSG(extack, "the module is being unloaded");
		return -ESHUTDOWN;
	}
	/* The slot is reserved: this allocates nothing. */
	xa_store(&zcopy_live, id, job, GFP_NOWAIT);
	job->live = true;
	zcopy_live_count++;
	job->rec.queued_ns = ktime_get_ns();
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_SUBMITTED, 1);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_QUEUED, 1);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_COPY + req->mode, 1);
	wait = zcopy_job_chain(job);
	if (wait)
		zcopy_sched_hold(job);
	else if (req->flags & ZCOPY_SUBMIT_INLINE)
		here = zcopy_sched_start_here(job);
	else
		zcopy_sched_start(job);
	spin_unlock(&zcopy_jobs_lock);

	if (here)
		zcopy_sched_run_here(job);

	/* With ops, the job may be gone already. */
	*idp = id;
	return 0;
}

/*
 * Stops the job. One still waiting for its turn would only see that when
 * its predecessor is done, which may be never (a peer that does not
 * read): it leaves the chain, the job after it waits for the predecessor
 * instead and will fail as if this one had, and it ends at once.
 */
static void zcopy_job_cancel_locked(struct zcopy_job *job)
{
	struct zcopy_job *prev = job->prev, *next = job->next;

	lockdep_assert_held(&zcopy_jobs_lock);
	WRITE_ONCE(job->cancel, true);
	if (prev) {
		prev->next = next;
		if (next) {
			next->prev = prev;
			next->link_failed = true;
		} else {
			zcopy_sock_tail_clear(job);
			zcopy_sock_tail_set(prev);
		}
		job->prev = NULL;
		job->next = NULL;
		job->turn_passed = true;
	}
	/* Pairs with the barrier in zcopy_sched_park(). */
	smp_mb();
	zcopy_sched_kick(job);
}

void zcopy_job_cancel_owned(struct zcopy_job *job)
{
	spin_lock(&zcopy_jobs_lock);
	if (job->live)
		zcopy_job_cancel_locked(job);
	spin_unlock(&zcopy_jobs_lock);
}

/* The live job id of the caller's netns: its owner, or false. */
static bool zcopy_live_owner(u64 id, const struct net *net, kuid_t *uid)
{
	struct zcopy_job *job;
	bool found;

	spin_lock(&zcopy_jobs_lock);
	job = xa_load(&zcopy_live, id);
	found = job && net_eq(job->net, net);
	if (found)
		*uid = job->user->uid;
	spin_unlock(&zcopy_jobs_lock);
	return found;
}

int zcopy_job_cancel(u64 id, struct zcopy_caller *caller)
{
	struct zcopy_job *job;
	kuid_t uid;
	int ret = -ENOENT;

	if (!zcopy_live_owner(id, caller->net, &uid) ||
	    !zcopy_caller_may_see(caller, uid))
		return -ENOENT;
	spin_lock(&zcopy_jobs_lock);
	job = xa_load(&zcopy_live, id);
	if (job) {
		zcopy_job_cancel_locked(job);
		ret = 0;
	}
	spin_unlock(&zcopy_jobs_lock);
	return ret;
}

/* The record of a live job; a GET of it is a system call made for it. */
static bool zcopy_live_record(u64 id, struct zcopy_completion *rec,
			      bool count)
{
	struct zcopy_job *job;

	spin_lock(&zcopy_jobs_lock);
	job = xa_load(&zcopy_live, id);
	if (job) {
		spin_lock(&job->lock);
		if (count)
			job->rec.syscalls++;
		*rec = job->rec;
		spin_unlock(&job->lock);
	}
	spin_unlock(&zcopy_jobs_lock);
	return job;
}

int zcopy_job_lookup(u64 id, struct zcopy_caller *caller,
		     struct zcopy_completion *rec)
{
	kuid_t uid;

	if (zcopy_live_owner(id, caller->net, &uid)) {
		if (!zcopy_caller_may_see(caller, uid))
			return -ENOENT;
		/* In the history by now if it ended meanwhile. */
		if (zcopy_live_record(id, rec, true))
			return 0;
	}
	if (zcopy_history_lookup(id, caller->net, rec, &uid) ||
	    !zcopy_caller_may_see(caller, uid))
		return -ENOENT;
	return 0;
}

/* Of the caller's netns's live jobs, the one with the smallest id >= *id. */
static bool zcopy_live_next(u64 *id, const struct net *net,
			    struct zcopy_completion *rec, kuid_t *uid)
{
	struct zcopy_job *job;
	unsigned long index;
	bool found = false;

	spin_lock(&zcopy_jobs_lock);
	xa_for_each_start(&zcopy_live, index, job, *id) {
		if (!net_eq(job->net, net))
			continue;
		spin_lock(&job->lock);
		*rec = job->rec;
		spin_unlock(&job->lock);
		*uid = job->user->uid;
		*id = index;
		found = true;
		break;
	}
	spin_unlock(&zcopy_jobs_lock);
	return found;
}

/*
 * Ids grow, so a walk by id from a cursor sees each job once, whether it
 * is live or kept when the walk gets there: no snapshot is needed.
 */
int zcopy_job_next(u64 *id, struct zcopy_caller *caller,
		   struct zcopy_completion *rec)
{
	struct zcopy_completion kept;
	u64 live_id, kept_id;
	kuid_t live_uid, kept_uid;
	bool live, keep;

	for (;;) {
		live_id = *id;
		kept_id = *id;
		live = zcopy_live_next(&live_id, caller->net, rec, &live_uid);
		keep = !zcopy_history_next(&kept_id, caller->net, &kept,
					   &kept_uid);
		if (!live && !keep)
			return -ENOENT;
		if (!live || (keep && kept_id < live_id)) {
			*rec = kept;
			live_id = kept_id;
			live_uid = kept_uid;
		}
		*id = live_id;
		if (zcopy_caller_may_see(caller, live_uid))
			return 0;
		*id = live_id + 1;
	}
}

static void zcopy_stats_account(const struct zcopy_completion *rec)
{
	static const enum zcopy_stats_attr by_state[] = {
		[ZCOPY_STATE_DONE] = ZCOPY_STATS_A_JOBS_DONE,
		[ZCOPY_STATE_FAILED] = ZCOPY_STATS_A_JOBS_FAILED,
		[ZCOPY_STATE_CANCELLED] = ZCOPY_STATS_A_JOBS_CANCELLED,
	};

	zcopy_stats_add(ZCOPY_STATS_A_JOBS_RUNNING, -1);
	zcopy_stats_add(by_state[rec->state], 1);
	zcopy_stats_add(ZCOPY_STATS_A_BYTES_SENT, rec->bytes_sent);
	zcopy_stats_add(ZCOPY_STATS_A_CPU_COPY_BYTES, rec->cpu_copy_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_REF_BYTES, rec->ref_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_DMA_IN_BYTES, rec->dma_in_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_DMA_OUT_BYTES, rec->dma_out_bytes);
	zcopy_stats_add(ZCOPY_STATS_A_JOBS_VERIFIED, rec->verified);
}

/*
 * The job has ended (done, failed or cancelled): record it, tell the
 * listeners, give back its file and socket and hand it to its front end
 * or free it. Runs last in the job's work item. The event goes before the
 * job leaves the live set: unload waits for that, then unregisters the
 * family the event goes to.
 */
void zcopy_job_finish(struct zcopy_job *job)
{
	bool last;

	/* A job cancelled before it ran still lets the next one go. */
	zcopy_job_pass_turn(job, job->rec.state != ZCOPY_STATE_DONE);
	/* Kept before it leaves the live set: GET always finds it. */
	zcopy_history_keep(job);
	zcopy_job_frame_free(job);
	zcopy_job_release_io(job);
	zcopy_stats_account(&job->rec);
	zcopy_job_event(job->net, &job->rec);

	spin_lock(&zcopy_jobs_lock);
	xa_erase(&zcopy_live, job->rec.id);
	job->live = false;
	last = !--zcopy_live_count;
	spin_unlock(&zcopy_jobs_lock);
	if (last)
		wake_up(&zcopy_live_wait);

	if (job->ops)
		job->ops->ended(job);
	else
		zcopy_job_free(job);
}
