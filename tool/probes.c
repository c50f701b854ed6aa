// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: the observer's probes by name: the tracepoints and kernel
 * functions they attach to, as perf and ftrace call them.
 */
#include <stdio.h>

#include <linux/zcopy.h>

#include "output.h"
#include "probes.h"
#include "util.h"

/* Indexed by bit number: ZCOPY_PROBE_XMIT is 1 << 0, and so on. */
static const char *const probe_names[] = {
	"net_dev_start_xmit",	/* ZCOPY_PROBE_XMIT */
	"tcp_retransmit_skb",	/* ZCOPY_PROBE_RETRANSMIT */
	"skb_copy_ubufs",	/* ZCOPY_PROBE_COPY_UBUFS */
	"__pskb_pull_tail",	/* ZCOPY_PROBE_PULL_TAIL */
	"skb_copy_bits",	/* ZCOPY_PROBE_COPY_BITS */
	"skb_checksum_help",	/* ZCOPY_PROBE_CSUM_HELP */
	"skb_segment",		/* ZCOPY_PROBE_SEGMENT */
	"tcp_sendmsg_locked",	/* ZCOPY_PROBE_SENDMSG */
	"do_tcp_sendpages",	/* ZCOPY_PROBE_SENDPAGE */
};

/* The table follows the uapi bits; a new bit must get its name. */
_Static_assert(ZCOPY_PROBE_SENDPAGE == 1U << (ARRAY_SIZE(probe_names) - 1),
	       "a ZCOPY_PROBE_* bit without a name");

const char *probe_name(unsigned int bit)
{
	return bit < ARRAY_SIZE(probe_names) ? probe_names[bit] : NULL;
}

void out_probes(const char *key, uint64_t mask)
{
	char name[16];
	unsigned int bit;

	out_open_array(key);
	for (bit = 0; bit < 64; bit++) {
		if (!(mask & (1ULL << bit)))
			continue;
		if (probe_name(bit)) {
			out_str(NULL, probe_name(bit));
		} else {
			snprintf(name, sizeof(name), "probe%u", bit);
			out_str(NULL, name);
		}
	}
	out_close_array();
}
