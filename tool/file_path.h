/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: the path of a file the module names by device, inode number
 * and generation (an observation's files sent by reference).
 */
#ifndef ZCOPYCTL_FILE_PATH_H
#define ZCOPYCTL_FILE_PATH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where a mount of dev (new_encode_dev()) shows the file: opened by its
 * file handle (FILEID_INO32_GEN, which ext2/3/4 and most filesystems
 * take), which needs CAP_DAC_READ_SEARCH. 0, or -errno (-ENOENT: no
 * mount of dev here, -ERANGE: an inode number over 32 bits).
 */
int file_path(uint32_t dev, uint64_t ino, uint32_t generation, char *path,
	      size_t len);

#endif /* ZCOPYCTL_FILE_PATH_H */
