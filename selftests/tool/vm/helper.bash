# SPDX-License-Identifier: GPL-2.0
#
# Shared by the zcopyctl bats tests: ../host.bats on the build host and the
# *.bats files here in the test VM. It lives in this directory because the
# VM runner copies only selftests/tool/vm/*.{bats,bash} into the guest.
#
# Its variables are for the .bats files; $stderr is set by bats' run.
# shellcheck disable=SC2034,SC2154

# run --separate-stderr, so that tests can tell stdout from stderr
bats_require_minimum_version 1.5.0

: "${BATS_LIB_PATH:=/usr/lib/bats}"
bats_load_library bats-support
bats_load_library bats-assert

# The binary under test: $ZCOPYCTL, else the one the VM installed
# ($ZCOPY_TOOL from /zcopy/env), else the build tree's.
if [[ -z ${ZCOPYCTL:-} ]]; then
	if [[ -n ${ZCOPY_TOOL:-} ]]; then
		ZCOPYCTL=$ZCOPY_TOOL
	else
		ZCOPYCTL=$(dirname "${BASH_SOURCE[0]}")/../../../build/tool/zcopyctl
	fi
fi

# The one message for "no zcopy family", printed by every netlink command.
MODULE_NOT_LOADED='zcopyctl: zcopy module not loaded: generic netlink family "zcopy" not found; load it: modprobe zcopy (zcopy-dkms package) or insmod zcopy.ko'

# The counters of "stats", by their JSON keys and units: counts, bytes,
# nanoseconds, and the observer's probes (arrays of names).
STATS_COUNT_KEYS=(jobs_submitted jobs_queued jobs_running jobs_done
	jobs_failed jobs_cancelled jobs_copy jobs_mmap jobs_sendfile jobs_sg
	jobs_verified observations)
STATS_BYTES_KEYS=(bytes_sent cpu_copy_bytes ref_bytes dma_in_bytes
	dma_out_bytes retrans_bytes)
STATS_NS_KEYS=(observer_ns)
STATS_PROBES_KEYS=(observer_probes observer_armed)

require_zcopyctl() {
	[[ -x $ZCOPYCTL ]] ||
		fail "zcopyctl not found at '$ZCOPYCTL' (build it, or set ZCOPYCTL)"
}

# assert_output and friends for what run --separate-stderr kept apart.
assert_stderr() {
	local output=$stderr

	assert_output "$@"
}

refute_stderr() {
	local output=$stderr

	refute_output "$@"
}

# $output is exactly one error object (ERRORS in zcopyctl.8) with this
# errno name, e.g. assert_json_error ENOENT; its message in $json_message.
assert_json_error() { # NAME
	assert_json_document
	# shellcheck disable=SC2016 # $n is jq's
	assert_jq --arg n "$1" '.schema_version == 1 and (.error | keys) == ["errno", "message", "name"] and .error.name == $n and (.error.errno | type) == "number" and .error.errno > 0 and (.error.message | length) > 0'
	json_message=$(jq -r .error.message <<<"$output")
}

# $output is exactly one JSON document.
assert_json_document() {
	local n

	n=$(jq -s length <<<"$output" 2>&1) ||
		fail "stdout is not JSON: $n"$'\n'"stdout: $output"
	[[ $n == 1 ]] ||
		fail "stdout holds $n JSON documents, not one"$'\n'"stdout: $output"
}

# The jq filter is true for $output, e.g. assert_jq '.tool_abi == 1'.
# Further arguments go to jq first, e.g. --arg name value.
assert_jq() {
	local filter=${*: -1}

	jq -e "${@:1:$#-1}" "$filter" <<<"$output" >/dev/null ||
		fail "not true: jq '$filter'"$'\n'"stdout: $output"
}

# Run a command as nobody (65534:65534, no other groups). util-linux
# setpriv does it directly; busybox's setpriv cannot change ids, so in the
# guest busybox su does: "--" keeps su from taking the command's options,
# and the inner shell passes the arguments on unchanged. Both exec, so
# "${AS_NOBODY[@]}" cmd & has the command's pid.
if setpriv --help 2>&1 | grep -q -- '--reuid'; then
	AS_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --)
else
	# shellcheck disable=SC2016 # expanded by the inner shell
	AS_NOBODY=(busybox su -s /bin/sh -c 'exec "$0" "$@"' -- nobody)
fi

as_nobody() {
	"${AS_NOBODY[@]}" "$@"
}

# Every field of a job record, as send -j, show -j, list -j and watch -j
# print it: the names of the design, user_data, and the job's duration
# and rate (null until it has ended).
JOB_KEYS=(id mode state error offset length header_len trailer_len bytes_sent
	cpu_copy_bytes ref_bytes dma_in_bytes dma_out_bytes cache_hit_pages
	cache_miss_pages skbs frags syscalls context_switches queued_ns start_ns
	end_ns cpu_ns duration_ns rate egress_dev verified user_data)

# JOB_KEYS as a JSON array, for jq --argjson; with an argument, that key
# too (schema_version, for a record that is the document's root).
job_keys_json() { # [KEY]
	printf '%s\n' "${JOB_KEYS[@]}" "$@" | jq -R . | jq -s -c .
}

# --- background processes ---------------------------------------------------

# Pids started with start_bg, killed (with their children) in teardown_bg.
BG_PIDS=()

# Run "$@" in the background, stdout and stderr to files; $BG_PID.
# fd 3 is bats' own: a child holding it would stall the test run.
start_bg() { # OUT ERR CMD...
	local out=$1 err=$2

	shift 2
	"$@" >"$out" 2>"$err" 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}

# Not exited yet: a zombie still answers kill -0.
alive() {
	local state

	read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" || return 1
	[[ $state != Z ]]
}

kill_tree() { # PID [SIGNAL]
	local child children=()

	# read fails at the end of its input, which has no newline
	read -r -a children < <(cat "/proc/$1/task/"*/children 2>/dev/null) ||
		true
	for child in "${children[@]}"; do
		kill_tree "$child" "${2:-TERM}"
	done
	# it may have gone meanwhile
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
}

teardown_bg() {
	local pid

	for pid in "${BG_PIDS[@]}"; do
		alive "$pid" && kill_tree "$pid" KILL
		wait "$pid" 2>/dev/null || true
	done
	BG_PIDS=()
}

# Wait up to LIMIT seconds (default 60) for a start_bg process to exit; its
# status in $bg_status.
wait_exit() { # PID [LIMIT]
	local i

	for ((i = 0; i < ${2:-60} * 10; i++)); do
		if ! alive "$1"; then
			# not "wait; bg_status=$?": bats' errexit
			bg_status=0
			wait "$1" || bg_status=$?
			return 0
		fi
		sleep 0.1
	done
	fail "pid $1 ($(tr '\0' ' ' <"/proc/$1/cmdline")) still runs after ${2:-60} s"
}

# Wait up to 10 s for a line matching the regular expression in FILE.
wait_line() { # FILE REGEX [PID]
	local i

	for ((i = 0; i < 100; i++)); do
		grep -qE -- "$2" "$1" 2>/dev/null && return 0
		if [[ -n ${3:-} ]] && ! alive "$3"; then
			fail "exited before printing /$2/: $(cat "$1")"
		fi
		sleep 0.1
	done
	fail "no line /$2/ in $1 after 10 s: $(cat "$1")"
}

# --- the sink -----------------------------------------------------------------

# Start "[PREFIX...] zcopyctl sink -p 0 ARGS" in the background and wait
# until it listens: $SINK_PID, $SINK_PORT, $SINK_OUT, $SINK_ERR. A PREFIX
# such as "ip netns exec peer" runs it elsewhere; "--" ends the prefix.
start_sink() { # [PREFIX... --] ARGS...
	local prefix=()

	if [[ " $* " == *" -- "* ]]; then
		while [[ $1 != -- ]]; do
			prefix+=("$1")
			shift
		done
		shift
	fi
	SINK_OUT=$BATS_TEST_TMPDIR/sink.out
	SINK_ERR=$BATS_TEST_TMPDIR/sink.err
	# start_bg truncates them in the background: not a previous sink's line
	rm -f "$SINK_OUT" "$SINK_ERR"
	start_bg "$SINK_OUT" "$SINK_ERR" "${prefix[@]}" "$ZCOPYCTL" sink -p 0 "$@"
	SINK_PID=$BG_PID
	wait_line "$SINK_ERR" '^listening on .*:[0-9]+$' "$SINK_PID"
	SINK_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$SINK_ERR")
}

# Wait for the sink to exit 0 (--count reached); its stdout in $output
# and $lines, as run would set them.
finish_sink() {
	wait_exit "$SINK_PID" 60
	[[ $bg_status == 0 ]] ||
		fail "sink exited $bg_status: $(cat "$SINK_ERR")"
	set_output "$(<"$SINK_OUT")"
}

# $output and $lines as run would set them.
set_output() {
	output=$1
	lines=()
	[[ -z $output ]] || mapfile -t lines <<<"$output"
}

# $output with the label padding squeezed, for exact line matches.
squeeze_output() {
	set_output "$(tr -s ' ' <<<"$output")"
}

# `zcopyctl observe -j ARGS` in the background ($OBS, its stdout in
# $BATS_TEST_TMPDIR/obs.out), until the module has the observation.
start_observe() { # ARGS...
	local i

	start_bg "$BATS_TEST_TMPDIR/obs.out" "$BATS_TEST_TMPDIR/obs.err" \
		"$ZCOPYCTL" observe -j "$@"
	OBS=$BG_PID
	for ((i = 0; i < 100; i++)); do
		(($("$ZCOPYCTL" stats -j | jq .observations) > 0)) && return 0
		alive "$OBS" || break
		sleep 0.1
	done
	fail "observe did not start: $(cat "$BATS_TEST_TMPDIR/obs.err")"
}
