// SPDX-License-Identifier: GPL-2.0
/*
 * Observations that user space starts on its own sockets (netlink
 * OBSERVE_*): ids, ownership by the netlink socket that asked, limits, and
 * the end of all of them when that socket closes.
 */
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/net_namespace.h>

#include "observe.h"
#include "observe_user.h"
#include "stats.h"

static unsigned int max_observations = 256;
module_param(max_observations, uint, 0644);
MODULE_PARM_DESC(max_observations,
		 "User observations open at once, all users (default 256)");

struct zcopy_obs_user {
	struct zcopy_obs *obs;
	struct net *net;		/* with portid, the owner */
	u32 portid;
};

static DEFINE_MUTEX(zcopy_obs_users_lock);
static DEFINE_IDR(zcopy_obs_users);
static unsigned int zcopy_obs_users_count;

int zcopy_obs_user_start(struct net *net, u32 portid, struct sock *sk,
			 struct file *file, u64 *id)
{
	struct zcopy_obs_user *u;
	int ret;

	u = kzalloc(sizeof(*u), GFP_KERNEL);
	if (!u)
		return -ENOMEM;
	u->net = net;
	u->portid = portid;

	mutex_lock(&zcopy_obs_users_lock);
	if (zcopy_obs_users_count >= max_observations) {
		ret = -EAGAIN;
		goto err;
	}
	ret = idr_alloc(&zcopy_obs_users, u, 1, 0, GFP_KERNEL);
	if (ret < 0)
		goto err;
	*id = ret;
	u->obs = zcopy_obs_start(sk, file);
	if (!u->obs) {
		idr_remove(&zcopy_obs_users, ret);
		ret = -ENOMEM;
		goto err;
	}
	zcopy_obs_users_count++;
	zcopy_stats_add(ZCOPY_STATS_A_OBSERVATIONS, 1);
	mutex_unlock(&zcopy_obs_users_lock);
	return 0;

err:
	mutex_unlock(&zcopy_obs_users_lock);
	kfree(u);
	return ret;
}

static struct zcopy_obs_user *zcopy_obs_user_find(struct net *net, u32 portid,
						  u64 id)
{
	struct zcopy_obs_user *u;

	lockdep_assert_held(&zcopy_obs_users_lock);
	if (!id || id > INT_MAX)
		return NULL;
	u = idr_find(&zcopy_obs_users, id);
	if (!u || !net_eq(u->net, net) || u->portid != portid)
		return NULL;
	return u;
}

static void zcopy_obs_user_end(u64 id, struct zcopy_obs_user *u,
			       struct zcopy_obs_counts *c)
{
	idr_remove(&zcopy_obs_users, id);
	zcopy_obs_users_count--;
	zcopy_stats_add(ZCOPY_STATS_A_OBSERVATIONS, -1);
	zcopy_obs_stop(u->obs, c);
	kfree(u);
}

int zcopy_obs_user_read(struct net *net, u32 portid, u64 id, bool stop,
			struct zcopy_obs_counts *c)
{
	struct zcopy_obs_user *u;
	int ret = -ENOENT;

	mutex_lock(&zcopy_obs_users_lock);
	u = zcopy_obs_user_find(net, portid, id);
	if (u) {
		if (stop)
			zcopy_obs_user_end(id, u, c);
		else
			zcopy_obs_read(u->obs, c);
		ret = 0;
	}
	mutex_unlock(&zcopy_obs_users_lock);
	return ret;
}

/* Ends the observations of net's netlink socket portid, or all of them. */
static void zcopy_obs_user_end_all(struct net *net, u32 portid, bool all)
{
	struct zcopy_obs_user *u;
	int id;

	mutex_lock(&zcopy_obs_users_lock);
	idr_for_each_entry(&zcopy_obs_users, u, id)
		if (all || (net_eq(u->net, net) && u->portid == portid))
			zcopy_obs_user_end(id, u, NULL);
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
