/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Declarations shared between the parts of the zcopy module.
 */
#ifndef _ZCOPY_H
#define _ZCOPY_H

#include <linux/types.h>
#include <uapi/linux/zcopy.h>

/* Modes the engine can run; 0 until the transfer engine is built in. */
#define ZCOPY_SUPPORTED_MODES	0U

int zcopy_chardev_init(void);
void zcopy_chardev_exit(void);

int zcopy_genl_init(void);
void zcopy_genl_exit(void);

#endif /* _ZCOPY_H */
