/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What each user (effective uid) holds: jobs counted against its limit
 * until their records are read or dropped, the records of its finished
 * jobs kept for GET and dumps, and its share of the workers.
 */
#ifndef _ZCOPY_USER_H
#define _ZCOPY_USER_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <uapi/linux/zcopy.h>

struct net;
struct zcopy_job;

struct zcopy_user {
	struct hlist_node node;		/* by uid, under zcopy_users_lock */
	kuid_t uid;
	unsigned int nr_jobs;		/* the limit's count: same lock */
	unsigned int nr_history;
	struct list_head history;	/* oldest first: same lock */

	/* The run gate (sched.c), taken from any context. */
	spinlock_t run_lock;
	unsigned int nr_running;	/* work items queued or running */
	struct list_head runnable;	/* jobs waiting for one of those */
};

/* A finished job's record, kept for GET and dumps. */
struct zcopy_history_entry {
	struct list_head node;		/* user's history */
	struct zcopy_user *user;
	u64 net_cookie;			/* never reused, unlike a pointer */
	struct zcopy_completion rec;
};

/* After every job has been freed. */
void zcopy_users_exit(void);

/*
 * Counts a new job of the caller's against its limit and reserves the
 * slot its record will be kept in: 0, -EAGAIN over a limit, -ENOMEM.
 * Memory is charged to the caller.
 */
int zcopy_user_charge(struct zcopy_job *job);
/* Gives back what zcopy_user_charge() took, when the job is freed. */
void zcopy_user_uncharge(struct zcopy_job *job);

/* Keeps the ended job's record, dropping the user's oldest past the limit. */
void zcopy_history_keep(struct zcopy_job *job);
/* The kept record id of a job of net's, with its user: 0 or -ENOENT. */
int zcopy_history_lookup(u64 id, const struct net *net,
			 struct zcopy_completion *rec, kuid_t *uid);
/* Of net's kept records, the one with the smallest id >= *id. */
int zcopy_history_next(u64 *id, const struct net *net,
		       struct zcopy_completion *rec, kuid_t *uid);

#endif /* _ZCOPY_USER_H */
