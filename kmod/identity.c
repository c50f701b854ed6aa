// SPDX-License-Identifier: GPL-2.0
/*
 * The submitter's identity on the worker. Credentials go through
 * override_creds(); page cache and other accounted memory through the
 * active memcg, which filemap's charge (mem_cgroup_charge() with no mm)
 * and __GFP_ACCOUNT allocations use before the task's own; bios through
 * the kthread blkcg that bio_associate_blkg() prefers to the task's, as
 * the loop driver does for its workqueue workers.
 */
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>

#include "compat.h"
#include "identity.h"

void zcopy_identity_capture(struct zcopy_identity *id)
{
	id->cred = get_current_cred();
	id->memcg = get_mem_cgroup_from_mm(current->mm);
#ifdef ZCOPY_HAVE_BLKCG
	id->blkcg = task_get_css(current, io_cgrp_id);
#endif
}

void zcopy_identity_put(struct zcopy_identity *id)
{
	if (id->blkcg)
		css_put(id->blkcg);
	mem_cgroup_put(id->memcg);
	if (id->cred)
		put_cred(id->cred);
	*id = (struct zcopy_identity) {};
}

void zcopy_identity_enter(const struct zcopy_identity *id,
			  struct zcopy_identity_saved *saved)
{
	saved->cred = override_creds(id->cred);
	saved->memcg = set_active_memcg(id->memcg);
	kthread_associate_blkcg(id->blkcg);
}

void zcopy_identity_leave(const struct zcopy_identity_saved *saved)
{
	kthread_associate_blkcg(NULL);
	set_active_memcg(saved->memcg);
	revert_creds(saved->cred);
}

/*
 * rw_verify_area() is what read(2) and sendfile(2) call: the LSM's
 * file_permission and, where the kernel split it out of that hook, the
 * fanotify access permission event. Run as the submitter, it sees the
 * submitter.
 */
int zcopy_file_permitted(struct file *file, loff_t pos, size_t len)
{
	return rw_verify_area(READ, file, &pos, len);
}
