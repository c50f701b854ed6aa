// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl serve: request paths into files, beneath DIR only. The kernel
 * does the confinement: openat2() with RESOLVE_BENEATH refuses "..",
 * absolute paths and symlinks that leave DIR (EXDEV), and
 * RESOLVE_NO_MAGICLINKS the /proc/self/fd kind. No directory is listed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/openat2.h>

#include "serve.h"

#define INDEX_NAME	"index.html"

static int open_beneath(int dir_fd, const char *path)
{
	struct open_how how = {
		/* O_NONBLOCK: a FIFO in DIR must not stall the server */
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
}

/* What an open failure tells the client. */
static int open_status(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
	case ENAMETOOLONG:
		return 404;
	case EXDEV:	/* out of DIR */
	case ELOOP:
	case EACCES:
	case EPERM:
	case ENXIO:
		return 403;
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return 503;
	default:
		return 500;
	}
}

int serve_file_open(int root_fd, const char *path, struct stat *st,
		    const char **type_name)
{
	const char *rel = path[0] == '/' ? path + 1 : path;
	int fd, index_fd;

	*type_name = path;
	fd = open_beneath(root_fd, *rel ? rel : ".");
	if (fd < 0)
		return -open_status(errno);
	if (fstat(fd, st))
		goto fail;
	if (S_ISDIR(st->st_mode)) {
		index_fd = open_beneath(fd, INDEX_NAME);
		close(fd);
		if (index_fd < 0)
			/* a directory without an index is not listed */
			return errno == ENOENT ? -403 : -open_status(errno);
		fd = index_fd;
		*type_name = INDEX_NAME;
		if (fstat(fd, st))
			goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -403;
	}
	return fd;

fail:
	close(fd);
	return -500;
}
