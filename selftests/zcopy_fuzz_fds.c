// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: the fds given to the module. Files, memfds, pipes, sockets
 * of every kind and state, /dev/zcopy itself, closed and bad numbers; the
 * worker keeps them open between inputs and closes some under running
 * jobs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "zcopy_fuzz.h"

/* ---- Resources: fds of every kind. ---- */

struct file_info files[32];
unsigned int nr_files, nr_tmp_files;

struct res {
	int fd;
	unsigned int file;	/* RES_FILE/RES_DATA: index in files */
};

static struct res res_one[RES_MAX];
static struct res tcp_sink[MAX_TCP];
static int noread_listener = -1;
int backlog_listener = -1;
static int noread_accepted[MAX_TCP];
int dev_fd = -1;
size_t dev_rec_size = ZCOPY_COMPLETION_SIZE_VER0;
static int closed_fd_number = 1000;

/* ids submitted through the current dev_fd, for the records read back. */
uint64_t dev_ids[1024];
unsigned int nr_dev_ids;
bool dev_ids_overflow;

static int tcp_connect(int family, const char *addr, uint16_t port,
		       bool nonblock)
{
	struct sockaddr_storage ss = {};
	socklen_t len;
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC |
		    (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (void *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, addr, &sin->sin_addr);
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (void *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		len = sizeof(*sin6);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

int tcp_listener(int family, int backlog, uint16_t *port)
{
	struct sockaddr_storage ss = { .ss_family = family };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) :
					    sizeof(struct sockaddr_in6);
	int one = 1, fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		close(fd);
		return -1;
	}
	if (port)
		*port = ntohs(family == AF_INET ?
			      ((struct sockaddr_in *)&ss)->sin_port :
			      ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

uint16_t listener_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(fd, (struct sockaddr *)&sin, &len))
		return 0;
	return ntohs(sin.sin_port);
}

/* A socket connected to this worker's listener that never reads. */
static int open_noread(void)
{
	int fd, peer;
	unsigned int slot = rnd(MAX_TCP);

	if (noread_listener < 0)
		noread_listener = tcp_listener(AF_INET, 64, NULL);
	if (noread_listener < 0)
		return -1;
	fd = tcp_connect(AF_INET, "127.0.0.1", listener_port(noread_listener),
			 false);
	if (fd < 0)
		return -1;
	/* Accepted and kept, or left in the accept queue. */
	if (chance(50)) {
		peer = accept4(noread_listener, NULL, NULL,
			       SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (peer >= 0) {
			close_fd(&noread_accepted[slot]);
			noread_accepted[slot] = peer;
		}
	}
	return fd;
}

/* Stays in SYN_SENT: the listener's accept queue is full. */
static int open_connecting(void)
{
	if (backlog_listener < 0) {
		backlog_listener = tcp_listener(AF_INET, 0, NULL);
		if (backlog_listener < 0)
			return -1;
		/* Fill the queue once; later SYNs are dropped. */
		for (int i = 0; i < 2; i++)
			tcp_connect(AF_INET, "127.0.0.1",
				    listener_port(backlog_listener), true);
	}
	return tcp_connect(AF_INET, "127.0.0.1",
			   listener_port(backlog_listener), true);
}

const char *sink_addr(void)
{
	static char buf[INET_ADDRSTRLEN];
	unsigned int i = rnd(nr_local_v4 + 2);

	if (i >= nr_local_v4)
		return "127.0.0.1";
	return inet_ntop(AF_INET, &local_v4[i], buf, sizeof(buf));
}

int open_dev(int flags)
{
	return open("/dev/zcopy", flags | O_CLOEXEC);
}

static int res_open(enum res_kind kind, unsigned int *file)
{
	int fds[2], fd = -1;
	unsigned int f;

	switch (kind) {
	case RES_FILE:
	case RES_DATA:
		if (kind == RES_DATA && nr_files > nr_tmp_files)
			f = nr_tmp_files + rnd(nr_files - nr_tmp_files);
		else
			f = rnd(nr_tmp_files);
		*file = f;
		return open(files[f].path, O_RDONLY | O_CLOEXEC);
	case RES_MEMFD:
		fd = memfd_create("zcopy-fuzz", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, rnd(3) * PAGE + rnd(2)))
			close_fd(&fd);
		return fd;
	case RES_WRONLY:
		return open(files[0].path, O_WRONLY | O_CLOEXEC);
	case RES_OPATH:
		return open(files[1].path, O_PATH | O_CLOEXEC);
	case RES_DIR:
		return open(work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	case RES_PIPE:
		if (pipe2(fds, O_CLOEXEC | O_NONBLOCK))
			return -1;
		close(fds[1]);
		return fds[0];
	case RES_FIFO: {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/fifo", work_dir);
		return open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	}
	case RES_UDP:
		fd = socket(chance(50) ? AF_INET : AF_INET6,
			    SOCK_DGRAM | SOCK_CLOEXEC, 0);
		return fd;
	case RES_TCP_LISTEN:
		return tcp_listener(chance(50) ? AF_INET : AF_INET6, 4, NULL);
	case RES_TCP_UNCONN:
		return socket(chance(50) ? AF_INET : AF_INET6,
			      SOCK_STREAM | SOCK_CLOEXEC, 0);
	case RES_TCP_CONNECTING:
		return open_connecting();
	case RES_TCP_SINK:
		return tcp_connect(AF_INET, sink_addr(), sink_port, false);
	case RES_TCP6_SINK:
		return tcp_connect(AF_INET6, "::1", sink_port, false);
	case RES_TCP_NOREAD:
		return open_noread();
	case RES_UNIX:
		return socket(AF_UNIX, (chance(50) ? SOCK_STREAM : SOCK_DGRAM) |
			      SOCK_CLOEXEC, 0);
	case RES_NETLINK:
		return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
			      NETLINK_GENERIC);
	default:
		return -1;
	}
}

/* An fd of the kind; *kind_out and *file say what it is. */
static int pick_fd(enum res_kind kind, unsigned int *file)
{
	struct res *r;

	*file = 0;
	switch (kind) {
	case RES_DEV:
		return dev_fd;
	case RES_CLOSED:
		return closed_fd_number;
	case RES_BAD:
		return edge_value_s32();
	case RES_TCP_SINK:
	case RES_TCP6_SINK:
	case RES_TCP_NOREAD:
		/* Several, so that jobs do not all queue on one socket. */
		r = &tcp_sink[rnd(MAX_TCP)];
		if (r->fd >= 0 && chance(80))
			return r->fd;
		close_fd(&r->fd);
		r->fd = res_open(kind, NULL);
		return r->fd;
	default:
		r = &res_one[kind];
		if (r->fd < 0 || (kind <= RES_DATA && chance(30))) {
			close_fd(&r->fd);
			r->fd = res_open(kind, &r->file);
		}
		*file = r->file;
		return r->fd;
	}
}

/* Forgets an fd that was closed by the fuzzer (a job may still hold it). */
void forget_fd(int fd)
{
	unsigned int i;

	if (fd < 0)
		return;
	for (i = 0; i < RES_MAX; i++)
		if (res_one[i].fd == fd)
			res_one[i].fd = -1;
	for (i = 0; i < MAX_TCP; i++)
		if (tcp_sink[i].fd == fd)
			tcp_sink[i].fd = -1;
	if (fd == dev_fd) {
		dev_fd = -1;
		nr_dev_ids = 0;
		dev_ids_overflow = false;
	}
	close(fd);
	closed_fd_number = fd;
}

static enum res_kind pick_file_kind(void)
{
	static const enum res_kind kinds[] = {
		RES_FILE, RES_FILE, RES_DATA, RES_DATA, RES_DATA, RES_MEMFD,
		RES_WRONLY, RES_OPATH, RES_DIR, RES_PIPE, RES_FIFO, RES_UDP,
		RES_TCP_SINK, RES_UNIX, RES_NETLINK, RES_DEV, RES_CLOSED,
		RES_BAD,
	};

	if (chance(70))
		return chance(50) ? RES_DATA : RES_FILE;
	return kinds[rnd(ARRAY_SIZE(kinds))];
}

static enum res_kind pick_sock_kind(void)
{
	static const enum res_kind kinds[] = {
		RES_TCP_SINK, RES_TCP6_SINK, RES_TCP_NOREAD, RES_TCP_LISTEN,
		RES_TCP_UNCONN, RES_TCP_CONNECTING, RES_UDP, RES_UNIX,
		RES_NETLINK, RES_FILE, RES_PIPE, RES_DEV, RES_CLOSED, RES_BAD,
	};

	if (chance(70))
		return chance(70) ? RES_TCP_SINK :
		       chance(50) ? RES_TCP6_SINK : RES_TCP_NOREAD;
	return kinds[rnd(ARRAY_SIZE(kinds))];
}

static bool tcp_connected(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		return false;
	return ti.tcpi_state == TCP_ESTABLISHED ||
	       ti.tcpi_state == TCP_CLOSE_WAIT;
}

void pick_job_fds(struct job_fds *j)
{
	unsigned int unused;

	j->file_kind = pick_file_kind();
	j->sock_kind = pick_sock_kind();
	j->file_fd = pick_fd(j->file_kind, &j->file);
	j->sock_fd = pick_fd(j->sock_kind, &unused);
	j->valid = j->file_fd >= 0 && j->sock_fd >= 0 &&
		   (j->file_kind == RES_FILE || j->file_kind == RES_DATA) &&
		   (j->sock_kind == RES_TCP_SINK || j->sock_kind == RES_TCP6_SINK ||
		    j->sock_kind == RES_TCP_NOREAD) && tcp_connected(j->sock_fd);
}

/* A range: mostly inside the file and small, sometimes at the edges. */
void pick_range(const struct job_fds *j, uint64_t *offset,
		uint64_t *length, bool *valid)
{
	uint64_t size = files[j->file].size;

	if (j->file_kind != RES_FILE && j->file_kind != RES_DATA)
		size = 0;
	if (chance(85)) {
		*offset = size ? rnd64() % (size + 1) : 0;
		if (chance(20))
			*offset = chance(50) ? 0 : size;
		*length = chance(15) ? 0 : 1 + rnd(1 << (rnd(20) + 1));
		/* 0 means to the end: only on small files, mostly. */
		if (!*length && size - *offset > (2 << 20) && !chance(2))
			*length = 1 + rnd(1 << 20);
	} else {
		*offset = chance(50) ? edge_value() : size + rnd(3) - 1;
		*length = edge_value();
	}
	*valid = *offset <= size && *offset + *length >= *offset &&
		 *offset + *length <= 0x7fffffffffffffffULL;
}

/* Closes the job's file or socket right after the submit, sometimes. */
void maybe_close_after(const struct job_fds *j)
{
	if (!chance(10))
		return;
	if (chance(50))
		forget_fd(j->file_kind <= RES_MEMFD ? j->file_fd : -1);
	else if (j->sock_kind >= RES_TCP_SINK && j->sock_kind <= RES_TCP_NOREAD)
		forget_fd(j->sock_fd);
}

/* Every slot empty: a worker starts with no fd of its own. */
void fds_init(void)
{
	unsigned int i;

	for (i = 0; i < RES_MAX; i++)
		res_one[i].fd = -1;
	for (i = 0; i < MAX_TCP; i++) {
		tcp_sink[i].fd = -1;
		noread_accepted[i] = -1;
	}
}

void op_fd_churn(void)
{
	unsigned int i = rnd(RES_MAX);

	if (chance(50))
		forget_fd(res_one[i].fd);
	else
		forget_fd(tcp_sink[rnd(MAX_TCP)].fd);
	if (chance(20))
		close_fd(&noread_listener);
	if (chance(10))
		nl_reopen();
}

bool tcp_still_connected(int fd)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len))
		return false;
	return info.tcpi_state == TCP_ESTABLISHED ||
	       info.tcpi_state == TCP_CLOSE_WAIT;
}
