#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh: build the guest's initramfs (cpio newc, zstd or gzip).
#
#   mkinitramfs.sh --kver KVER --output FILE --workdir DIR
#       [--module zcopy.ko] [--tool zcopyctl] [--tests DIR] [--bats DIR]
#       [--demo-script FILE] [--moddir ROOT]
#
# --moddir: ROOT/lib/modules/KVER holds the kernel's modules (a kernel
# built by scripts/debug-kernel.sh); default the host's /lib/modules.
#
# The guest is busybox-static plus the few real programs the tests need,
# each with its shared libraries and ELF interpreter (ldd), and the kernel
# modules the VM's devices need, decompressed, in dependency order.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

kver='' output='' workdir='' module='' tool='' tests='' bats='' demo='' moddir=''
while (($#)); do
	case $1 in
	--kver) kver=$2 ;;
	--output) output=$2 ;;
	--workdir) workdir=$2 ;;
	--module) module=$2 ;;
	--tool) tool=$2 ;;
	--tests) tests=$2 ;;
	--bats) bats=$2 ;;
	--demo-script) demo=$2 ;;
	--moddir) moddir=$2 ;;
	*)
		echo "mkinitramfs: unknown argument $1" >&2
		exit 2
		;;
	esac
	shift 2
done
: "${kver:?--kver}" "${output:?--output}" "${workdir:?--workdir}"

# Absolute paths: the copying below runs inside the image's root.
abs() { [[ -z $1 ]] || realpath -- "$1"; }
output=$(abs "$output")
workdir=$(abs "$workdir")
module=$(abs "$module")
tool=$(abs "$tool")
tests=$(abs "$tests")
bats=$(abs "$bats")
demo=$(abs "$demo")

# Modules the guest needs: disk, file system, NICs, the veth path. Their
# dependencies come from modprobe; built-ins print "builtin" and are skipped.
GUEST_MODULES=(virtio_pci virtio_blk virtio_net ext4 veth)
# Not loaded at boot, but there for `modprobe` in tests: nbd registers a
# generic netlink family (tests register one while a request is in flight);
# fuse (a module on 6.1) serves identity_test's file that reports readers;
# tls and the AES-GCM it asks the crypto API for: jobs_test's kTLS socket
# (TCP_ULP and the crypto API load them by their aliases).
GUEST_LOADABLE=(nbd fuse tls gcm ctr ghash_generic)
modprobe_s() { /sbin/modprobe ${moddir:+-d "$moddir"} -S "$kver" "$@"; }

# Real programs (busybox provides the rest); chrt (util-linux) runs the
# bench's receivers SCHED_IDLE. Optional: ethtool, and the servers and
# client the observer's tests run (nginx, lighttpd, curl: make deps).
# ZCOPY_VM_EXTRA_PROGRAMS: more, for a developer (e.g. /usr/bin/perf).
# shellcheck disable=SC2206 # a space-separated list of paths
PROGRAMS=(/usr/bin/bash /usr/bin/jq /usr/sbin/ip /usr/bin/socat /usr/bin/chrt
	${ZCOPY_VM_EXTRA_PROGRAMS:-})
OPTIONAL_PROGRAMS=(/usr/sbin/ethtool /usr/sbin/nginx /usr/sbin/lighttpd
	/usr/bin/curl /usr/bin/wrk)

root=$workdir/root
rm -rf "$root"
mkdir -p "$root"
cd "$root"

# Merged /usr like the host, so paths from ldd and shebangs work unchanged.
mkdir -p usr/bin usr/sbin usr/lib usr/lib64 etc proc sys dev tmp run var \
	root data zcopy/tests zcopy/bats zcopy/kmods
ln -s usr/bin bin
ln -s usr/sbin sbin
ln -s usr/lib lib
ln -s usr/lib64 lib64
ln -s ../run var/run
chmod 1777 tmp

# Copy a host file to the same path in the image; -L writes through the
# merged-/usr links above and dereferences the host's symlinks.
put() {
	mkdir -p "$root$(dirname "$1")"
	cp -L "$1" "$root$1"
}

# Copy a dynamically linked ELF's libraries and interpreter.
put_libs() {
	local lib
	# ldd fails on static binaries and scripts: nothing to add then.
	while read -r lib; do
		[[ -e $root$lib ]] || put "$lib"
	done < <(ldd "$1" 2>/dev/null |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
}

put_prog() { # HOSTPATH [IMAGEPATH]
	local dst=${2:-$1}
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$1" "$root$dst"
	chmod 0755 "$root$dst"
	put_libs "$1"
}

for p in "${PROGRAMS[@]}"; do
	if [[ ! -x $p ]]; then
		echo "mkinitramfs: $p missing" >&2
		exit 1
	fi
	put_prog "$p"
done
for p in "${OPTIONAL_PROGRAMS[@]}"; do
	[[ ! -x $p ]] || put_prog "$p"
done

# busybox applets as symlinks, never shadowing a real program copied above.
cp /bin/busybox usr/bin/busybox
while read -r applet; do
	name=${applet##*/}
	[[ -e usr/bin/$name || -e usr/sbin/$name ]] && continue
	ln -s /usr/bin/busybox "usr/bin/$name"
done < <(/bin/busybox --list)

# bats-core and its libraries (bats-support, bats-assert).
put /usr/bin/bats
chmod 0755 usr/bin/bats
mkdir -p usr/libexec usr/lib
cp -a /usr/libexec/bats-core usr/libexec/
cp -a /usr/lib/bats-core usr/lib/
cp -a /usr/lib/bats usr/lib/

# Copy a module (maybe compressed) decompressed to DST.
put_module() { # SRC DST
	case $1 in
	*.xz) xz -dc "$1" >"$2" ;;
	*.zst) zstd -qdc "$1" >"$2" ;;
	*.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# Project artefacts. zcopy.ko and the loadable modules are installed too,
# so that `modprobe` and the kernel's request_module() for the genl family
# alias find them: /sbin/modprobe is busybox's, which reads the
# modules.dep and modules.alias that depmod writes here.
mkdir -p "usr/lib/modules/$kver/extra" "usr/lib/modules/$kver/kernel"
for f in modules.order modules.builtin modules.builtin.modinfo; do
	: >"usr/lib/modules/$kver/$f"
done
if [[ -n $module ]]; then
	cp "$module" zcopy/zcopy.ko
	cp "$module" "usr/lib/modules/$kver/extra/zcopy.ko"
fi
for m in "${GUEST_LOADABLE[@]}"; do
	while read -r verb path _; do
		[[ $verb == insmod ]] || continue
		base=${path##*/}
		base=${base%.xz}
		base=${base%.zst}
		base=${base%.gz}
		put_module "$path" "usr/lib/modules/$kver/kernel/$base"
	done < <(modprobe_s --show-depends "$m" 2>/dev/null)
done
/sbin/depmod -b "$root" "$kver"
ln -sf /usr/bin/busybox usr/sbin/modprobe
if [[ -n $tool ]]; then
	put_prog "$tool" /usr/bin/zcopyctl
fi
if [[ -n $tests && -d $tests ]]; then
	find "$tests" -maxdepth 1 -type f -perm -u+x -print0 |
		while IFS= read -r -d '' t; do
			put_prog "$t" "/zcopy/tests/${t##*/}"
		done
fi
if [[ -n $bats && -d $bats ]]; then
	# *.bats, their *.bash helpers and any fixtures beside them.
	find "$bats" -maxdepth 1 -type f -exec cp {} zcopy/bats/ \;
fi

# ynl.bats runs the kernel's own cli.py against the module: the host's
# python3 (its standard library without tests, tools and build files),
# PyYAML and jsonschema with what it needs, and in /zcopy/ynl the YNL tree
# of linux-source-6.12 (ynl-source.sh) with our spec where the kernel keeps
# its own: Documentation/netlink/specs/zcopy.yaml.
put_ynl() { # YNL_TREE
	local py=/usr/lib/python3.11 dp=/usr/lib/python3/dist-packages f
	local skip=(config-3.11-x86_64-linux-gnu test idlelib tkinter turtledemo
		lib2to3 pydoc_data distutils ensurepip asyncio multiprocessing
		unittest venv wsgiref xmlrpc curses sqlite3 dbm)

	put_prog /usr/bin/python3.11
	ln -sf python3.11 usr/bin/python3
	mkdir -p "$root$py" "$root$dp"
	# shellcheck disable=SC2046 # one --exclude per name
	tar -C "$py" -chf - $(printf -- '--exclude=./%s ' "${skip[@]}") . |
		tar -C "$root$py" -xf -
	for f in "$root$py"/lib-dynload/*.so; do
		put_libs "$f"
	done
	for f in yaml _yaml 'PyYAML-*' jsonschema 'jsonschema-*' attr attrs \
		'attrs-*' pyrsistent 'pyrsistent-*' _pyrsistent_version.py \
		'pvectorc.*.so'; do
		# shellcheck disable=SC2086 # the names are globs
		cp -rL "$dp"/$f "$root$dp/"
	done
	put_libs "$dp"/yaml/_yaml.cpython-311-x86_64-linux-gnu.so
	mkdir -p zcopy/ynl/Documentation/netlink/specs
	cp -r "$1/tools" zcopy/ynl/
	cp "$1"/Documentation/netlink/*.yaml zcopy/ynl/Documentation/netlink/
	cp "$here/../../Documentation/netlink/specs/zcopy.yaml" \
		zcopy/ynl/Documentation/netlink/specs/
}
if [[ -n $bats && -f $bats/ynl.bats ]]; then
	if ynl_tree=$("$here/ynl-source.sh" "$here/../../build/linux-source-6.12"); then
		put_ynl "$ynl_tree"
	else
		echo "mkinitramfs: no YNL tooling in the VM: ynl.bats will skip" >&2
	fi
fi
cp "${demo:-$here/guest/demo.sh}" zcopy/demo.sh
chmod 0755 zcopy/demo.sh
cp "$here/guest/bench.sh" "$here/guest/bench_http.sh" zcopy/
chmod 0755 zcopy/bench.sh zcopy/bench_http.sh
cp "$here/guest/init" init
chmod 0755 init

# Kernel modules: the devices' and whatever zcopy.ko itself depends on.
mods=("${GUEST_MODULES[@]}")
if [[ -n $module ]]; then
	deps=$(/sbin/modinfo -F depends "$module" 2>/dev/null || true)
	IFS=, read -r -a extra <<<"$deps"
	mods+=("${extra[@]}")
fi
declare -A seen=()
n=0
: >zcopy/kmods/order
for m in "${mods[@]}"; do
	[[ -n $m ]] || continue
	while read -r verb path _; do
		[[ $verb == insmod ]] || continue # "builtin NAME"
		[[ -z ${seen[$path]:-} ]] || continue
		seen[$path]=1
		base=${path##*/}
		base=${base%.xz}
		base=${base%.zst}
		base=${base%.gz}
		dst=$(printf '%02d-%s' "$n" "$base")
		put_module "$path" "zcopy/kmods/$dst"
		echo "$dst" >>zcopy/kmods/order
		n=$((n + 1))
	done < <(modprobe_s --show-depends "$m")
done

# Users for tests that drop privileges; files-only NSS.
cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/bash
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >etc/group <<'EOF'
root:x:0:
nogroup:x:65534:
EOF
cat >etc/nsswitch.conf <<'EOF'
passwd: files
group: files
hosts: files
services: files
protocols: files
EOF
cat >etc/hosts <<'EOF'
127.0.0.1 localhost
::1 localhost
EOF
for f in /etc/services /etc/protocols; do
	[[ -f $f ]] && cp "$f" "etc/${f##*/}"
done
echo zcopy-vm >etc/hostname

# zstd decompresses fastest in the guest; gzip is the fallback.
tmp_out=$output.tmp
if command -v zstd >/dev/null; then
	find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet -R 0:0 | zstd -q -T0 -9 >"$tmp_out"
else
	find . -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc --quiet -R 0:0 | gzip -6 >"$tmp_out"
fi
mv "$tmp_out" "$output"
