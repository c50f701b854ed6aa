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

#define ZCOPY_ABI_VERSION	2

#define ZCOPY_DEVICE_NAME	"zcopy"

#define ZCOPY_GENL_NAME		"zcopy"
/* The family's version is the ABI's: both describe this header. */
#define ZCOPY_GENL_VERSION	ZCOPY_ABI_VERSION
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
 * Character device /dev/zcopy; the rules are in Documentation/zcopy.rst.
 *
 * Structures that may grow start with their size, set by the caller to
 * sizeof() as it knows it; the module accepts older (shorter) versions
 * down to ZCOPY_*_SIZE_VER0 (EINVAL below), newer ones whose bytes it does
 * not know are zero (E2BIG otherwise), and at most a page (E2BIG). An
 * ioctl is known by its type, number and direction: the size encoded in
 * the command number is ignored, the structure's own size is the truth.
 * New fields go at the end, and 0 in them means the old behaviour.
 */

/* ZCOPY_IOC_VERSION: output only, so its size is the command's. */
struct zcopy_version {
	__u32 abi_version;	/* ZCOPY_ABI_VERSION of the module */
	__u32 modes;		/* bit (1 << zcopy_mode) per mode supported */
	char release[32];	/* module version string, NUL-terminated */
};

#define ZCOPY_VERSION_SIZE_VER0	40

/*
 * Submission flags; unknown bits are refused. A job that ends without
 * sending everything (failed or cancelled) fails the jobs queued behind it
 * on the same socket with ENOLINK, so that a peer never gets the next
 * message after a truncated one; ZCOPY_SUBMIT_INDEPENDENT opts a job out:
 * it is sent whatever happened to the jobs before it.
 */
#define ZCOPY_SUBMIT_INDEPENDENT	(1U << 0)
/*
 * ZCOPY_SUBMIT_INLINE (/dev/zcopy only; netlink refuses it): the submit
 * call runs the job's first steps itself, as io_uring issues a request
 * before it punts to a worker, when the submitter's user has a worker
 * slot free and the job is first on its socket. A transfer that fits the
 * socket is then done before the call returns, with no worker woken;
 * what does not (a full socket, more than one budget of chunks) goes on
 * in a worker. The call may wait for the file's pages, as sendfile(2)
 * would.
 */
#define ZCOPY_SUBMIT_INLINE		(1U << 1)
#define ZCOPY_SUBMIT_FLAGS_ALL		(ZCOPY_SUBMIT_INDEPENDENT | \
					 ZCOPY_SUBMIT_INLINE)

/*
 * Most bytes of a job's header, and of its trailer: what FreeBSD's
 * sendfile(2) calls headers and trailers, sent before and after the file
 * range in the same stream. Over netlink an attribute holds at most
 * ZCOPY_NL_HEADER_MAX (its length is 16 bits, with its own 4).
 */
#define ZCOPY_HEADER_MAX	65536
#define ZCOPY_NL_HEADER_MAX	65531

/*
 * One transfer: header, then file_fd's range [offset, offset + length),
 * then trailer, to sock_fd. An offset at the end of the file makes a
 * job of header and trailer alone.
 */
struct zcopy_submit {
	__u32 size;		/* sizeof(struct zcopy_submit) */
	__s32 file_fd;		/* regular file open for reading */
	__s32 sock_fd;		/* connected TCP socket, IPv4 or IPv6 */
	__u32 mode;		/* enum zcopy_mode */
	__u64 offset;
	__u64 length;		/* 0: up to the end of the file */
	__u32 flags;		/* ZCOPY_SUBMIT_* */
	__u32 reserved;		/* must be 0 */
	__u64 user_data;	/* returned in the completion record */
	__u64 id;		/* out: the job id */
	__u64 header;		/* user pointer to header_len bytes */
	__u64 trailer;		/* user pointer to trailer_len bytes */
	__u32 header_len;	/* at most ZCOPY_HEADER_MAX */
	__u32 trailer_len;	/* at most ZCOPY_HEADER_MAX */
};

#define ZCOPY_SUBMIT_SIZE_VER0	56
#define ZCOPY_SUBMIT_SIZE_VER1	80	/* header, trailer */

/*
 * Many transfers in one call. count is in/out: the number of entries on
 * input, the number accepted on output; entries are taken in order and the
 * first refusal stops the batch (its errno is the call's when none was
 * accepted, else the call succeeds with the shorter count).
 *
 * Entries are entry_size bytes apart and each one's size must equal it
 * (EINVAL otherwise); 0, or a VER0 batch, means ZCOPY_SUBMIT_SIZE_VER0.
 */
struct zcopy_submit_batch {
	__u32 size;		/* sizeof(struct zcopy_submit_batch) */
	__u32 count;
	__u64 jobs;		/* user pointer to count struct zcopy_submit */
	__u32 entry_size;	/* sizeof(struct zcopy_submit): the stride */
	__u32 reserved;		/* must be 0 */
};

#define ZCOPY_SUBMIT_BATCH_SIZE_VER0	16
#define ZCOPY_SUBMIT_BATCH_SIZE_VER1	24	/* entry_size */

/*
 * Completion record, read() from /dev/zcopy in whole records. Records are
 * ZCOPY_COMPLETION_SIZE_VER0 bytes unless the opener asked for another
 * size with ZCOPY_IOC_SET_RECORD_SIZE; size says how long each one is, so
 * a reader steps by it. version changes only if an existing field changes
 * meaning: a reader stops at a version it does not know.
 */
struct zcopy_completion {
	__u32 size;		/* bytes in this record */
	__u16 version;		/* ZCOPY_COMPLETION_VERSION */
	__u16 reserved;		/* 0 */
	__u64 id;
	__u64 user_data;
	__u32 mode;		/* enum zcopy_mode */
	__u32 state;		/* enum zcopy_state */
	__s32 error;		/* 0 or a negative errno */
	__u32 verified;		/* 1: the observer covered the transfer */
	__u64 offset;
	__u64 length;		/* requested; 0 was resolved to the file end */
	__u64 bytes_sent;
	__u64 cpu_copy_bytes;
	__u64 ref_bytes;
	__u64 dma_in_bytes;
	__u64 dma_out_bytes;
	__u64 cache_hit_pages;
	__u64 cache_miss_pages;
	__u64 skbs;
	__u64 frags;
	__u64 syscalls;
	__u64 context_switches;
	__u64 queued_ns;	/* CLOCK_MONOTONIC */
	__u64 start_ns;
	__u64 end_ns;
	__u64 cpu_ns;
	char egress_dev[16];	/* IFNAMSIZ */
	__u32 header_len;	/* sent before the range: in bytes_sent */
	__u32 trailer_len;	/* and after it */
};

#define ZCOPY_COMPLETION_VERSION	1
#define ZCOPY_COMPLETION_SIZE_VER0	192
#define ZCOPY_COMPLETION_SIZE_VER1	200	/* header_len, trailer_len */

#define ZCOPY_IOC_MAGIC		'Z'
#define ZCOPY_IOC_VERSION	_IOR(ZCOPY_IOC_MAGIC, 0x80, struct zcopy_version)
#define ZCOPY_IOC_SUBMIT	_IOWR(ZCOPY_IOC_MAGIC, 0x81, struct zcopy_submit)
#define ZCOPY_IOC_SUBMIT_BATCH	_IOWR(ZCOPY_IOC_MAGIC, 0x82, \
				      struct zcopy_submit_batch)
#define ZCOPY_IOC_CANCEL	_IOW(ZCOPY_IOC_MAGIC, 0x83, __u64)
/*
 * The record size this opener's read() returns: in, the size the caller
 * knows (at least ZCOPY_COMPLETION_SIZE_VER0); out, the size it gets, the
 * smaller of that and the module's.
 */
#define ZCOPY_IOC_SET_RECORD_SIZE _IOWR(ZCOPY_IOC_MAGIC, 0x84, __u32)

/* Netlink commands. */
enum zcopy_cmd {
	ZCOPY_CMD_UNSPEC,
	ZCOPY_CMD_SUBMIT,
	ZCOPY_CMD_GET,
	ZCOPY_CMD_CANCEL,
	ZCOPY_CMD_STATS,
	ZCOPY_CMD_EVENT_DONE,	/* multicast on "events" when a job ends */
	/*
	 * The observer on a socket the caller owns: START (SOCK_FD, FILE_FD
	 * whose page cache counts as by reference) replies with an OBSERVE
	 * nest holding the new ID; READ (OBSERVE_ID) replies with the counters
	 * so far; STOP (OBSERVE_ID) replies with them and ends the observation.
	 * Observations end too when the netlink socket that started them closes.
	 * START (CGROUP_FD) observes every TCP socket of a cgroup v2 and its
	 * descendants instead: every transmission (retransmissions in BYTES
	 * too), pages with a mapping (page cache, user memory) by reference;
	 * needs CAP_NET_ADMIN or CAP_PERFMON, or to own the directory.
	 */
	ZCOPY_CMD_OBSERVE_START,
	ZCOPY_CMD_OBSERVE_READ,
	ZCOPY_CMD_OBSERVE_STOP,

	__ZCOPY_CMD_MAX,
};

#define ZCOPY_CMD_MAX (__ZCOPY_CMD_MAX - 1)

/* Top-level attributes of every command. */
enum zcopy_attr {
	ZCOPY_A_UNSPEC,
	ZCOPY_A_PAD,
	ZCOPY_A_STATS,		/* nest of zcopy_stats_attr */
	/* A job: request and reply. */
	ZCOPY_A_ID,		/* u64 */
	ZCOPY_A_FILE_FD,	/* s32, resolved in the caller's context */
	ZCOPY_A_SOCK_FD,	/* s32 */
	ZCOPY_A_PATH,		/* string: file path, needs CAP_NET_ADMIN */
	ZCOPY_A_ADDR,		/* binary: sockaddr_in or sockaddr_in6 */
	ZCOPY_A_MODE,		/* u32, enum zcopy_mode */
	ZCOPY_A_FLAGS,		/* u32, ZCOPY_SUBMIT_* */
	ZCOPY_A_OFFSET,		/* u64 */
	ZCOPY_A_LENGTH,		/* u64 */
	ZCOPY_A_USER_DATA,	/* u64 */
	/* A job: statistics, in replies and events. */
	ZCOPY_A_STATE,		/* u32, enum zcopy_state */
	ZCOPY_A_ERROR,		/* s32, 0 or a negative errno */
	ZCOPY_A_BYTES_SENT,	/* u64, like every counter below */
	ZCOPY_A_CPU_COPY_BYTES,
	ZCOPY_A_REF_BYTES,
	ZCOPY_A_DMA_IN_BYTES,
	ZCOPY_A_DMA_OUT_BYTES,
	ZCOPY_A_CACHE_HIT_PAGES,
	ZCOPY_A_CACHE_MISS_PAGES,
	ZCOPY_A_SKBS,
	ZCOPY_A_FRAGS,
	ZCOPY_A_SYSCALLS,
	ZCOPY_A_CONTEXT_SWITCHES,
	ZCOPY_A_QUEUED_NS,
	ZCOPY_A_START_NS,
	ZCOPY_A_END_NS,
	ZCOPY_A_CPU_NS,
	ZCOPY_A_EGRESS_DEV,	/* string */
	ZCOPY_A_VERIFIED,	/* u8 */
	/* The observer. */
	ZCOPY_A_OBSERVE,	/* nest of zcopy_observe_attr */
	ZCOPY_A_OBSERVE_ID,	/* u64 */
	ZCOPY_A_OBSERVER_ERROR,	/* string, in STATS: why probes are missing */
	ZCOPY_A_CGROUP_FD,	/* s32: OBSERVE_START of a cgroup v2 directory */
	ZCOPY_A_PROC_MEM_FD,	/* s32: OBSERVE_START of a process: its
				 * /proc/PID/mem, which only a caller that
				 * may ptrace-attach to it can open
				 */
	ZCOPY_A_HEADER,		/* binary: a job's bytes before the range */
	ZCOPY_A_TRAILER,	/* binary: and after it */
	ZCOPY_A_HEADER_LEN,	/* u32, in replies: the header's bytes */
	ZCOPY_A_TRAILER_LEN,	/* u32, and the trailer's */

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
	ZCOPY_STATS_A_OBSERVER_PROBES,	/* ZCOPY_PROBE_* this kernel has */
	ZCOPY_STATS_A_JOBS_VERIFIED,
	ZCOPY_STATS_A_RETRANS_BYTES,
	ZCOPY_STATS_A_OBSERVATIONS,	/* user observations open now */
	ZCOPY_STATS_A_OBSERVER_NS,	/* time spent in the probes */
	ZCOPY_STATS_A_OBSERVER_ARMED,	/* ZCOPY_PROBE_* registered now */

	__ZCOPY_STATS_A_MAX,
};

#define ZCOPY_STATS_A_MAX (__ZCOPY_STATS_A_MAX - 1)

/* The observer's probes, bits of ZCOPY_STATS_A_OBSERVER_PROBES. */
#define ZCOPY_PROBE_XMIT	(1U << 0)	/* net:net_dev_start_xmit */
#define ZCOPY_PROBE_RETRANSMIT	(1U << 1)	/* tcp:tcp_retransmit_skb */
#define ZCOPY_PROBE_COPY_UBUFS	(1U << 2)	/* kprobe skb_copy_ubufs */
#define ZCOPY_PROBE_PULL_TAIL	(1U << 3)	/* kprobe __pskb_pull_tail */
#define ZCOPY_PROBE_COPY_BITS	(1U << 4)	/* kprobe skb_copy_bits */
#define ZCOPY_PROBE_CSUM_HELP	(1U << 5)	/* kprobe skb_checksum_help */
#define ZCOPY_PROBE_SEGMENT	(1U << 6)	/* kprobe skb_segment */
#define ZCOPY_PROBES_ALL	0x7fU
/*
 * Where a process's sockets join its observation (kernels before 6.5
 * have sendpage too); registered only while a process is observed.
 */
#define ZCOPY_PROBE_SENDMSG	(1U << 7)	/* kprobe tcp_sendmsg_locked */
#define ZCOPY_PROBE_SENDPAGE	(1U << 8)	/* kprobe do_tcp_sendpages */
#define ZCOPY_PROBES_PROCESS	(ZCOPY_PROBE_SENDMSG | ZCOPY_PROBE_SENDPAGE)
/* Without these an observation cannot be complete (verified stays 0). */
#define ZCOPY_PROBES_NEEDED	(ZCOPY_PROBE_XMIT | ZCOPY_PROBE_COPY_UBUFS)

/*
 * What the observer saw of one socket's TCP payload, in ZCOPY_A_OBSERVE.
 * All NLA_U64 but PAD and EGRESS_DEV. Only bytes queued after the
 * observation started count; each byte is classified once, at its first
 * transmission (net_dev_start_xmit): BYTES = COPIED_BYTES + REF_BYTES.
 */
enum zcopy_observe_attr {
	ZCOPY_OBSERVE_A_UNSPEC,
	ZCOPY_OBSERVE_A_PAD,
	ZCOPY_OBSERVE_A_ID,
	ZCOPY_OBSERVE_A_PROBES,		/* ZCOPY_PROBE_* active throughout */
	ZCOPY_OBSERVE_A_BYTES,		/* payload bytes transmitted */
	ZCOPY_OBSERVE_A_COPIED_BYTES,	/* linear area, other pages, or copied
					 * after transmit (DEFERRED_COPY)
					 */
	ZCOPY_OBSERVE_A_REF_BYTES,	/* frags of the file's page cache */
	ZCOPY_OBSERVE_A_DMA_OUT_BYTES,	/* sent by a device with a bus parent */
	ZCOPY_OBSERVE_A_RETRANS_BYTES,	/* sent again; not in BYTES */
	ZCOPY_OBSERVE_A_SKBS,		/* skbs transmitted (GSO: one each) */
	ZCOPY_OBSERVE_A_FRAGS,		/* page fragments in them */
	/* Where the stack copied or touched payload; may overlap the above. */
	ZCOPY_OBSERVE_A_DEFERRED_COPY_BYTES,	/* skb_copy_ubufs: looped
						 * locally, zero-copy pages
						 * copied before delivery
						 */
	ZCOPY_OBSERVE_A_PULL_BYTES,	/* __pskb_pull_tail */
	ZCOPY_OBSERVE_A_COPY_BITS_BYTES,	/* skb_copy_bits */
	ZCOPY_OBSERVE_A_SEGMENT_COPY_BYTES,	/* skb_segment, no SG */
	ZCOPY_OBSERVE_A_SW_CSUM_BYTES,	/* skb_checksum_help, or skb_segment
					 * without checksum offload
					 */
	ZCOPY_OBSERVE_A_EGRESS_DEV,	/* string: device of the last skb */
	/* A process's observation: its sockets, joined at their first send. */
	ZCOPY_OBSERVE_A_SOCKETS,	/* sockets followed so far */
	ZCOPY_OBSERVE_A_SENDS_MISSED,	/* sends on a socket not followed
					 * (over the limit): the counts
					 * above lack their bytes
					 */
	/*
	 * Where the bytes went, as classified at transmit: one nest per
	 * egress device and per file sent by reference (not for a socket
	 * observed with its file), for the first few; the others summed.
	 */
	ZCOPY_OBSERVE_A_DEVICE,		/* nest of zcopy_observe_dev_attr */
	ZCOPY_OBSERVE_A_OTHER_DEVICES_BYTES,
	ZCOPY_OBSERVE_A_FILE,		/* nest of zcopy_observe_file_attr */
	ZCOPY_OBSERVE_A_OTHER_FILES_BYTES,

	__ZCOPY_OBSERVE_A_MAX,
};

#define ZCOPY_OBSERVE_A_MAX (__ZCOPY_OBSERVE_A_MAX - 1)

/* One egress device of an observation, in ZCOPY_OBSERVE_A_DEVICE. */
enum zcopy_observe_dev_attr {
	ZCOPY_OBSERVE_DEV_A_UNSPEC,
	ZCOPY_OBSERVE_DEV_A_PAD,
	ZCOPY_OBSERVE_DEV_A_NAME,	/* string, when first seen */
	ZCOPY_OBSERVE_DEV_A_IFINDEX,	/* u32 */
	ZCOPY_OBSERVE_DEV_A_BYTES,	/* u64, like the two below */
	ZCOPY_OBSERVE_DEV_A_COPIED_BYTES,
	ZCOPY_OBSERVE_DEV_A_REF_BYTES,

	__ZCOPY_OBSERVE_DEV_A_MAX,
};

#define ZCOPY_OBSERVE_DEV_A_MAX (__ZCOPY_OBSERVE_DEV_A_MAX - 1)

/* One file sent by reference, in ZCOPY_OBSERVE_A_FILE. */
enum zcopy_observe_file_attr {
	ZCOPY_OBSERVE_FILE_A_UNSPEC,
	ZCOPY_OBSERVE_FILE_A_PAD,
	ZCOPY_OBSERVE_FILE_A_DEV,	/* u32, new_encode_dev() of st_dev */
	ZCOPY_OBSERVE_FILE_A_INO,	/* u64 */
	ZCOPY_OBSERVE_FILE_A_GENERATION, /* u32: with INO, a file handle */
	ZCOPY_OBSERVE_FILE_A_REF_BYTES,	/* u64 */

	__ZCOPY_OBSERVE_FILE_A_MAX,
};

#define ZCOPY_OBSERVE_FILE_A_MAX (__ZCOPY_OBSERVE_FILE_A_MAX - 1)

#endif /* _UAPI_LINUX_ZCOPY_H */
