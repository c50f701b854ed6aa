#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
# shellcheck disable=SC2154 # $stderr and $bg_status: bats and helper.bash
#
# zcopyctl observe in the test VM: programs that know nothing of zcopy,
# run under `observe -- CMD`, send /data/f1m1 to a sink in netns peer
# over virtio-net: busybox cat (sendfile(2)) by reference, socat (read
# and write) copied, zcopyctl bench's MSG_ZEROCOPY by reference; the exit
# status is CMD's; --cgroup follows a cgroup made here, with live lines
# and --duration; --pid follows a shell that writes, until it exits, and
# --fd one socket of it; nobody may not observe root's.

load helper

PEER=(ip netns exec "${ZCOPY_PEER_NETNS:-peer}")
DATA=${ZCOPY_DATA:-/data}
VIRTIO=${ZCOPY_PEER_VIRTIO:-192.0.2.2}
CGROOT=/sys/fs/cgroup

setup_file() {
	require_zcopyctl
	[[ $(id -u) == 0 ]] || fail "these tests run as root"
	[[ -d /sys/module/zcopy ]] || fail "the zcopy module is not loaded"
	command -v jq socat busybox >/dev/null ||
		fail "jq, socat or busybox is missing"
	awk -v d="$CGROOT" '$2 == d && $3 == "cgroup2" { f = 1 } END { exit !f }' \
		/proc/mounts || fail "no cgroup v2 at $CGROOT"
}

teardown() {
	teardown_bg
	[[ -z ${CG:-} ]] || rmdir "$CG" 2>/dev/null || true
}

# The summary, the last line of `observe -j`'s $output.
summary() {
	local last=${lines[${#lines[@]} - 1]}

	jq -e '.type == "summary"' <<<"$last" >/dev/null ||
		fail "no summary line: $output"
	set_output "$last"
}

# A sink in peer for one connection; then `observe -j` with ARGS (the
# word PORT becomes the sink's port). The sink must get all of f1m1;
# $output is the summary.
observe_send() { # ARGS...
	local args=() a sum size

	size=$(stat -c %s "$DATA/f1m1")
	start_sink "${PEER[@]}" -- --count 1 -j
	for a in "$@"; do
		args+=("${a//PORT/$SINK_PORT}")
	done
	run --separate-stderr "$ZCOPYCTL" observe -j "${args[@]}"
	assert_success
	summary
	sum=$output
	finish_sink
	assert_jq --argjson n "$size" '.bytes == $n'
	set_output "$sum"
	assert_jq --argjson n "$size" --arg dev "${ZCOPY_DEV_VIRTIO:-eth0}" \
		'.bytes >= $n and .bytes == .copied + .by_ref and
		 .egress_dev == $dev and .all_probes'
}

@test "observe -- busybox cat >/dev/tcp: sendfile(2) over virtio-net, 0.00 copies/B" {
	observe_send -- bash -c "busybox cat $DATA/f1m1 >/dev/tcp/$VIRTIO/PORT"
	assert_jq '.copied == 0 and .by_ref == .bytes and
		   .copies_per_byte == 0 and .exit_status == 0'
	# where they went: the one device, from the one file
	local d
	d=$(stat -c %d "$DATA/f1m1")
	assert_jq --arg f "$DATA/f1m1" --arg dev "${ZCOPY_DEV_VIRTIO:-eth0}" \
		--argjson ino "$(stat -c %i "$DATA/f1m1")" \
		--arg devno "$(((d >> 8) & 0xfff)):$(((d & 0xff) | ((d >> 12) & 0xfff00)))" \
		'(.devices | length) == 1 and .devices[0].dev == $dev and
		 .devices[0].by_ref == .by_ref and (.files | length) == 1 and
		 .files[0].path == $f and .files[0].by_ref == .by_ref and
		 .files[0].ino == $ino and .files[0].dev == $devno'
}

@test "observe -- socat: read and write, every byte copied, 1.00 copies/B" {
	observe_send -- socat -u "FILE:$DATA/f1m1" "TCP:$VIRTIO:PORT"
	assert_jq '.by_ref == 0 and .copied == .bytes and
		   .copies_per_byte == 1 and (.files | length) == 0 and
		   .devices[0].copied == .copied'
}

@test "observe -- CMD: the exit status is CMD's, its cgroup is gone after" {
	run --separate-stderr "$ZCOPYCTL" observe -j -- sh -c 'exit 3'
	assert_failure 3
	summary
	assert_jq '.exit_status == 3 and .bytes == 0 and .command == "sh"'
	run find "$CGROOT" -maxdepth 1 -name 'zcopyctl-observe-*'
	assert_output ''
}

@test "observe -- CMD that cannot run: 127, and the error" {
	run -127 --separate-stderr "$ZCOPYCTL" observe -- /nonexistent/cmd
	[[ $stderr == *"/nonexistent/cmd: No such file or directory"* ]] ||
		fail "stderr: $stderr"
}

@test "observe --cgroup -i -d: live lines, then the summary of that cgroup" {
	local n

	CG=$CGROOT/zcopy-bats-$$
	mkdir "$CG"
	start_sink "${PEER[@]}" -- --count 1 -j
	start_bg "$BATS_TEST_TMPDIR/obs.out" "$BATS_TEST_TMPDIR/obs.err" \
		"$ZCOPYCTL" observe -j -i 0.5 -d 4 --cgroup "$CG"
	local obs=$BG_PID
	sleep 1
	bash -c "echo \$\$ >$CG/cgroup.procs &&
		 exec busybox cat $DATA/f1m1 >/dev/tcp/$VIRTIO/$SINK_PORT"
	finish_sink
	wait_exit "$obs" 30
	[[ $bg_status == 0 ]] || fail "observe exited $bg_status: $(cat "$BATS_TEST_TMPDIR/obs.err")"
	set_output "$(<"$BATS_TEST_TMPDIR/obs.out")"
	n=$(jq -s '[.[] | select(.type == "interval")] | length' <<<"$output")
	((n >= 4)) || fail "$n live lines in 4 s at 0.5 s: $output"
	# a cgroup's bytes are every transmission: retransmissions too
	jq -se --argjson n "$(stat -c %s "$DATA/f1m1")" \
		'.[-1].retrans as $r |
		 [.[] | select(.type == "interval") | .bytes] | add == $n + $r' \
		<<<"$output" >/dev/null || fail "intervals do not add up: $output"
	summary
	assert_jq --arg cg "$CG" --argjson n "$(stat -c %s "$DATA/f1m1")" \
		'.cgroup == $cg and .bytes - .retrans == $n and .copied == 0'
}

@test "observe -i in text: one header, lines aligned under it, the summary" {
	local header dev_at row n=0

	CG=$CGROOT/zcopy-bats-$$
	mkdir "$CG"
	run --separate-stderr "$ZCOPYCTL" observe -i 0.5 -d 2 --cgroup "$CG"
	assert_success
	header=${lines[0]}
	[[ $header =~ ^TIME\ S\ +BYTES\ +COPIED\ +BY\ REF\ +COPIES\ PER\ BYTE\ +SKBS\ +FRAGS\ +RETRANS\ +DEV$ ]] ||
		fail "header: $header"
	dev_at=${header%%DEV}
	for row in "${lines[@]:1}"; do
		[[ $row =~ ^[0-9]+\.[0-9]\  ]] || continue
		# nothing sent: the last column is "-", under DEV
		[[ $row == *- ]] && ((${#dev_at} == ${#row} - 1)) ||
			fail "not under DEV: '$row' / '$header'"
		n=$((n + 1))
	done
	((n >= 3)) || fail "$n live lines in 2 s at 0.5 s: $output"
	assert_line --regexp '^bytes: +0$'
	assert_line --regexp '^copies per byte: +0\.00$'
}

@test "observe as nobody: a root-owned cgroup is refused with the reason" {
	CG=$CGROOT/zcopy-bats-$$
	mkdir "$CG"
	run --separate-stderr as_nobody "$ZCOPYCTL" observe -d 1 --cgroup "$CG"
	assert_failure 1
	output=$stderr
	[[ $output == *"CAP_NET_ADMIN"* ]] || fail "output: $output"
}

# A shell in the background that connects to a sink in peer, reads TEXT
# into its own memory, waits for a line on fifo $GO, then writes the text
# to the socket on fd 3 from that memory: write(2), every byte copied.
# The process observed is the shell itself ($WRITER).
start_writer() { # TEXT
	GO=$BATS_TEST_TMPDIR/go
	mkfifo "$GO"
	start_sink "${PEER[@]}" -- --count 1 -j
	start_bg "$BATS_TEST_TMPDIR/writer.out" "$BATS_TEST_TMPDIR/writer.err" \
		bash -c 'exec 3>"/dev/tcp/$1/$2" || exit 1
			 IFS= read -r -d "" data <"$3"
			 read -r _ <"$4"
			 printf %s "$data" >&3' _ "$VIRTIO" "$SINK_PORT" "$1" "$GO"
	WRITER=$BG_PID
}

# Let the writer go; observe ends when it exits. $output: the summary,
# checked against what the sink received ($n).
finish_writer() {
	echo >"$GO"
	wait_exit "$WRITER" 30
	[[ $bg_status == 0 ]] || fail "writer exited $bg_status: $(cat "$BATS_TEST_TMPDIR/writer.err")"
	finish_sink
	n=$(jq .bytes "$SINK_OUT")
	wait_exit "$OBS" 30
	[[ $bg_status == 0 ]] || fail "observe exited $bg_status: $(cat "$BATS_TEST_TMPDIR/obs.err")"
	set_output "$(<"$BATS_TEST_TMPDIR/obs.out")"
	summary
}

text_file() { # BYTES
	head -c "$1" /dev/urandom | base64 -w 0 >"$BATS_TEST_TMPDIR/text"
	echo "$BATS_TEST_TMPDIR/text"
}

@test "observe --pid: a shell's write(2), 1.00 copies/B, until it exits" {
	local text n

	text=$(text_file 300000)
	start_writer "$text"
	start_observe --pid "$WRITER"
	finish_writer
	((n == $(stat -c %s "$text"))) || fail "the sink got $n bytes"
	assert_jq --argjson n "$n" --argjson pid "$WRITER" \
		'.pid == $pid and .sockets == 1 and .bytes - .retrans == $n and
		 .copied == .bytes and .by_ref == 0 and .copies_per_byte == 1'
}

@test "observe --pid --fd: that socket's bytes, each once" {
	local text n

	text=$(text_file 300000)
	start_writer "$text"
	start_observe --pid "$WRITER" --fd 3
	finish_writer
	assert_jq --argjson n "$n" '.fd == 3 and .bytes == $n and .copied == $n'
}

@test "observe --pid as nobody: root's process is refused with the reason" {
	run --separate-stderr as_nobody "$ZCOPYCTL" observe -d 1 --pid 1
	assert_failure 1
	[[ $stderr == *"/proc/1/mem: Permission denied (observing a process needs what ptrace-attach needs)"* ]] ||
		fail "stderr: $stderr"
	run --separate-stderr as_nobody "$ZCOPYCTL" observe -d 1 --pid 1 --fd 0
	assert_failure 1
	[[ $stderr == *"fd 0 of process 1: Operation not permitted (it needs what ptrace-attach needs)"* ]] ||
		fail "stderr: $stderr"
}

@test "observe -- a program sending with MSG_ZEROCOPY over virtio-net: 0.00 copies/B" {
	local files=$BATS_TEST_TMPDIR/files size sum n

	size=$(stat -c %s "$DATA/f1m1")
	mkdir "$files"
	ln -s "$DATA/f1m1" "$files/bench-$size"
	start_sink "${PEER[@]}" -- --count 1 -j
	# zcopyctl bench --no-module knows nothing of the observer.
	run --separate-stderr "$ZCOPYCTL" observe -j -- sh -c \
		'exec "$0" bench --no-module --target "virtio=$1" --files "$2" \
			--method msg_zerocopy --size "$3" --cache hot \
			--runs 3 --warmup 0 >/dev/null' \
		"$ZCOPYCTL" "$VIRTIO:$SINK_PORT" "$files" "$size"
	assert_success
	summary
	sum=$output
	finish_sink
	n=$(jq .bytes "$SINK_OUT")
	((n >= 3 * size)) || fail "the sink got $n bytes"
	set_output "$sum"
	assert_jq --argjson n "$n" \
		'.bytes - .retrans == $n and .copied == 0 and .by_ref == .bytes and
		 .copies_per_byte == 0 and .exit_status == 0'
}

# Every line of a Prometheus text file: a comment or NAME{LABELS} VALUE.
assert_prometheus_text() { # FILE
	local bad

	bad=$(grep -vE '^(# (HELP|TYPE) [a-z_]+ .+|[a-z_:][a-z0-9_:]*(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+)$' "$1" || true)
	[[ -z $bad ]] || fail "not Prometheus text: $bad"
}

@test "observe -P FILE: the summary's counters in Prometheus' text format" {
	local prom=$BATS_TEST_TMPDIR/observe.prom

	observe_send -P "$prom" -- socat -u "FILE:$DATA/f1m1" "TCP:$VIRTIO:PORT"
	assert_prometheus_text "$prom"
	grep -qx '# TYPE zcopy_observe_bytes_total counter' "$prom" ||
		fail "no TYPE line: $(cat "$prom")"
	grep -qx "zcopy_observe_bytes_total{command=\"socat\"} $(jq .bytes <<<"$output")" "$prom" ||
		fail "bytes differ from the summary: $(cat "$prom")"
	grep -qx "zcopy_observe_copied_bytes_total{command=\"socat\"} $(jq .copied <<<"$output")" "$prom" ||
		fail "copied differs from the summary: $(cat "$prom")"
	grep -qx 'zcopy_observe_stack_copy_bytes_total{command="socat",reason="software_checksum"} 0' "$prom" ||
		fail "no reason label: $(cat "$prom")"
	grep -qx "zcopy_observe_device_copied_bytes_total{command=\"socat\",device=\"${ZCOPY_DEV_VIRTIO:-eth0}\"} $(jq .copied <<<"$output")" "$prom" ||
		fail "no device label: $(cat "$prom")"
	run find "$BATS_TEST_TMPDIR" -name 'observe.prom.*'
	assert_output ''
}

