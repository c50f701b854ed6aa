#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make debug-kernel: build a 6.12 debug kernel (KASAN, lockdep, kmemleak,
# UBSAN, fault injection ...) from Debian's linux-source-6.12 with the
# fragment selftests/vm/debug.config on top of allnoconfig.
#
#   debug-kernel.sh OUTDIR       build (or reuse) OUTDIR/obj
#   debug-kernel.sh --release OUTDIR   print the built kernel's release
#
# The build is keyed by the fragment, this script and the source package's
# version: it is redone only when one of them changes. OUTDIR/obj is a
# kernel build tree (modules build against it with M=), OUTDIR/obj/vmlinux
# boots through PVH, OUTDIR/modroot holds lib/modules/RELEASE.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
fragment=$top/selftests/vm/debug.config

if [[ ${1:-} == --release ]]; then
	cat "$2/release"
	exit 0
fi
out=${1:?usage: debug-kernel.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1 || true)
[[ -n $tarball ]] || {
	echo "debug-kernel: /usr/src/linux-source-6.12.tar.* missing (make deps)" >&2
	exit 1
}
version=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$({
	echo "$version"
	cat "$fragment" "$0"
} | sha256sum | cut -c1-16)

obj=$out/obj
if [[ -f $out/stamp && $(<"$out/stamp") == "$key" && -f $obj/vmlinux ]]; then
	echo "debug-kernel: $(<"$out/release") up to date ($key)"
	exit 0
fi
rm -f "$out/stamp"

t0=$(date +%s)
src=$out/src/$(basename "$tarball" | sed 's/\.tar\..*//')
if [[ ! -f $out/src/.version || $(<"$out/src/.version") != "$version" ]]; then
	echo "debug-kernel: extracting $tarball"
	rm -rf "$out/src" "$obj"
	mkdir -p "$out/src"
	tar -xf "$tarball" -C "$out/src"
	echo "$version" >"$out/src/.version"
fi

jobs=$(nproc)
kmake() { make -C "$src" O="$obj" -j"$jobs" -s "$@"; }

mkdir -p "$obj"
KCONFIG_ALLCONFIG=$fragment kmake allnoconfig
kmake olddefconfig

# allnoconfig drops what it cannot satisfy without a word: say so here.
bad=0
while IFS= read -r line; do
	[[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
	sym=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
	if [[ $val == n ]]; then
		grep -q "^$sym=" "$obj/.config" || continue
	else
		grep -qxF "$sym=$val" "$obj/.config" && continue
	fi
	echo "debug-kernel: $sym=$val did not hold: $(grep -E "^(# )?$sym[= ]" "$obj/.config" || echo absent)" >&2
	bad=1
done <"$fragment"
((bad == 0)) || exit 1

echo "debug-kernel: building in $obj with $jobs jobs"
kmake bzImage modules
rm -rf "$out/modroot"
kmake INSTALL_MOD_PATH="$out/modroot" modules_install
kmake -s kernelrelease >"$out/release"
echo "$key" >"$out/stamp"
echo "debug-kernel: $(<"$out/release") built in $(($(date +%s) - t0)) s"
