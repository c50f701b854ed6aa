// SPDX-License-Identifier: GPL-2.0
/*
 * Observations that user space starts on its own sockets, a cgroup or a
 * process (netlink OBSERVE_*): the permission to observe, ids, ownership
 * by the netlink socket that asked, limits, and the end of all of them
 * when that socket closes.
 *
 * The owner is the netlink socket itself, not its port id: NETLINK_URELEASE
 * comes after the port id is free, when another socket may have bound it.
 */
#include <linux/capability.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "observe.h"
#include "observe_user.h"
#include "stats.h"

static unsigned int max_observations = 256;
module_param(max_observations, uint, 0644);
MODULE_PARM_DESC(max_observations,
		 "User observations open at once, all users (default 256)");

static unsigned int max_user_observations = 32;
module_param(max_user_observations, uint, 0644);
MODULE_PARM_DESC(max_user_observations,
		 "User observations open at once, per effective uid (default 32)");

struct zcopy_obs_user {
	struct zcopy_obs *obs;
	struct sock *owner;		/* held: compared, and tested dead */
	u32 portid;			/* the owner's, for NETLINK_URELEASE */
	kuid_t euid;			/* whose limit it counts against */
};

static DEFINE_MUTEX(zcopy_obs_users_lock);
static DEFINE_IDR(zcopy_obs_users);
static unsigned int zcopy_obs_users_count;

static unsigned int zcopy_obs_users_of(kuid_t euid)
{
	struct zcopy_obs_user *u;
	unsigned int n = 0;
	int id;

	lockdep_assert_held(&zcopy_obs_users_lock);
	idr_for_each_entry(&zcopy_obs_users, u, id)
		n += uid_eq(u->euid, euid);
	return n;
}

int zcopy_obs_user_start(struct sock *owner, u32 portid,
			 const struct zcopy_obs_what *what, u64 *id)
{
	struct zcopy_obs *obs;
	struct zcopy_obs_user *u;
	int ret;

	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;
	u->portid = portid;
	u->euid = current_euid();

	mutex_lock(&zcopy_obs_users_lock);
	/* A walk of at most max_observations: no per-uid table needed. */
	if (zcopy_obs_users_count >= READ_ONCE(max_observations) ||
	    zcopy_obs_users_of(u->euid) >= READ_ONCE(max_user_observations)) {
		ret = -EAGAIN;
		goto err;
	}
	ret = idr_alloc(&zcopy_obs_users, u, 1, 0, GFP_KERNEL_ACCOUNT);
	if (ret < 0)
		goto err;
	*id = ret;
	if (what->cgrp)
		obs = zcopy_obs_start_cgroup(what->cgrp, ZCOPY_PROBES_ALL);
	else if (what->mm)
		obs = zcopy_obs_start_mm(what->mm, ZCOPY_PROBES_ALL) ?:
		      ERR_PTR(-ENOMEM);
	else
		obs = zcopy_obs_start(what->sk, what->file, ZCOPY_PROBES_ALL) ?:
		      ERR_PTR(-ENOMEM);
	if (IS_ERR(obs)) {
		idr_remove(&zcopy_obs_users, *id);
		ret = PTR_ERR(obs);
		goto err;
	}
	u->obs = obs;
	sock_hold(owner);
	u->owner = owner;
	zcopy_obs_users_count++;
	zcopy_stats_add(ZCOPY_STATS_A_OBSERVATIONS, 1);
	mutex_unlock(&zcopy_obs_users_lock);
	return 0;

err:
	mutex_unlock(&zcopy_obs_users_lock);
	kfree(u);
	return ret;
}

/*
 * The cgroup (v2) of directory fd, if the caller may observe it: with
 * CAP_NET_ADMIN or CAP_PERFMON, or as the owner of its directory (what
 * delegating a cgroup to a user makes it). -EBADF, -EPERM.
 */
int zcopy_obs_user_cgroup(int fd, struct cgroup **cgrp,
			  struct netlink_ext_ack *extack)
{
	struct cgroup *cg;
	struct file *f;
	int ret = 0;

	f = fget(fd);
	if (!f) {
		NL_SET_ERR_MSG(extack, "bad cgroup descriptor");
		return -EBADF;
	}
	cg = cgroup_get_from_fd(fd);
	if (IS_ERR(cg)) {
		NL_SET_ERR_MSG(extack, "not a cgroup v2 directory");
		ret = PTR_ERR(cg);
		goto out;
	}
	/* The same directory: fd may have changed since fget(). */
	if (file_inode(f)->i_private != cg->kn) {
		NL_SET_ERR_MSG(extack, "cgroup descriptor changed");
		ret = -EBADF;
	} else if (!capable(CAP_NET_ADMIN) && !perfmon_capable() &&
		   !uid_eq(file_inode(f)->i_uid, current_fsuid())) {
		NL_SET_ERR_MSG(extack,
			       "observing a cgroup needs CAP_NET_ADMIN, CAP_PERFMON or to own it");
		ret = -EPERM;
	}
	if (ret)
		cgroup_put(cg);
	else
		*cgrp = cg;
out:
	fput(f);
	return ret;
}

/* /proc/PID/mem's file operations, found by opening our own once. */
/*
 * Whether f is procfs's "mem" in a pid's (or a thread's) directory. What
 * a caller shows at /proc/self/mem in a mount namespace of its own can
 * be any file; a dentry's name and superblock are the file's own.
 */
static bool zcopy_is_proc_mem(const struct file *f)
{
	const struct dentry *d = f->f_path.dentry;
	const char *dir = d->d_parent->d_name.name;

	if (file_inode(f)->i_sb->s_magic != PROC_SUPER_MAGIC ||
	    strcmp(d->d_name.name, "mem"))
		return false;
	do {
		if (!isdigit(*dir))
			return false;
	} while (*++dir);
	return true;
}

/*
 * /proc/PID/mem's file operations, from the caller's own mem file, once
 * one passed zcopy_is_proc_mem(): then they are procfs's (built in, they
 * never go away), whoever opened it. NULL: not learnt yet.
 */
static const struct file_operations *zcopy_proc_mem_fops;

static const struct file_operations *zcopy_proc_mem_learn(void)
{
	const struct file_operations *fops = READ_ONCE(zcopy_proc_mem_fops);
	struct file *f;

	if (fops)
		return fops;
	f = filp_open("/proc/self/mem", O_RDONLY, 0);
	if (IS_ERR(f))
		return NULL;
	if (zcopy_is_proc_mem(f)) {
		fops = f->f_op;
		WRITE_ONCE(zcopy_proc_mem_fops, fops);
	}
	fput(f);
	return fops;
}

/*
 * The mm of the process whose /proc/PID/mem is fd: the open checked what
 * ptrace-attach needs (mm_access(), PTRACE_MODE_ATTACH_FSCREDS, the LSMs
 * included), which a module cannot call itself. -EBADF, -EINVAL, -ESRCH.
 */
int zcopy_obs_user_process(int fd, struct file **filep, struct mm_struct **mm,
			   struct netlink_ext_ack *extack)
{
	const struct file_operations *fops;
	struct file *f;
	int ret;

	f = fget(fd);
	if (!f) {
		NL_SET_ERR_MSG(extack, "bad process memory descriptor");
		return -EBADF;
	}
	ret = -EINVAL;
	if (!zcopy_is_proc_mem(f))
		goto not_mem;
	fops = zcopy_proc_mem_learn();
	if (!fops) {
		NL_SET_ERR_MSG(extack, "no /proc/self/mem to compare with");
		ret = -EOPNOTSUPP;
		goto err;
	}
	if (f->f_op != fops)
		goto not_mem;
	/* Set at open (and held) unless the process had no memory then. */
	*mm = f->private_data;
	if (!*mm) {
		NL_SET_ERR_MSG(extack, "the process has no memory to observe");
		ret = -ESRCH;
		goto err;
	}
	*filep = f;
	return 0;
not_mem:
	NL_SET_ERR_MSG(extack, "not an open /proc/PID/mem");
err:
	fput(f);
	return ret;
}

static struct zcopy_obs_user *zcopy_obs_user_find(struct sock *owner, u64 id)
{
	struct zcopy_obs_user *u;

	lockdep_assert_held(&zcopy_obs_users_lock);
	if (!id || id > INT_MAX)
		return NULL;
	u = idr_find(&zcopy_obs_users, id);
	if (!u || u->owner != owner)
		return NULL;
	return u;
}

static void zcopy_obs_user_end(u64 id, struct zcopy_obs_user *u,
			       struct zcopy_obs_counts *c,
			       struct zcopy_obs_breakdown *b)
{
	idr_remove(&zcopy_obs_users, id);
	zcopy_obs_users_count--;
	zcopy_stats_add(ZCOPY_STATS_A_OBSERVATIONS, -1);
	zcopy_obs_stop(u->obs, c, b);
	sock_put(u->owner);
	kfree(u);
}

int zcopy_obs_user_read(struct sock *owner, u64 id, bool stop,
			struct zcopy_obs_counts *c, struct zcopy_obs_breakdown *b)
{
	struct zcopy_obs_user *u;
	int ret = -ENOENT;

	mutex_lock(&zcopy_obs_users_lock);
	u = zcopy_obs_user_find(owner, id);
	if (u) {
		if (stop)
			zcopy_obs_user_end(id, u, c, b);
		else
			zcopy_obs_read(u->obs, c, b);
		ret = 0;
	}
	mutex_unlock(&zcopy_obs_users_lock);
	return ret;
}

/*
 * Ends the observations of the netlink socket of net and portid that is
 * being released, or all of them. It is orphaned (SOCK_DEAD) by now; a
 * live socket that bound the same port id since keeps its own.
 */
static void zcopy_obs_user_end_all(struct net *net, u32 portid, bool all)
{
	struct zcopy_obs_user *u;
	int id;

	mutex_lock(&zcopy_obs_users_lock);
	idr_for_each_entry(&zcopy_obs_users, u, id)
		if (all || (net_eq(sock_net(u->owner), net) &&
			    u->portid == portid &&
			    sock_flag(u->owner, SOCK_DEAD)))
			zcopy_obs_user_end(id, u, NULL, NULL);
	mutex_unlock(&zcopy_obs_users_lock);
}

/* netlink_chain is a blocking notifier: this may sleep on our mutex. */
static int zcopy_obs_netlink_event(struct notifier_block *nb,
				   unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event == NETLINK_URELEASE && n->protocol == NETLINK_GENERIC &&
	    READ_ONCE(zcopy_obs_users_count))
		zcopy_obs_user_end_all(n->net, n->portid, false);
	return NOTIFY_DONE;
}

static struct notifier_block zcopy_obs_netlink_nb = {
	.notifier_call = zcopy_obs_netlink_event,
};

int zcopy_obs_users_init(void)
{
	return netlink_register_notifier(&zcopy_obs_netlink_nb);
}

/* After the family is gone: no request can start another observation. */
void zcopy_obs_users_exit(void)
{
	netlink_unregister_notifier(&zcopy_obs_netlink_nb);
	zcopy_obs_user_end_all(NULL, 0, true);
	idr_destroy(&zcopy_obs_users);
}
