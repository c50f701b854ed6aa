// SPDX-License-Identifier: GPL-2.0
/* The observer's replies and user-space senders, for the tests. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <netlink/genl/genl.h>

#include "zcopy_observe_lib.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif

#define REAP_TIMEOUT_MS	120000

static uint64_t get_u64(struct nlattr **tb, int attr)
{
	return tb[attr] ? nla_get_u64(tb[attr]) : 0;
}

/* A DEVICE or FILE nest of an observation. */
static void parse_where(struct zcopy_observed *o, struct nlattr *nest)
{
	struct nlattr *tb[ZCOPY_OBSERVE_DEV_A_MAX + ZCOPY_OBSERVE_FILE_A_MAX + 1];
	struct zcopy_observed_file *f;
	struct zcopy_observed_dev *d;

	if (nla_type(nest) == ZCOPY_OBSERVE_A_DEVICE && o->nr_devs < 8 &&
	    !nla_parse_nested(tb, ZCOPY_OBSERVE_DEV_A_MAX, nest, NULL)) {
		d = &o->devs[o->nr_devs++];
		if (tb[ZCOPY_OBSERVE_DEV_A_NAME])
			nla_strlcpy(d->name, tb[ZCOPY_OBSERVE_DEV_A_NAME],
				    sizeof(d->name));
		d->bytes = get_u64(tb, ZCOPY_OBSERVE_DEV_A_BYTES);
		d->copied = get_u64(tb, ZCOPY_OBSERVE_DEV_A_COPIED_BYTES);
		d->ref = get_u64(tb, ZCOPY_OBSERVE_DEV_A_REF_BYTES);
	} else if (nla_type(nest) == ZCOPY_OBSERVE_A_FILE &&
		   o->nr_files < 16 &&
		   !nla_parse_nested(tb, ZCOPY_OBSERVE_FILE_A_MAX, nest, NULL)) {
		f = &o->files[o->nr_files++];
		if (tb[ZCOPY_OBSERVE_FILE_A_DEV])
			f->dev = nla_get_u32(tb[ZCOPY_OBSERVE_FILE_A_DEV]);
		if (tb[ZCOPY_OBSERVE_FILE_A_GENERATION])
			f->generation =
				nla_get_u32(tb[ZCOPY_OBSERVE_FILE_A_GENERATION]);
		f->ino = get_u64(tb, ZCOPY_OBSERVE_FILE_A_INO);
		f->ref = get_u64(tb, ZCOPY_OBSERVE_FILE_A_REF_BYTES);
	}
}

int zcopy_parse_observed(struct zcopy_nl_reply *reply,
			 struct zcopy_observed *o)
{
	struct nlattr *tb[ZCOPY_OBSERVE_A_MAX + 1], *nest;
	int i, rem;

	memset(o, 0, sizeof(*o));
	if (!reply->attrs[ZCOPY_A_OBSERVE] ||
	    nla_parse_nested(tb, ZCOPY_OBSERVE_A_MAX,
			     reply->attrs[ZCOPY_A_OBSERVE], NULL))
		return -EBADMSG;
	for (i = ZCOPY_OBSERVE_A_ID; i <= ZCOPY_OBSERVE_A_MAX; i++) {
		if (i == ZCOPY_OBSERVE_A_EGRESS_DEV ||
		    i == ZCOPY_OBSERVE_A_DEVICE || i == ZCOPY_OBSERVE_A_FILE ||
		    !tb[i])
			continue;
		o->v[i] = nla_get_u64(tb[i]);
	}
	nla_for_each_nested(nest, reply->attrs[ZCOPY_A_OBSERVE], rem)
		parse_where(o, nest);
	if (tb[ZCOPY_OBSERVE_A_EGRESS_DEV])
		nla_strlcpy(o->dev, tb[ZCOPY_OBSERVE_A_EGRESS_DEV],
			    sizeof(o->dev));
	return 0;
}

static int put_observe_id(struct nl_msg *msg, void *arg)
{
	return nla_put_u64(msg, ZCOPY_A_OBSERVE_ID, *(uint64_t *)arg);
}

int zcopy_observe_end(struct zcopy_nl *nl, uint8_t cmd, uint64_t id,
		      struct zcopy_observed *o)
{
	struct zcopy_nl_reply reply;
	int ret;

	ret = zcopy_nl_request(nl, cmd, put_observe_id, &id, &reply);
	if (!ret)
		ret = zcopy_parse_observed(&reply, o);
	zcopy_nl_reply_free(&reply);
	return ret;
}

int zcopy_wait_outq_empty(int sock, int timeout_ms)
{
	int outq, i;

	for (i = 0; i < timeout_ms; i++) {
		if (ioctl(sock, SIOCOUTQ, &outq))
			return -errno;
		if (!outq)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

static int send_sendfile(int sock, int file, uint64_t size)
{
	off_t off = 0;

	while ((uint64_t)off < size)
		if (sendfile(sock, file, &off, size - off) <= 0)
			return -errno;
	return 0;
}

static int send_write(int sock, int file, uint64_t size)
{
	char buf[65536];
	uint64_t left = size;
	ssize_t got, put, done;

	while (left) {
		got = pread(file, buf, left < sizeof(buf) ? left : sizeof(buf),
			    size - left);
		if (got <= 0)
			return got ? -errno : -ENODATA;
		for (done = 0; done < got; done += put) {
			put = write(sock, buf + done, got - done);
			if (put <= 0)
				return -errno;
		}
		left -= got;
	}
	return 0;
}

/* Waits for the completion notifications of sends [0, n). */
static int zerocopy_reap(int sock, uint32_t n)
{
	uint32_t done = 0;
	int i;

	for (i = 0; i < REAP_TIMEOUT_MS && done < n; i++) {
		char control[128];
		struct msghdr msg = {
			.msg_control = control,
			.msg_controllen = sizeof(control),
		};
		struct sock_extended_err *serr;
		struct cmsghdr *cm;

		if (recvmsg(sock, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno != EAGAIN)
				return -errno;
			usleep(1000);
			continue;
		}
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm)
			return -EBADMSG;
		serr = (struct sock_extended_err *)CMSG_DATA(cm);
		if (serr->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
			return -EBADMSG;
		done = serr->ee_data + 1;
	}
	return done == n ? 0 : -ETIMEDOUT;
}

/* From a shared mapping of the file: its page cache pages are lent. */
static int send_msg_zerocopy(int sock, int file, uint64_t size)
{
	const size_t chunk = 65536;
	uint32_t sends = 0;
	uint64_t off = 0;
	int one = 1, ret;
	char *map;

	if (setsockopt(sock, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
		return -errno;
	map = mmap(NULL, size, PROT_READ, MAP_SHARED, file, 0);
	if (map == MAP_FAILED)
		return -errno;
	while (off < size) {
		size_t len = size - off < chunk ? size - off : chunk;
		ssize_t put = send(sock, map + off, len, MSG_ZEROCOPY);

		if (put <= 0) {
			ret = -errno;
			goto out;
		}
		off += put;
		sends++;
	}
	/* The pages are the kernel's until it says it is done with them. */
	ret = zerocopy_reap(sock, sends);
out:
	munmap(map, size);
	return ret;
}

int zcopy_user_send(int sock, int file, uint64_t size,
		    enum zcopy_user_method method)
{
	switch (method) {
	case BY_SENDFILE:
		return send_sendfile(sock, file, size);
	case BY_WRITE:
		return send_write(sock, file, size);
	case BY_MSG_ZEROCOPY:
		return send_msg_zerocopy(sock, file, size);
	}
	return -EINVAL;
}
