/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * zcopy: in-kernel file-to-socket transfers with measured copy statistics.
 *
 * This header is the whole ABI between the module and user space: the
 * character device's ioctls and completion records, and the generic
 * netlink family's commands, attributes and multicast group.
 */
#ifndef _UAPI_LINUX_ZCOPY_H
#define _UAPI_LINUX_ZCOPY_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define ZCOPY_ABI_VERSION	1

#define ZCOPY_DEVICE_NAME	"zcopy"

#define ZCOPY_GENL_NAME		"zcopy"
#define ZCOPY_GENL_VERSION	1
#define ZCOPY_GENL_MCGRP_EVENTS	"events"

/* How the engine moves the bytes; see Documentation/zcopy.rst. */
enum zcopy_mode {
	ZCOPY_MODE_COPY,	/* bounce buffer, kvec send: 2 CPU copies */
	ZCOPY_MODE_MMAP,	/* send from a kernel mapping: 1 CPU copy */
	ZCOPY_MODE_SENDFILE,	/* per-page kmap + kvec send: 1 CPU copy */
	ZCOPY_MODE_SG,		/* page-cache pages as skb frags: 0 copies */

	__ZCOPY_MODE_MAX,
};

#define ZCOPY_MODE_MAX (__ZCOPY_MODE_MAX - 1)

enum zcopy_state {
	ZCOPY_STATE_QUEUED,
	ZCOPY_STATE_RUNNING,
	ZCOPY_STATE_DONE,
	ZCOPY_STATE_FAILED,
	ZCOPY_STATE_CANCELLED,

	__ZCOPY_STATE_MAX,
};

#define ZCOPY_STATE_MAX (__ZCOPY_STATE_MAX - 1)

/*
 * Character device /dev/zcopy.
 *
 * Structures that may grow start with their size, set by the caller to
 * sizeof() as it knows it; the module accepts older (shorter) versions
 * down to the first published size and refuses shorter ones with EINVAL.
 */
struct zcopy_version {
	__u32 abi_version;	/* ZCOPY_ABI_VERSION of the module */
	__u32 modes;		/* bit (1 << zcopy_mode) per mode supported */
	char release[32];	/* module version string, NUL-terminated */
};

#define ZCOPY_IOC_MAGIC		'Z'
#define ZCOPY_IOC_VERSION	_IOR(ZCOPY_IOC_MAGIC, 0x80, struct zcopy_version)

/* Netlink commands. */
enum zcopy_cmd {
	ZCOPY_CMD_UNSPEC,
	ZCOPY_CMD_SUBMIT,
	ZCOPY_CMD_GET,
	ZCOPY_CMD_CANCEL,
	ZCOPY_CMD_STATS,
	ZCOPY_CMD_EVENT_DONE,	/* multicast on "events" when a job ends */

	__ZCOPY_CMD_MAX,
};

#define ZCOPY_CMD_MAX (__ZCOPY_CMD_MAX - 1)

/* Top-level attributes of every command. */
enum zcopy_attr {
	ZCOPY_A_UNSPEC,
	ZCOPY_A_PAD,
	ZCOPY_A_STATS,		/* nest of zcopy_stats_attr */

	__ZCOPY_A_MAX,
};

#define ZCOPY_A_MAX (__ZCOPY_A_MAX - 1)

/* Module-wide counters, nested in ZCOPY_A_STATS. All NLA_U64 but PAD. */
enum zcopy_stats_attr {
	ZCOPY_STATS_A_UNSPEC,
	ZCOPY_STATS_A_PAD,
	ZCOPY_STATS_A_JOBS_SUBMITTED,
	ZCOPY_STATS_A_JOBS_QUEUED,
	ZCOPY_STATS_A_JOBS_RUNNING,
	ZCOPY_STATS_A_JOBS_DONE,
	ZCOPY_STATS_A_JOBS_FAILED,
	ZCOPY_STATS_A_JOBS_CANCELLED,
	ZCOPY_STATS_A_JOBS_COPY,
	ZCOPY_STATS_A_JOBS_MMAP,
	ZCOPY_STATS_A_JOBS_SENDFILE,
	ZCOPY_STATS_A_JOBS_SG,
	ZCOPY_STATS_A_BYTES_SENT,
	ZCOPY_STATS_A_CPU_COPY_BYTES,
	ZCOPY_STATS_A_REF_BYTES,
	ZCOPY_STATS_A_DMA_IN_BYTES,
	ZCOPY_STATS_A_DMA_OUT_BYTES,

	__ZCOPY_STATS_A_MAX,
};

#define ZCOPY_STATS_A_MAX (__ZCOPY_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_ZCOPY_H */
