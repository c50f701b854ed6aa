/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The observer's netlink replies, and senders that make a socket send a
 * file the ways user space does (sendfile(2), write(), MSG_ZEROCOPY), for
 * the tests that observe them.
 */
#ifndef ZCOPY_OBSERVE_LIB_H
#define ZCOPY_OBSERVE_LIB_H

#include <stdint.h>
#include <linux/zcopy.h>

#include "zcopy_test_lib.h"

struct zcopy_observed_dev {
	char name[16];
	uint64_t bytes;
	uint64_t copied;
	uint64_t ref;
};

struct zcopy_observed_file {
	uint32_t dev;
	uint32_t generation;
	uint64_t ino;
	uint64_t ref;
};

struct zcopy_observed {
	uint64_t v[ZCOPY_OBSERVE_A_MAX + 1];
	char dev[16];
	/* ZCOPY_OBSERVE_A_DEVICE and _FILE nests, in the reply's order */
	int nr_devs;
	struct zcopy_observed_dev devs[8];
	int nr_files;
	struct zcopy_observed_file files[16];
};

/* The OBSERVE nest of a reply, devices and files too; -EBADMSG if not there. */
int zcopy_parse_observed(struct zcopy_nl_reply *reply,
			 struct zcopy_observed *o);
/* OBSERVE_READ or OBSERVE_STOP (cmd) of observation id. */
int zcopy_observe_end(struct zcopy_nl *nl, uint8_t cmd, uint64_t id,
		      struct zcopy_observed *o);
/* Until the peer acknowledged all the socket holds: all was transmitted. */
int zcopy_wait_outq_empty(int sock, int timeout_ms);

enum zcopy_user_method { BY_SENDFILE, BY_WRITE, BY_MSG_ZEROCOPY };

/* size bytes of file from offset 0 on sock, the way method does; 0. */
int zcopy_user_send(int sock, int file, uint64_t size,
		    enum zcopy_user_method method);

#endif
