/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A FUSE file system of one read-only file, served by a child process
 * that reports the uid of every READ request it gets: FUSE passes the
 * reader's fsuid to the server, so this shows whose credentials read.
 */
#ifndef _ZCOPY_FUSE_LIB_H
#define _ZCOPY_FUSE_LIB_H

#include <stdint.h>
#include <sys/types.h>

#define ZCOPY_FUSE_NAME	"f"

struct zcopy_fuse {
	char dir[64];		/* mount point; the file is dir/f */
	pid_t pid;
	int uid_fd;		/* the server writes a uint32_t uid per READ */
	uint64_t size;
};

/* The byte at off of the file. */
static inline unsigned char zcopy_fuse_byte(uint64_t off)
{
	return (unsigned char)(off * 7 + off / 4096);
}

/* Mounts at dir a file of size bytes: 0, or -errno (-ENODEV: no FUSE). */
int zcopy_fuse_start(struct zcopy_fuse *fs, const char *dir, uint64_t size);
/* Unmounts and stops the server; uids[] gets at most max READ uids. */
int zcopy_fuse_stop(struct zcopy_fuse *fs, uint32_t *uids, int max);

#endif /* _ZCOPY_FUSE_LIB_H */
