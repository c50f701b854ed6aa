/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A transfer job: what was asked, the resources it holds, and the record
 * of what happened that the engine fills in.
 */
#ifndef _ZCOPY_JOB_H
#define _ZCOPY_JOB_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <uapi/linux/zcopy.h>

#include "identity.h"

struct netlink_ext_ack;
struct zcopy_owner;
struct zcopy_target;

/* What a submitter asks for, from either interface. */
struct zcopy_request {
	u32 mode;
	u32 flags;
	u64 offset;
	u64 length;
	u64 user_data;
};

struct zcopy_job {
	struct list_head node;		/* zcopy_live_jobs */
	struct list_head owner_node;	/* owner's jobs, then its done list */
	struct zcopy_owner *owner;	/* the /dev/zcopy opener, or NULL */
	struct work_struct work;
	kuid_t uid;
	struct zcopy_identity ident;	/* the submitter's, worn by the worker */
	struct net *net;		/* where completion events go */
	struct file *file;
	struct socket *sock;
	/* A path+address job: file and sock come from it, in the worker. */
	struct zcopy_target *target;
	bool sock_is_ours;		/* created for a path+address job */
	bool cancel;			/* READ_ONCE: stop between chunks */
	/* Queued when this one has sent: jobs on one socket run in order. */
	struct zcopy_job *next;
	bool turn_passed;		/* next may send: under zcopy_live_lock */
	bool unchained;			/* cancelled while waiting: same lock */
	u64 own_copy_bytes;		/* copies the engine itself made */
	struct file_ra_state ra;

	spinlock_t lock;		/* rec while the job runs */
	struct zcopy_completion rec;
};

/* Records of finished jobs kept for GET and dumps. */
struct zcopy_history_entry {
	kuid_t uid;
	struct zcopy_completion rec;
};

int zcopy_jobs_init(void);
void zcopy_jobs_exit(void);

/* Validation and resolution of fds in the caller's context. */
int zcopy_job_prepare_fds(struct zcopy_job *job, int file_fd, int sock_fd,
			  struct netlink_ext_ack *extack);
int zcopy_job_prepare_path(struct zcopy_job *job, const char *path,
			   const struct sockaddr *addr, int addrlen,
			   struct netlink_ext_ack *extack);

/*
 * The caller's file and socket descriptors as jobs and observations take
 * them: 0 with a reference on each, or -errno with none taken.
 */
int zcopy_get_fds(int file_fd, int sock_fd, struct file **filep,
		  struct socket **sockp, struct netlink_ext_ack *extack);

/* In the worker: open and connect what a path+address job names. */
int zcopy_job_open_target(struct zcopy_job *job);

/* Checks what needs no file: mode, flags, range arithmetic. */
int zcopy_request_check(const struct zcopy_request *req,
			struct netlink_ext_ack *extack);

struct zcopy_job *zcopy_job_alloc(struct zcopy_owner *owner);
/* Frees a job that was never submitted, with whatever it holds. */
void zcopy_job_free(struct zcopy_job *job);
/* On success the job belongs to the engine; *id names it. */
int zcopy_job_submit(struct zcopy_job *job, const struct zcopy_request *req,
		     u64 *id, struct netlink_ext_ack *extack);

/* 0, -ENOENT (no such job visible to the caller) */
int zcopy_job_cancel(u64 id, kuid_t uid, bool admin);
/* Cancels every job on a list linked by owner_node, guarded by lock. */
void zcopy_job_cancel_list(struct list_head *jobs, spinlock_t *lock);
int zcopy_job_lookup(u64 id, kuid_t uid, bool admin,
		     struct zcopy_completion *rec);
/* Snapshot of running jobs then history, visible to uid (all if admin). */
int zcopy_job_snapshot(kuid_t uid, bool admin,
		       struct zcopy_completion **recs, unsigned int *nr);

/*
 * The job has sent all it will: the next one on its socket may start
 * (while this one may still wait for its bytes to leave). Idempotent.
 */
void zcopy_job_pass_turn(struct zcopy_job *job);

/* Called by the engine's worker when the job has ended. */
void zcopy_job_finish(struct zcopy_job *job);

static inline bool zcopy_job_cancelled(const struct zcopy_job *job)
{
	return READ_ONCE(job->cancel);
}

#endif /* _ZCOPY_JOB_H */
