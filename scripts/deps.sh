#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install, from Debian's archive only, what build, tests, demo, bench and
# packages need. Idempotent: packages already installed are left alone.
#
#   scripts/deps.sh [--build-only] [--print]
#
# Without options (make deps) it installs, among the rest, two kernel
# images (Debian's 6.1 and 6.12) for the test VM; the boot loader starts
# the newest installed kernel by default, so this machine's next boot may
# run another kernel: it says so before installing anything.
# --build-only (make deps-build): only what "make module tool" needs for
# the running kernel: its headers, build-essential, pkg-config, libnl.
# --print: print the plan (each package: installed, missing or
# unavailable) and the notices, change nothing (no root needed).
set -euo pipefail

build_only=0 print=0
while (($#)); do
	case $1 in
	--build-only) build_only=1 ;;
	--print) print=1 ;;
	*)
		sed -n 6p "$0" | sed 's/^#  //' >&2
		exit 2
		;;
	esac
	shift
done

if ((!print)) && [[ $(id -u) -ne 0 ]]; then
	echo "deps: must run as root (apt-get)" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends -o Dpkg::Use-Pty=0)

((print)) || apt-get update -q >/dev/null

installed() {
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}
available() {
	apt-cache show --no-all-versions "$1" >/dev/null 2>&1
}

if ((build_only)); then
	pkgs=(build-essential pkg-config libnl-genl-3-dev)
	# A kernel not from Debian may have its headers from elsewhere.
	[[ -d /lib/modules/$(uname -r)/build ]] ||
		pkgs+=("linux-headers-$(uname -r)")
	images=()
	late=()
else
	# The newest Debian 6.12 backport kernel for bookworm.
	k612=$(apt-cache search --names-only '^linux-image-6\.12\.[0-9]+\+deb12-amd64$' |
		awk '{print $1}' | sed 's/^linux-image-//' | sort -V | tail -n 1)
	if [[ -z $k612 ]]; then
		echo "deps: no linux-image-6.12.*+deb12-amd64 in the archive" >&2
		exit 1
	fi
	images=(linux-image-amd64 "linux-image-$k612")
	pkgs=(
		build-essential pkg-config kmod cpio xz-utils zstd
		"${images[@]}" linux-headers-amd64 "linux-headers-$k612"
		linux-source-6.1 linux-source-6.12
		qemu-system-x86 busybox-static
		libnl-3-dev libnl-genl-3-dev
		bats bats-assert bats-support
		libssl-dev liburing-dev liburing2
		iproute2 e2fsprogs socat ethtool sparse python3 python3-yaml python3-jsonschema jq
		nginx-light lighttpd curl wrk
		gnuplot-nox
		bison flex bc libelf-dev
		debhelper dh-dkms lintian
	)
	# After the kernels and their headers, on its own: DKMS's hooks
	# then see no new headers, and nothing is built now (dh-dkms does
	# not need it; the package test installs zcopy-dkms, which does).
	late=(dkms)
fi

missing=() late_missing=() unavailable=()
for p in "${pkgs[@]}" "${late[@]}"; do
	if installed "$p"; then
		((print)) && echo "$p installed"
		continue
	fi
	if ! available "$p"; then
		unavailable+=("$p")
		((print)) && echo "$p unavailable"
		continue
	fi
	((print)) && echo "$p missing"
	if [[ " ${late[*]} " == *" $p "* ]]; then
		late_missing+=("$p")
	else
		missing+=("$p")
	fi
done

if ((${#images[@]})); then
	echo "deps: notice: make deps installs the kernel images ${images[*]}" \
		"(for the test VM, if missing); the boot loader starts the newest" \
		"installed kernel by default, so this machine's next boot may run" \
		"another kernel than $(uname -r). Only what building against the" \
		"running kernel needs: make deps-build (scripts/deps.sh --build-only)."
fi
if ((${#unavailable[@]})); then
	echo "deps: not in the archive: ${unavailable[*]}" >&2
	if ((build_only)); then
		echo "deps: $(uname -r) is not a Debian kernel: install its headers" \
			"(/lib/modules/$(uname -r)/build) from where it came" >&2
	fi
	((print)) || exit 1
fi
((print)) && exit 0

# nginx and lighttpd are for the test VM: installed, never started here
# (policy-rc.d refuses, as in a container build).
apt_install() {
	local policy=/usr/sbin/policy-rc.d made_policy=0 rc=0

	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		made_policy=1
	fi
	apt-get install "${apt_opts[@]}" "$@" || rc=$?
	if ((made_policy)); then
		rm -f "$policy"
	fi
	return "$rc"
}

if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	apt_install "${missing[@]}"
fi
if ((${#late_missing[@]})); then
	echo "deps: installing ${late_missing[*]} (no recommends: no headers, no builds)"
	apt_install "${late_missing[@]}"
fi
if ((${#missing[@]} + ${#late_missing[@]} == 0)); then
	echo "deps: everything already installed"
fi
