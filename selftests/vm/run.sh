#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a Debian kernel in QEMU with zcopy.ko, the tool and the tests in an
# initramfs, and report the guest's TAP. The module is never loaded on the
# host. See README.md beside this file.
#
#   run.sh --kver KVER|--kernel-tree DIR --mode tests|demo|bench|shell
#          --out DIR --module zcopy.ko --tool zcopyctl --tests DIR --bats DIR
#          [--demo-script FILE] [--bench-profile full|quick|tiny]
#          [--bench-paths virtio,veth,loopback]
#
# --kernel-tree boots a kernel built by scripts/debug-kernel.sh (its
# obj/vmlinux, modules from its modroot) instead of Debian's KVER.
#
# bench boots with the bench disk (mkdisk.sh --bench) and a results disk,
# runs guest/bench.sh on the paths given (default all three) and leaves
# bench.json, http.json (guest/bench_http.sh) and bench.log in DIR.
#
# Environment: ZCOPY_VM_TIMEOUT (s, default 900; bench: by profile, tiny
# 900, quick 3600, full 14400), ZCOPY_VM_BENCH_DISK (bench disk image,
# default DIR/bench-disk.img; may be shared), ZCOPY_VM_NET=hub (force
# the hub backend), ZCOPY_VM_ACCEL=tcg|kvm (skip the probe),
# ZCOPY_VM_TEST_TIMEOUT (per test program, s, default 300),
# ZCOPY_VM_TCG_THREAD=single|multi (default single), ZCOPY_VM_PVH=0 (boot
# the bzImage), ZCOPY_VM_APPEND (extra kernel command line), ZCOPY_VM_MEM
# (guest memory, default 1G, 2G with --kernel-tree), ZCOPY_VM_ICOUNT=1|0
# (TCG only: the guest clock counts instructions, 1 ns each, and skips
# idle time; one vCPU unless ZCOPY_VM_SMP=N; default 1 in bench mode, 0
# otherwise; KVM never has it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
t_start=${EPOCHREALTIME/./}

usage() {
	sed -n '8,11p' "${BASH_SOURCE[0]}" | sed 's/^#  //' >&2
	echo "  (--kernel-tree DIR: a kernel built by scripts/debug-kernel.sh)" >&2
	exit 2
}

kver='' mode='' out='' module='' tool='' tests='' bats='' demo='' tree=''
profile=quick bench_paths=virtio,veth,loopback
while (($#)); do
	case $1 in
	--kver | --mode | --out | --module | --tool | --tests | --bats | \
		--demo-script | --bench-profile | --bench-paths | --kernel-tree)
		(($# >= 2)) || usage
		case $1 in
		--kver) kver=$2 ;;
		--mode) mode=$2 ;;
		--out) out=$2 ;;
		--module) module=$2 ;;
		--tool) tool=$2 ;;
		--tests) tests=$2 ;;
		--bats) bats=$2 ;;
		--demo-script) demo=$2 ;;
		--bench-profile) profile=$2 ;;
		--bench-paths) bench_paths=$2 ;;
		--kernel-tree) tree=$2 ;;
		esac
		shift 2
		;;
	-h | --help) usage ;;
	*)
		echo "run.sh: unknown argument $1" >&2
		usage
		;;
	esac
done
if [[ -n $tree ]]; then
	[[ -f $tree/release && -f $tree/obj/vmlinux ]] ||
		{ echo "run.sh: $tree is not a built kernel tree (make debug-kernel)" >&2; exit 1; }
	tree=$(cd "$tree" && pwd)
	kver=$(<"$tree/release")
fi
[[ -n $kver && -n $out ]] || usage
case $mode in
tests | demo | bench | shell) ;;
*) usage ;;
esac
case $profile in
full | quick | tiny) ;;
*) usage ;;
esac
[[ $bench_paths =~ ^(virtio|veth|loopback)(,(virtio|veth|loopback))*$ ]] || usage

die() {
	echo "vm $kver: $*" >&2
	exit 1
}

if [[ -n $tree ]]; then
	kernel=$tree/obj/vmlinux moddir=$tree/modroot
	[[ -d $moddir/lib/modules/$kver ]] || die "no $moddir/lib/modules/$kver"
else
	kernel=/boot/vmlinuz-$kver moddir=''
	[[ -r $kernel ]] || die "no readable $kernel"
	[[ -d /lib/modules/$kver/kernel ]] || die "no /lib/modules/$kver"
fi
# Tests must never run without the module.
if [[ $mode != shell ]]; then
	[[ -f $module ]] || die "--module: no file '$module'"
	[[ -f $tool ]] || die "--tool: no file '$tool'"
fi
for d in "$tests" "$bats"; do
	[[ -z $d || -d $d ]] || die "not a directory: $d"
done
[[ -z $demo || -f $demo ]] || die "--demo-script: no file '$demo'"

# A bench run is long under TCG (the full profile, 450 cells, takes most
# of an hour per kernel): its limit scales with the profile.
if [[ $mode == bench ]]; then
	case $profile in
	tiny) timeout=${ZCOPY_VM_TIMEOUT:-900} ;;
	quick) timeout=${ZCOPY_VM_TIMEOUT:-3600} ;;
	full) timeout=${ZCOPY_VM_TIMEOUT:-14400} ;;
	esac
	# The guest's own limit leaves time for boot, results and checks.
	bench_timeout=$((timeout > 240 ? timeout - 120 : timeout / 2))
else
	timeout=${ZCOPY_VM_TIMEOUT:-900}
fi
test_timeout=${ZCOPY_VM_TEST_TIMEOUT:-300}
mkdir -p "$out"
out=$(cd "$out" && pwd)

secs() { # MICROSECONDS -> "12.3"
	printf '%d.%d' $(($1 / 1000000)) $(($1 % 1000000 / 100000))
}
now_us() { echo "${EPOCHREALTIME/./}"; }

netns='' qemu_pid=''

cleanup() {
	local i
	if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null || true
		for i in $(seq 30); do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	rm -f "$out/qemu.pid"
	if [[ -n $netns ]]; then
		# Taps first: a device still held by a process would otherwise
		# outlive the namespace's name.
		for i in tap0 tap1 br0; do
			ip -n "$netns" link del "$i" 2>/dev/null || true
		done
		ip netns del "$netns" 2>/dev/null || true
		netns=
	fi
}
# Signals must end in exit, so that the EXIT trap cleans up.
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM

# A run killed with SIGKILL cannot clean up: reap what it left, but only
# ours: the qemu named in this DIR's pidfile, and zcopy-vm-PID namespaces
# whose runner PID is gone.
reap_stale() {
	local pid ns
	if [[ -f $out/qemu.pid ]]; then
		pid=$(<"$out/qemu.pid")
		if [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] &&
			tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$out/qemu.pid"; then
			echo "vm $kver: killing stale qemu $pid"
			kill "$pid" 2>/dev/null || true
		fi
		rm -f "$out/qemu.pid"
	fi
	[[ $(id -u) -eq 0 ]] || return 0
	while read -r ns _; do
		[[ $ns =~ ^zcopy-vm-([0-9]+)$ ]] || continue
		[[ -d /proc/${BASH_REMATCH[1]} ]] && continue
		echo "vm $kver: removing stale namespace $ns"
		ip netns del "$ns" 2>/dev/null || true
	done < <(ip netns list 2>/dev/null)
}
reap_stale

# --- build -------------------------------------------------------------------

# The bench gets a disk of its own (bench-<bytes> files up to 256 MiB), so
# the tests' disk stays small; and a raw results disk it writes a tar to.
if [[ $mode == bench ]]; then
	disk=${ZCOPY_VM_BENCH_DISK:-$out/bench-disk.img}
	"$here/mkdisk.sh" --bench "$disk"
	rm -rf "$out/results" "$out/results.img" "$out"/*.json "$out/bench.log"
	truncate -s 64M "$out/results.img"
else
	disk=$out/disk.img
	"$here/mkdisk.sh" "$disk"
fi
"$here/mkinitramfs.sh" --kver "$kver" --output "$out/initramfs.img" \
	--workdir "$out/initramfs" ${moddir:+--moddir "$moddir"} \
	${module:+--module "$module"} ${tool:+--tool "$tool"} \
	${tests:+--tests "$tests"} ${bats:+--bats "$bats"} \
	${demo:+--demo-script "$demo"}

# Under TCG the bzImage's own decompressor is slow (xz on 6.1: ~3.5 s). The
# same kernel, unpacked here once and booted through its PVH ELF entry,
# starts at once. Falls back to the bzImage if anything is off.
extract_vmlinux() { # VMLINUZ OUT
	local ss po pl off magic
	ss=$(od -An -tu1 -j $((0x1f1)) -N1 "$1" | tr -d ' ')
	((ss)) || ss=4
	po=$(od -An -tu4 -j $((0x248)) -N4 "$1" | tr -d ' ')
	pl=$(od -An -tu4 -j $((0x24c)) -N4 "$1" | tr -d ' ')
	off=$(((ss + 1) * 512 + po))
	magic=$(od -An -tx1 -j "$off" -N4 "$1" | tr -d ' ')
	# The payload ends with its 4-byte uncompressed size: drop it.
	tail -c +$((off + 1)) "$1" | head -c $((pl - 4)) >"$2.z"
	case $magic in
	fd377a58) xz -dc --single-stream <"$2.z" >"$2.tmp" ;;
	28b52ffd) zstd -qdc <"$2.z" >"$2.tmp" ;;
	1f8b*) gzip -dc <"$2.z" >"$2.tmp" ;;
	*) return 1 ;;
	esac
	rm -f "$2.z"
	readelf -n "$2.tmp" 2>/dev/null | grep -q 'Xen.*0x00000012' || return 1
	mv "$2.tmp" "$2"
}

boot_image=$kernel
if [[ -n $tree ]]; then
	: # our own build: its vmlinux has the PVH note already
elif [[ ${ZCOPY_VM_PVH:-1} != 0 ]]; then
	if [[ -s $out/vmlinux && ! $kernel -nt $out/vmlinux ]] ||
		extract_vmlinux "$kernel" "$out/vmlinux" 2>/dev/null; then
		boot_image=$out/vmlinux
	else
		rm -f "$out/vmlinux" "$out/vmlinux.z" "$out/vmlinux.tmp"
		echo "# vm $kver: no PVH vmlinux from $kernel, booting the bzImage"
	fi
fi
t_built=$(now_us)
echo "# vm $kver: initramfs and disk ready in $(secs $((t_built - t_start)))s"

# --- accelerator ---------------------------------------------------------------

# KVM only if the CPU has vmx/svm and a short boot really runs: /dev/kvm can
# exist on a CPU without them, and such a boot hangs. A kernel without root
# fs panics at once and panic=-1 + -no-reboot ends QEMU.
kvm_works() {
	grep -qwE 'vmx|svm' /proc/cpuinfo || return 1
	[[ -r /dev/kvm && -w /dev/kvm ]] || return 1
	timeout -s KILL 15 qemu-system-x86_64 -accel kvm -machine q35 -m 256M \
		-nodefaults -no-user-config -display none -no-reboot \
		-kernel "$kernel" -append 'panic=-1 console=ttyS0' \
		-serial stdio </dev/null 2>/dev/null | grep -q 'Kernel panic'
}

case ${ZCOPY_VM_ACCEL:-auto} in
tcg) accel=tcg ;;
kvm) accel=kvm ;;
*) if kvm_works; then accel=kvm; else accel=tcg; fi ;;
esac
smp=2
if [[ $accel == kvm ]]; then
	accel_args=(-accel kvm -cpu host)
else
	# One TCG thread for both vCPUs by default: with multi-threaded TCG a
	# vCPU can run stale code while another patches a static key, and the
	# kernel dies of "Oops: int3" in text_poke_bp (seen once in ~60 boots,
	# on 6.12). Round-robin costs little here (boot and a 64 MiB transfer
	# take the same time) and still interleaves the two CPUs.
	accel_args=(-accel "tcg,thread=${ZCOPY_VM_TCG_THREAD:-single}")
	# Timing that repeats: guest time is instructions executed, so host
	# load no longer lands in the numbers (only where the host is in the
	# data path, as the tap bridge of the virtio path is).
	# One vCPU: the guest clock is the instruction count of all vCPUs
	# together, so with two a task's CPU time would include whatever
	# the other vCPU executed meanwhile.
	icount=${ZCOPY_VM_ICOUNT:-$([[ $mode == bench ]] && echo 1 || echo 0)}
	if [[ $icount == 1 ]]; then
		# shellcheck disable=SC2054 # one argument: QEMU's commas
		accel_args+=(-icount shift=0,sleep=off)
		accel=tcg-icount
		smp=${ZCOPY_VM_SMP:-1}
	fi
fi

# --- network -------------------------------------------------------------------

# Two taps with vnet headers on a bridge, all inside a namespace of our own,
# so the guest's NICs offer SG/csum/TSO and nothing touches the host's net.
# (Called under `if`, where set -e does not act: hence the explicit returns.)
setup_tap() {
	local i
	ip netns add "$netns" || return 1
	ip -n "$netns" link set lo up || return 1
	ip -n "$netns" link add br0 type bridge stp_state 0 || return 1
	for i in 0 1; do
		ip -n "$netns" tuntap add dev "tap$i" mode tap vnet_hdr || return 1
		ip -n "$netns" link set "tap$i" master br0 || return 1
		ip -n "$netns" link set "tap$i" up || return 1
	done
	ip -n "$netns" link set br0 up
}

net=tap reason=
if [[ ${ZCOPY_VM_NET:-tap} == hub ]]; then
	net=hub reason="ZCOPY_VM_NET=hub"
elif [[ $(id -u) -ne 0 ]]; then
	net=hub reason="not root"
elif [[ ! -c /dev/net/tun ]]; then
	net=hub reason="no /dev/net/tun"
else
	netns=zcopy-vm-$$
	if ! err=$(setup_tap 2>&1); then
		net=hub reason="tap setup failed: ${err//$'\n'/; }"
		cleanup
	fi
fi

macs=(52:54:00:5a:c0:01 52:54:00:5a:c0:02)
net_args=()
for i in 0 1; do
	if [[ $net == tap ]]; then
		net_args+=(-netdev "tap,id=n$i,ifname=tap$i,script=no,downscript=no,vhost=off,vnet_hdr=on")
	else
		net_args+=(-netdev "hubport,id=n$i,hubid=0")
	fi
	# Fixed slots: eth0 probes first; the guest still checks the MACs.
	net_args+=(-device "virtio-net-pci,netdev=n$i,mac=${macs[i]},addr=$((3 + i))")
done
if [[ $net == tap ]]; then
	echo "# vm $kver: network: tap (namespace $netns, bridge br0, tap0+tap1 with vnet_hdr)"
else
	echo "# vm $kver: network: hub fallback (no SG on virtio-net path): $reason"
fi

# --- qemu ----------------------------------------------------------------------

append="console=ttyS0 panic=-1 oops=panic panic_on_warn=1 quiet"
append+=" zcopyvm.mode=$mode zcopyvm.net=$net zcopyvm.test_timeout=$test_timeout"
append+=" zcopyvm.virt=$accel"
if [[ $mode == bench ]]; then
	append+=" zcopyvm.bench_profile=$profile zcopyvm.bench_timeout=$bench_timeout"
	append+=" zcopyvm.bench_paths=$bench_paths"
fi
append+=" ${ZCOPY_VM_APPEND:-}"

# The debug kernel's KASAN shadow, kmemleak and slab redzones need room.
mem=${ZCOPY_VM_MEM:-$([[ -n $tree ]] && echo 2G || echo 1G)}
qemu=(qemu-system-x86_64 -machine q35 "${accel_args[@]}" -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot
	-pidfile "$out/qemu.pid"
	-kernel "$boot_image" -initrd "$out/initramfs.img" -append "$append"
	-drive "file=$disk,format=raw,if=none,id=d0,snapshot=on"
	-device 'virtio-blk-pci,drive=d0,addr=5'
	"${net_args[@]}")
# The guest finds the results disk by its serial, not by probe order.
if [[ $mode == bench ]]; then
	qemu+=(-drive "file=$out/results.img,format=raw,if=none,id=d1"
		-device 'virtio-blk-pci,drive=d1,addr=6,serial=zcopy-results')
fi
ns_exec=()
[[ -n $netns ]] && ns_exec=(ip netns exec "$netns")

rm -f "$out/console.log" "$out/tap.log" "$out/qemu.log"

if [[ $mode == shell ]]; then
	echo "# vm $kver: shell; leave with poweroff (or Ctrl-A x)"
	rc=0
	"${ns_exec[@]}" "${qemu[@]}" -serial mon:stdio \
		-serial "file:$out/tap.log" || rc=$?
	exit "$rc"
fi

t_qemu=$(now_us)
# `ip netns exec` execs QEMU, so $! is QEMU itself.
"${ns_exec[@]}" "${qemu[@]}" -monitor none \
	-serial "file:$out/console.log" -serial "file:$out/tap.log" \
	</dev/null >"$out/qemu.log" 2>&1 &
qemu_pid=$!

boot_us='' timed_out=0
deadline=$((t_qemu + timeout * 1000000))
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [[ -z $boot_us ]] && grep -q '^zcopy-boot: ready' "$out/tap.log" 2>/dev/null; then
		boot_us=$(($(now_us) - t_qemu))
	fi
	if (($(now_us) > deadline)); then
		timed_out=1
		break
	fi
	sleep 0.2
done
qemu_rc=0
if ((timed_out)); then
	cleanup
else
	wait "$qemu_pid" || qemu_rc=$?
	qemu_pid=
	cleanup
fi
t_end=$(now_us)
if [[ -z $boot_us ]] && grep -q '^zcopy-boot: ready' "$out/tap.log" 2>/dev/null; then
	boot_us=$((t_end - t_qemu)) # very short run: seen only after exit
fi

# --- verdict -------------------------------------------------------------------

touch "$out/tap.log" "$out/console.log"
tr -d '\r' <"$out/tap.log" | grep -vE '^zcopy-(boot|verdict):' || true
verdict=$(tr -d '\r' <"$out/tap.log" | sed -n 's/^zcopy-verdict: //p' | tail -n 1)
read -r n_pass n_fail n_skip < <(tr -d '\r' <"$out/tap.log" | awk '
	/^not ok( |$)/ { f++; next }
	/^ok( |$)/ { if (tolower($0) ~ /# skip/) s++; else p++ }
	END { print p + 0, f + 0, s + 0 }')

rc=0
if [[ -z $verdict ]]; then
	rc=1
	if ((timed_out)); then
		why="timeout after ${timeout}s (guest hung?)"
	elif grep -q 'Kernel panic' "$out/console.log"; then
		why="kernel panic"
	else
		why="QEMU exited ($qemu_rc) without a verdict (guest crash or QEMU error)"
	fi
	n_fail=$((n_fail + 1))
	echo "not ok - vm $kver: no verdict: $why"
	echo "# last 40 lines of $out/console.log:"
	tr -d '\r' <"$out/console.log" | tail -n 40 | sed 's/^/# /'
	if [[ -s $out/qemu.log ]]; then
		echo "# $out/qemu.log:"
		sed 's/^/# /' "$out/qemu.log"
	fi
elif [[ $verdict != pass ]] || ((n_fail)); then
	rc=1
fi

# The guest wrote a tar over the results disk: bench.json, the other
# passes' JSON (guest/bench.sh) and bench.log.
if [[ $mode == bench ]]; then
	mkdir -p "$out/results"
	tar -xf "$out/results.img" -C "$out/results" 2>/dev/null || true
	for f in "$out"/results/*.json "$out"/results/*.txt "$out/results/bench.log"; do
		[[ -f $f ]] && cp "$f" "$out/"
	done
	if [[ -s $out/bench.json ]]; then
		echo "# vm $kver: results in $out/bench.json"
	elif [[ -s $out/http.json && ${ZCOPY_VM_APPEND:-} == *zcopyvm.bench_only=http* ]]; then
		echo "# vm $kver: results in $out/http.json (the HTTP servers only)"
	else
		echo "not ok - vm $kver: no bench.json on the results disk"
		n_fail=$((n_fail + 1))
		rc=1
	fi
fi

boot=n/a
[[ -n $boot_us ]] && boot=$(secs "$boot_us")s
echo "vm $kver: boot $boot, total $(secs $((t_end - t_start)))s, network $net"
echo "vm $kver: ${n_pass} passed, ${n_fail} failed, ${n_skip} skipped, verdict ${verdict:-none}"
exit "$rc"
