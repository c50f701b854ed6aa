/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The observer: classifies every TCP payload byte an observed socket
 * transmits as copied or by reference, at the device boundary.
 */
#ifndef _ZCOPY_OBSERVE_H
#define _ZCOPY_OBSERVE_H

#include <linux/fs.h>
#include <linux/types.h>
#include <net/sock.h>

struct zcopy_obs;

/* What an observation saw; see enum zcopy_observe_attr. */
struct zcopy_obs_counts {
	u32 probes;
	u64 bytes;
	u64 copied_bytes;
	u64 ref_bytes;
	u64 dma_out_bytes;
	u64 retrans_bytes;
	u64 skbs;
	u64 frags;
	u64 deferred_copy_bytes;
	u64 pull_bytes;
	u64 copy_bits_bytes;
	u64 segment_copy_bytes;
	u64 sw_csum_bytes;
	u64 sockets;
	u64 sends_missed;
	char egress_dev[IFNAMSIZ];
};

/*
 * Where the bytes went: by egress device (every observation), and the
 * files whose page cache was sent by reference (a cgroup's, a process's
 * or a socket's without a file). The first ZCOPY_OBS_DEVS devices and
 * ZCOPY_OBS_FILES files seen have an entry; the others' bytes are summed.
 */
#define ZCOPY_OBS_DEVS		4
#define ZCOPY_OBS_FILES		8

struct zcopy_obs_dev {
	int ifindex;			/* 0: unused */
	char name[IFNAMSIZ];		/* when first seen */
	u64 bytes;
	u64 copied_bytes;
	u64 ref_bytes;
};

struct zcopy_obs_file {
	u64 ino;
	u32 dev;			/* new_encode_dev() */
	u32 generation;			/* i_generation: a file handle's */
	u64 ref_bytes;			/* 0: unused */
};

struct zcopy_obs_breakdown {
	struct zcopy_obs_dev devs[ZCOPY_OBS_DEVS];
	u64 other_dev_bytes;
	struct zcopy_obs_file files[ZCOPY_OBS_FILES];
	u64 other_file_bytes;
};

/*
 * Finds the probes this kernel has (registered only while something is
 * observed); never fails the module's load.
 */
void zcopy_observe_init(void);
void zcopy_observe_exit(void);

/* ZCOPY_PROBE_* this kernel has, and why some not (NULL: all). */
u32 zcopy_observe_probes(void);
const char *zcopy_observe_error(void);

/*
 * Probes a job's observation needs: its record has the classification and
 * retransmits, not where the stack copied (a user's observation has).
 */
#define ZCOPY_PROBES_JOB	(ZCOPY_PROBES_NEEDED | ZCOPY_PROBE_RETRANSMIT)

/*
 * Starts observing sk's payload queued from now on; pages of file's page
 * cache count as by reference, or without a file (NULL) any page with a
 * mapping, as for a cgroup. Takes references on both. May sleep: the
 * probes of want (ZCOPY_PROBE_*) not registered yet are registered.
 */
struct zcopy_obs *zcopy_obs_start(struct sock *sk, struct file *file,
				  u32 want);
/*
 * Starts observing every TCP socket of cgrp and its descendants, every
 * transmission from now on; pages with a mapping count as by reference.
 * Takes a reference on cgrp. ERR_PTR: -ENOMEM, or -EOPNOTSUPP where
 * sockets carry no cgroup. May sleep, like zcopy_obs_start().
 */
struct cgroup;
struct zcopy_obs *zcopy_obs_start_cgroup(struct cgroup *cgrp, u32 want);
/*
 * Starts observing every TCP socket that a task using mm (a process's
 * threads) sends on, from its first send on; the rule and the counting
 * are a cgroup's. Holds mm (mmgrab). NULL: -ENOMEM. May sleep.
 */
struct mm_struct;
struct zcopy_obs *zcopy_obs_start_mm(struct mm_struct *mm, u32 want);
/* The counts so far (c, b: each if not NULL). */
void zcopy_obs_read(struct zcopy_obs *obs, struct zcopy_obs_counts *c,
		    struct zcopy_obs_breakdown *b);
/* Ends the observation: final counts (c, b: each if not NULL), references dropped. */
void zcopy_obs_stop(struct zcopy_obs *obs, struct zcopy_obs_counts *c,
		    struct zcopy_obs_breakdown *b);

/*
 * Only the first bytes payload bytes from the start are observed: what
 * follows (the next job on the socket) is not counted.
 */
void zcopy_obs_bound(struct zcopy_obs *obs, u64 bytes);

/* Payload bytes seen leaving so far (after the start, up to the bound). */
u64 zcopy_obs_seen(struct zcopy_obs *obs);
/* Whether the observer sees transmissions at all: else seen stays 0. */
bool zcopy_obs_can_wait(const struct zcopy_obs *obs);
/* The wait queue woken when seen reaches target. */
struct wait_queue_head *zcopy_obs_wait_head(struct zcopy_obs *obs, u64 target);

/* All of bytes transmitted, every needed probe present throughout. */
bool zcopy_obs_complete(const struct zcopy_obs_counts *c, u64 bytes);

#endif /* _ZCOPY_OBSERVE_H */
