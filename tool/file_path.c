// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: a file's path from its device, inode number and generation,
 * through /proc/self/mountinfo and open_by_handle_at(2).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sysmacros.h>

#include "file_path.h"

/* exportfs' FILEID_INO32_GEN: a 32-bit inode number and its generation. */
#define FILEID_INO32_GEN	1

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *out = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
		    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 |
					(s[3] - '0'));
			s += 4;
		} else {
			*out++ = *s++;
		}
	}
	*out = '\0';
}

/* A mount point of the filesystem on major:minor, opened; or -errno. */
static int open_mount(unsigned int maj, unsigned int min)
{
	char line[PATH_MAX + 256], want[32], mnt[PATH_MAX];
	int fd = -ENOENT;
	FILE *f;

	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -errno;
	snprintf(want, sizeof(want), "%u:%u", maj, min);
	while (fd < 0 && fgets(line, sizeof(line), f)) {
		char devno[32];

		/* id parent major:minor root mount-point ... */
		if (sscanf(line, "%*s %*s %31s %*s %4095s", devno, mnt) != 2 ||
		    strcmp(devno, want))
			continue;
		unescape(mnt);
		fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
	}
	fclose(f);
	return fd;
}

int file_path(uint32_t dev, uint64_t ino, uint32_t generation, char *path,
	      size_t len)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + 2 * sizeof(uint32_t)];
	} h;
	uint32_t body[2] = { (uint32_t)ino, generation };
	char link[64];
	int mfd, fd, err = 0;
	ssize_t n;

	if (ino > UINT32_MAX)
		return -ERANGE;
	mfd = open_mount(major(dev), minor(dev));
	if (mfd < 0)
		return mfd;
	h.fh.handle_bytes = sizeof(body);
	h.fh.handle_type = FILEID_INO32_GEN;
	memcpy(h.fh.f_handle, body, sizeof(body));
	fd = open_by_handle_at(mfd, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, len - 1);
	if (n < 0)
		err = -errno;
	else
		path[n] = '\0';
	close(fd);
out:
	close(mfd);
	return err;
}
