#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
# shellcheck disable=SC2154 # $stderr and $bg_status: bats and helper.bash
#
# zcopyctl's transfers in the test VM: send in every mode over loopback,
# virtio-net and veth to zcopyctl sink, the statistics it prints, list,
# show, cancel and watch, as root and as nobody. Run as root; /data holds
# the test files and their SHA256SUMS; the receivers 192.0.2.2 (virtio-net)
# and 192.0.2.18 (veth) live in netns "peer".

load helper

MODES=(copy mmap sendfile sg)
PEER=(ip netns exec "${ZCOPY_PEER_NETNS:-peer}")
DATA=${ZCOPY_DATA:-/data}

setup_file() {
	require_zcopyctl
	[[ $(id -u) == 0 ]] || fail "these tests run as root"
	[[ -d /sys/module/zcopy ]] || fail "the zcopy module is not loaded"
	[[ -f $DATA/SHA256SUMS ]] || fail "no $DATA/SHA256SUMS"
	command -v jq socat >/dev/null || fail "jq or socat is missing"
}

teardown() {
	teardown_bg
}

# The hash of a test file, from SHA256SUMS.
sum_of() {
	awk -v f="$1" '$2 == f { print $1 }' "$DATA/SHA256SUMS"
}

size_of() {
	stat -c %s "$DATA/$1"
}

# A TCP port in LISTEN state (hex in /proc/net/tcp*), within 10 s.
wait_listen() { # PORT [NETNS]
	local hex i

	hex=$(printf ':%04X ' "$1")
	for ((i = 0; i < 100; i++)); do
		if ${2:+ip netns exec "$2"} cat /proc/net/tcp /proc/net/tcp6 |
			awk -v p="$hex" 'index($2 " ", p) && $4 == "0A" { f = 1 } END { exit !f }'; then
			return 0
		fi
		sleep 0.1
	done
	fail "nothing listens on port $1 after 10 s"
}

# A receiver that accepts and never reads: socat hands the data to a
# sleep that does not read either, so the sender stalls once the pipe
# and the socket buffers are full. $STALL_PORT, $STALL_PID.
start_stalled_receiver() {
	STALL_PORT=$1
	start_bg "$BATS_TEST_TMPDIR/stall.out" "$BATS_TEST_TMPDIR/stall.err" \
		socat -u "TCP-LISTEN:$STALL_PORT,reuseaddr,rcvbuf=4096" \
		EXEC:'sleep 120'
	STALL_PID=$BG_PID
	wait_listen "$STALL_PORT"
}

# The record of job ID as root sees it, in $output.
show_job() {
	run --separate-stderr "$ZCOPYCTL" show -j "$1"
	assert_success
	assert_json_document
}

# Until job ID is running and has sent something (at most 30 s).
wait_running() {
	local i

	for ((i = 0; i < 300; i++)); do
		show_job "$1"
		jq -e '.state == "running" and .bytes_sent > 0' <<<"$output" \
			>/dev/null && return 0
		sleep 0.1
	done
	fail "job $1 not running after 30 s: $output"
}

# Until job ID has ended (at most 30 s); its record in $output. A job
# leaves the live list a moment before its record enters the history.
wait_ended() {
	local i

	for ((i = 0; i < 300; i++)); do
		run --separate-stderr "$ZCOPYCTL" show -j "$1"
		if [[ $status == 0 ]] &&
			jq -e '.state != "running" and .state != "queued"' \
				<<<"$output" >/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	fail "job $1 has not ended after 30 s: $output $stderr"
}

# Send FILE in MODE to a sink at ADDR (in netns peer unless 127.0.0.1 or
# ::1) and check what arrived: byte count and SHA-256. $output is send's
# JSON afterwards.
send_and_check() { # MODE FILE ADDR
	local mode=$1 file=$2 addr=$3 prefix=() send_json size

	[[ $addr == 127.0.0.1 || $addr == ::1 ]] || prefix=("${PEER[@]}" --)
	start_sink "${prefix[@]}" --count 1 --sha256 -j
	if [[ $addr == *:* ]]; then
		addr="[$addr]"
	fi
	run --separate-stderr "$ZCOPYCTL" send -m "$mode" -j "$DATA/$file" \
		"$addr:$SINK_PORT"
	# (a CI run once saw status 2 with nothing on stdout: say why)
	((status == 0)) ||
		fail "send to $addr:$SINK_PORT exited $status: $stderr (sink: $(cat "$SINK_ERR"))"
	assert_stderr ''
	assert_json_document
	send_json=$output
	size=$(size_of "$file")
	assert_jq --arg m "$mode" --argjson n "$size" \
		'.mode == $m and .state == "done" and .error == 0 and
		 .bytes_sent == $n and .length == $n and .offset == 0'

	finish_sink
	assert_json_document
	assert_jq --argjson n "$size" --arg sum "$(sum_of "$file")" \
		'.bytes == $n and .sha256 == $sum and .error == null'
	output=$send_json
}

# --- send, every mode, three paths -------------------------------------------

@test "send: every mode over loopback, sink gets every byte, same SHA-256" {
	local mode file

	for mode in "${MODES[@]}"; do
		for file in f1 f4097 f1m1; do
			send_and_check "$mode" "$file" 127.0.0.1
			assert_jq '.egress_dev == "lo" and .dma_out_bytes == 0'
		done
	done
}

@test "send: every mode over virtio-net to netns peer, hash matches" {
	local mode

	for mode in "${MODES[@]}"; do
		send_and_check "$mode" f1m1 "${ZCOPY_PEER_VIRTIO:-192.0.2.2}"
		assert_jq --arg dev "${ZCOPY_DEV_VIRTIO:-eth0}" '.egress_dev == $dev'
	done
}

@test "send: every mode over veth to netns peer, hash matches, no DMA out" {
	local mode

	for mode in "${MODES[@]}"; do
		send_and_check "$mode" f100000 "${ZCOPY_PEER_VETH:-192.0.2.18}"
		assert_jq --arg dev "${ZCOPY_DEV_VETH:-veth0}" \
			'.egress_dev == $dev and .dma_out_bytes == 0'
	done
}

@test "send: edge sizes (0, 4095, 4096 bytes), a sparse file and 64 MiB" {
	local file

	for file in f0 f4095 f4096 sparse16m; do
		send_and_check sg "$file" 127.0.0.1
	done
	send_and_check sg f64m "${ZCOPY_PEER_VIRTIO:-192.0.2.2}"
}

@test "send: IPv6 receiver as [::1]:PORT" {
	[[ -e /proc/net/if_inet6 ]] || skip "no IPv6 in this kernel"
	send_and_check sendfile f4097 ::1
}

# --- send -j: every field, with the right values --------------------------------

@test "send -j: every field of the record, each of the right type" {
	start_sink --count 1 -j
	run --separate-stderr "$ZCOPYCTL" send -j "$DATA/f1m1" "127.0.0.1:$SINK_PORT"
	assert_success
	assert_json_document
	assert_jq --argjson k "$(job_keys_json schema_version)" '(keys | sort) == ($k | sort)'
	assert_jq '.schema_version == 1'
	assert_jq '[.id, .offset, .length, .bytes_sent, .cpu_copy_bytes,
		.ref_bytes, .dma_in_bytes, .dma_out_bytes, .cache_hit_pages,
		.cache_miss_pages, .skbs, .frags, .syscalls, .context_switches,
		.queued_ns, .start_ns, .end_ns, .cpu_ns, .duration_ns, .rate,
		.user_data] |
		all(type == "number" and . >= 0 and . == floor)'
	# the job has ended: its duration from its clock, its rate from both
	assert_jq '.duration_ns == .end_ns - .start_ns and .duration_ns > 0'
	assert_jq '(.bytes_sent * 1e9 / .duration_ns - .rate | fabs) <= 1'
	assert_jq '.error | type == "number"'
	assert_jq '(.mode | type) == "string" and (.state | type) == "string"'
	assert_jq '(.egress_dev | type) == "string" and (.verified | type) == "boolean"'
	# default mode sg; submitted through /dev/zcopy (root)
	assert_jq '.mode == "sg" and .id > 0 and .user_data == 0'
	assert_jq '.queued_ns > 0 and .start_ns >= .queued_ns and .end_ns >= .start_ns'
	# send read() the record from /dev/zcopy: a second system call
	assert_jq '.syscalls >= 2'
	# skbs and frags come from the transmit-path observer
	assert_jq 'if .verified then .skbs > 0 and .frags > 0 else .skbs == 0 and .frags == 0 end'
	# 1 MiB + 1 byte is 257 pages, each either in the cache or not
	assert_jq '.cache_hit_pages + .cache_miss_pages == 257'
	finish_sink
}

@test "send -j: copies per mode on loopback (copy 2, mmap 1, sendfile 1, sg 0)" {
	local mode n

	n=$(size_of f1m1)
	for mode in "${MODES[@]}"; do
		start_sink --count 1 -j
		run --separate-stderr "$ZCOPYCTL" send -m "$mode" -j "$DATA/f1m1" \
			"127.0.0.1:$SINK_PORT"
		assert_success
		assert_jq --argjson n "$n" '.bytes_sent == $n'
		case $mode in
		copy)
			assert_jq '.cpu_copy_bytes == 2 * .bytes_sent and .ref_bytes == 0'
			;;
		mmap | sendfile)
			assert_jq '.cpu_copy_bytes == .bytes_sent and .ref_bytes == 0'
			;;
		sg)
			# loopback has scatter/gather: pages go by reference
			assert_jq '.cpu_copy_bytes == 0 and .ref_bytes == .bytes_sent'
			;;
		esac
		assert_jq '.dma_out_bytes == 0 and .egress_dev == "lo"'
		finish_sink
	done
}

@test "send -j sg over virtio-net: by reference and gathered by DMA (tap), or copied (hub)" {
	start_sink "${PEER[@]}" -- --count 1 -j
	run --separate-stderr "$ZCOPYCTL" send -m sg -j "$DATA/f1m1" \
		"${ZCOPY_PEER_VIRTIO:-192.0.2.2}:$SINK_PORT"
	assert_success
	if [[ ${ZCOPY_NET:-tap} == tap ]]; then
		assert_jq '.ref_bytes == .bytes_sent and .cpu_copy_bytes == 0'
		assert_jq '.dma_out_bytes == .bytes_sent'
	else
		# the hub fallback has no SG: sg must report the copy it got
		assert_jq '.cpu_copy_bytes == .bytes_sent and .ref_bytes == 0'
	fi
	finish_sink
}

@test "send -j: cold cache reads from the disk, warm cache does not" {
	local n

	n=$(size_of f1m1)
	sync
	echo 3 >/proc/sys/vm/drop_caches
	start_sink --count 1 -j
	run --separate-stderr "$ZCOPYCTL" send -j "$DATA/f1m1" "127.0.0.1:$SINK_PORT"
	assert_success
	assert_jq '.cache_miss_pages > 0 and .cache_hit_pages + .cache_miss_pages == 257'
	assert_jq --argjson n "$n" '.dma_in_bytes >= $n'
	finish_sink

	start_sink --count 1 -j
	run --separate-stderr "$ZCOPYCTL" send -j "$DATA/f1m1" "127.0.0.1:$SINK_PORT"
	assert_success
	assert_jq '.cache_miss_pages == 0 and .cache_hit_pages == 257'
	assert_jq '.dma_in_bytes == 0'
	finish_sink
}

@test "send -o/-l: a range, with size suffixes; the sink gets exactly it" {
	local sum

	# 1 MiB from byte 4096 of f1m1 (1 MiB + 1): up to one byte before the end
	sum=$(tail -c +4097 "$DATA/f1m1" | head -c 1048576 | sha256sum | cut -d' ' -f1)
	start_sink --count 1 --sha256 -j
	run --separate-stderr "$ZCOPYCTL" send -o 4k -l 1M -j "$DATA/f1m1" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	# the range is clamped to the file: 1048577 - 4096 bytes remain
	assert_jq '.offset == 4096 and .length == 1044481 and .bytes_sent == 1044481'
	finish_sink
	sum=$(tail -c +4097 "$DATA/f1m1" | sha256sum | cut -d' ' -f1)
	assert_jq --arg s "$sum" '.bytes == 1044481 and .sha256 == $s'

	sum=$(tail -c +2 "$DATA/f100000" | head -c 1000 | sha256sum | cut -d' ' -f1)
	start_sink --count 1 --sha256 -j
	run --separate-stderr "$ZCOPYCTL" send -m copy -o 1 -l 1000 -j \
		"$DATA/f100000" "127.0.0.1:$SINK_PORT"
	assert_success
	assert_jq '.offset == 1 and .length == 1000 and .bytes_sent == 1000'
	assert_jq '.cpu_copy_bytes == 2000'
	finish_sink
	assert_jq --arg s "$sum" '.bytes == 1000 and .sha256 == $s'
}

@test "send -o at the end of the file: nothing to send, done" {
	start_sink --count 1 --sha256 -j
	run --separate-stderr "$ZCOPYCTL" send -o 4097 -j "$DATA/f4097" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_jq '.state == "done" and .length == 0 and .bytes_sent == 0'
	finish_sink
	assert_jq '.bytes == 0'
}

@test "send -o past the end of the file: refused before connecting, exit 1" {
	run --separate-stderr "$ZCOPYCTL" send -o 4098 "$DATA/f4097" 127.0.0.1:9
	assert_failure 1
	assert_output ''
	assert_stderr "zcopyctl: cannot send $DATA/f4097: offset 4098 is beyond its end (4097 bytes)"
}

@test "send: text output labels every field, exact values; -h with units" {
	local key

	start_sink --count 2
	run --separate-stderr "$ZCOPYCTL" send -m mmap "$DATA/f1m1" "127.0.0.1:$SINK_PORT"
	assert_success
	assert_stderr ''
	assert_equal "${#lines[@]}" "${#JOB_KEYS[@]}"
	squeeze_output
	assert_line 'mode: mmap'
	assert_line 'state: done'
	assert_line 'error: 0'
	assert_line 'bytes sent: 1048577'
	assert_line 'cpu copy bytes: 1048577'
	assert_line 'ref bytes: 0'
	assert_line --regexp '^cpu ns: [0-9]+$'
	assert_line --regexp '^duration ns: [1-9][0-9]*$'
	assert_line --regexp '^rate: [1-9][0-9]*$'
	assert_line 'egress dev: lo'
	for key in "${JOB_KEYS[@]}"; do
		assert_line --regexp "^${key//_/ }:"
	done

	# -h: the same fields with units
	run --separate-stderr "$ZCOPYCTL" -h send -m mmap "$DATA/f1m1" "127.0.0.1:$SINK_PORT"
	assert_success
	squeeze_output
	assert_line 'bytes sent: 1.0 MiB'
	assert_line 'cpu copy bytes: 1.0 MiB'
	assert_line 'ref bytes: 0 B'
	assert_line --regexp '^cpu ns: [0-9.]+ (ns|us|ms|s)$'
	assert_line --regexp '^duration ns: [0-9.]+ (ns|us|ms|s)$'
	assert_line --regexp '^rate: [0-9.]+ (B|KiB|MiB|GiB)/s$'
	# timestamps are not durations: exact either way
	assert_line --regexp '^start ns: [0-9]+$'
	finish_sink
}

@test "send as nobody: through netlink with fds, hash matches" {
	local n

	[[ $(stat -c %a /dev/zcopy) == 600 ]] ||
		skip "/dev/zcopy is not mode 0600"
	as_nobody test -r "$DATA/f1m1" || skip "nobody cannot read $DATA/f1m1"
	n=$(size_of f1m1)
	start_sink --count 1 --sha256 -j
	run --separate-stderr as_nobody "$ZCOPYCTL" send -m sendfile -j \
		"$DATA/f1m1" "127.0.0.1:$SINK_PORT"
	assert_success
	assert_stderr ''
	assert_jq --argjson n "$n" '.state == "done" and .bytes_sent == $n'
	# the netlink path: the submit and at least the GET that saw it end
	assert_jq '.syscalls >= 2'
	finish_sink
	assert_jq --argjson n "$n" --arg s "$(sum_of f1m1)" '.bytes == $n and .sha256 == $s'
}

@test "send --no-wait: prints the id at once; the job completes on its own" {
	local id

	start_sink --count 1 --sha256 -j
	run --separate-stderr "$ZCOPYCTL" send --no-wait -j "$DATA/f64m" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq 'keys == ["id", "schema_version"] and (.id | type) == "number" and .id > 0'
	id=$(jq .id <<<"$output")

	finish_sink
	assert_jq --arg s "$(sum_of f64m)" '.bytes == 67108864 and .sha256 == $s'
	wait_ended "$id"
	assert_jq --argjson id "$id" '.id == $id and .state == "done" and .bytes_sent == 67108864'
}

@test "send --no-wait text: id: N" {
	start_sink --count 1
	run --separate-stderr "$ZCOPYCTL" send --no-wait "$DATA/f4096" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_output --regexp '^id: [0-9]+$'
	finish_sink
}

@test "send: nothing listening: connection refused, exit 1, the error object" {
	run --separate-stderr "$ZCOPYCTL" send "$DATA/f1" 127.0.0.1:9
	assert_failure 1
	assert_output ''
	assert_stderr 'zcopyctl: cannot connect to 127.0.0.1:9: Connection refused'
	run --separate-stderr "$ZCOPYCTL" send -j "$DATA/f1" 127.0.0.1:9
	assert_failure 1
	assert_json_error ECONNREFUSED
	assert_equal "$json_message" 'cannot connect to 127.0.0.1:9: Connection refused'
}

@test "send: receiver goes away: transfer failed, exit 1; -j: the error object holds the record" {
	local port=5311

	start_bg "$BATS_TEST_TMPDIR/r.out" "$BATS_TEST_TMPDIR/r.err" \
		socat -u "TCP-LISTEN:$port,reuseaddr,fork" EXEC:true
	wait_listen "$port"
	run --separate-stderr "$ZCOPYCTL" send -j "$DATA/f64m" "127.0.0.1:$port"
	assert_failure 1
	assert_json_document
	assert_jq '.schema_version == 1 and (keys | sort) == ["error", "job", "schema_version"]'
	assert_jq '(.error.name == "EPIPE" and .error.errno == 32) or (.error.name == "ECONNRESET" and .error.errno == 104)'
	assert_jq '.error.message | test("^transfer failed: (Broken pipe|Connection reset by peer)$")'
	assert_jq '.job.state == "failed" and .job.error == -.error.errno'
	assert_jq '.job.bytes_sent < 67108864 and .job.duration_ns == .job.end_ns - .job.start_ns'
	assert_stderr --regexp '^zcopyctl: transfer failed: (Broken pipe|Connection reset by peer)$'
	# text: the record on stdout, the reason on stderr
	run --separate-stderr "$ZCOPYCTL" send "$DATA/f64m" "127.0.0.1:$port"
	assert_failure 1
	squeeze_output
	assert_line 'state: failed'
	assert_stderr --regexp '^zcopyctl: transfer failed: (Broken pipe|Connection reset by peer)$'
}

@test "send --all-modes -j: four records in mode order, with the textbook's row" {
	local n

	n=$(size_of f1m1)
	start_sink --count 4 --sha256 -j
	run --separate-stderr "$ZCOPYCTL" send --all-modes -j "$DATA/f1m1" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq '.modes | map(.mode) == ["copy", "mmap", "sendfile", "sg"]'
	assert_jq --argjson n "$n" '.modes | all(.state == "done" and .bytes_sent == $n)'
	assert_jq '.modes | map(.textbook.cpu_copies) == [2, 1, 1, 0]'
	assert_jq '.modes | map(.textbook.dma_copies) == [2, 2, 2, 2]'
	assert_jq '.modes | map(.textbook.context_switches) == [4, 4, 2, 2]'
	assert_jq '.modes | map(.textbook.method) ==
		["read + write", "mmap + write", "sendfile", "sendfile + DMA gather"]'
	assert_jq '.modes | map(.textbook.syscalls) ==
		["read/write", "mmap/write", "sendfile", "sendfile"]'
	# measured on loopback (scatter/gather): 2, 1, 1, 0 copies per byte
	assert_jq '.modes | map(.cpu_copies_per_byte) == [2, 1, 1, 0]'
	assert_jq '.schema_version == 1 and keys == ["modes", "schema_version"]'
	assert_jq --argjson k "$(job_keys_json)" \
		'.modes | all(keys - ["cpu_copies_per_byte", "dma_copies_per_byte", "textbook"] | sort == ($k | sort))'
	assert_jq '[.modes[].id] | . == (sort | unique) and length == 4'
	finish_sink
	# four connections, each with the whole file
	run jq -s --argjson n "$n" --arg s "$(sum_of f1m1)" \
		'length == 4 and all(.bytes == $n and .sha256 == $s)' <<<"$output"
	assert_output true
}

@test "send --all-modes: a table, one line per mode, measured beside the book" {
	start_sink --count 4
	run --separate-stderr "$ZCOPYCTL" send --all-modes "$DATA/f100000" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_equal "${#lines[@]}" 5
	assert_line --index 0 --regexp '^MODE +TEXTBOOK +CPU COPIES +\(BOOK\) +DMA COPIES +\(BOOK\) +SYSCALLS +\(BOOK\) +CTX SWITCHES +\(BOOK\) +BYTES SENT +REF BYTES +DMA OUT +CPU TIME \(ns\)$'
	# exact: bytes and the CPU time in ns as integers
	assert_line --index 1 --regexp '^copy +read \+ write +2\.00 +2 +[0-9.]+ +2 +[0-9]+ +read/write +[0-9]+ +4 +100000 +0 +0 +[0-9]+$'
	assert_line --index 2 --regexp '^mmap +mmap \+ write +1\.00 +1 +[0-9.]+ +2 +[0-9]+ +mmap/write +[0-9]+ +4 +100000 +0 +0 '
	assert_line --index 3 --regexp '^sendfile +sendfile +1\.00 +1 +[0-9.]+ +2 +[0-9]+ +sendfile +[0-9]+ +2 +100000 +0 +0 '
	assert_line --index 4 --regexp '^sg +sendfile \+ DMA gather +0\.00 +0 +[0-9.]+ +2 +[0-9]+ +sendfile +[0-9]+ +2 +100000 +100000 +0 '
	finish_sink
	# -h: with units
	start_sink --count 4
	run --separate-stderr "$ZCOPYCTL" send -h --all-modes "$DATA/f100000" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_line --index 0 --regexp ' +DMA OUT +CPU TIME$'
	assert_line --index 1 --regexp '^copy +read \+ write +2\.00 +2 +[0-9.]+ +2 +[0-9]+ +read/write +[0-9]+ +4 +97\.7 KiB +0 B +0 B +[0-9.]+ (ns|us|ms|s)$'
	assert_line --index 4 --regexp '^sg +sendfile \+ DMA gather +0\.00 +0 +[0-9.]+ +2 +[0-9]+ +sendfile +[0-9]+ +2 +97\.7 KiB +97\.7 KiB +0 B '
	finish_sink
}

@test "send --progress on a pipe: nothing on stderr" {
	start_sink --count 1
	run --separate-stderr "$ZCOPYCTL" send --progress -j "$DATA/f64m" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	assert_stderr ''
	assert_jq '.state == "done"'
	finish_sink
}

@test "send --progress on a terminal: a bar with percentage, rate and ETA" {
	local port=5312 tty

	# A receiver that reads nothing for 2 s, then everything: the bar
	# has time to be drawn while the sender waits.
	start_bg "$BATS_TEST_TMPDIR/r.out" "$BATS_TEST_TMPDIR/r.err" \
		socat -u "TCP-LISTEN:$port,reuseaddr" \
		SYSTEM:'sleep 2; exec cat >/dev/null'
	wait_listen "$port"
	tty=$BATS_TEST_TMPDIR/tty.out
	# stdout and stderr on a pseudo-terminal; a script spares socat's
	# address syntax the command's colons, and says how send exited
	printf '#!/bin/sh\n"%s" send --progress -j "%s" 127.0.0.1:%s\necho "exit $?"\n' \
		"$ZCOPYCTL" "$DATA/f64m" "$port" >"$BATS_TEST_TMPDIR/send.sh"
	chmod +x "$BATS_TEST_TMPDIR/send.sh"
	socat -u "EXEC:$BATS_TEST_TMPDIR/send.sh,pty,stderr" "OPEN:$tty,creat" 3>&-
	grep -qa 'exit 0' "$tty" || fail "send failed: $(od -c "$tty" | tail -20)"
	grep -qa 'ETA' "$tty" || fail "no progress bar: $(od -c "$tty" | head)"
	grep -qaE '\[[#.]+\] +[0-9]+% [0-9.]+ [KMG]?i?B/64\.0 MiB +[0-9.]+ [KMG]?i?B/s +ETA [0-9:-]+' "$tty" ||
		fail "unexpected progress bar: $(od -c "$tty" | head -20)"
	# the bar is erased before the record is printed
	grep -qa $'\r\e\[K{' "$tty" || fail "bar not cleared: $(od -c "$tty" | tail -20)"
}

# --- list, show -------------------------------------------------------------------

@test "list: root sees its job, one line with id, state, mode and sizes" {
	local id

	start_sink --count 1 -j
	id=$("$ZCOPYCTL" send --no-wait -m copy -j "$DATA/f4097" "127.0.0.1:$SINK_PORT" | jq .id)
	finish_sink
	wait_ended "$id"

	run --separate-stderr "$ZCOPYCTL" list
	assert_success
	assert_stderr ''
	assert_line --index 0 --regexp '^ID +STATE +MODE +BYTES SENT +LENGTH +DURATION \(ns\) +RATE \(B/s\) +ERROR$'
	squeeze_output
	assert_line --regexp "^$id done copy 4097 4097 [1-9][0-9]* [1-9][0-9]* -\$"
	run --separate-stderr "$ZCOPYCTL" list -h
	assert_success
	# the values carry their units, the header none
	assert_line --index 0 --regexp '^ID +STATE +MODE +BYTES SENT +LENGTH +DURATION +RATE +ERROR$'
	squeeze_output
	assert_line --regexp "^$id done copy 4\\.0 KiB 4\\.0 KiB [0-9.]+ (ns|us|ms|s) [0-9.]+ (B|KiB|MiB|GiB)/s -\$"

	run --separate-stderr "$ZCOPYCTL" list -j
	assert_success
	assert_json_document
	assert_jq 'keys == ["jobs", "schema_version"] and (.jobs | type) == "array"'
	assert_jq --argjson id "$id" \
		'.jobs | map(select(.id == $id)) | length == 1 and .[0].state == "done"
		 and .[0].mode == "copy" and .[0].bytes_sent == 4097'
	assert_jq --argjson k "$(job_keys_json)" '.jobs | all(keys | sort == ($k | sort))'
}

@test "list -j as nobody: not root's jobs, but its own" {
	local root_id own_id

	start_sink --count 1
	root_id=$("$ZCOPYCTL" send -j "$DATA/f4096" "127.0.0.1:$SINK_PORT" | jq .id)
	finish_sink
	[[ $root_id =~ ^[0-9]+$ ]] || fail "no id from root's send"

	run --separate-stderr as_nobody "$ZCOPYCTL" list -j
	assert_success
	assert_json_document
	assert_jq --argjson id "$root_id" '.jobs | map(.id) | index($id) == null'

	as_nobody test -r "$DATA/f4096" || skip "nobody cannot read $DATA/f4096"
	start_sink --count 1
	own_id=$(as_nobody "$ZCOPYCTL" send -j "$DATA/f4096" "127.0.0.1:$SINK_PORT" | jq .id)
	finish_sink
	wait_ended "$own_id"
	run --separate-stderr as_nobody "$ZCOPYCTL" list -j
	assert_success
	assert_jq --argjson id "$own_id" '.jobs | map(.id) | index($id) != null'
	assert_jq --argjson id "$root_id" '.jobs | map(.id) | index($id) == null'

	# root (CAP_NET_ADMIN) sees both
	run --separate-stderr "$ZCOPYCTL" list -j
	assert_jq --argjson a "$root_id" --argjson b "$own_id" \
		'.jobs | map(.id) | index($a) != null and index($b) != null'

	# nobody cannot look at or cancel root's job either
	run --separate-stderr as_nobody "$ZCOPYCTL" show "$root_id"
	assert_failure 1
	assert_output ''
	assert_stderr "zcopyctl: getting job $root_id: No such file or directory: no such job"
}

@test "show: one job in full, the same record send printed" {
	local sent

	start_sink --count 1
	run --separate-stderr "$ZCOPYCTL" send -m sendfile -j "$DATA/f100000" \
		"127.0.0.1:$SINK_PORT"
	assert_success
	sent=$output
	finish_sink

	show_job "$(jq .id <<<"$sent")"
	assert_jq --argjson k "$(job_keys_json schema_version)" '(keys | sort) == ($k | sort)'
	# the same record but for syscalls: send's read() of /dev/zcopy
	# counted itself in the record it returned, after the history copy
	run jq -n --argjson a "$sent" --argjson b "$output" \
		'($a | del(.syscalls)) == ($b | del(.syscalls))'
	assert_output true

	run --separate-stderr "$ZCOPYCTL" show "$(jq .id <<<"$sent")"
	assert_success
	assert_equal "${#lines[@]}" "${#JOB_KEYS[@]}"
	squeeze_output
	assert_line 'mode: sendfile'
	assert_line 'bytes sent: 100000'
}

@test "show: an unknown id: no such job, exit 1" {
	run --separate-stderr "$ZCOPYCTL" show 18446744073709551615
	assert_failure 1
	assert_output ''
	assert_stderr 'zcopyctl: getting job 18446744073709551615: No such file or directory: no such job'
	run --separate-stderr "$ZCOPYCTL" show -j 18446744073709551615
	assert_failure 1
	assert_json_error ENOENT
	assert_equal "$json_message" 'getting job 18446744073709551615: No such file or directory: no such job'
}

# --- cancel -----------------------------------------------------------------------

@test "cancel: stops a stalled transfer; show says cancelled" {
	local id

	start_stalled_receiver 5313
	run --separate-stderr "$ZCOPYCTL" send --no-wait -j "$DATA/f64m" \
		"127.0.0.1:$STALL_PORT"
	assert_success
	id=$(jq .id <<<"$output")
	wait_running "$id"

	run --separate-stderr "$ZCOPYCTL" cancel "$id"
	assert_success
	assert_output ''
	assert_stderr ''
	# cancel returns once the job has ended
	show_job "$id"
	assert_jq '.state == "cancelled" and .error == -125'
	assert_jq '.bytes_sent > 0 and .bytes_sent < 67108864'

	# again: it is no longer running
	run --separate-stderr "$ZCOPYCTL" cancel "$id"
	assert_failure 1
	assert_stderr "zcopyctl: cancelling job $id: No such file or directory: no such job running"
}

@test "cancel: unknown id, exit 1; root's job as nobody, exit 1" {
	local id

	run --separate-stderr "$ZCOPYCTL" cancel 18446744073709551615
	assert_failure 1
	assert_output ''
	assert_stderr 'zcopyctl: cancelling job 18446744073709551615: No such file or directory: no such job running'

	start_stalled_receiver 5314
	id=$("$ZCOPYCTL" send --no-wait -j "$DATA/f64m" "127.0.0.1:$STALL_PORT" | jq .id)
	wait_running "$id"
	run --separate-stderr as_nobody "$ZCOPYCTL" cancel "$id"
	assert_failure 1
	assert_stderr "zcopyctl: cancelling job $id: No such file or directory: no such job running"
	show_job "$id"
	assert_jq '.state == "running"'
	run "$ZCOPYCTL" cancel "$id"
	assert_success
}

@test "send interrupted (SIGINT): the job is cancelled, its record printed, exit 1" {
	local id who pid i

	for who in root nobody; do
		start_stalled_receiver 5315
		if [[ $who == root ]]; then
			start_bg "$BATS_TEST_TMPDIR/s.out" "$BATS_TEST_TMPDIR/s.err" \
				"$ZCOPYCTL" send -j "$DATA/f64m" "127.0.0.1:$STALL_PORT"
		else
			as_nobody test -r "$DATA/f64m" || continue
			start_bg "$BATS_TEST_TMPDIR/s.out" "$BATS_TEST_TMPDIR/s.err" \
				"${AS_NOBODY[@]}" "$ZCOPYCTL" send -j "$DATA/f64m" \
				"127.0.0.1:$STALL_PORT"
		fi
		pid=$BG_PID
		for ((i = 0; i < 300; i++)); do
			id=$("$ZCOPYCTL" list -j | jq '[.jobs[] | select(.state == "running" and .length == 67108864 and .bytes_sent > 0)] | .[0].id')
			[[ $id != null ]] && break
			sleep 0.1
		done
		[[ $id != null ]] || fail "no running job ($who)"
		kill -INT "$pid"
		wait_exit "$pid" 30
		assert_equal "$bg_status" 1
		set_output "$(<"$BATS_TEST_TMPDIR/s.out")"
		# the error object, the cancelled job's record in it
		assert_json_error ECANCELED
		assert_equal "$json_message" 'transfer failed: Operation canceled'
		assert_jq --argjson id "$id" '.job.id == $id and .job.state == "cancelled" and .job.error == -125'
		assert_equal "$(<"$BATS_TEST_TMPDIR/s.err")" 'zcopyctl: transfer failed: Operation canceled'
		kill_tree "$STALL_PID"
		wait "$STALL_PID" 2>/dev/null || true
	done
}

# --- watch --------------------------------------------------------------------------

@test "watch -j: one JSON object per finished job, from another process; SIGINT ends it, exit 0" {
	local out=$BATS_TEST_TMPDIR/watch.out err=$BATS_TEST_TMPDIR/watch.err
	local wpid id1 id2

	start_bg "$out" "$err" "$ZCOPYCTL" watch -j
	wpid=$BG_PID
	wait_line "$err" '^listening for zcopy events$' "$wpid"

	start_sink --count 2 -j
	id1=$("$ZCOPYCTL" send -m copy -j "$DATA/f4097" "127.0.0.1:$SINK_PORT" | jq .id)
	# another user's job too, if nobody may read the file
	if as_nobody test -r "$DATA/f1"; then
		id2=$(as_nobody "$ZCOPYCTL" send -j "$DATA/f1" "127.0.0.1:$SINK_PORT" | jq .id)
	else
		id2=$("$ZCOPYCTL" send -j "$DATA/f1" "127.0.0.1:$SINK_PORT" | jq .id)
	fi
	finish_sink
	wait_line "$out" "\"id\":$id1,"
	wait_line "$out" "\"id\":$id2,"

	kill -INT "$wpid"
	wait_exit "$wpid" 10
	assert_equal "$bg_status" 0
	assert_equal "$(<"$err")" 'listening for zcopy events'

	output=$(<"$out")
	# one compact object per line
	run jq -c . "$out"
	assert_output "$(<"$out")"
	output=$(<"$out")
	run jq -s --argjson k "$(job_keys_json schema_version)" 'all(keys | sort == ($k | sort))' <<<"$output"
	assert_output true
	output=$(<"$out")
	run jq -s --argjson a "$id1" --argjson b "$id2" \
		'(map(select(.id == $a)) | length == 1 and .[0].state == "done" and
		  .[0].mode == "copy" and .[0].bytes_sent == 4097) and
		 (map(select(.id == $b)) | length == 1 and .[0].bytes_sent == 1)' <<<"$output"
	assert_output true
}

@test "watch: text lines, the header once; SIGTERM ends it, exit 0" {
	local out=$BATS_TEST_TMPDIR/watch.out err=$BATS_TEST_TMPDIR/watch.err
	local wpid id id2 a b c

	start_bg "$out" "$err" "$ZCOPYCTL" watch
	wpid=$BG_PID
	wait_line "$err" '^listening for zcopy events$' "$wpid"
	start_sink --count 2
	id=$("$ZCOPYCTL" send -m mmap -j "$DATA/f4096" "127.0.0.1:$SINK_PORT" | jq .id)
	id2=$("$ZCOPYCTL" send -m mmap -j "$DATA/f4096" "127.0.0.1:$SINK_PORT" | jq .id)
	finish_sink
	wait_line "$out" "^$id2 "
	kill -TERM "$wpid"
	wait_exit "$wpid" 10
	assert_equal "$bg_status" 0
	set_output "$(<"$out")"
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^ID +STATE +MODE +BYTES SENT +LENGTH +DURATION \(ns\) +RATE \(B/s\) +ERROR$'
	assert_line --index 1 --regexp "^$id +done +mmap +4096 +4096 +[1-9][0-9]* +[1-9][0-9]* +-$"
	assert_line --index 2 --regexp "^$id2 +done +mmap +4096 +4096 +[1-9][0-9]* +[1-9][0-9]* +-$"
	# the columns line up with the header, line after line
	a=${lines[0]%%STATE*} b=${lines[1]%%done*} c=${lines[2]%%done*}
	[[ ${#a} == "${#b}" && ${#b} == "${#c}" ]] || fail "columns moved: $output"
	a=${lines[0]%%ERROR*} b=${lines[1]%-} c=${lines[2]%-}
	[[ ${#a} == "${#b}" && ${#b} == "${#c}" ]] || fail "columns moved: $output"
}

@test "watch as nobody: the kernel refuses the group, clear message, exit 1" {
	run --separate-stderr as_nobody "$ZCOPYCTL" watch
	assert_failure 1
	assert_output ''
	assert_stderr 'zcopyctl: joining the "events" group: Operation not permitted: only CAP_NET_ADMIN may listen to events'
	run --separate-stderr as_nobody "$ZCOPYCTL" watch -j
	assert_failure 1
	assert_json_error EPERM
	assert_equal "$json_message" 'joining the "events" group: Operation not permitted: only CAP_NET_ADMIN may listen to events'
}

# --- sink in the guest ---------------------------------------------------------------

@test "sink: several connections at once, each reported with its own hash" {
	local f

	start_sink --count 3 --sha256 -j
	for f in f4095 f100000 f1m1; do
		socat -u "OPEN:$DATA/$f" "TCP:127.0.0.1:$SINK_PORT" 3>&- &
	done
	finish_sink
	run jq -s --arg a "$(sum_of f4095)" --arg b "$(sum_of f100000)" \
		--arg c "$(sum_of f1m1)" \
		'map({(.sha256): .bytes}) | add == {($a): 4095, ($b): 100000, ($c): 1048577}' <<<"$output"
	assert_output true
	wait
}

# --- bench, interrupted -------------------------------------------------------------

@test "bench: SIGINT while the observer-off cells run: partial results, observe parameter as it was" {
	local param=/sys/module/zcopy/parameters/observe before dir=$BATS_TEST_TMPDIR/files

	[[ -w $param ]] || skip "no $param"
	before=$(<"$param")
	# a file of the disk: the module's jobs read a real file system
	mkdir -p "$dir"
	ln -s "$DATA/f4096" "$dir/bench-4096"
	start_sink
	# zcopy_sg has its observer-off twin, which switches the parameter
	# off for its own round: stop the bench in the middle of its rounds
	start_bg "$BATS_TEST_TMPDIR/b.out" "$BATS_TEST_TMPDIR/b.err" \
		"$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" --files "$dir" \
		--method zcopy_sg --size 4k --runs 100 -j
	wait_line "$BATS_TEST_TMPDIR/b.err" '^bench: cell 2/2, round 2/101, ETA ' "$BG_PID"
	alive "$BG_PID" || fail "bench ended early: $(cat "$BATS_TEST_TMPDIR/b.err")"
	kill -INT "$BG_PID"
	wait_exit "$BG_PID" 120
	assert_equal "$bg_status" 1
	assert_equal "$(<"$param")" "$before"
	set_output "$(<"$BATS_TEST_TMPDIR/b.out")"
	assert_json_error EINTR
	assert_jq '.results.partial == true and .results.cells_planned == 2'
	# in the document's order: the observed cell, then its twin
	assert_jq '[.results.cells[] | [.method, .observer]] == [["zcopy_sg", true], ["zcopy_sg", false]]'
	assert_jq 'all(.results.cells[]; .error == null and .runs < 100)'
}
