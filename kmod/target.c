// SPDX-License-Identifier: GPL-2.0
/*
 * What a job reads and where it sends: the caller's file and socket
 * descriptors checked in its context, or a path and an address that the
 * worker opens and connects to as the submitter, so that nothing of it
 * blocks the request.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/tcp_states.h>

#include "compat.h"
#include "fstype.h"
#include "job.h"
#include "target.h"

/*
 * A path+address job: what its worker opens and connects to, wearing the
 * submitter's identity (job->ident).
 */
struct zcopy_target {
	char *name;			/* absolute */
	struct path root;		/* the submitter's: lookups stay inside */
	struct sockaddr_storage addr;
	int addrlen;
};

static void zcopy_target_free(struct zcopy_target *t)
{
	if (!t)
		return;
	if (t->root.mnt)
		path_put(&t->root);
	kfree(t->name);
	kfree(t);
}

void zcopy_job_release_io(struct zcopy_job *job)
{
	zcopy_identity_put(&job->ident);
	zcopy_target_free(job->target);
	job->target = NULL;
	if (job->sock) {
		if (job->sock_is_ours)
			sock_release(job->sock);
		else
			sockfd_put(job->sock);
		job->sock = NULL;
	}
	if (job->file) {
		fput(job->file);
		job->file = NULL;
	}
}

static int zcopy_check_file(struct file *file, struct netlink_ext_ack *extack)
{
	int ret;

	if (!S_ISREG(file_inode(file)->i_mode)) {
		NL_SET_ERR_MSG(extack, "file is not a regular file");
		return -EINVAL;
	}
	ret = zcopy_check_fstype(file_inode(file), extack);
	if (ret)
		return ret;
	if (!(file->f_mode & FMODE_READ)) {
		NL_SET_ERR_MSG(extack, "file is not open for reading");
		return -EBADF;
	}
	return 0;
}

static int zcopy_check_socket(struct socket *sock,
			      struct netlink_ext_ack *extack)
{
	struct sock *sk = sock->sk;

	if (!sk || sk->sk_type != SOCK_STREAM ||
	    sk->sk_protocol != IPPROTO_TCP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG(extack, "socket is not a TCP socket");
		return -EPROTONOSUPPORT;
	}
	if (READ_ONCE(sk->sk_state) != TCP_ESTABLISHED &&
	    READ_ONCE(sk->sk_state) != TCP_CLOSE_WAIT) {
		NL_SET_ERR_MSG(extack, "socket is not connected");
		return -ENOTCONN;
	}
	return 0;
}

int zcopy_get_sock(int sock_fd, struct socket **sockp,
		   struct netlink_ext_ack *extack)
{
	struct socket *sock;
	int ret;

	sock = sockfd_lookup(sock_fd, &ret);
	if (!sock) {
		if (ret == -ENOTSOCK)
			NL_SET_ERR_MSG(extack, "socket descriptor is not a socket");
		else
			NL_SET_ERR_MSG(extack, "bad file descriptor for the socket");
		return ret;
	}
	ret = zcopy_check_socket(sock, extack);
	if (ret) {
		sockfd_put(sock);
		return ret;
	}
	*sockp = sock;
	return 0;
}

int zcopy_get_fds(int file_fd, int sock_fd, struct file **filep,
		  struct socket **sockp, struct netlink_ext_ack *extack)
{
	struct socket *sock;
	struct file *file;
	int ret;

	file = fget(file_fd);
	if (!file) {
		NL_SET_ERR_MSG(extack, "bad file descriptor for the file");
		return -EBADF;
	}
	ret = zcopy_check_file(file, extack);
	if (ret)
		goto err_file;

	ret = zcopy_get_sock(sock_fd, &sock, extack);
	if (ret)
		goto err_file;
	*filep = file;
	*sockp = sock;
	return 0;

err_file:
	fput(file);
	return ret;
}

int zcopy_job_prepare_fds(struct zcopy_job *job, int file_fd, int sock_fd,
			  struct netlink_ext_ack *extack)
{
	return zcopy_get_fds(file_fd, sock_fd, &job->file, &job->sock, extack);
}

/*
 * Checks what it can without blocking: the address, that the path is
 * absolute and, when the dentry cache alone can resolve it, that it names
 * a regular file (a FIFO would block the open). Opening and connecting are
 * the worker's (zcopy_job_open_target()).
 */
int zcopy_job_prepare_path(struct zcopy_job *job, const char *path,
			   const struct sockaddr *addr, int addrlen,
			   struct netlink_ext_ack *extack)
{
	struct zcopy_target *t;
	struct path found;
	int ret;

	if (!((addr->sa_family == AF_INET &&
	       addrlen == sizeof(struct sockaddr_in)) ||
	      (addr->sa_family == AF_INET6 &&
	       addrlen == sizeof(struct sockaddr_in6)))) {
		NL_SET_ERR_MSG(extack, "address is not a sockaddr_in or sockaddr_in6");
		return -EINVAL;
	}
	if (path[0] != '/') {
		NL_SET_ERR_MSG(extack, "path is not absolute");
		return -EINVAL;
	}

	t = kzalloc(sizeof(*t), GFP_KERNEL_ACCOUNT);
	if (!t)
		return -ENOMEM;
	job->target = t;
	t->name = kstrdup(path, GFP_KERNEL_ACCOUNT);
	if (!t->name)
		return -ENOMEM;
	get_fs_root(current->fs, &t->root);
	memcpy(&t->addr, addr, addrlen);
	t->addrlen = addrlen;

	ret = vfs_path_lookup(t->root.dentry, t->root.mnt, t->name,
			      LOOKUP_FOLLOW | LOOKUP_CACHED, &found);
	if (ret == -EAGAIN || ret == -ECHILD)
		return 0;	/* not all in the dcache: the worker checks */
	if (ret) {
		NL_SET_ERR_MSG(extack, "cannot resolve the path");
		return ret;
	}
	if (!d_is_reg(found.dentry)) {
		NL_SET_ERR_MSG(extack, "file is not a regular file");
		ret = -EINVAL;
	}
	path_put(&found);
	return ret;
}

/* Page modes need read_folio; the record's length becomes the real one. */
int zcopy_job_bind_file(struct zcopy_job *job, struct netlink_ext_ack *extack)
{
	loff_t size = i_size_read(file_inode(job->file));
	u64 offset = job->rec.offset, length;

	if (offset > size) {
		NL_SET_ERR_MSG(extack, "offset is beyond the end of the file");
		return -EINVAL;
	}
	/* Page modes read through the page cache (read_mapping_page). */
	if (job->rec.mode != ZCOPY_MODE_COPY &&
	    !job->file->f_mapping->a_ops->read_folio) {
		NL_SET_ERR_MSG(extack, "file system cannot read pages for this mode");
		return -EOPNOTSUPP;
	}
	length = size - offset;
	if (job->rec.length && job->rec.length < length)
		length = job->rec.length;
	file_ra_state_init(&job->ra, job->file->f_mapping);

	spin_lock(&job->lock);
	job->rec.length = length;
	spin_unlock(&job->lock);
	return 0;
}

/*
 * Opens the path of a path+address job and starts its connect, in its
 * worker, which wears the submitter's identity, from the submitter's
 * root. A FIFO is opened non-blocking and refused; the connect does not
 * wait (run.c does).
 */
int zcopy_job_open_target(struct zcopy_job *job)
{
	struct zcopy_target *t = job->target;
	struct socket *sock;
	struct file *file;
	int ret;

	file = file_open_root(&t->root, t->name,
			      O_RDONLY | O_LARGEFILE | O_NONBLOCK | O_NOCTTY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	job->file = file;
	ret = zcopy_check_file(file, NULL);
	if (ret)
		return ret;
	ret = zcopy_job_bind_file(job, NULL);
	if (ret)
		return ret;

	/* A user socket in the submitter's netns, checked as the submitter. */
	ret = __sock_create(job->net, t->addr.ss_family, SOCK_STREAM,
			    IPPROTO_TCP, &sock, 0);
	if (ret)
		return ret;
	job->sock = sock;
	job->sock_is_ours = true;
	return kernel_connect(sock, (struct sockaddr *)&t->addr, t->addrlen,
			      O_NONBLOCK);
}

/* A second connect() on a connecting socket tells how it went. */
int zcopy_job_connect(struct zcopy_job *job)
{
	struct zcopy_target *t = job->target;
	int ret;

	ret = kernel_connect(job->sock, (struct sockaddr *)&t->addr,
			     t->addrlen, O_NONBLOCK);
	return ret == -EISCONN ? 0 : ret;
}
