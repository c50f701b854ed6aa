/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _ZCOPY_NETLINK_H
#define _ZCOPY_NETLINK_H

#include <net/net_namespace.h>
#include <uapi/linux/zcopy.h>

/* Multicast a finished job's record on "events" in net. */
void zcopy_nl_notify_done(struct net *net, const struct zcopy_completion *rec);

#endif /* _ZCOPY_NETLINK_H */
