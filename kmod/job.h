/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A transfer job: what was asked, the resources it holds, and the record
 * of what happened that the engine fills in. This is the job core's
 * interface to its front ends (the character device and netlink): they
 * call in, and the core calls back only through struct zcopy_job_ops.
 */
#ifndef _ZCOPY_JOB_H
#define _ZCOPY_JOB_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <uapi/linux/zcopy.h>

#include "identity.h"

struct netlink_ext_ack;
struct sk_buff;
struct zcopy_history_entry;
struct zcopy_obs;
struct zcopy_target;
struct zcopy_user;
struct zcopy_xfer;

/* What a submitter asks for, from either interface. */
struct zcopy_request {
	u32 mode;
	u32 flags;
	u64 offset;
	u64 length;
	u64 user_data;
};

struct zcopy_job;

/* How the core hands a job back to the front end that submitted it. */
struct zcopy_job_ops {
	/*
	 * The job has ended and its record is final. The front end owns the
	 * job from here and frees it with zcopy_job_free(). Called in the
	 * job's worker, without any of the core's locks.
	 */
	void (*ended)(struct zcopy_job *job);
};

/* Where the engine is in a job; each step may park and resume. */
enum zcopy_step {
	ZCOPY_STEP_START,
	ZCOPY_STEP_CONNECT,	/* path+address job: handshake under way */
	ZCOPY_STEP_SEND,
	ZCOPY_STEP_DRAIN,	/* all queued: wait for the bytes to leave */
	ZCOPY_STEP_END,
};

/* job->sched bits: see sched.c. */
enum {
	ZCOPY_JOB_PARKED,	/* waits for an event: a kick queues it */
};

struct zcopy_job {
	const struct zcopy_job_ops *ops;	/* NULL: freed when it ends */
	void *owner;				/* the front end's */
	struct list_head owner_node;		/* the front end's */
	struct zcopy_user *user;		/* the submitter's euid */
	struct zcopy_identity ident;	/* the submitter's, worn by the worker */
	struct net *net;		/* the submitter's, where events go */
	struct file *file;
	struct socket *sock;
	/* A path+address job: file and sock come from it, in the worker. */
	struct zcopy_target *target;
	bool sock_is_ours;		/* created for a path+address job */
	u32 flags;			/* ZCOPY_SUBMIT_* */
	/* Sent around the range: rec.header_len bytes, then rec.trailer_len. */
	void *frame;
	bool cancel;			/* WRITE_ONCE/READ_ONCE */
	bool live;			/* submitted, not ended: zcopy_jobs_lock */

	/*
	 * Jobs on one socket send in submission order: prev and next link
	 * them while they wait, under zcopy_jobs_lock.
	 */
	struct zcopy_job *prev, *next;
	struct hlist_node sock_node;	/* hashed: the socket's newest job */
	bool turn_passed;		/* next may send */
	bool link_failed;		/* one before it on the socket failed */

	/* Scheduling (sched.c): run gate, parking and the stall timer. */
	struct work_struct work;
	unsigned long sched;
	struct list_head run_node;	/* user's runnable list */
	struct wait_queue_entry wait;
	struct wait_queue_head *wait_head;
	struct timer_list timer;

	/* The worker's state between invocations (run.c, engine.c). */
	enum zcopy_step step;
	int result;			/* 0 or why the job failed */
	struct zcopy_xfer *xfer;
	struct zcopy_obs *obs;
	unsigned long deadline;		/* jiffies: stall or connect limit */
	u64 drain_seen;			/* bytes seen leaving, at drain_since */
	unsigned long drain_since;
	u64 own_copy_bytes;		/* copies the engine itself made */
	struct file_ra_state ra;

	struct zcopy_history_entry *hist;	/* reserved at submission */

	spinlock_t lock;		/* rec while the job runs */
	struct zcopy_completion rec;
};

/* Who asks: visibility of jobs and records to a GET, dump or CANCEL. */
struct zcopy_caller {
	kuid_t uid;
	struct net *net;
	const struct sk_buff *skb;	/* the netlink request, or NULL */
	bool listing;			/* a dump: filters, leaves no audit */
	int admin;			/* -1: not asked yet */
};

void zcopy_caller_init(struct zcopy_caller *caller,
		       const struct sk_buff *skb);

/* Completion events, for every job: netlink's, set before any job. */
typedef void (*zcopy_job_event_fn)(struct net *net,
				   const struct zcopy_completion *rec);

int zcopy_jobs_init(zcopy_job_event_fn event);
/* Refuses new jobs, cancels every job and waits for them to end. */
void zcopy_jobs_stop(void);
void zcopy_jobs_exit(void);

/*
 * The caller's file and socket descriptors as jobs and observations take
 * them: 0 with a reference on each, or -errno with none taken.
 */
int zcopy_get_fds(int file_fd, int sock_fd, struct file **filep,
		  struct socket **sockp, struct netlink_ext_ack *extack);
/* The connected TCP socket of sock_fd alone; sockfd_put() it. */
int zcopy_get_sock(int sock_fd, struct socket **sockp,
		   struct netlink_ext_ack *extack);

/* Validation and resolution of fds in the caller's context. */
int zcopy_job_prepare_fds(struct zcopy_job *job, int file_fd, int sock_fd,
			  struct netlink_ext_ack *extack);
int zcopy_job_prepare_path(struct zcopy_job *job, const char *path,
			   const struct sockaddr *addr, int addrlen,
			   struct netlink_ext_ack *extack);

/* Checks what needs no file: mode, flags, range arithmetic. */
int zcopy_request_check(const struct zcopy_request *req,
			struct netlink_ext_ack *extack);

/*
 * Room in the job for a header and a trailer, which the front end then
 * copies in: frame, and frame + header_len. The copy is the CPU's, so
 * the job counts it. 0, -E2BIG (over ZCOPY_HEADER_MAX) or -ENOMEM.
 */
int zcopy_job_set_frame(struct zcopy_job *job, u32 header_len,
			u32 trailer_len, struct netlink_ext_ack *extack);

/* ops NULL: the core frees the job when it ends. */
struct zcopy_job *zcopy_job_alloc(const struct zcopy_job_ops *ops,
				  void *owner);
/* Frees a job never submitted, or one handed back by ops->ended. */
void zcopy_job_free(struct zcopy_job *job);
/*
 * On success the job belongs to the engine until ops->ended; *id names
 * it. With ops, the job may end (and ops->ended run) before this returns.
 */
int zcopy_job_submit(struct zcopy_job *job, const struct zcopy_request *req,
		     u64 *id, struct netlink_ext_ack *extack);

/* 0, or -ENOENT: no such job running that the caller may see. */
int zcopy_job_cancel(u64 id, struct zcopy_caller *caller);
/* Cancels a job its front end still holds (e.g. on close()). */
void zcopy_job_cancel_owned(struct zcopy_job *job);
/* A live job or a kept record; a GET of a running job counts a syscall. */
int zcopy_job_lookup(u64 id, struct zcopy_caller *caller,
		     struct zcopy_completion *rec);
/*
 * The first record visible to the caller with an id >= *id, live or
 * kept: 0 and *id set to its id, or -ENOENT at the end. For dumps.
 */
int zcopy_job_next(u64 *id, struct zcopy_caller *caller,
		   struct zcopy_completion *rec);

/*
 * For the worker, of a path+address job: opens the file and starts the
 * connect (0 connected, -EINPROGRESS, or the error); then polls it (0,
 * -EALREADY while the handshake goes on, or the error).
 */
int zcopy_job_open_target(struct zcopy_job *job);
int zcopy_job_connect(struct zcopy_job *job);
/*
 * The job has sent all it will: the next one on its socket may start;
 * failed tells it that this one did not send everything. Idempotent.
 */
void zcopy_job_pass_turn(struct zcopy_job *job, bool failed);
/* The engine's last word on a job: record, events, hand-back. */
void zcopy_job_finish(struct zcopy_job *job);

static inline bool zcopy_job_cancelled(const struct zcopy_job *job)
{
	return READ_ONCE(job->cancel);
}

#endif /* _ZCOPY_JOB_H */
