#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A developer's quick loop: build the module for one kernel, the tool and
# the selftests, then run only the named test programs, and the named
# bats files of selftests/tool/vm, in that kernel's VM (no fuzz, no
# bench).
#
#   scripts/vm-test.sh 6.1|6.12|debug TEST_PROGRAM|NAME.bats...
#
# debug boots build/debug-kernel (make debug-kernel first). The guest's
# TAP goes to stdout; the VM's files stay in build/vm-test/<kernel>/.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

(($# >= 2)) || { sed -n 5,11p "$0" >&2; exit 2; }
which=$1
shift

mapfile -t kernels < <(scripts/kernels.sh)
case $which in
6.1) kver=${kernels[0]} ;;
6.12) kver=${kernels[1]} ;;
debug)
	tree=$top/build/debug-kernel
	[[ -f $tree/release ]] || { echo "make debug-kernel first" >&2; exit 1; }
	kver=$(cat "$tree/release")
	;;
*) echo "kernel: 6.1, 6.12 or debug" >&2; exit 2 ;;
esac

if [[ $which == debug ]]; then
	make --no-print-directory -s module KVER="$kver" KDIR="$tree/obj" >/dev/null
else
	make --no-print-directory -s module KVER="$kver" >/dev/null
fi
make --no-print-directory -s tool selftests >/dev/null

out=$top/build/vm-test/$which
tests=$out/tests
bats=$out/no-bats
rm -rf "$tests"
mkdir -p "$tests" "$bats"
rm -rf "$bats"
mkdir -p "$bats"
for t in "$@"; do
	if [[ $t == *.bats ]]; then
		cp "selftests/tool/vm/$t" selftests/tool/vm/helper.bash "$bats/"
	else
		cp "build/selftests/$t" "$tests/"
	fi
done

vm_args=(--mode tests --out "$out/vm" --module "build/$kver/mod/kmod/zcopy.ko"
	 --tool build/tool/zcopyctl --tests "$tests" --bats "$bats")
if [[ $which == debug ]]; then
	exec selftests/vm/run.sh --kernel-tree "$tree" "${vm_args[@]}"
fi
ZCOPY_VM_APPEND="slub_debug=U ${ZCOPY_VM_APPEND:-}" \
	exec selftests/vm/run.sh --kver "$kver" "${vm_args[@]}"
