#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ynl-source.sh OUTDIR: unpack the kernel's YNL command line tool from
# Debian's linux-source-6.12 (make deps) into OUTDIR, for ynl.bats in the
# test VM: tools/net/ynl/cli.py with its lib/, and the schemas the specs
# are validated against, Documentation/netlink/*.yaml. Taken at build time,
# never committed; unpacked again only when the tarball is newer. Prints
# OUTDIR; fails with the reason on stderr when the tarball is missing.
set -euo pipefail

out=${1:?usage: ynl-source.sh OUTDIR}
tarball=/usr/src/linux-source-6.12.tar.xz
if [[ ! -f $tarball ]]; then
	echo "ynl-source.sh: $tarball missing (make deps)" >&2
	exit 1
fi

stamp=$out/.extracted
if [[ ! -f $stamp || $tarball -nt $stamp ]]; then
	top=linux-source-6.12
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	tar -xJf "$tarball" -C "$tmp" --wildcards \
		"$top/tools/net/ynl/cli.py" "$top/tools/net/ynl/lib/*.py" \
		"$top/Documentation/netlink/*.yaml" \
		--exclude "$top/Documentation/netlink/specs"
	rm -rf "$out"
	mkdir -p "$(dirname "$out")"
	mv "$tmp/$top" "$out"
	touch "$stamp"
fi
echo "$out"
