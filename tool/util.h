/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the few kernel-style helpers that the C library lacks.
 */
#ifndef ZCOPYCTL_UTIL_H
#define ZCOPYCTL_UTIL_H

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#endif /* ZCOPYCTL_UTIL_H */
