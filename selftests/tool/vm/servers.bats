#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
# shellcheck disable=SC2154 # $stderr and $bg_status: bats and helper.bash
#
# Real servers nobody here wrote, under `zcopyctl observe -- SERVER`:
# nginx and lighttpd serve /data/f1m1 from the ext4 disk to curl in netns
# peer over virtio-net. With sendfile the body goes by reference (0.00
# copies/B: only the response header is copied); nginx with sendfile off
# copies every byte (1.00); with tx checksumming off on the device the
# stack copies again, and says where (software checksums). An nginx
# already running is observed by the pid of its worker.

load helper

PEER=(ip netns exec "${ZCOPY_PEER_NETNS:-peer}")
DATA=${ZCOPY_DATA:-/data}
ADDR=${ZCOPY_LOCAL_VIRTIO:-192.0.2.1}
DEV=${ZCOPY_DEV_VIRTIO:-eth0}
PORT=8080
# A response header is well under this; the body is 1 MiB + 1.
HEADER_MAX=1024

setup_file() {
	require_zcopyctl
	[[ $(id -u) == 0 ]] || fail "these tests run as root"
	[[ -d /sys/module/zcopy ]] || fail "the zcopy module is not loaded"
	command -v jq curl nginx lighttpd >/dev/null ||
		fail "jq, curl, nginx or lighttpd is missing (make deps)"
}

teardown() {
	[[ -z ${SERVER_PID_FILE:-} || ! -s $SERVER_PID_FILE ]] ||
		kill "$(<"$SERVER_PID_FILE")" 2>/dev/null || true
	teardown_bg
	ethtool -K "$DEV" tx on >/dev/null 2>&1 || true
}

nginx_conf() { # on|off
	cat <<-EOF
		daemon off;
		master_process on;
		worker_processes 1;
		user root;
		pid $BATS_TEST_TMPDIR/server.pid;
		error_log $BATS_TEST_TMPDIR/error.log;
		events { worker_connections 64; }
		http {
			access_log off;
			sendfile $1;
			tcp_nopush on;
			default_type application/octet-stream;
			client_body_temp_path $BATS_TEST_TMPDIR;
			proxy_temp_path $BATS_TEST_TMPDIR;
			fastcgi_temp_path $BATS_TEST_TMPDIR;
			uwsgi_temp_path $BATS_TEST_TMPDIR;
			scgi_temp_path $BATS_TEST_TMPDIR;
			server { listen $ADDR:$PORT; root $DATA; }
		}
	EOF
}

lighttpd_conf() {
	cat <<-EOF
		server.document-root = "$DATA"
		server.bind = "$ADDR"
		server.port = $PORT
		server.pid-file = "$BATS_TEST_TMPDIR/server.pid"
		server.errorlog = "$BATS_TEST_TMPDIR/error.log"
		server.username = ""
		server.network-backend = "sendfile"
	EOF
}

# Start `zcopyctl observe -j -- SERVER...` (SERVER writes its pid to
# $BATS_TEST_TMPDIR/server.pid), fetch f1m1 COUNT times with curl from
# netns peer, stop the server; $output is observe's summary.
observe_server() { # COUNT SERVER...
	local count=$1 i got size
	shift

	SERVER_PID_FILE=$BATS_TEST_TMPDIR/server.pid
	size=$(stat -c %s "$DATA/f1m1")
	start_bg "$BATS_TEST_TMPDIR/obs.out" "$BATS_TEST_TMPDIR/obs.err" \
		"$ZCOPYCTL" observe -j -- "$@"
	local obs=$BG_PID
	wait_listen_addr
	for ((i = 0; i < count; i++)); do
		got=$("${PEER[@]}" curl -sS -o /dev/null -w '%{http_code} %{size_download}' \
			"http://$ADDR:$PORT/f1m1")
		[[ $got == "200 $size" ]] || fail "curl: $got, want 200 $size"
	done
	kill -TERM "$(<"$SERVER_PID_FILE")"
	wait_exit "$obs" 30
	[[ $bg_status == 0 ]] ||
		fail "observe exited $bg_status: $(cat "$BATS_TEST_TMPDIR/obs.err" "$BATS_TEST_TMPDIR/error.log")"
	set_output "$(tail -n 1 "$BATS_TEST_TMPDIR/obs.out")"
	assert_jq --argjson n $((count * size)) --arg dev "$DEV" \
		'.type == "summary" and .bytes >= $n and
		 .bytes == .copied + .by_ref and .egress_dev == $dev and .all_probes'
	# for the log: what a reader of the docs sees
	echo "# $(jq -c . <<<"$output")" >&3
}

# Until the server listens on $ADDR:$PORT (10 s).
wait_listen_addr() {
	local i

	for ((i = 0; i < 100; i++)); do
		"${PEER[@]}" curl -s -o /dev/null "http://$ADDR:$PORT/" && return 0
		sleep 0.1
	done
	fail "nothing answers on $ADDR:$PORT: $(cat "$BATS_TEST_TMPDIR/error.log" 2>/dev/null)"
}

# A command's or a process's observation counts every transmission: a
# segment sent again (the slow guest's RTO) is counted again, in .retrans
# too, so by_ref may exceed the bodies by that much.
@test "nginx, sendfile on, over virtio-net: the bodies by reference, 0.00 copies/B" {
	nginx_conf on >"$BATS_TEST_TMPDIR/nginx.conf"
	observe_server 3 nginx -e "$BATS_TEST_TMPDIR/error.log" \
		-c "$BATS_TEST_TMPDIR/nginx.conf"
	assert_jq --argjson n $((3 * $(stat -c %s "$DATA/f1m1"))) \
		--argjson h $((3 * HEADER_MAX)) --arg f "$DATA/f1m1" \
		'.by_ref >= $n and .by_ref <= $n + .retrans and
		 .copied < $h + .retrans and .copies_per_byte == 0 and
		 (.files | length) == 1 and .files[0].path == $f and
		 .files[0].by_ref == .by_ref'
}

@test "nginx running, its worker observed with --pid: the bodies by reference" {
	local size worker i got

	size=$(stat -c %s "$DATA/f1m1")
	nginx_conf on >"$BATS_TEST_TMPDIR/nginx.conf"
	SERVER_PID_FILE=$BATS_TEST_TMPDIR/server.pid
	start_bg "$BATS_TEST_TMPDIR/nginx.out" "$BATS_TEST_TMPDIR/nginx.err" \
		nginx -e "$BATS_TEST_TMPDIR/error.log" -c "$BATS_TEST_TMPDIR/nginx.conf"
	wait_listen_addr
	# The master accepts nothing and sends nothing: its one worker does.
	worker=$(awk -v p="$(<"$SERVER_PID_FILE")" '$4 == p { print $1 }' \
		/proc/[0-9]*/stat 2>/dev/null)
	[[ $worker =~ ^[0-9]+$ ]] || fail "no single worker: '$worker'"
	start_observe --pid "$worker"
	for ((i = 0; i < 3; i++)); do
		got=$("${PEER[@]}" curl -sS -o /dev/null -w '%{http_code} %{size_download}' \
			"http://$ADDR:$PORT/f1m1")
		[[ $got == "200 $size" ]] || fail "curl: $got, want 200 $size"
	done
	kill -INT "$OBS"
	wait_exit "$OBS" 30
	[[ $bg_status == 0 ]] ||
		fail "observe exited $bg_status: $(cat "$BATS_TEST_TMPDIR/obs.err")"
	set_output "$(tail -n 1 "$BATS_TEST_TMPDIR/obs.out")"
	echo "# $(jq -c . <<<"$output")" >&3
	assert_jq --argjson n $((3 * size)) --argjson h $((3 * HEADER_MAX)) \
		--argjson pid "$worker" \
		'.type == "summary" and .pid == $pid and .sockets == 3 and
		 .by_ref >= $n and .by_ref <= $n + .retrans and
		 .copied < $h + .retrans and .copies_per_byte == 0 and
		 .bytes == .copied + .by_ref and (has("sends_missed") | not)'
	assert_jq --arg f "$DATA/f1m1" \
		'.files == [{"by_ref": .by_ref, "dev": .files[0].dev,
			     "ino": .files[0].ino, "path": $f}]'
}

@test "nginx under wrk, 8 connections for 2 s: the bodies by reference, 0.00 copies/B" {
	local size req out

	command -v wrk >/dev/null || skip "no wrk (make deps)"
	size=$(stat -c %s "$DATA/f1m1")
	nginx_conf on >"$BATS_TEST_TMPDIR/nginx.conf"
	SERVER_PID_FILE=$BATS_TEST_TMPDIR/server.pid
	start_bg "$BATS_TEST_TMPDIR/obs.out" "$BATS_TEST_TMPDIR/obs.err" \
		"$ZCOPYCTL" observe -j -- nginx -e "$BATS_TEST_TMPDIR/error.log" \
		-c "$BATS_TEST_TMPDIR/nginx.conf"
	local obs=$BG_PID
	wait_listen_addr
	out=$("${PEER[@]}" wrk -t 1 -c 8 -d 2s "http://$ADDR:$PORT/f1m1")
	echo "# $(tr -s ' \n' ' ' <<<"$out")" >&3
	# "  N requests in 2.00s, M MB read"
	req=$(awk '/ requests in / { print $1 }' <<<"$out")
	[[ $req =~ ^[0-9]+$ ]] && ((req > 0)) || fail "wrk: $out"
	grep -q 'Non-2xx' <<<"$out" && fail "wrk: $out"
	kill -TERM "$(<"$SERVER_PID_FILE")"
	wait_exit "$obs" 30
	[[ $bg_status == 0 ]] ||
		fail "observe exited $bg_status: $(cat "$BATS_TEST_TMPDIR/obs.err")"
	set_output "$(tail -n 1 "$BATS_TEST_TMPDIR/obs.out")"
	echo "# $(jq -c . <<<"$output")" >&3
	# wrk stops with up to 8 bodies under way: those are partly sent.
	assert_jq --argjson n $((req * size)) --argjson h $(((req + 9) * HEADER_MAX)) \
		'.by_ref >= $n and .copied < $h and .copies_per_byte == 0 and
		 .bytes == .copied + .by_ref and .all_probes'
}

@test "nginx, sendfile off: every byte copied, 1.00 copies/B" {
	nginx_conf off >"$BATS_TEST_TMPDIR/nginx.conf"
	observe_server 3 nginx -e "$BATS_TEST_TMPDIR/error.log" \
		-c "$BATS_TEST_TMPDIR/nginx.conf"
	assert_jq '.by_ref == 0 and .copied == .bytes and .copies_per_byte == 1'
}

@test "nginx, sendfile on, tx checksumming off: copied again, checksums in software" {
	ethtool -K "$DEV" tx off >/dev/null || skip "cannot switch $DEV's tx checksumming"
	nginx_conf on >"$BATS_TEST_TMPDIR/nginx.conf"
	observe_server 1 nginx -e "$BATS_TEST_TMPDIR/error.log" \
		-c "$BATS_TEST_TMPDIR/nginx.conf"
	assert_jq '.by_ref == 0 and .copied == .bytes and
		   .copies.software_checksum >= 1048577'
}

@test "lighttpd, sendfile backend, over virtio-net: 0.00 copies/B" {
	lighttpd_conf >"$BATS_TEST_TMPDIR/lighttpd.conf"
	observe_server 3 lighttpd -D -f "$BATS_TEST_TMPDIR/lighttpd.conf"
	assert_jq --argjson n $((3 * $(stat -c %s "$DATA/f1m1"))) \
		--argjson h $((3 * HEADER_MAX)) \
		'.by_ref >= $n and .by_ref <= $n + .retrans and
		 .copied < $h + .retrans and .copies_per_byte == 0'
}
