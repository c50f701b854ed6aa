#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench / make bench-quick: build, boot the test VM on each kernel,
# run `zcopyctl bench` there (selftests/vm/guest/bench.sh), then turn each
# bench.json into report.md and plots (scripts/bench-report.py) and check
# it (selftests/bench/check_bench_json.py).
#
# usage: bench.sh full|quick|tiny [KVER...]   (default: scripts/kernels.sh)
#
# Results: full -> bench/results/<kernel>/ (meant to be committed),
# quick and tiny -> build/bench-<profile>/<kernel>/. BENCH_OUT=DIR puts
# them in DIR/<kernel>/ instead. The VM's own files (logs, images) go to
# build/<kernel>/vm-bench-<profile>/, or BENCH_VM_OUT/<kernel>/.
# Paths: virtio, veth and loopback; quick only virtio and veth, the SG
# paths the targets are about, hot cache, twice (the repeatability
# table). BENCH_PATHS=a,b overrides (e.g. virtio,loopback). Under TCG
# the VM counts instructions (ZCOPY_VM_ICOUNT=0: the host's clock).
# BENCH_ONLY=method:M,size:S,... runs just those methods and sizes, in
# two passes (for experiments: the report's checks will miss the rest);
# BENCH_PERF=1 adds a guest perf profile of the first pass (perf.txt;
# needs the host's perf).
# After zcopyctl bench, the HTTP servers (selftests/vm/guest/bench_http.sh:
# wrk against zcopyctl serve, nginx and lighttpd; http.json, the report's
# "HTTP servers"). BENCH_ONLY=http runs only them, and then also takes
# server:S, size:S, conns:N and seconds:N (e.g. http,server:nginx,size:4K).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

profile=${1:-}
case $profile in
full | quick | tiny) shift ;;
*)
	echo "usage: bench.sh full|quick|tiny [KVER...]" >&2
	exit 2
	;;
esac

need_deps=0
for c in qemu-system-x86_64 busybox gnuplot; do
	command -v "$c" >/dev/null || need_deps=1
done
pkg-config --exists libnl-genl-3.0 libcrypto 2>/dev/null || need_deps=1
if ((need_deps)); then
	make --no-print-directory deps
fi

if (($#)); then
	kernels=("$@")
else
	mapfile -t kernels < <(scripts/kernels.sh)
fi
if [[ $profile == full ]]; then
	results=${BENCH_OUT:-$top/bench/results}
else
	results=${BENCH_OUT:-$top/build/bench-$profile}
fi
if [[ $profile == quick ]]; then
	paths=${BENCH_PATHS:-virtio,veth}
else
	paths=${BENCH_PATHS:-virtio,veth,loopback}
fi
# One bench disk (273 MiB of files) for every kernel and profile.
export ZCOPY_VM_BENCH_DISK=${ZCOPY_VM_BENCH_DISK:-$top/build/bench-disk.img}
mkdir -p "$(dirname "$ZCOPY_VM_BENCH_DISK")"

make --no-print-directory tool >/dev/null
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT

start=$(date +%s)
failed=0
for k in "${kernels[@]}"; do
	if [[ $k == missing-* ]]; then
		echo "bench: kernel ${k#missing-} is not installed (make deps)" >&2
		failed=1
		continue
	fi
	t0=$(date +%s)
	echo "# bench $profile on $k"
	make --no-print-directory module KVER="$k" >/dev/null
	if [[ -n ${BENCH_VM_OUT:-} ]]; then
		vm=$BENCH_VM_OUT/$k
	else
		vm=$top/build/$k/vm-bench-$profile
	fi
	rc=0
	ZCOPY_VM_APPEND="${ZCOPY_VM_APPEND:-}${BENCH_ONLY:+ zcopyvm.bench_only=$BENCH_ONLY}${BENCH_PERF:+ zcopyvm.bench_perf=1}" \
		ZCOPY_VM_EXTRA_PROGRAMS=${BENCH_PERF:+$(command -v perf)} \
		selftests/vm/run.sh --kver "$k" --mode bench --bench-profile "$profile" \
		--bench-paths "$paths" --out "$vm" --module "$top/build/$k/mod/kmod/zcopy.ko" \
		--tool "$top/build/tool/zcopyctl" --tests "$empty" --bats "$empty" ||
		rc=$?
	# BENCH_ONLY=http: the HTTP servers' http.json is all there is.
	main=bench.json
	[[ ,${BENCH_ONLY:-}, == *,http,* ]] && main=http.json
	if [[ ! -s $vm/$main ]]; then
		echo "bench: $k: no $main (see $vm/console.log, $vm/tap.log)" >&2
		failed=1
		continue
	fi
	((rc == 0)) || failed=1
	# Only this run's files: no plot of an earlier run may linger.
	dir=$results/$k
	rm -rf "$dir"
	mkdir -p "$dir"
	cp "$vm"/*.json "$dir/"
	/usr/bin/python3 scripts/bench-report.py "$dir/$main" || failed=1
	/usr/bin/python3 selftests/bench/check_bench_json.py --paths "$paths" \
		--report-dir "$dir" "$dir/$main" || failed=1
	echo "# bench $profile on $k took $(($(date +%s) - t0)) s: $dir/report.md"
done
echo "# bench $profile took $(($(date +%s) - start)) s"
exit "$failed"
