// SPDX-License-Identifier: GPL-2.0
/*
 * Transfer helpers for the engine tests.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include <unistd.h>

#include "zcopy_test_lib.h"
#include "zcopy_xfer_lib.h"

const struct zcopy_path zcopy_paths[] = {
	{ "loopback", NULL, "127.0.0.1", "lo", false },
	{ "veth", "peer", "192.0.2.18", "veth0", false },
	{ "virtio", "peer", "192.0.2.2", "eth0", true },
	{ NULL },
};

const struct zcopy_path *zcopy_path_by_name(const char *name)
{
	const struct zcopy_path *p;

	for (p = zcopy_paths; p->name; p++)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* Asks the device itself (ETHTOOL_GSG), as `ethtool -k` does. */
bool zcopy_path_has_sg(const struct zcopy_path *path)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GSG };
	struct ifreq ifr = {};
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", path->dev);
	ifr.ifr_data = (void *)&ev;
	ret = ioctl(fd, SIOCETHTOOL, &ifr);
	close(fd);
	return !ret && ev.data;
}

int zcopy_ethtool_set(const char *dev, uint32_t cmd, bool on)
{
	struct ethtool_value ev = { .cmd = cmd, .data = on };
	struct ifreq ifr = {};
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	ifr.ifr_data = (void *)&ev;
	ret = ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
	close(fd);
	return ret;
}

static int enter_netns(const char *name)
{
	char path[128];
	int fd, ret;

	if (!name)
		return 0;
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = setns(fd, CLONE_NEWNET) ? -errno : 0;
	close(fd);
	return ret;
}

static void receiver_main(int lfd, int out, enum receiver_behaviour how)
{
	static char buf[1 << 16];
	struct zcopy_received got = {};
	unsigned int md_len;
	EVP_MD_CTX *ctx;
	ssize_t n;
	int fd;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		_exit(2);
	if (how == RECV_STALL) {
		pause();
		_exit(0);
	}
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		EVP_DigestUpdate(ctx, buf, n);
		got.bytes += n;
		if (how == RECV_RESET && got.bytes >= (1 << 20)) {
			struct linger lin = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lin, sizeof(lin));
			break;
		}
		if (how == RECV_SLOW)
			usleep(20000);
	}
	EVP_DigestFinal_ex(ctx, got.sha256, &md_len);
	EVP_MD_CTX_free(ctx);
	close(fd);
	if (write(out, &got, sizeof(got)) != sizeof(got))
		_exit(3);
	_exit(0);
}

int zcopy_receiver_start(struct zcopy_receiver *rx,
			 const struct zcopy_path *path,
			 enum receiver_behaviour how)
{
	int ready[2], result[2];
	int port = 0;

	if (pipe2(ready, O_CLOEXEC) || pipe2(result, O_CLOEXEC))
		return -errno;
	rx->pid = fork();
	if (rx->pid < 0)
		return -errno;
	if (!rx->pid) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);
		int lfd, one = 1;

		/* Hold no fd of the test's, or closing them would not
		 * release what they refer to (the device, sockets).
		 */
		if (dup2(ready[1], 3) < 0 || dup2(result[1], 4) < 0 ||
		    close_range(5, ~0U, 0))
			_exit(7);
		ready[1] = 3;
		result[1] = 4;
		if (enter_netns(path->netns))
			_exit(4);
		lfd = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (how == RECV_STALL || how == RECV_SLOW) {
			int small = 4096;

			setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small,
				   sizeof(small));
		}
		inet_pton(AF_INET, path->addr, &sin.sin_addr);
		if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
		    listen(lfd, 1) ||
		    getsockname(lfd, (struct sockaddr *)&sin, &len))
			_exit(5);
		port = ntohs(sin.sin_port);
		if (write(ready[1], &port, sizeof(port)) != sizeof(port))
			_exit(6);
		close(ready[1]);
		receiver_main(lfd, result[1], how);
	}
	close(ready[1]);
	close(result[1]);
	if (read(ready[0], &port, sizeof(port)) != sizeof(port)) {
		close(ready[0]);
		close(result[0]);
		return -EIO;
	}
	close(ready[0]);
	rx->port = port;
	rx->result_fd = result[0];
	return 0;
}

int zcopy_receiver_wait(struct zcopy_receiver *rx, struct zcopy_received *got)
{
	struct pollfd pfd = { .fd = rx->result_fd, .events = POLLIN };
	int status, ret = -1;

	if (poll(&pfd, 1, 300000) == 1 &&
	    read(rx->result_fd, got, sizeof(*got)) == sizeof(*got))
		ret = 0;
	close(rx->result_fd);
	if (ret)
		kill(rx->pid, SIGKILL);
	waitpid(rx->pid, &status, 0);
	return ret;
}

void zcopy_receiver_kill(struct zcopy_receiver *rx)
{
	kill(rx->pid, SIGKILL);
	waitpid(rx->pid, NULL, 0);
	close(rx->result_fd);
}

int zcopy_connect(const struct zcopy_path *path, int port)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
	};
	int fd;

	inet_pton(AF_INET, path->addr, &sin.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int zcopy_stall_listen(struct zcopy_stall_peer *peer)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(sin);
	int small = 1024;

	peer->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (peer->listener < 0 ||
	    setsockopt(peer->listener, SOL_SOCKET, SO_RCVBUF, &small,
		       sizeof(small)) ||
	    bind(peer->listener, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(peer->listener, 4096) ||
	    getsockname(peer->listener, (struct sockaddr *)&sin, &len))
		return -1;
	peer->port = ntohs(sin.sin_port);
	return 0;
}

/* A connection to the peer: the accepted end stays in its backlog. */
int zcopy_stall_connect(const struct zcopy_stall_peer *peer)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(peer->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int small = 1024;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		close(fd);
		return -1;
	}
	return fd;
}

int64_t zcopy_sha256_file(const char *path, uint64_t off, uint64_t len,
			  unsigned char out[SHA256_LEN])
{
	static char buf[1 << 16];
	unsigned int md_len;
	EVP_MD_CTX *ctx;
	int64_t total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((uint64_t)total < len) {
		size_t want = len - total < sizeof(buf) ? len - total : sizeof(buf);

		n = pread(fd, buf, want, off + total);
		if (n <= 0)
			break;
		EVP_DigestUpdate(ctx, buf, n);
		total += n;
	}
	EVP_DigestFinal_ex(ctx, out, &md_len);
	EVP_MD_CTX_free(ctx);
	close(fd);
	return total;
}

int zcopy_submit(int dev, int file_fd, int sock_fd, uint32_t mode,
		 uint64_t offset, uint64_t length, uint64_t user_data,
		 uint64_t *id)
{
	struct zcopy_submit s = {
		.size = sizeof(s),
		.file_fd = file_fd,
		.sock_fd = sock_fd,
		.mode = mode,
		.offset = offset,
		.length = length,
		.user_data = user_data,
	};

	if (ioctl(dev, ZCOPY_IOC_SUBMIT, &s))
		return -errno;
	*id = s.id;
	return 0;
}

int zcopy_wait_completion(int dev, int timeout_ms,
			  struct zcopy_completion *rec)
{
	struct pollfd pfd = { .fd = dev, .events = POLLIN };
	ssize_t n;

	if (poll(&pfd, 1, timeout_ms) != 1)
		return -ETIMEDOUT;
	/* One record: VER0's size unless the opener asked for more. */
	memset(rec, 0, sizeof(*rec));
	n = read(dev, rec, sizeof(*rec));
	if (n < 0)
		return -errno;
	if (n != ZCOPY_COMPLETION_SIZE_VER0 && n != sizeof(*rec))
		return -EIO;
	/* Every record says what it is. */
	return rec->size == n && rec->version == ZCOPY_COMPLETION_VERSION ?
	       0 : -EPROTO;
}

int zcopy_xfer_open(struct zcopy_xfer *x, const char *path_name,
		    uint32_t *record_size)
{
	memset(x, 0, sizeof(*x));
	x->sock = -1;
	x->dev = open(ZCOPY_DEV_PATH, O_RDWR | O_CLOEXEC);
	if (x->dev < 0)
		return -errno;
	if (ioctl(x->dev, ZCOPY_IOC_SET_RECORD_SIZE, record_size))
		return -errno;
	x->path = zcopy_path_by_name(path_name);
	return x->path ? 0 : -ENOENT;
}

int zcopy_xfer_connect(struct zcopy_xfer *x, enum receiver_behaviour how)
{
	if (zcopy_receiver_start(&x->rx, x->path, how))
		return -EIO;
	x->sock = zcopy_connect(x->path, x->rx.port);
	return x->sock < 0 ? x->sock : 0;
}

void zcopy_xfer_close(struct zcopy_xfer *x)
{
	if (x->sock >= 0)
		close(x->sock);
	/* pid 0 would be kill()'s whole process group. */
	if (x->rx.pid)
		zcopy_receiver_kill(&x->rx);
	if (x->dev >= 0)
		close(x->dev);
}

int zcopy_drop_caches(void)
{
	int fd, ret = 0;

	sync();
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "3", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}
