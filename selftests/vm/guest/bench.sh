#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /zcopy/bench.sh: `run.sh --mode bench` runs this in the guest with the
# module loaded and the bench disk on /data. It starts one discarding
# receiver per path (virtio-net and veth to netns peer, loopback in the
# root netns), all on CPU 1, runs `zcopyctl bench` on CPU 0 and leaves
# in $ZCOPY_BENCH_OUT, for init to hand to the host: bench.json,
# bench-repeat.json (a second pass, ZCOPY_BENCH_REPEAT=1, default for
# quick), price-{unloaded,loaded}-N.json (sendfile and read+write on
# veth without and with the module, alternating) and bench.log.
# ZCOPY_BENCH_ONLY=method:M,size:S,... narrows both passes to those
# methods and sizes (a developer's experiment: no price);
# ZCOPY_BENCH_PERF=1 profiles that pass with perf (if the image has it)
# into perf.txt. Then the HTTP servers under wrk (bench_http.sh beside
# this: http.json); ZCOPY_BENCH_ONLY=http[,server:S,size:S,conns:N,
# seconds:N] runs only those.
# Prints TAP; the bench's own progress becomes `#` lines.
#
# Environment: ZCOPY_BENCH_PROFILE (full|quick|tiny, default quick),
# ZCOPY_BENCH_PATHS (comma-separated, default virtio,veth,loopback),
# ZCOPY_VIRT (tcg|kvm, from the runner), ZCOPY_BENCH_OUT (default
# /tmp/bench-out).
set -euo pipefail

profile=${ZCOPY_BENCH_PROFILE:-quick}
outdir=${ZCOPY_BENCH_OUT:-/tmp/bench-out}
port=9933
mkdir -p "$outdir"
json=$outdir/bench.json
log=$outdir/bench.log
rm -f "$json" "$log"

# The HTTP servers' step alone (an experiment): its words are its own.
http_only=() words=()
IFS=, read -r -a words <<<"${ZCOPY_BENCH_ONLY:-}"
for w in "${words[@]}"; do
	[[ $w == http ]] && http_only=(http)
done
run_http() {
	local w only=()
	for w in "${words[@]}"; do
		[[ $w == http ]] || only+=("$w")
	done
	ZCOPY_BENCH_HTTP_ONLY=$(
		IFS=,
		echo "${only[*]}"
	) "$(dirname "$0")/bench_http.sh"
}
if ((${#http_only[@]})); then
	run_http
	exit
fi

sinks=()
stop_sinks() {
	local p
	for p in "${sinks[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${sinks[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	sinks=()
}
trap stop_sinks EXIT

# taskset is busybox's: the receivers on CPU 1, the sender (--cpu 0) on
# CPU 0, so neither steals the other's time slices. With one CPU (the
# runner's instruction counting) they share it, and nothing is pinned.
# The receivers are SCHED_IDLE: on one CPU they read when the sender
# waits, instead of preempting it whenever bytes arrive, which they did
# or not as the scheduler's history had it (a cell's CPU/MiB then took
# one of two values, 20 % apart, by the order the cells ran in).
if (($(grep -c ^processor /proc/cpuinfo) > 1)); then
	sink_pin=(taskset -c 1) sender_pin=(--cpu 0)
else
	sink_pin=() sender_pin=()
fi

start_sink() { # NAME NETNS|- ADDR
	local name=$1 ns=$2 addr=$3 err=/tmp/sink-$1.err i
	local cmd=(chrt -i 0 "${sink_pin[@]}" zcopyctl sink -b "$addr" -p "$port")
	[[ $ns == - ]] || cmd=(ip netns exec "$ns" "${cmd[@]}")
	"${cmd[@]}" >/dev/null 2>"$err" &
	sinks+=($!)
	for i in $(seq 100); do
		grep -q 'listening on' "$err" 2>/dev/null && break
		sleep 0.1
	done
	if ((i == 100)) || ! kill -0 "${sinks[-1]}" 2>/dev/null; then
		echo "not ok - bench: sink for $name on $addr:$port: $(tr '\n' ' ' <"$err")"
		exit 1
	fi
}

# A connection idle while the other cells of its round run would restart
# from a small window, or not, as its idle time falls either side of
# the RTO: every run starts from the window it left with.
echo 0 >/proc/sys/net/ipv4/tcp_slow_start_after_idle

# One sink and one --target per path asked for.
targets=()
IFS=, read -r -a paths <<<"${ZCOPY_BENCH_PATHS:-virtio,veth,loopback}"
for p in "${paths[@]}"; do
	case $p in
	virtio) ns=peer addr=${ZCOPY_PEER_VIRTIO:-192.0.2.2} ;;
	veth) ns=peer addr=${ZCOPY_PEER_VETH:-192.0.2.18} ;;
	loopback) ns=- addr=127.0.0.1 ;;
	*)
		echo "not ok - bench: unknown path '$p'"
		exit 1
		;;
	esac
	start_sink "$p" "$ns" "$addr"
	targets+=(--target "$p=$addr:$port")
done
echo "ok - bench: sinks listening (${paths[*]})${sink_pin:+ on CPU 1}"

# One `zcopyctl bench`: its progress as it comes, as diagnostics; the
# whole log goes to the host.
run_bench() { # JSON ARGS...
	local out=$1 rc=0 start
	shift
	echo "# zcopyctl bench $* -o $out"
	start=$(date +%s)
	ZCOPY_BENCH_VIRT=${ZCOPY_VIRT:-unknown} ${perf_wrap[@]+"${perf_wrap[@]}"} zcopyctl bench "$@" \
		--files "${ZCOPY_DATA:-/data}" "${sender_pin[@]}" -o "$out" 2>&1 |
		while IFS= read -r l; do
			printf '%s\n' "$l" >>"$log"
			printf '# %s\n' "$l"
		done || rc=$?
	echo "# took $(($(date +%s) - start)) s"
	if ((rc)); then
		echo "not ok - zcopyctl bench $*: exit $rc"
	elif [[ ! -s $out ]]; then
		echo "not ok - zcopyctl bench $*: no $out"
		rc=1
	else
		echo "ok - zcopyctl bench $* -> ${out##*/}"
	fi
	return "$rc"
}

only=()
for w in "${words[@]}"; do
	case $w in
	method:* | size:* | runs:*) only+=("--${w%%:*}" "${w#*:}") ;;
	*)
		echo "not ok - bench: ZCOPY_BENCH_ONLY: '$w' is not method:M, size:S or runs:N"
		exit 1
		;;
	esac
done

rc=0
perf=() perf_wrap=()
if [[ ${ZCOPY_BENCH_PERF:-0} == 1 ]] && command -v perf >/dev/null; then
	# cpu-clock ticks on the guest clock: under icount, every 20,000
	# instructions.
	perf=(perf record -q -a -g -F 50000 -o /tmp/perf.data --)
fi
perf_wrap=("${perf[@]}")
run_bench "$json" --profile "$profile" "${targets[@]}" --seed 1 \
	"${only[@]}" || rc=1
perf_wrap=()
if ((${#perf[@]})); then
	perf report -i /tmp/perf.data --stdio --no-children --sort sym \
		-g none --percent-limit 0.3 >"$outdir/perf.txt" 2>&1 || true
	perf report -i /tmp/perf.data --stdio --children --sort sym \
		-g caller,2,callee --percent-limit 3 \
		>"$outdir/perf-callers.txt" 2>&1 || true
fi
if ((${#only[@]})); then
	run_bench "$outdir/bench-repeat.json" --profile "$profile" \
		"${targets[@]}" --seed 2 "${only[@]}" || rc=1
	stop_sinks
	exit "$rc"
fi

# The same cells again at once, in another order: the report's
# repeatability table compares the two.
if [[ ${ZCOPY_BENCH_REPEAT:-$([[ $profile == quick ]] && echo 1 || echo 0)} == 1 ]]; then
	run_bench "$outdir/bench-repeat.json" --profile "$profile" \
		"${targets[@]}" --seed 2 || rc=1
fi

# What loading zcopy costs everybody else: sendfile(2) and read+write
# with the module loaded but idle, against not loaded, in alternation.
# veth: no host in the data path. Skipped for tiny and without veth.
price_target=
for t in "${targets[@]}"; do
	[[ $t == veth=* ]] && price_target=$t
done
if [[ $profile != tiny && -n $price_target && -n ${ZCOPY_MODULE:-} ]]; then
	price=(--method sendfile --method read_write --size 1M --size 16M
		--cache hot --runs 3 --warmup 1 --target "$price_target"
		--no-module)
	for i in 1 2 3; do
		if ! out=$(rmmod zcopy 2>&1); then
			echo "not ok - module price: rmmod zcopy: $out"
			rc=1
			break
		fi
		run_bench "$outdir/price-unloaded-$i.json" "${price[@]}" \
			--seed "$i" || rc=1
		if ! out=$(insmod "$ZCOPY_MODULE" 2>&1); then
			echo "not ok - module price: insmod: $out"
			rc=1
			break
		fi
		run_bench "$outdir/price-loaded-$i.json" "${price[@]}" \
			--seed "$i" || rc=1
	done
fi
stop_sinks

# wrk against zcopyctl serve, nginx and lighttpd: http.json.
run_http || rc=1

if [[ -s $json ]]; then
	# Only a sanity check here: the host validates the schema.
	if n=$(jq -e 'select(.schema == 1) | .cells | length | select(. > 0)' \
		"$json" 2>&1); then
		errs=$(jq '[.cells[] | select(.error != null)] | length' "$json")
		echo "ok - bench.json: schema 1, $n cells, $errs with an error"
	else
		echo "not ok - bench.json: not schema 1 JSON with cells: $n"
		rc=1
	fi
fi
exit "$rc"
