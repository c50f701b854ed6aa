/* SPDX-License-Identifier: GPL-2.0 */
/* Which file systems jobs read: those whose data is in a page cache. */
#ifndef _ZCOPY_FSTYPE_H
#define _ZCOPY_FSTYPE_H

struct inode;
struct netlink_ext_ack;

/* 0, or -EOPNOTSUPP for a pseudo file system (sysfs, procfs, ...). */
int zcopy_check_fstype(const struct inode *inode,
		       struct netlink_ext_ack *extack);

#endif /* _ZCOPY_FSTYPE_H */
