/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Observations of user sockets, owned by the netlink socket that started
 * them and ended when it closes.
 */
#ifndef _ZCOPY_OBSERVE_USER_H
#define _ZCOPY_OBSERVE_USER_H

#include <linux/types.h>

struct cgroup;
struct file;
struct netlink_ext_ack;
struct sock;
struct zcopy_obs_counts;

int zcopy_obs_users_init(void);
void zcopy_obs_users_exit(void);

/* What to observe: one of a cgroup, a process (its mm) and a socket. */
struct zcopy_obs_what {
	struct cgroup *cgrp;		/* every TCP socket of it */
	struct mm_struct *mm;		/* every TCP socket it sends on */
	struct sock *sk;		/* this one ... */
	struct file *file;		/* ... pages of this file by ref, or NULL */
};

/*
 * Observes what. owner: the requesting netlink socket
 * (NETLINK_CB(skb).sk), portid its port id. 0 and *id, -EAGAIN over
 * either limit, -ENOMEM, -EOPNOTSUPP (cgroup, not here).
 */
int zcopy_obs_user_start(struct sock *owner, u32 portid,
			 const struct zcopy_obs_what *what, u64 *id);
/*
 * The cgroup v2 of directory fd, referenced, if the caller may observe
 * it; else -EBADF or -EPERM, and extack says why.
 */
int zcopy_obs_user_cgroup(int fd, struct cgroup **cgrp,
			  struct netlink_ext_ack *extack);
/*
 * The mm of the process whose /proc/PID/mem the caller opened as fd, if
 * it did (which needs what ptrace-attach needs); *filep holds it until
 * fput(). -EBADF, -EINVAL, -ESRCH, -EOPNOTSUPP; extack says why.
 */
struct mm_struct;
int zcopy_obs_user_process(int fd, struct file **filep, struct mm_struct **mm,
			   struct netlink_ext_ack *extack);
/*
 * The counts of owner's observation id (and where the bytes went, if b),
 * ended if stop; or -ENOENT.
 */
struct zcopy_obs_breakdown;
int zcopy_obs_user_read(struct sock *owner, u64 id, bool stop,
			struct zcopy_obs_counts *c, struct zcopy_obs_breakdown *b);

#endif /* _ZCOPY_OBSERVE_USER_H */
