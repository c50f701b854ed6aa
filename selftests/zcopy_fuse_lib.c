// SPDX-License-Identifier: GPL-2.0
/*
 * The least of the FUSE protocol a file that is looked up, opened and
 * read needs; everything else is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fuse.h>

#include "zcopy_fuse_lib.h"

#define FILE_INO	2
#define BUF_SIZE	(1024 * 1024)

static void fuse_reply(int dev, uint64_t unique, int error, const void *arg,
		       size_t len)
{
	struct fuse_out_header h = {
		.len = sizeof(h) + len, .error = error, .unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)arg, .iov_len = len },
	};

	if (writev(dev, iov, len ? 2 : 1) < 0 && errno != ENOENT)
		_exit(1);
}

static void fuse_attr_of(uint64_t ino, uint64_t size, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->nlink = 1;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0444;
		a->size = size;
		a->blocks = (size + 511) / 512;
	}
}

static void fuse_read(int dev, const struct fuse_in_header *h,
		      const struct fuse_read_in *in, uint64_t size,
		      unsigned char *data)
{
	uint64_t i, len = 0;

	if (in->offset < size)
		len = size - in->offset < in->size ? size - in->offset :
						      in->size;
	for (i = 0; i < len; i++)
		data[i] = zcopy_fuse_byte(in->offset + i);
	fuse_reply(dev, h->unique, 0, data, len);
}

static void fuse_serve(int dev, uint64_t size, int uid_fd)
{
	unsigned char *buf = malloc(BUF_SIZE), *data = malloc(BUF_SIZE);
	const struct fuse_in_header *h = (void *)buf;
	const void *arg = buf + sizeof(*h);
	union {
		struct fuse_init_out init;
		struct fuse_entry_out entry;
		struct fuse_attr_out attr;
		struct fuse_open_out open;
	} out;
	ssize_t n;

	if (!buf || !data)
		_exit(1);
	for (;;) {
		n = read(dev, buf, BUF_SIZE);
		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*h))
			_exit(0);	/* unmounted */
		memset(&out, 0, sizeof(out));
		switch (h->opcode) {
		case FUSE_INIT: {
			const struct fuse_init_in *in = arg;

			out.init.major = FUSE_KERNEL_VERSION;
			out.init.minor = in->minor < FUSE_KERNEL_MINOR_VERSION ?
					 in->minor : FUSE_KERNEL_MINOR_VERSION;
			out.init.max_readahead = in->max_readahead;
			out.init.max_background = 16;
			out.init.congestion_threshold = 12;
			out.init.max_write = 65536;
			out.init.time_gran = 1;
			fuse_reply(dev, h->unique, 0, &out, sizeof(out.init));
			break;
		}
		case FUSE_LOOKUP:
			if (h->nodeid != FUSE_ROOT_ID ||
			    strcmp(arg, ZCOPY_FUSE_NAME)) {
				fuse_reply(dev, h->unique, -ENOENT, NULL, 0);
				break;
			}
			out.entry.nodeid = FILE_INO;
			out.entry.generation = 1;
			out.entry.entry_valid = 3600;
			out.entry.attr_valid = 3600;
			fuse_attr_of(FILE_INO, size, &out.entry.attr);
			fuse_reply(dev, h->unique, 0, &out, sizeof(out.entry));
			break;
		case FUSE_GETATTR:
			out.attr.attr_valid = 3600;
			fuse_attr_of(h->nodeid, size, &out.attr.attr);
			fuse_reply(dev, h->unique, 0, &out, sizeof(out.attr));
			break;
		case FUSE_OPEN:
		case FUSE_OPENDIR:
			out.open.fh = 1;
			out.open.open_flags = FOPEN_KEEP_CACHE;
			fuse_reply(dev, h->unique, 0, &out, sizeof(out.open));
			break;
		case FUSE_READ:
			if (write(uid_fd, &h->uid, sizeof(h->uid)) < 0)
				_exit(1);
			fuse_read(dev, h, arg, size, data);
			break;
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_RELEASEDIR:
			fuse_reply(dev, h->unique, 0, NULL, 0);
			break;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:	/* FUSE's "not implemented" */
			fuse_reply(dev, h->unique, -EOPNOTSUPP, NULL, 0);
			break;
		}
	}
}

int zcopy_fuse_start(struct zcopy_fuse *fs, const char *dir, uint64_t size)
{
	char opts[128];
	int dev, fds[2];

	dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT) {
		if (system("modprobe fuse 2>/dev/null") == 0)
			dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	}
	if (dev < 0)
		return -ENODEV;
	snprintf(fs->dir, sizeof(fs->dir), "%s", dir);
	mkdir(dir, 0755);
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0,allow_other", dev);
	if (mount("zcopy", dir, "fuse", MS_NOSUID | MS_NODEV, opts) ||
	    pipe2(fds, O_CLOEXEC | O_NONBLOCK)) {
		close(dev);
		return -errno;
	}
	fs->size = size;
	fs->pid = fork();
	if (!fs->pid) {
		close(fds[0]);
		fuse_serve(dev, size, fds[1]);
	}
	close(dev);
	close(fds[1]);
	fs->uid_fd = fds[0];
	if (fs->pid < 0) {
		umount2(dir, MNT_DETACH);
		close(fs->uid_fd);
		return -ECHILD;
	}
	return 0;
}

int zcopy_fuse_stop(struct zcopy_fuse *fs, uint32_t *uids, int max)
{
	int n = 0;

	while (n < max && read(fs->uid_fd, &uids[n], sizeof(*uids)) ==
	       sizeof(*uids))
		n++;
	umount2(fs->dir, MNT_DETACH);
	kill(fs->pid, SIGKILL);
	waitpid(fs->pid, NULL, 0);
	close(fs->uid_fd);
	rmdir(fs->dir);
	return n;
}
