/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: parsing and formatting of the values on the command line:
 * sizes, counts, ports, HOST:PORT, and socket addresses for messages.
 */
#ifndef ZCOPYCTL_PARSE_H
#define ZCOPYCTL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * A decimal byte count with an optional binary suffix: k or K (KiB),
 * m or M (MiB), g or G (GiB). 0 on success, -EINVAL if it is not one,
 * -ERANGE if it does not fit in 64 bits.
 */
int parse_size(const char *s, uint64_t *value);

/* A plain decimal number, no sign, no suffix: 0, -EINVAL or -ERANGE. */
int parse_u64(const char *s, uint64_t *value);

/* A decimal TCP port, 1..65535 (or 0 if allow_zero): 0 or -EINVAL. */
int parse_port(const char *s, bool allow_zero, uint16_t *port);

/*
 * "HOST:PORT" or "[IPv6]:PORT", split into host and port (pointers into
 * buf, a copy of arg of size len); 0 or -EINVAL. The port is checked by
 * parse_port(); the host is not empty.
 */
int parse_host_port(const char *arg, char *buf, size_t len, char **host,
		    uint16_t *port);

/*
 * "192.0.2.1:80", "[2001:db8::1]:80" or "[fe80::1%eth0]:80":
 * INET6_ADDRSTRLEN, '%', IF_NAMESIZE, "[]", ':', the port, NUL.
 */
#define ADDR_STR_LEN	(46 + 1 + 16 + 2 + 1 + 5 + 1)
const char *format_sockaddr(const struct sockaddr *sa, char *buf, size_t len);

#endif /* ZCOPYCTL_PARSE_H */
