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

/*
 * Observes sk (pages of file by reference), or with cgrp non-NULL every
 * TCP socket of that cgroup (sk and file NULL). owner: the requesting
 * netlink socket (NETLINK_CB(skb).sk), portid its port id. 0 and *id,
 * -EAGAIN over either limit, -ENOMEM, -EOPNOTSUPP (cgroup, not here).
 */
int zcopy_obs_user_start(struct sock *owner, u32 portid, struct sock *sk,
			 struct file *file, struct cgroup *cgrp, u64 *id);
/*
 * The cgroup v2 of directory fd, referenced, if the caller may observe
 * it; else -EBADF or -EPERM, and extack says why.
 */
int zcopy_obs_user_cgroup(int fd, struct cgroup **cgrp,
			  struct netlink_ext_ack *extack);
/* The counts of owner's observation id, ended if stop; or -ENOENT. */
int zcopy_obs_user_read(struct sock *owner, u64 id, bool stop,
			struct zcopy_obs_counts *c);

#endif /* _ZCOPY_OBSERVE_USER_H */
