#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: the Debian source package zcopy and its binary packages
# zcopy-dkms, zcopyctl and zcopy-dev from debian/, built
# (dpkg-buildpackage, debhelper 13, dh-dkms) in a copy of the tree, so
# that the tree itself stays clean and build/ is left out. The orig
# tarball is that copy without debian/, reproducible (sorted, owned by
# root, dated by the changelog).
#
#   scripts/deb.sh OUTDIR      (make deb: build/deb)
#
# Leaves in OUTDIR only this build's *.deb, the source package (.dsc,
# .orig.tar.xz, .debian.tar.xz), *.buildinfo, *.changes, and build.log.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
(($# == 1)) || { sed -n 6p "$0" >&2; exit 2; }
out=$1

"$top/scripts/check-version.sh" "$top" >/dev/null
version=$(<"$top/VERSION")
for c in dpkg-buildpackage dh dh_dkms; do
	command -v "$c" >/dev/null ||
		{ echo "deb: $c is missing (make deps: debhelper, dh-dkms)" >&2; exit 1; }
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src"
rm -f "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes "$out"/*.dsc \
	"$out"/*.tar.xz
src=$out/src/zcopy-$version
mkdir -p "$src"

# The tree's files: what git tracks or would (not ignored), else all but
# build/ and .git.
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# deleted but not yet committed
			[[ -e $f || -L $f ]] && printf '%s\0' "$f"
		done | cpio -0pdm --quiet "$src"
else
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$src" -xf -
fi

epoch=$(cd "$src" && dpkg-parsechangelog -STimestamp)
tar -C "$out/src" --exclude="zcopy-$version/debian" --sort=name \
	--owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
	-cJf "$out/src/zcopy_$version.orig.tar.xz" "zcopy-$version"

echo "deb: building zcopy $version in $src"
rc=0
(cd "$src" && dpkg-buildpackage -us -uc -j2) >"$out/build.log" 2>&1 || rc=$?
if ((rc)); then
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed ($rc), log in $out/build.log" >&2
	exit 1
fi
mv "$out"/src/*.deb "$out"/src/*.buildinfo "$out"/src/*.changes \
	"$out"/src/*.dsc "$out"/src/*.tar.xz "$out/"
rm -rf "$out/src"
ls -1 "$out"/*.deb
