#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkdisk.sh IMAGE: build the guest's data disk, a raw ext4 image made with
# `mkfs.ext4 -d` (no loop mount, so no root needed), holding test files of
# awkward sizes plus SHA256SUMS. The image is reused while its layout stamp
# matches; the VM opens it with snapshot=on, so guests never change it.
set -euo pipefail

# Bump when the file set below changes, so cached images are rebuilt.
LAYOUT=2
SIZE_MIB=160

img=${1:?usage: mkdisk.sh IMAGE}
stamp=$img.layout

if [[ -f $img && -f $stamp && $(<"$stamp") == "$LAYOUT" ]]; then
	exit 0
fi

tmp=$(mktemp -d "$(dirname "$img")/mkdisk.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/root
mkdir -p "$src"

rand() { # NAME BYTES
	head -c "$2" /dev/urandom >"$src/$1"
}

# Page-size edges, an odd size that is not a multiple of 4 KiB, a size just
# past 1 MiB, and one large enough to span many skbs and page-cache misses.
rand f0 0
rand f1 1
rand f4095 4095
rand f4096 4096
rand f4097 4097
rand f100000 100000
rand f1m1 1048577
rand f64m 67108864

# 16 MiB with data only at 1 MiB (one page) and 12 MiB (64 KiB) and a
# trailing hole: populate_fs keeps holes (SEEK_DATA/SEEK_HOLE).
truncate -s 16M "$src/sparse16m"
head -c 4096 /dev/urandom |
	dd of="$src/sparse16m" bs=4096 seek=256 conv=notrunc status=none
head -c 65536 /dev/urandom |
	dd of="$src/sparse16m" bs=4096 seek=3072 conv=notrunc status=none

(cd "$src" && sha256sum f0 f1 f4095 f4096 f4097 f100000 f1m1 f64m sparse16m) \
	>"$tmp/SHA256SUMS"
mv "$tmp/SHA256SUMS" "$src/SHA256SUMS"

# Build beside the target and rename, so an interrupted run never leaves a
# half-written image that later runs would trust. 4 KiB blocks as on a real
# disk (mke2fs picks 1 KiB for one this small): a page-cache page is a block.
truncate -s "${SIZE_MIB}M" "$tmp/disk.img"
mkfs.ext4 -q -F -b 4096 -L zcopy-data -d "$src" "$tmp/disk.img"
mv "$tmp/disk.img" "$img"
echo "$LAYOUT" >"$stamp"
