#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# /zcopy/bench_http.sh: the HTTP servers' step of the guest bench
# (guest/bench.sh runs it after `zcopyctl bench`). wrk in netns peer
# fetches the same bench-<bytes> file over and over from `zcopyctl
# serve`, nginx (sendfile on, tcp_nopush on, one worker, no access log)
# and lighttpd (sendfile backend), one cell per server, file size and
# number of connections, and writes $ZCOPY_BENCH_OUT/http.json (schema
# 1, "kind": "http"). A server whose program is missing (zcopyctl
# without `serve`, an image without nginx) is recorded as skipped, with
# the reason, not left out.
#
# What a cell measures (guest time: under the bench VM's instruction
# counting one ns is one instruction):
# - requests/s: the bytes wrk received over its run, in responses of
#   this size (header + body), per second of wrk's own clock. wrk's
#   count of complete responses is in the JSON too; at 16 MiB and 64
#   connections a run of a few seconds ends with most responses
#   half-sent, which that count would drop.
# - On one CPU (the bench VM under instruction counting) with no idle
#   time, requests/s is one over the whole machine's CPU per response;
#   how that splits between the server and wrk depends on whose context
#   the softirqs ran in (an ACK taken in wrk's context transmits the
#   server's next segments there), so wrk's CPU per response is kept
#   too.
# - server CPU per request: everything the machine did in the window
#   around wrk (the wall clock minus idle, from /proc/stat), less what
#   the client and the measuring cost (the CPU time of the cgroup wrk
#   and the observer run in: cpu.stat usage_usec, exact), per response.
#   That is the server's processes, and the kernel work they cause
#   wherever it runs: zcopy's jobs in kernel workers (which the server
#   process's own CPU time would leave out), softirqs, and over veth the
#   receiving side of TCP, which runs in the sender's context. The
#   server processes' own share (their cgroup's usage_usec) is recorded
#   beside it.
# - copies per byte: `zcopyctl observe --cgroup` on the server's cgroup
#   (every socket the server made, whoever sends on it) over the cell.
#
# Path: veth by default (ZCOPY_BENCH_HTTP_PATH=virtio for the NIC): it
# stays in the guest, so the numbers repeat; over virtio-net the host's
# tap bridge forwards in real time while the idle guest's clock jumps
# to its next timer.
#
# Environment: ZCOPY_BENCH_PROFILE (full|quick|tiny), ZCOPY_BENCH_OUT,
# ZCOPY_VIRT, ZCOPY_BENCH_HTTP_PATH (veth|virtio),
# ZCOPY_BENCH_HTTP_ONLY (words server:S, size:BYTES|4K|1M, conns:N, seconds:N:
# just those, for experiments). Prints TAP.
set -euo pipefail

profile=${ZCOPY_BENCH_PROFILE:-quick}
outdir=${ZCOPY_BENCH_OUT:-/tmp/bench-out}
data=${ZCOPY_DATA:-/data}
path=${ZCOPY_BENCH_HTTP_PATH:-veth}
port=8080
cgroot=/sys/fs/cgroup
work=/tmp/bench-http
json=$outdir/http.json
mkdir -p "$outdir" "$work"
rm -f "$json" "$work"/*

case $path in
veth) addr=${ZCOPY_LOCAL_VETH:-192.0.2.17} dev=${ZCOPY_DEV_VETH:-veth0} ;;
virtio) addr=${ZCOPY_LOCAL_VIRTIO:-192.0.2.1} dev=${ZCOPY_DEV_VIRTIO:-eth0} ;;
*)
	echo "not ok - bench http: unknown path '$path'"
	exit 1
	;;
esac

# Cells by profile: sizes (bytes), connections, seconds of wrk (whole
# seconds: wrk takes no less).
case $profile in
full) sizes=(4096 65536 1048576 16777216) conns=(1 16 64) secs=2 ;;
quick) sizes=(4096 65536 1048576 16777216) conns=(1 64) secs=1 ;;
tiny) sizes=(4096 65536) conns=(16) secs=1 ;;
*)
	echo "not ok - bench http: unknown profile '$profile'"
	exit 1
	;;
esac
servers=(serve nginx lighttpd)

only_servers=() only_sizes=() only_conns=()
IFS=, read -r -a words <<<"${ZCOPY_BENCH_HTTP_ONLY:-}"
for w in "${words[@]}"; do
	case $w in
	server:*) only_servers+=("${w#*:}") ;;
	size:*)
		n=${w#*:}
		case $n in
		*K) n=$((${n%K} * 1024)) ;;
		*M) n=$((${n%M} * 1048576)) ;;
		esac
		only_sizes+=("$n")
		;;
	conns:*) only_conns+=("${w#*:}") ;;
	seconds:*) secs=${w#*:} ;;
	*)
		echo "not ok - bench http: '$w' is not server:S, size:S, conns:N or seconds:N"
		exit 1
		;;
	esac
done
((${#only_servers[@]})) && servers=("${only_servers[@]}")
((${#only_sizes[@]})) && sizes=("${only_sizes[@]}")
((${#only_conns[@]})) && conns=("${only_conns[@]}")

if ! command -v wrk >/dev/null; then
	echo "ok - bench http # skip no wrk in the image (make deps)"
	exit 0
fi
if [[ ! -f $cgroot/cgroup.controllers ]]; then
	echo "ok - bench http # skip no cgroup v2 at $cgroot"
	exit 0
fi

# The pinning of guest/bench.sh: with two CPUs the server on 0, wrk on
# 1; with one (instruction counting) they share it.
if (($(grep -c ^processor /proc/cpuinfo) > 1)); then
	server_pin=(taskset -c 0) client_pin=(taskset -c 1)
else
	server_pin=() client_pin=()
fi
echo 0 >/proc/sys/net/ipv4/tcp_slow_start_after_idle

# Two cgroups: the server's (observed, its CPU time its own share) and
# the harness's (wrk and the observer: subtracted from the machine's).
harness=$cgroot/zcopy-http-harness
mkdir -p "$harness"
# in_cgroup CGROUP CMD... runs CMD in CGROUP, as this very process: in
# the background, $! is CMD's pid.
in_cgroup() { # CGROUP CMD...
	local cg=$1 prog
	shift
	# By its path: busybox's sh would run its own applet of the name.
	prog=$(type -P "$1") || prog=$1
	shift
	# shellcheck disable=SC2016 # $$ and $@ are the inner shell's
	exec sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$prog" "$@"
}
cg_usage_us() { # CGROUP
	awk '$1 == "usage_usec" { print $2 }' "$1/cpu.stat"
}
tck=$(getconf CLK_TCK 2>/dev/null || echo 100)
idle_us() { # idle + iowait of all CPUs
	awk -v t="$tck" '$1 == "cpu" { printf "%.0f\n", ($5 + $6) * 1000000 / t }' /proc/stat
}
now_us() { echo "${EPOCHREALTIME/./}"; }

# wrk's own totals, exactly: its Lua done() hook.
cat >"$work/done.lua" <<'EOF'
done = function(s, latency, requests)
	local e = s.errors
	io.write(string.format("zcopy-wrk %d %d %d %d %d %d %d %d\n",
		s.requests, s.bytes, s.duration, e.connect, e.read, e.write,
		e.status, e.timeout))
end
EOF

# As selftests/tool/vm/servers.bats runs it, with room for 64
# connections and no keep-alive limit within a cell.
nginx_conf() {
	local t
	echo "daemon off; master_process on; worker_processes 1; user root;"
	echo "pid $work/nginx.pid; error_log $work/nginx-error.log;"
	echo "events { worker_connections 1024; }"
	echo "http { access_log off; sendfile on; tcp_nopush on;"
	echo "keepalive_requests 1000000; default_type application/octet-stream;"
	for t in client_body proxy fastcgi uwsgi scgi; do
		echo "${t}_temp_path $work;"
	done
	echo "server { listen $addr:$port; root $data; } }"
}

lighttpd_conf() {
	local -A set=([document-root]="\"$data\"" [bind]="\"$addr\"" [port]=$port
		[pid-file]="\"$work/lighttpd.pid\""
		[errorlog]="\"$work/lighttpd-error.log\"" [username]='""'
		[network-backend]='"sendfile"' [max-keep-alive-requests]=65535)
	local k
	for k in "${!set[@]}"; do
		echo "server.$k = ${set[$k]}"
	done
}

# SERVER's command line in cmd, or why it cannot run in why (exit 1).
server_cmd() { # SERVER
	cmd=() why=''
	case $1 in
	serve)
		zcopyctl serve --help >/dev/null 2>&1 ||
			why="this zcopyctl has no serve command"
		cmd=(zcopyctl serve -p "$port" -b "$addr" "$data")
		;;
	nginx)
		command -v nginx >/dev/null || why="no nginx in the image"
		nginx_conf >"$work/nginx.conf"
		cmd=(nginx -e "$work/nginx-error.log" -c "$work/nginx.conf")
		;;
	lighttpd)
		command -v lighttpd >/dev/null || why="no lighttpd in the image"
		lighttpd_conf >"$work/lighttpd.conf"
		cmd=(lighttpd -D -f "$work/lighttpd.conf")
		;;
	*) why="unknown server" ;;
	esac
	[[ -z $why ]]
}

tool_version() {
	zcopyctl version -j 2>/dev/null | jq -r '.tool_version // "unknown"'
}

server_version() { # SERVER
	case $1 in
	serve) tool_version ;;
	nginx) nginx -v 2>&1 | sed 's/^nginx version: //' ;;
	lighttpd) lighttpd -v 2>&1 | head -n 1 | cut -d' ' -f1 ;;
	esac
}

peer() { ip netns exec "${ZCOPY_PEER_NETNS:-peer}" "$@"; }

# The response to one GET of bench-SIZE, from netns peer: "CODE HEADER
# BODY" (bytes).
fetch() { # SIZE
	peer curl -sS -m 10 -o /dev/null -w '%{http_code} %{size_header} %{size_download}' \
		"http://$addr:$port/bench-$1" 2>&1
}

server_pid=''
stop_server() {
	[[ -n $server_pid ]] || return 0
	kill -TERM "$server_pid" 2>/dev/null || true
	wait "$server_pid" 2>/dev/null || true
	server_pid=''
}
obs_pid=''
# shellcheck disable=SC2317 # the EXIT trap's
cleanup() {
	[[ -z $obs_pid ]] || kill -TERM "$obs_pid" 2>/dev/null || true
	stop_server
	# Empty by now: what ran in them has exited.
	rmdir "$cgroot"/zcopy-http-* 2>/dev/null || true
}
trap cleanup EXIT

# Until the server answers (10 s): its first response, or nothing.
wait_server() {
	local i got
	for ((i = 0; i < 100; i++)); do
		kill -0 "$server_pid" 2>/dev/null || return 1
		got=$(fetch "${sizes[0]}") || true
		[[ $got == 200\ * ]] && return 0
		sleep 0.1
	done
	return 1
}

# One JSON object per line: the cells, then the servers.
cells=$work/cells.jsonl server_docs=$work/servers.jsonl
: >"$cells"
: >"$server_docs"
rc=0

cell_error() { # SERVER SIZE CONNS WHY
	jq -nc --arg s "$1" --argjson size "$2" --argjson c "$3" --arg e "$4" \
		'{server: $s, size: $size, connections: $c, error: $e}' >>"$cells"
	echo "not ok - bench http: $1, $2 B, $3 connections: $4"
	rc=1
}

# One cell: wrk for $secs seconds with CONNS connections, the server's
# cgroup observed, the machine's and the harness's CPU around it.
run_cell() { # SERVER CGROUP SIZE CONNS HEADER
	local s=$1 scg=$2 size=$3 c=$4 header=$5 t0 t1 i0 i1 h0 h1 p0 p1 w
	local obs_out=$work/obs.json obs_err=$work/obs.err wrk_out=$work/wrk.out
	local wrc=0 orc=0

	(in_cgroup "$harness" zcopyctl observe -j --cgroup "$scg") \
		>"$obs_out" 2>"$obs_err" &
	obs_pid=$!
	# Idle: under instruction counting the guest clock jumps over it.
	sleep 0.2
	t0=$(now_us) i0=$(idle_us) h0=$(cg_usage_us "$harness") p0=$(cg_usage_us "$scg")
	(in_cgroup "$harness" ip netns exec "${ZCOPY_PEER_NETNS:-peer}" \
		${client_pin[@]+"${client_pin[@]}"} timeout $((secs + 60)) wrk -t 1 -c "$c" -d "${secs}s" \
		--timeout 30s -s "$work/done.lua" "http://$addr:$port/bench-$size") \
		>"$wrk_out" 2>&1 || wrc=$?
	t1=$(now_us) i1=$(idle_us) h1=$(cg_usage_us "$harness") p1=$(cg_usage_us "$scg")
	kill -TERM "$obs_pid" 2>/dev/null || true
	wait "$obs_pid" || orc=$?
	obs_pid=''

	w=$(awk '$1 == "zcopy-wrk" { $1 = ""; print }' "$wrk_out")
	if ((wrc)) || [[ -z $w ]]; then
		cell_error "$s" "$size" "$c" "wrk exited $wrc: $(tr -s '\n' ' ' <"$wrk_out" | cut -c1-300)"
		return 0
	fi
	local obs=null
	if ((orc == 0)) && [[ -s $obs_out ]] &&
		obs=$(tail -n 1 "$obs_out" | jq -ce 'select(.type == "summary") |
			{bytes, copied, by_ref, retrans, skbs, frags, egress_dev,
			 all_probes, copies: .copies}' 2>/dev/null); then
		:
	else
		obs=null
		echo "# bench http: $s, $size B, $c: observe exited $orc: $(tr '\n' ' ' <"$obs_err")"
	fi
	# shellcheck disable=SC2086 # $w: eight numbers
	set -- $w
	jq -nc --arg s "$s" --argjson size "$size" --argjson c "$c" \
		--argjson header "$header" --argjson secs "$secs" \
		--argjson requests "$1" --argjson bytes "$2" --argjson dur_us "$3" \
		--argjson e_connect "$4" --argjson e_read "$5" --argjson e_write "$6" \
		--argjson e_status "$7" --argjson e_timeout "$8" \
		--argjson window_us $((t1 - t0)) --argjson idle_us $((i1 - i0)) \
		--argjson harness_us $((h1 - h0)) --argjson server_us $((p1 - p0)) \
		--argjson obs "$obs" '
		($size + $header) as $resp |
		($bytes / $resp) as $eq |
		(if $obs != null then $obs.bytes / $resp else $eq end) as $sent |
		(([$window_us - $idle_us, 0] | max) - $harness_us) as $side |
		def per($ns): if $sent > 0 then $ns / $sent else null end;
		{server: $s, size: $size, connections: $c, seconds: $secs,
		 response_bytes: $resp, wrk_requests: $requests, wrk_bytes: $bytes,
		 wrk_duration_ns: ($dur_us * 1000),
		 wrk_errors: {connect: $e_connect, read: $e_read, write: $e_write,
			      status: $e_status, timeout: $e_timeout},
		 responses: $eq, responses_sent: $sent,
		 requests_per_s: (if $dur_us > 0 then $eq / ($dur_us / 1e6) else null end),
		 window_ns: ($window_us * 1000), idle_ns: ($idle_us * 1000),
		 harness_cpu_ns: ($harness_us * 1000),
		 server_process_cpu_ns: ($server_us * 1000),
		 server_side_cpu_ns: ($side * 1000),
		 cpu_ns_per_request: per($side * 1000),
		 process_cpu_ns_per_request: per($server_us * 1000),
		 client_cpu_ns_per_request: per($harness_us * 1000),
		 observed: $obs,
		 copies_per_byte: (if $obs != null and $obs.bytes > 0
				   then $obs.copied / $obs.bytes else null end),
		 error: (if $e_status > 0 then "\($e_status) responses not 2xx"
			 elif $eq <= 0 then "no bytes received" else null end)}' \
		>>"$cells"
	local line
	line=$(tail -n 1 "$cells")
	if [[ $(jq -r '.error // empty' <<<"$line") ]]; then
		echo "not ok - bench http: $s, $size B, $c connections: $(jq -r .error <<<"$line")"
		rc=1
		return 0
	fi
	jq -r '"# \(.server) \(.size) B x\(.connections): \(.requests_per_s | floor) req/s, \((.cpu_ns_per_request // 0) / 1000 | floor) us CPU/req (process \((.process_cpu_ns_per_request // 0) / 1000 | floor), wrk \((.client_cpu_ns_per_request // 0) / 1000 | floor)), copies/B \(.copies_per_byte // "n/a")"' <<<"$line" || true
}

start=$(date +%s)
echo "# bench http: ${servers[*]}; sizes ${sizes[*]}; connections ${conns[*]}; ${secs} s each; $path ($addr, $dev)"
# Every file once: the page cache is hot for every server alike.
for size in "${sizes[@]}"; do
	cat "$data/bench-$size" >/dev/null
done

for s in "${servers[@]}"; do
	if ! server_cmd "$s"; then
		jq -nc --arg s "$s" --arg why "$why" '{name: $s, skipped: $why}' >>"$server_docs"
		echo "ok - bench http: $s # skip $why"
		continue
	fi
	scg=$cgroot/zcopy-http-$s
	mkdir -p "$scg"
	(in_cgroup "$scg" ${server_pin[@]+"${server_pin[@]}"} "${cmd[@]}") \
		>"$work/$s.out" 2>&1 &
	server_pid=$!
	if ! wait_server; then
		why="did not answer on $addr:$port: $(cat "$work/$s.out" "$work/$s-error.log" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
		jq -nc --arg s "$s" --arg e "$why" '{name: $s, error: $e}' >>"$server_docs"
		echo "not ok - bench http: $s $why"
		rc=1
		stop_server
		continue
	fi
	# Unmeasured: the first wrk of the boot pays for its start, and the
	# server for its first responses (tiny, make check's, is plumbing).
	[[ $profile == tiny ]] ||
		(in_cgroup "$harness" ip netns exec "${ZCOPY_PEER_NETNS:-peer}" \
			timeout 60 wrk -t 1 -c "${conns[-1]}" -d 1s \
			"http://$addr:$port/bench-${sizes[0]}") >/dev/null 2>&1 || true
	jq -nc --arg s "$s" --arg v "$(server_version "$s")" \
		--arg cmd "${cmd[*]}" '{name: $s, version: $v, command: $cmd}' >>"$server_docs"
	for size in "${sizes[@]}"; do
		# A few GETs first: each response must be right, and the
		# header's size makes responses of the bytes wrk counts.
		for i in 1 2 3; do
			got=$(fetch "$size") || true
		done
		read -r code header body <<<"$got"
		if [[ $code != 200 || $body != "$size" ]]; then
			for c in "${conns[@]}"; do
				cell_error "$s" "$size" "$c" "GET bench-$size: $got"
			done
			continue
		fi
		for c in "${conns[@]}"; do
			run_cell "$s" "$scg" "$size" "$c" "$header"
		done
	done
	stop_server
	echo "ok - bench http: $s, $(jq -rs --arg s "$s" '[.[] | select(.server == $s)] |
		"\(length) cells, \([.[] | select(.error != null)] | length) with an error"' "$cells")"
done

jq -n --arg kernel "$(uname -r)" --arg virt "${ZCOPY_VIRT:-unknown}" \
	--arg profile "$profile" --arg path "$path" --arg dev "$dev" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	--argjson cpus "$(grep -c ^processor /proc/cpuinfo)" \
	--argjson secs "$secs" --argjson took $(($(date +%s) - start)) \
	--arg tool "$(tool_version)" --arg only "${ZCOPY_BENCH_HTTP_ONLY:-}" \
	--slurpfile servers "$server_docs" --slurpfile cells "$cells" '
	{schema: 1, kind: "http", kernel: $kernel, virt: $virt, cpus: $cpus,
	 profile: $profile, path: $path, egress_dev: $dev, date: $date,
	 took_s: $took, tool: $tool, seconds: $secs, client: "wrk -t 1",
	 only: $only,
	 servers: $servers, cells: $cells}' >"$json"
echo "ok - bench http: $(jq '.cells | length' "$json") cells in ${json##*/}, $(($(date +%s) - start)) s"
exit "$rc"
