/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A job acts as its submitter: its credentials, memory cgroup and block
 * I/O cgroup, taken at submission and worn by the worker while it runs
 * the job, and the checks a read(2) of the file would meet.
 */
#ifndef _ZCOPY_IDENTITY_H
#define _ZCOPY_IDENTITY_H

#include <linux/types.h>

struct cgroup_subsys_state;
struct cred;
struct file;
struct mem_cgroup;

struct zcopy_identity {
	const struct cred *cred;
	struct mem_cgroup *memcg;	/* NULL: memcg disabled */
	struct cgroup_subsys_state *blkcg;	/* NULL: no blkcg */
};

/* What the worker wore before zcopy_identity_enter(). */
struct zcopy_identity_saved {
	const struct cred *cred;
	struct mem_cgroup *memcg;
};

/* In the submitter's context; zcopy_identity_put() may be called twice. */
void zcopy_identity_capture(struct zcopy_identity *id);
void zcopy_identity_put(struct zcopy_identity *id);

/*
 * Around each invocation of a job's work function, in the same task: the
 * worker is a shared kworker and must leave as it came.
 */
void zcopy_identity_enter(const struct zcopy_identity *id,
			  struct zcopy_identity_saved *saved);
void zcopy_identity_leave(const struct zcopy_identity_saved *saved);

/* The LSM and fanotify checks of a read of [pos, pos + len): 0 or -errno. */
int zcopy_file_permitted(struct file *file, loff_t pos, size_t len);

#endif /* _ZCOPY_IDENTITY_H */
