// SPDX-License-Identifier: GPL-2.0
/*
 * Per-user state: the job limits, the records of finished jobs kept for
 * GET and dumps (a ring per user, so that no user evicts another's), and
 * the run gate's counters. A user's state lives while it has jobs or kept
 * records; everything is charged to the memory cgroup of the submitter
 * that needed it.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>

#include "job.h"
#include "user.h"

static unsigned int max_jobs = 1024;
module_param(max_jobs, uint, 0644);
MODULE_PARM_DESC(max_jobs,
		 "Jobs in flight or with an unread record, all users (default 1024)");

static unsigned int max_jobs_per_user = 256;
module_param(max_jobs_per_user, uint, 0644);
MODULE_PARM_DESC(max_jobs_per_user,
		 "Jobs in flight or with an unread record, per user (default 256)");

static unsigned int history = 256;
module_param(history, uint, 0644);
MODULE_PARM_DESC(history,
		 "Records of finished jobs kept for GET and dumps, per user (default 256)");

static DEFINE_SPINLOCK(zcopy_users_lock);
static DEFINE_HASHTABLE(zcopy_users, 6);
static unsigned int zcopy_users_jobs;
/* Kept records by job id; a slot is reserved when the job is submitted. */
static DEFINE_XARRAY(zcopy_kept);

static struct zcopy_user *zcopy_user_find(kuid_t uid)
{
	struct zcopy_user *u;

	lockdep_assert_held(&zcopy_users_lock);
	hash_for_each_possible(zcopy_users, u, node, __kuid_val(uid))
		if (uid_eq(u->uid, uid))
			return u;
	return NULL;
}

/* A user with nothing left goes; the caller holds zcopy_users_lock. */
static void zcopy_user_maybe_free(struct zcopy_user *u)
{
	lockdep_assert_held(&zcopy_users_lock);
	if (u->nr_jobs || u->nr_history)
		return;
	hash_del(&u->node);
	kfree(u);
}

static struct zcopy_user *zcopy_user_new(kuid_t uid)
{
	struct zcopy_user *u;

	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return NULL;
	u->uid = uid;
	INIT_LIST_HEAD(&u->history);
	spin_lock_init(&u->run_lock);
	INIT_LIST_HEAD(&u->runnable);
	return u;
}

/* zcopy_users_lock is held; may drop it to allocate. */
static struct zcopy_user *zcopy_user_get_locked(kuid_t uid)
{
	struct zcopy_user *u, *fresh;

	u = zcopy_user_find(uid);
	if (u)
		return u;
	spin_unlock(&zcopy_users_lock);
	fresh = zcopy_user_new(uid);
	spin_lock(&zcopy_users_lock);
	if (!fresh)
		return NULL;
	u = zcopy_user_find(uid);
	if (u) {
		kfree(fresh);
		return u;
	}
	hash_add(zcopy_users, &fresh->node, __kuid_val(uid));
	return fresh;
}

int zcopy_user_charge(struct zcopy_job *job)
{
	struct zcopy_history_entry *entry = NULL;
	struct zcopy_user *u;
	int ret;

	if (READ_ONCE(history)) {
		entry = kzalloc(sizeof(*entry), GFP_KERNEL_ACCOUNT);
		if (!entry)
			return -ENOMEM;
		ret = xa_reserve(&zcopy_kept, job->rec.id, GFP_KERNEL_ACCOUNT);
		if (ret) {
			kfree(entry);
			return ret;
		}
	}

	spin_lock(&zcopy_users_lock);
	u = zcopy_user_get_locked(current_euid());
	if (!u) {
		ret = -ENOMEM;
	} else if (zcopy_users_jobs >= READ_ONCE(max_jobs) ||
		   u->nr_jobs >= READ_ONCE(max_jobs_per_user)) {
		zcopy_user_maybe_free(u);
		ret = -EAGAIN;
	} else {
		u->nr_jobs++;
		zcopy_users_jobs++;
		job->user = u;
		job->hist = entry;
		entry = NULL;
		ret = 0;
	}
	spin_unlock(&zcopy_users_lock);

	if (entry) {
		xa_release(&zcopy_kept, job->rec.id);
		kfree(entry);
	}
	return ret;
}

void zcopy_user_uncharge(struct zcopy_job *job)
{
	struct zcopy_user *u = job->user;

	if (job->hist) {
		xa_release(&zcopy_kept, job->rec.id);
		kfree(job->hist);
		job->hist = NULL;
	}
	spin_lock(&zcopy_users_lock);
	u->nr_jobs--;
	zcopy_users_jobs--;
	zcopy_user_maybe_free(u);
	spin_unlock(&zcopy_users_lock);
	job->user = NULL;
}

void zcopy_history_keep(struct zcopy_job *job)
{
	struct zcopy_history_entry *entry = job->hist, *old;
	struct zcopy_user *u = job->user;

	if (!entry)
		return;
	job->hist = NULL;
	entry->user = u;
	entry->net_cookie = job->net->net_cookie;
	spin_lock(&job->lock);
	entry->rec = job->rec;
	spin_unlock(&job->lock);

	spin_lock(&zcopy_users_lock);
	/* The slot was reserved: this allocates nothing. */
	xa_store(&zcopy_kept, entry->rec.id, entry, GFP_NOWAIT);
	list_add_tail(&entry->node, &u->history);
	u->nr_history++;
	while (u->nr_history > READ_ONCE(history)) {
		old = list_first_entry(&u->history, struct zcopy_history_entry,
				       node);
		list_del(&old->node);
		u->nr_history--;
		xa_erase(&zcopy_kept, old->rec.id);
		kfree(old);
	}
	spin_unlock(&zcopy_users_lock);
}

static bool zcopy_history_match(const struct zcopy_history_entry *entry,
				const struct net *net)
{
	return entry && entry->net_cookie == net->net_cookie;
}

int zcopy_history_lookup(u64 id, const struct net *net,
			 struct zcopy_completion *rec, kuid_t *uid)
{
	struct zcopy_history_entry *entry;
	int ret = -ENOENT;

	spin_lock(&zcopy_users_lock);
	entry = xa_load(&zcopy_kept, id);
	if (zcopy_history_match(entry, net)) {
		*rec = entry->rec;
		*uid = entry->user->uid;
		ret = 0;
	}
	spin_unlock(&zcopy_users_lock);
	return ret;
}

int zcopy_history_next(u64 *id, const struct net *net,
		       struct zcopy_completion *rec, kuid_t *uid)
{
	struct zcopy_history_entry *entry;
	unsigned long index = *id;
	int ret = -ENOENT;

	spin_lock(&zcopy_users_lock);
	xa_for_each_start(&zcopy_kept, index, entry, *id) {
		if (zcopy_history_match(entry, net)) {
			*rec = entry->rec;
			*uid = entry->user->uid;
			*id = index;
			ret = 0;
			break;
		}
	}
	spin_unlock(&zcopy_users_lock);
	return ret;
}

/* Every job is gone: only kept records are left. */
void zcopy_users_exit(void)
{
	struct zcopy_history_entry *entry, *tmp;
	struct hlist_node *next;
	struct zcopy_user *u;
	int bkt;

	hash_for_each_safe(zcopy_users, bkt, next, u, node) {
		WARN_ON_ONCE(u->nr_jobs);
		list_for_each_entry_safe(entry, tmp, &u->history, node)
			kfree(entry);
		hash_del(&u->node);
		kfree(u);
	}
	xa_destroy(&zcopy_kept);
}
