// SPDX-License-Identifier: GPL-2.0
/*
 * The character device /dev/zcopy: a misc device, so devtmpfs creates the
 * node with the mode below and no class or major number is needed. Each
 * open file is an owner of jobs: it submits them, reads their completion
 * records, and cancels what is left when it is closed. close() never
 * waits: the owner is reference-counted by its file and its jobs, and a
 * job that ends after the close is freed there and then.
 */
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "job.h"
#include "owner.h"
#include "zcopy.h"

static ushort dev_mode = 0600;
module_param(dev_mode, ushort, 0444);
MODULE_PARM_DESC(dev_mode, "Permission bits of /dev/zcopy (default 0600)");

static void zcopy_owner_put(struct zcopy_owner *owner)
{
	if (refcount_dec_and_test(&owner->ref))
		kfree(owner);
}

/* Keeps the record for read(), or drops it if the file is closed. */
static void zcopy_owner_job_ended(struct zcopy_job *job)
{
	struct zcopy_owner *owner = job->owner;
	bool closed;

	spin_lock(&owner->lock);
	closed = owner->closed;
	if (closed) {
		list_del_init(&job->owner_node);
	} else {
		list_move_tail(&job->owner_node, &owner->done);
		owner->nr_done++;
		wake_up(&owner->wait);
	}
	spin_unlock(&owner->lock);
	if (closed)
		zcopy_job_free(job);
	zcopy_owner_put(owner);
}

static const struct zcopy_job_ops zcopy_owner_job_ops = {
	.ended = zcopy_owner_job_ended,
};

/* On the owner's list, with a reference, before the job can end. */
static void zcopy_owner_add(struct zcopy_owner *owner, struct zcopy_job *job)
{
	refcount_inc(&owner->ref);
	spin_lock(&owner->lock);
	list_add_tail(&job->owner_node, &owner->running);
	spin_unlock(&owner->lock);
}

static void zcopy_owner_remove(struct zcopy_owner *owner,
			       struct zcopy_job *job)
{
	spin_lock(&owner->lock);
	list_del_init(&job->owner_node);
	spin_unlock(&owner->lock);
	zcopy_owner_put(owner);
}

/* Output only: the command's size is the caller's; unknown bytes are 0. */
static long zcopy_ioctl_version(void __user *arg, size_t usize)
{
	struct zcopy_version ver = {
		.abi_version = ZCOPY_ABI_VERSION,
		.modes = ZCOPY_SUPPORTED_MODES,
	};
	size_t n = min(usize, sizeof(ver));

	if (usize < ZCOPY_VERSION_SIZE_VER0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	strscpy(ver.release, ZCOPY_VERSION, sizeof(ver.release));
	if (copy_to_user(arg, &ver, n) || clear_user(arg + n, usize - n))
		return -EFAULT;
	return 0;
}

/*
 * Reads a size-prefixed structure of at least min bytes, and of exactly
 * expect bytes unless expect is 0. The size is bounded before the tail is
 * scanned for non-zero bytes: a huge one would walk gigabytes of memory.
 */
static int zcopy_copy_struct(void *dst, size_t ksize, size_t min,
			     size_t expect, const void __user *src)
{
	u32 usize;

	if (get_user(usize, (const u32 __user *)src))
		return -EFAULT;
	if (expect && usize != expect)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize < min)
		return -EINVAL;
	return copy_struct_from_user(dst, ksize, src, usize);
}

/* Every size from VER0 up holds id at the same offset. */
static_assert(offsetofend(struct zcopy_submit, id) <= ZCOPY_SUBMIT_SIZE_VER0);
static_assert(sizeof(struct zcopy_version) >= ZCOPY_VERSION_SIZE_VER0);
static_assert(sizeof(struct zcopy_completion) == ZCOPY_COMPLETION_SIZE_VER1);
static_assert(sizeof(struct zcopy_submit) == ZCOPY_SUBMIT_SIZE_VER1);

/* The job's header and trailer, from the caller's memory. */
static int zcopy_submit_frame(struct zcopy_job *job,
			      const struct zcopy_submit *s)
{
	int ret;

	ret = zcopy_job_set_frame(job, s->header_len, s->trailer_len, NULL);
	if (ret)
		return ret;
	if (copy_from_user(job->frame, u64_to_user_ptr(s->header),
			   s->header_len) ||
	    copy_from_user(job->frame + s->header_len,
			   u64_to_user_ptr(s->trailer), s->trailer_len))
		return -EFAULT;
	return 0;
}

static int zcopy_submit_one(struct zcopy_owner *owner,
			    struct zcopy_submit __user *uarg, size_t expect)
{
	struct zcopy_request req;
	struct zcopy_submit s;
	struct zcopy_job *job;
	u64 id;
	int ret;

	ret = zcopy_copy_struct(&s, sizeof(s), ZCOPY_SUBMIT_SIZE_VER0, expect,
				uarg);
	if (ret)
		return ret;
	if (s.reserved)
		return -EINVAL;
	req = (struct zcopy_request) {
		.mode = s.mode,
		.flags = s.flags,
		.offset = s.offset,
		.length = s.length,
		.user_data = s.user_data,
	};
	ret = zcopy_request_check(&req, NULL);
	if (ret)
		return ret;

	job = zcopy_job_alloc(&zcopy_owner_job_ops, owner);
	if (!job)
		return -ENOMEM;
	ret = zcopy_submit_frame(job, &s);
	if (ret)
		goto err_free;
	ret = zcopy_job_prepare_fds(job, s.file_fd, s.sock_fd, NULL);
	if (ret)
		goto err_free;

	zcopy_owner_add(owner, job);
	ret = zcopy_job_submit(job, &req, &id, NULL);
	if (ret) {
		zcopy_owner_remove(owner, job);
		goto err_free;
	}
	/* The job runs even if the id cannot be written back. */
	return put_user(id, &uarg->id);

err_free:
	zcopy_job_free(job);
	return ret;
}

static long zcopy_ioctl_submit_batch(struct zcopy_owner *owner,
				     struct zcopy_submit_batch __user *uarg)
{
	struct zcopy_submit_batch b;
	u32 i, stride;
	int ret;

	ret = zcopy_copy_struct(&b, sizeof(b), ZCOPY_SUBMIT_BATCH_SIZE_VER0, 0,
				uarg);
	if (ret)
		return ret;
	if (!b.count || b.reserved)
		return -EINVAL;
	/* Callers from before entry_size strided by the VER0 struct. */
	stride = b.entry_size ?: ZCOPY_SUBMIT_SIZE_VER0;
	if (stride > PAGE_SIZE)
		return -E2BIG;
	if (stride < ZCOPY_SUBMIT_SIZE_VER0)
		return -EINVAL;

	for (i = 0; i < b.count; i++) {
		ret = zcopy_submit_one(owner,
				       u64_to_user_ptr(b.jobs + (u64)i * stride),
				       stride);
		if (ret)
			break;
		if (fatal_signal_pending(current))
			break;
	}
	if (!i)
		return ret;
	return put_user(i, &uarg->count);
}

/* The caller's record size, bounded by the module's; see read(). */
static long zcopy_ioctl_record_size(struct zcopy_owner *owner,
				    u32 __user *uarg)
{
	u32 size;

	if (get_user(size, uarg))
		return -EFAULT;
	if (size < ZCOPY_COMPLETION_SIZE_VER0)
		return -EINVAL;
	size = min_t(u32, size, sizeof(struct zcopy_completion));
	if (put_user(size, uarg))
		return -EFAULT;
	WRITE_ONCE(owner->rec_size, size);
	return 0;
}

/* A command without the size bits: a command of any size is the same. */
#define ZCOPY_IOC_ANY_SIZE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

static long zcopy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct zcopy_owner *owner = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct zcopy_caller caller;
	u64 id;

	switch (ZCOPY_IOC_ANY_SIZE(cmd)) {
	case ZCOPY_IOC_ANY_SIZE(ZCOPY_IOC_VERSION):
		return zcopy_ioctl_version(uarg, _IOC_SIZE(cmd));
	case ZCOPY_IOC_ANY_SIZE(ZCOPY_IOC_SUBMIT):
		return zcopy_submit_one(owner, uarg, 0);
	case ZCOPY_IOC_ANY_SIZE(ZCOPY_IOC_SUBMIT_BATCH):
		return zcopy_ioctl_submit_batch(owner, uarg);
	case ZCOPY_IOC_ANY_SIZE(ZCOPY_IOC_CANCEL):
		if (get_user(id, (u64 __user *)uarg))
			return -EFAULT;
		zcopy_caller_init(&caller, NULL);
		return zcopy_job_cancel(id, &caller);
	case ZCOPY_IOC_ANY_SIZE(ZCOPY_IOC_SET_RECORD_SIZE):
		return zcopy_ioctl_record_size(owner, uarg);
	default:
		return -ENOTTY;
	}
}

static struct zcopy_job *zcopy_owner_pop(struct zcopy_owner *owner)
{
	struct zcopy_job *job;

	spin_lock(&owner->lock);
	job = list_first_entry_or_null(&owner->done, struct zcopy_job,
				       owner_node);
	if (job) {
		list_del_init(&job->owner_node);
		owner->nr_done--;
	}
	spin_unlock(&owner->lock);
	return job;
}

static void zcopy_owner_push_back(struct zcopy_owner *owner,
				  struct zcopy_job *job)
{
	spin_lock(&owner->lock);
	list_add(&job->owner_node, &owner->done);
	owner->nr_done++;
	spin_unlock(&owner->lock);
}

/*
 * Whole records of the size the opener chose (VER0 unless it said
 * otherwise: old readers keep their size); blocks for the first unless
 * O_NONBLOCK.
 */
static ssize_t zcopy_read(struct file *file, char __user *buf, size_t count,
			  loff_t *ppos)
{
	struct zcopy_owner *owner = file->private_data;
	size_t rsize = READ_ONCE(owner->rec_size) ?: ZCOPY_COMPLETION_SIZE_VER0;
	struct zcopy_completion rec;
	struct zcopy_job *job;
	ssize_t done = 0;
	int ret;

	if (count < rsize)
		return -EINVAL;

	while (count - done >= rsize) {
		job = zcopy_owner_pop(owner);
		if (!job) {
			if (done)
				break;
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(owner->wait,
						       READ_ONCE(owner->nr_done));
			if (ret)
				return ret;
			continue;
		}
		/* On the stack: the job's slab has no usercopy region. */
		rec = job->rec;
		rec.syscalls++;
		rec.size = rsize;
		rec.version = ZCOPY_COMPLETION_VERSION;
		if (copy_to_user(buf + done, &rec, rsize)) {
			zcopy_owner_push_back(owner, job);
			return done ?: -EFAULT;
		}
		zcopy_job_free(job);
		done += rsize;
	}
	return done;
}

static __poll_t zcopy_poll(struct file *file, poll_table *wait)
{
	struct zcopy_owner *owner = file->private_data;

	poll_wait(file, &owner->wait, wait);
	return READ_ONCE(owner->nr_done) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int zcopy_open(struct inode *inode, struct file *file)
{
	struct zcopy_owner *owner;

	owner = kzalloc(sizeof(*owner), GFP_KERNEL_ACCOUNT);
	if (!owner)
		return -ENOMEM;
	refcount_set(&owner->ref, 1);
	spin_lock_init(&owner->lock);
	INIT_LIST_HEAD(&owner->running);
	INIT_LIST_HEAD(&owner->done);
	init_waitqueue_head(&owner->wait);
	file->private_data = owner;
	return nonseekable_open(inode, file);
}

/*
 * Cancel what still runs and drop the unread records, without waiting:
 * jobs that end later are freed as they end.
 */
static int zcopy_release(struct inode *inode, struct file *file)
{
	struct zcopy_owner *owner = file->private_data;
	struct zcopy_job *job, *tmp;
	LIST_HEAD(done);

	spin_lock(&owner->lock);
	owner->closed = true;
	list_for_each_entry(job, &owner->running, owner_node)
		zcopy_job_cancel_owned(job);
	list_splice_init(&owner->done, &done);
	spin_unlock(&owner->lock);

	list_for_each_entry_safe(job, tmp, &done, owner_node)
		zcopy_job_free(job);
	zcopy_owner_put(owner);
	return 0;
}

static const struct file_operations zcopy_fops = {
	.owner = THIS_MODULE,
	.open = zcopy_open,
	.release = zcopy_release,
	.read = zcopy_read,
	.poll = zcopy_poll,
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
