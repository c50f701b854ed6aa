#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: install what is missing, build, boot the test VM on the
# default kernel, load the module and run the tool's main job there.
# usage: demo.sh KVER
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kver=${1:-}

need_deps=0
command -v qemu-system-x86_64 >/dev/null || need_deps=1
command -v busybox >/dev/null || need_deps=1
pkg-config --exists libnl-genl-3.0 libcrypto 2>/dev/null || need_deps=1
[[ -n $kver && -d /lib/modules/$kver/build ]] || need_deps=1
if ((need_deps)); then
	make --no-print-directory deps
	kver=$(scripts/kernels.sh | tail -n 1)
fi

make --no-print-directory module KVER="$kver" >/dev/null
make --no-print-directory tool >/dev/null
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
selftests/vm/run.sh --kver "$kver" --mode demo --out "$top/build/$kver/vm" \
	--module "$top/build/$kver/mod/kmod/zcopy.ko" \
	--tool "$top/build/tool/zcopyctl" --tests "$empty" --bats "$empty" \
	--demo-script "$top/scripts/demo-guest.sh"
