// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: parsing of command-line values, strict: no sign, no blanks,
 * no hexadecimal, nothing left over, and overflow is an error, not a wrap.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

/* Leading decimal digits into *value; *end after them. */
static int parse_digits(const char *s, uint64_t *value, const char **end)
{
	uint64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	for (; isdigit((unsigned char)*s); s++) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(*s - '0'), &v))
			return -ERANGE;
	}
	*value = v;
	*end = s;
	return 0;
}

int parse_u64(const char *s, uint64_t *value)
{
	const char *end;
	int err;

	err = parse_digits(s, value, &end);
	if (err)
		return err;
	return *end ? -EINVAL : 0;
}

int parse_size(const char *s, uint64_t *value)
{
	const char *end;
	unsigned int shift;
	uint64_t v;
	int err;

	err = parse_digits(s, &v, &end);
	if (err)
		return err;
	switch (*end) {
	case '\0':
		*value = v;
		return 0;
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	default:
		return -EINVAL;
	}
	if (end[1])
		return -EINVAL;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*value = v << shift;
	return 0;
}

int parse_port(const char *s, bool allow_zero, uint16_t *port)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > 65535 || (!v && !allow_zero))
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int parse_host_port(const char *arg, char *buf, size_t len, char **host,
		    uint16_t *port)
{
	char *colon, *close;

	if (strlen(arg) >= len)
		return -EINVAL;
	strcpy(buf, arg);

	if (buf[0] == '[') {
		/* [IPv6]:PORT */
		close = strchr(buf, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		*close = '\0';
		*host = buf + 1;
		colon = close + 1;
	} else {
		/* HOST:PORT; a bare IPv6 address would be ambiguous. */
		colon = strchr(buf, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		*colon = '\0';
		*host = buf;
	}
	if (!**host)
		return -EINVAL;
	return parse_port(colon + 1, false, port);
}

const char *format_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		snprintf(buf, len, "%s:%u", addr, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		/* An IPv4 peer of a dual-stack socket is shown as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], addr,
				  sizeof(addr));
			snprintf(buf, len, "%s:%u", addr,
				 ntohs(sin6->sin6_port));
			return buf;
		}
		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		/* A link-local address means nothing without its interface. */
		if (sin6->sin6_scope_id &&
		    if_indextoname(sin6->sin6_scope_id, ifname))
			snprintf(buf, len, "[%s%%%s]:%u", addr, ifname,
				 ntohs(sin6->sin6_port));
		else
			snprintf(buf, len, "[%s]:%u", addr,
				 ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "(address family %u)", sa->sa_family);
	}
	return buf;
}
