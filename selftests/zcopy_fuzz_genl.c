// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: raw generic netlink, no libnl: messages built by hand,
 * sent, and their answers read back with every header and attribute
 * checked to stay inside its container.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "zcopy_fuzz.h"

/* ---- Raw generic netlink. ---- */

uint16_t family_id;
uint32_t events_group;

void msg_init(struct nl_msg *m, uint16_t type, uint16_t flags,
	      uint8_t cmd, uint8_t version)
{
	struct genlmsghdr *g;

	memset(m->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m->nlh.nlmsg_type = type;
	m->nlh.nlmsg_flags = NLM_F_REQUEST | flags;
	g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	g->cmd = cmd;
	g->version = version;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	m->nest = 0;
}

/* Appends an attribute; nla_len says len, whatever fits. */
void msg_put(struct nl_msg *m, uint16_t type, const void *data,
	     size_t len)
{
	struct nlattr *nla = (struct nlattr *)(m->buf + m->len);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (m->len + total > sizeof(m->buf))
		return;
	nla->nla_type = type;
	nla->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	memset((char *)nla + NLA_HDRLEN + len, 0,
	       total - NLA_HDRLEN - len);
	m->len += total;
}

void msg_put_u64(struct nl_msg *m, uint16_t type, uint64_t v)
{
	msg_put(m, type, &v, sizeof(v));
}

int nl_open(struct nl_sock *s)
{
	struct timeval tv = { .tv_sec = NL_TIMEOUT_S };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int one = 1;

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &len)) {
		close_fd(&s->fd);
		return -errno;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = sa.nl_pid;
	s->seq = 1;
	return 0;
}

int nl_send(struct nl_sock *s, struct nl_msg *m)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	m->nlh.nlmsg_len = m->len;
	m->nlh.nlmsg_seq = ++s->seq;
	m->nlh.nlmsg_pid = 0;
	n = sendto(s->fd, m->buf, m->len, 0, (struct sockaddr *)&sa,
		   sizeof(sa));
	if (n < 0)
		return -errno;
	if ((size_t)n != m->len) {
		fail("netlink sendto returned %zd of %zu", n, m->len);
		return -EIO;
	}
	return 0;
}

void parse_attrs(struct attrs *a, const void *data, size_t len,
		 unsigned int max)
{
	const char *p = data;

	memset(a, 0, sizeof(*a));
	while (len >= NLA_HDRLEN) {
		const struct nlattr *nla = (const void *)p;
		unsigned int type = nla->nla_type & NLA_TYPE_MASK;

		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len) {
			a->malformed = true;
			return;
		}
		if (type <= max && type < ARRAY_SIZE(a->tb))
			a->tb[type] = nla;
		if ((size_t)NLA_ALIGN(nla->nla_len) >= len)
			return;
		len -= NLA_ALIGN(nla->nla_len);
		p += NLA_ALIGN(nla->nla_len);
	}
	if (len)
		a->malformed = true;
}

bool nla_is_string(const struct nlattr *nla, unsigned int max)
{
	unsigned int len = nla_len(nla);

	return len && len <= max &&
	       memchr(nla_data(nla), 0, len) == (const char *)nla_data(nla) +
						  len - 1;
}

/*
 * Reads the answer to request seq: data messages to cb, then the ack
 * (doit) or NLMSG_DONE (dump). *err gets the request's errno (0 or a
 * positive errno).
 */
int nl_recv(struct nl_sock *s, bool dump, nl_reply_cb cb, void *arg,
	    int *err)
{
	static uint32_t buf32[NL_RECV_SIZE / 4];
	char *buf = (char *)buf32;
	const struct nlmsghdr *nlh;
	int tries = 0;
	ssize_t n;

	for (;;) {
		n = recv(s->fd, buf, sizeof(buf32), 0);
		if (n < 0 && errno == EINTR && ++tries < 4)
			continue;
		if (n < 0 && errno == ENOBUFS)
			continue;
		if (n < 0) {
			fail("netlink recv: %s (module not answering?)",
			     strerror(errno));
			return NL_TIMEOUT;
		}
		for (nlh = (void *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != s->seq) {
				ws->stray_msgs++;
				continue;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)) ||
				    e->error > 0) {
					fail("malformed netlink ack");
					return NL_MALFORMED;
				}
				*err = -e->error;
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
					struct attrs a;
					size_t off = NLMSG_LENGTH(sizeof(*e));

					parse_attrs(&a, (const char *)nlh + off,
						    nlh->nlmsg_len - off,
						    NLMSGERR_ATTR_MAX);
					if (a.malformed ||
					    (a.tb[NLMSGERR_ATTR_MSG] &&
					     !nla_is_string(a.tb[NLMSGERR_ATTR_MSG],
							    256))) {
						fail("malformed extack");
						return NL_MALFORMED;
					}
				}
				return NL_OK;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int e = 0;

				if (!dump) {
					fail("NLMSG_DONE answering a doit");
					return NL_MALFORMED;
				}
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					memcpy(&e, NLMSG_DATA(nlh), sizeof(e));
				if (e > 0) {
					fail("NLMSG_DONE with error %d", e);
					return NL_MALFORMED;
				}
				*err = -e;
				return NL_OK;
			}
			if (nlh->nlmsg_type != family_id ||
			    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
			    !!(nlh->nlmsg_flags & NLM_F_MULTI) != dump) {
				fail("unexpected netlink message type %u flags %#x",
				     nlh->nlmsg_type, nlh->nlmsg_flags);
				return NL_MALFORMED;
			}
			if (cb && !cb(nlh, arg))
				return NL_MALFORMED;
		}
		if (n) {
			fail("netlink datagram with %zd trailing bytes", n);
			return NL_MALFORMED;
		}
	}
}

static bool ctrl_reply(const struct nlmsghdr *nlh, void *arg)
{
	const struct genlmsghdr *g = NLMSG_DATA(nlh);
	struct attrs a, grp, grps;
	unsigned int i;

	(void)arg;
	parse_attrs(&a, (const char *)g + GENL_HDRLEN,
		    nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), CTRL_ATTR_MAX);
	if (a.malformed || !a.tb[CTRL_ATTR_FAMILY_ID])
		return false;
	family_id = *(const uint16_t *)nla_data(a.tb[CTRL_ATTR_FAMILY_ID]);
	if (!a.tb[CTRL_ATTR_MCAST_GROUPS])
		return true;
	parse_attrs(&grps, nla_data(a.tb[CTRL_ATTR_MCAST_GROUPS]),
		    nla_len(a.tb[CTRL_ATTR_MCAST_GROUPS]), 63);
	for (i = 0; i < 64; i++) {
		if (!grps.tb[i])
			continue;
		parse_attrs(&grp, nla_data(grps.tb[i]), nla_len(grps.tb[i]),
			    CTRL_ATTR_MCAST_GRP_MAX);
		if (grp.tb[CTRL_ATTR_MCAST_GRP_NAME] &&
		    grp.tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(nla_data(grp.tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    ZCOPY_GENL_MCGRP_EVENTS))
			events_group = nla_u32(grp.tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return true;
}

/* CTRL_CMD_GETFAMILY: the family id and the events group. */
int resolve_family(struct nl_sock *s)
{
	static struct nl_msg m;
	int err = 0;

	msg_init(&m, GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	msg_put(&m, CTRL_ATTR_FAMILY_NAME, ZCOPY_GENL_NAME,
		sizeof(ZCOPY_GENL_NAME));
	if (nl_send(s, &m))
		return -EIO;
	family_id = GENL_ID_CTRL;	/* what the reply's type will be */
	if (nl_recv(s, false, ctrl_reply, NULL, &err) != NL_OK)
		return -EIO;
	if (err)
		return -err;
	return family_id != GENL_ID_CTRL && events_group ? 0 : -ENOENT;
}
