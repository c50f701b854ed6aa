#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkdisk.sh [--bench] IMAGE: build the guest's data disk, a raw ext4 image
# made with `mkfs.ext4 -d` (no loop mount, so no root needed), holding test
# files of awkward sizes plus SHA256SUMS; with --bench instead the benchmark's
# files bench-<bytes> (4 KiB to 256 MiB of random data), in an image of its
# own so the test disk stays small. The image is reused while its layout
# stamp matches; the VM opens it with snapshot=on, so guests never change it.
set -euo pipefail

bench=0
if [[ ${1:-} == --bench ]]; then
	bench=1
	shift
fi
img=${1:?usage: mkdisk.sh [--bench] IMAGE}
stamp=$img.layout

# Bump when a file set below changes, so cached images are rebuilt. The
# bench layout has its own prefix: one stamp never passes for the other.
if ((bench)); then
	LAYOUT='bench-1'
	SIZE_MIB=320
	label=zcopy-bench
else
	LAYOUT=2
	SIZE_MIB=160
	label=zcopy-data
fi

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

if ((bench)); then
	# One file per benchmark size, named as zcopyctl bench expects them.
	names=()
	for n in 4096 65536 1048576 16777216 268435456; do
		rand "bench-$n" "$n"
		names+=("bench-$n")
	done
	(cd "$src" && sha256sum "${names[@]}") >"$tmp/SHA256SUMS"
	mv "$tmp/SHA256SUMS" "$src/SHA256SUMS"
else
	# Page-size edges, an odd size that is not a multiple of 4 KiB, a size
	# just past 1 MiB, and one large enough to span many skbs and page-cache
	# misses.
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

	(cd "$src" &&
		sha256sum f0 f1 f4095 f4096 f4097 f100000 f1m1 f64m sparse16m) \
		>"$tmp/SHA256SUMS"
	mv "$tmp/SHA256SUMS" "$src/SHA256SUMS"
fi

# Build beside the target and rename, so an interrupted run never leaves a
# half-written image that later runs would trust. 4 KiB blocks as on a real
# disk (mke2fs picks 1 KiB for one this small): a page-cache page is a block.
truncate -s "${SIZE_MIB}M" "$tmp/disk.img"
mkfs.ext4 -q -F -b 4096 -L "$label" -d "$src" "$tmp/disk.img"
mv "$tmp/disk.img" "$img"
echo "$LAYOUT" >"$stamp"
