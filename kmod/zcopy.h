/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the parts of the zcopy module.
 */
#ifndef _ZCOPY_H
#define _ZCOPY_H

#include <linux/types.h>
#include <uapi/linux/zcopy.h>

/* Modes the engine runs, as reported by ZCOPY_IOC_VERSION. */
#define ZCOPY_SUPPORTED_MODES	((1U << __ZCOPY_MODE_MAX) - 1)

int zcopy_chardev_init(void);
void zcopy_chardev_exit(void);

int zcopy_genl_init(void);
void zcopy_genl_exit(void);

#endif /* _ZCOPY_H */
