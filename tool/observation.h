/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the module's observer (ZCOPY_CMD_OBSERVE_*), of a socket and
 * a file, or of a cgroup.
 */
#ifndef ZCOPYCTL_OBSERVATION_H
#define ZCOPYCTL_OBSERVATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/zcopy.h>

#include "nl.h"

/* As many as the module reports (ZCOPY_OBS_DEVS, _FILES), or more. */
#define OBSERVATION_DEVS	8
#define OBSERVATION_FILES	16

struct observation_dev {
	char name[16];
	uint64_t bytes;
	uint64_t copied;
	uint64_t ref;
};

struct observation_file {
	uint32_t dev;			/* new_encode_dev() */
	uint32_t generation;
	uint64_t ino;
	uint64_t ref;
};

struct observation {
	uint64_t v[ZCOPY_OBSERVE_A_MAX + 1];	/* by ZCOPY_OBSERVE_A_* */
	char egress_dev[16];
	unsigned int nr_devs;
	struct observation_dev devs[OBSERVATION_DEVS];
	unsigned int nr_files;
	struct observation_file files[OBSERVATION_FILES];
};

/*
 * OBSERVE_START: 0 and *id, or -errno (the reason in ctx's extack). A
 * socket's pages of file_fd go by reference, or with file_fd -1 any
 * lent page (page cache, user memory), as for a cgroup or a process
 * (mem_fd: its /proc/PID/mem).
 */
int observation_start_socket(struct nl_ctx *ctx, int sock_fd, int file_fd,
			     uint64_t *id);
int observation_start_process(struct nl_ctx *ctx, int mem_fd, uint64_t *id);
int observation_start_cgroup(struct nl_ctx *ctx, int cgroup_fd,
			     uint64_t *id);
/* OBSERVE_READ, or OBSERVE_STOP if stop: 0 and *o, or -errno. */
int observation_read(struct nl_ctx *ctx, uint64_t id, bool stop,
		     struct observation *o);

#define OBSERVATION_CGROUP_MOUNT	"/sys/fs/cgroup"

/* Our own cgroup v2 directory, from /proc/self/cgroup; 0 or -errno. */
int observation_own_cgroup(char *dir, size_t len);

#endif /* ZCOPYCTL_OBSERVATION_H */
