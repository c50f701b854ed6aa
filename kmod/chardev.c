// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/zcopy: a misc device, so devtmpfs creates the
 * node with the mode below and no class or major number is needed.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "zcopy.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/zcopy (default 0600)");

static long zcopy_ioctl_version(void __user *arg)
{
	struct zcopy_version ver = {
		.abi_version = ZCOPY_ABI_VERSION,
		.modes = ZCOPY_SUPPORTED_MODES,
	};

	strscpy(ver.release, ZCOPY_VERSION, sizeof(ver.release));
	if (copy_to_user(arg, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long zcopy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case ZCOPY_IOC_VERSION:
		return zcopy_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static int zcopy_open(struct inode *inode, struct file *file)
{
	return nonseekable_open(inode, file);
}

static const struct file_operations zcopy_fops = {
	.owner = THIS_MODULE,
	.open = zcopy_open,
	.unlocked_ioctl = zcopy_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice zcopy_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = ZCOPY_DEVICE_NAME,
	.fops = &zcopy_fops,
};

int zcopy_chardev_init(void)
{
	if (dev_mode & ~0777) {
		pr_err("zcopy: dev_mode %#o has bits beyond 0777\n", dev_mode);
		return -EINVAL;
	}
	zcopy_miscdev.mode = dev_mode;
	return misc_register(&zcopy_miscdev);
}

void zcopy_chardev_exit(void)
{
	misc_deregister(&zcopy_miscdev);
}
