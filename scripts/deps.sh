#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, from Debian's archive only, what build, tests, demo and bench need.
# Idempotent: packages already installed are left alone.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: must run as root (apt-get)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends -o Dpkg::Use-Pty=0)

apt-get update -q >/dev/null

# The newest Debian 6.12 backport kernel for bookworm.
k612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
	awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1)
if [[ -z $k612 ]]; then
	echo "deps: no linux-image-6.12.*+deb12-amd64 in the archive" >&2
	exit 1
fi

pkgs=(
	build-essential pkg-config kmod cpio xz-utils zstd
	linux-image-amd64 linux-headers-amd64
	"linux-image-$k612" "linux-headers-$k612"
	linux-source-6.1 linux-source-6.12
	qemu-system-x86 busybox-static
	libnl-3-dev libnl-genl-3-dev
	bats bats-assert bats-support
	libssl-dev liburing-dev liburing2
	iproute2 e2fsprogs socat ethtool sparse python3 python3-yaml jq
	nginx-light lighttpd curl wrk
	gnuplot-nox
	bison flex bc libelf-dev
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing+=("$p")
done

if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	# nginx and lighttpd are for the test VM: installed, never started
	# here (policy-rc.d refuses, as in a container build).
	policy=/usr/sbin/policy-rc.d
	made_policy=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		made_policy=1
	fi
	rc=0
	apt-get install "${apt_opts[@]}" "${missing[@]}" || rc=$?
	if ((made_policy)); then
		rm -f "$policy"
	fi
	((rc == 0)) || exit "$rc"
else
	echo "deps: everything already installed"
fi
