/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels zcopy supports (Debian's 6.1 and 6.12),
 * as feature macros; the rest of the module tests these, never versions.
 * Kbuild probes the kernel's headers and passes ZCOPY_PROBE_* defines.
 */
#ifndef _ZCOPY_COMPAT_H
#define _ZCOPY_COMPAT_H

/*
 * kernel_sendpage() and ->sendpage went away in 6.5, when TCP started to
 * honour MSG_SPLICE_PAGES; 6.1 defines the flag but TCP ignores it, so the
 * probe looks for kernel_sendpage(), not for the flag.
 */
#ifdef ZCOPY_PROBE_KERNEL_SENDPAGE
#define ZCOPY_HAVE_SENDPAGE 1
#else
#define ZCOPY_HAVE_SPLICE_PAGES 1
#endif

/* Per-task block I/O accounting gives dma_in_bytes. */
#ifdef CONFIG_TASK_IO_ACCOUNTING
#define ZCOPY_HAVE_IO_ACCOUNTING 1
#endif

/* Exact on-CPU time of a job's invocations (cputime.c). */
#ifdef CONFIG_PREEMPT_NOTIFIERS
#define ZCOPY_HAVE_PREEMPT_NOTIFIERS 1
#endif

/* A job's bios go to its submitter's io cgroup (identity.c). */
#ifdef CONFIG_BLK_CGROUP
#define ZCOPY_HAVE_BLKCG 1
#endif

/* Sockets carry their cgroup: the observer can take a cgroup's. */
#ifdef CONFIG_SOCK_CGROUP_DATA
#define ZCOPY_HAVE_SOCK_CGROUP 1
#endif

/*
 * MSG_ZEROCOPY's ubuf_info: told by its callback in 6.1, by its ops
 * since 6.10.
 */
#include <linux/skbuff.h>
static inline bool zcopy_ubuf_is_msg_zerocopy(const struct ubuf_info *uarg)
{
#ifdef ZCOPY_PROBE_UBUF_INFO_OPS
	return uarg->ops == &msg_zerocopy_ubuf_ops;
#else
	return uarg->callback == msg_zerocopy_callback;
#endif
}

/*
 * vfs_path_lookup() is exported by both, but 6.1 declares it only in
 * fs/internal.h; namei.h has it since 6.2.
 */
#ifndef ZCOPY_PROBE_VFS_PATH_LOOKUP_DECLARED
struct dentry;
struct path;
struct vfsmount;
int vfs_path_lookup(struct dentry *dentry, struct vfsmount *mnt,
		    const char *name, unsigned int flags, struct path *path);
#endif

#endif /* _ZCOPY_COMPAT_H */
