/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the observer's probes (ZCOPY_PROBE_* bits) by name.
 */
#ifndef ZCOPYCTL_PROBES_H
#define ZCOPYCTL_PROBES_H

#include <stdint.h>

/*
 * The tracepoint or kernel function a probe bit stands for, e.g.
 * "net_dev_start_xmit"; NULL for a bit newer than the tool.
 */
const char *probe_name(unsigned int bit);

/* The probes of mask as an array of names ("probe<N>" if unknown). */
void out_probes(const char *key, uint64_t mask);

#endif /* ZCOPYCTL_PROBES_H */
