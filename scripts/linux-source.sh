#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Extract from Debian's linux-source-6.1 tarball the few files the build
# borrows at build time (never committed): the kselftest harness headers
# and checkpatch with its data files.
# usage: linux-source.sh OUTDIR
set -euo pipefail

out=$1
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1 || true)
if [[ -z $tarball ]]; then
	echo "linux-source.sh: /usr/src/linux-source-6.1.tar.* missing (make deps)" >&2
	exit 1
fi

files=(
	tools/testing/selftests/kselftest.h
	tools/testing/selftests/kselftest_harness.h
	scripts/checkpatch.pl
	scripts/spelling.txt
	scripts/const_structs.checkpatch
)
stamp=$out/.extracted
[[ -f $stamp && $stamp -nt $tarball ]] && exit 0

top=$(basename "$tarball" | sed 's/\.tar\..*//')
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xf "$tarball" -C "$tmp" "${files[@]/#/$top/}"
mkdir -p "$out"
cp -r "$tmp/$top/." "$out/"
touch "$stamp"
