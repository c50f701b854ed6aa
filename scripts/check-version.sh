#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The tree's VERSION file is the one version: dkms.conf's PACKAGE_VERSION
# and the upstream part of debian/changelog's newest entry must equal it.
# kmod/Kbuild and tool/Makefile read VERSION themselves.
#
#   scripts/check-version.sh [TREE]     (default: this script's tree)
#
# Prints "version X.Y.Z: VERSION, dkms.conf and debian/changelog agree",
# or what disagrees on stderr and exits 1.
set -euo pipefail

top=${1:-$(cd "$(dirname "$0")/.." && pwd)}

die() {
	echo "check-version: $*" >&2
	exit 1
}

[[ -r $top/VERSION ]] || die "no $top/VERSION"
version=$(<"$top/VERSION")
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
	die "VERSION '$version' is not MAJOR.MINOR.PATCH"

dkms=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")
[[ $dkms == "$version" ]] ||
	die "dkms.conf PACKAGE_VERSION '$dkms' differs from VERSION '$version'"

# The newest entry's version, e.g. 0.2.0-1: upstream part before the
# last '-' (a Debian revision), no epoch.
deb=$(sed -n '1s/^zcopy (\([^)]*\)).*/\1/p' "$top/debian/changelog")
[[ -n $deb ]] || die "debian/changelog: first line is not 'zcopy (VERSION-REV) ...'"
upstream=${deb%-*}
upstream=${upstream#*:}
[[ $upstream == "$version" ]] ||
	die "debian/changelog version '$deb' is not VERSION '$version' plus a revision"

echo "version $version: VERSION, dkms.conf and debian/changelog agree"
