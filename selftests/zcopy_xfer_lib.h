/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transfer helpers for the engine tests: a receiver in a network
 * namespace that counts and hashes what it gets, connections over the
 * VM's three paths, job submission and completion through /dev/zcopy.
 */
#ifndef _ZCOPY_XFER_LIB_H
#define _ZCOPY_XFER_LIB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/zcopy.h>

#define SHA256_LEN 32

/* One of the VM's paths from the init netns to a receiver. */
struct zcopy_path {
	const char *name;	/* loopback, veth, virtio */
	const char *netns;	/* receiver's netns, NULL: init */
	const char *addr;	/* receiver's IPv4 address */
	const char *dev;	/* egress device the sender should see */
	bool dma;		/* a device that gathers by DMA */
};

extern const struct zcopy_path zcopy_paths[];
const struct zcopy_path *zcopy_path_by_name(const char *name);
/* Whether the path's egress device does scatter/gather. */
bool zcopy_path_has_sg(const struct zcopy_path *path);
/* An ethtool set command (ETHTOOL_SSG, ETHTOOL_STXCSUM) on dev: 0 or -errno. */
int zcopy_ethtool_set(const char *dev, uint32_t cmd, bool on);

enum receiver_behaviour {
	RECV_ALL,		/* read to EOF */
	RECV_STALL,		/* accept, then read nothing until killed */
	RECV_RESET,		/* read some, then reset the connection */
	RECV_SLOW,		/* read to EOF, 64 KiB per 20 ms */
};

struct zcopy_receiver {
	pid_t pid;
	int port;
	int result_fd;		/* pipe: bytes received then the digest */
};

struct zcopy_received {
	uint64_t bytes;
	unsigned char sha256[SHA256_LEN];
};

int zcopy_receiver_start(struct zcopy_receiver *rx,
			 const struct zcopy_path *path,
			 enum receiver_behaviour how);
/* Waits for the receiver's result; -1 on failure. */
int zcopy_receiver_wait(struct zcopy_receiver *rx, struct zcopy_received *got);
void zcopy_receiver_kill(struct zcopy_receiver *rx);

/* A TCP connection from the init netns to the receiver; fd or -errno. */
int zcopy_connect(const struct zcopy_path *path, int port);

/*
 * A peer that never reads, with buffers so small a job to it parks at
 * once; the accepted ends stay in its backlog.
 */
struct zcopy_stall_peer {
	int listener;
	int port;
};

/* Listening on loopback; 0 or -1. */
int zcopy_stall_listen(struct zcopy_stall_peer *peer);
/* A connection to it with a tiny send buffer: fd or -1. */
int zcopy_stall_connect(const struct zcopy_stall_peer *peer);

/* SHA-256 of a file range; returns bytes hashed or -errno. */
int64_t zcopy_sha256_file(const char *path, uint64_t off, uint64_t len,
			  unsigned char out[SHA256_LEN]);

/* A fixture's /dev/zcopy and its connection over one path. */
struct zcopy_xfer {
	int dev;
	const struct zcopy_path *path;
	struct zcopy_receiver rx;
	int sock;		/* -1 until zcopy_xfer_connect() */
};

/*
 * Opens /dev/zcopy with records of *record_size bytes (the size the
 * module settled on is written back) and finds path_name: 0 or -errno.
 */
int zcopy_xfer_open(struct zcopy_xfer *x, const char *path_name,
		    uint32_t *record_size);
/* A receiver that behaves as how, and a connection to it: 0 or -errno. */
int zcopy_xfer_connect(struct zcopy_xfer *x, enum receiver_behaviour how);
/* Closes what open and connect made, also after either failed. */
void zcopy_xfer_close(struct zcopy_xfer *x);

/* ZCOPY_IOC_SUBMIT; returns 0 or -errno and the id in *id. */
int zcopy_submit(int dev, int file_fd, int sock_fd, uint32_t mode,
		 uint64_t offset, uint64_t length, uint64_t user_data,
		 uint64_t *id);
/*
 * Waits up to timeout_ms for one completion record: 0, or -errno (-EPROTO
 * for a record whose size or version is not this header's).
 */
int zcopy_wait_completion(int dev, int timeout_ms,
			  struct zcopy_completion *rec);

/* Drop clean page-cache pages of every file system. */
int zcopy_drop_caches(void);

#endif /* _ZCOPY_XFER_LIB_H */
