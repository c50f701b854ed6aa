// SPDX-License-Identifier: GPL-2.0
/*
 * A job reads a file as its data, which only a file system with a page
 * cache has. Pseudo file systems (sysfs, procfs, debugfs, tracefs,
 * securityfs, cgroupfs...) make their contents up in read handlers that
 * may look at the reader, report sizes that are not the data's (0 or a
 * page), and kernfs even has a page cache of zeroes that the page modes
 * would send. They have no backing device: the noop bdi of alloc_super().
 * A file system with data to write back has a bdi of its own, disk or
 * network alike; the few without one whose data is real are listed.
 */
#include <linux/backing-dev.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <net/netlink.h>

#include "fstype.h"

static bool zcopy_fstype_in_memory(unsigned long magic)
{
	switch (magic) {
	case TMPFS_MAGIC:		/* the page cache is the data */
	case RAMFS_MAGIC:
	case OVERLAYFS_SUPER_MAGIC:	/* reads go to a layer's file */
		return true;
	}
	return false;
}

int zcopy_check_fstype(const struct inode *inode,
		       struct netlink_ext_ack *extack)
{
	const struct super_block *sb = inode->i_sb;

	if (sb->s_bdi != &noop_backing_dev_info ||
	    zcopy_fstype_in_memory(sb->s_magic))
		return 0;
	NL_SET_ERR_MSG(extack, "file is on a pseudo file system, which has no page cache");
	return -EOPNOTSUPP;
}
