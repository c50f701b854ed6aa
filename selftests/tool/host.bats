#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
# shellcheck disable=SC2153,SC2154 # set by bats and helper.bash
#
# zcopyctl on the build host, where the module is never loaded: the command
# line contract (usage, help, exit status) and how each command reports the
# missing module.
#
#   make -C tool O=/tmp/zt && ZCOPYCTL=/tmp/zt/zcopyctl bats host.bats

load vm/helper

teardown() {
	teardown_bg
}

setup_file() {
	require_zcopyctl
	[[ ! -e /sys/module/zcopy ]] ||
		fail "the zcopy module is loaded on this host; these tests expect it absent"
}

# ZCOPY_ABI_VERSION as the uapi header defines it.
header_abi() {
	sed -n 's/^#define[[:space:]]*ZCOPY_ABI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
		"$BATS_TEST_DIRNAME/../../include/uapi/linux/zcopy.h"
}

# What -V reports, e.g. "0.1" or a git description.
tool_version() {
	"$ZCOPYCTL" -V | sed -n 's/^zcopyctl //p'
}

# --- usage and exit status ------------------------------------------------

@test "no arguments: usage on stderr, exit 2" {
	run --separate-stderr "$ZCOPYCTL"
	assert_failure 2
	assert_output ''
	assert_stderr --partial 'Usage: zcopyctl [OPTIONS] COMMAND [ARGS]'
	assert_stderr --regexp $'\n  send +[^\n]+\n  list +[^\n]+\n  show +'
	assert_stderr --regexp $'\n  sink +[^\n]+\n  version +[^\n]+\n  help +'
}

@test "help: lists the commands on stdout, exit 0" {
	run --separate-stderr "$ZCOPYCTL" help
	assert_success
	assert_stderr ''
	assert_line --index 0 'Usage: zcopyctl [OPTIONS] COMMAND [ARGS]'
	assert_line --regexp '^  send +Send a file'
	assert_line --regexp '^  list +List the running jobs'
	assert_line --regexp '^  show +Show one job'
	assert_line --regexp '^  cancel +Cancel a queued or running job'
	assert_line --regexp '^  watch +Print each transfer as it finishes'
	assert_line --regexp '^  stats +Show the module-wide'
	assert_line --regexp "^  observe +Observe a program's TCP sending"
	assert_line --regexp '^  bench +Benchmark the module'
	assert_line --regexp '^  sink +Receive TCP connections'
	assert_line --regexp '^  version +Show the version'
	assert_line --regexp '^  help +List the commands'
	# in the order of the dispatch table
	assert_equal "$(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' <<<"$output" | paste -s -d ' ')" \
		'send list show cancel watch stats observe serve bench sink version help'
}

@test "--help: the same usage as help, exit 0; -h is --human, not help" {
	local help

	help=$("$ZCOPYCTL" help)
	run --separate-stderr "$ZCOPYCTL" --help
	assert_success
	assert_output "$help"
	assert_line --regexp '^  -h, --human +units in text output'
	assert_line --regexp '^  -p, --pretty +indented JSON \(implies -j\)$'
	assert_line --regexp '^      --help +show this help$'
	# -h alone: an output option without a command
	run --separate-stderr "$ZCOPYCTL" -h
	assert_failure 2
	assert_output ''
	assert_stderr --partial 'Usage: zcopyctl [OPTIONS] COMMAND [ARGS]'
	run --separate-stderr "$ZCOPYCTL" --human
	assert_failure 2
}

@test "-V and --version: the tool's version, exit 0" {
	run --separate-stderr "$ZCOPYCTL" -V
	assert_success
	assert_output --regexp '^zcopyctl [^ ]+$'
	run --separate-stderr "$ZCOPYCTL" --version
	assert_success
	assert_output --regexp '^zcopyctl [^ ]+$'
}

@test "unknown command: message, exit 2" {
	run --separate-stderr "$ZCOPYCTL" frobnicate
	assert_failure 2
	assert_output ''
	assert_stderr "zcopyctl: unknown command 'frobnicate'"$'\n'"Try 'zcopyctl help'."
}

@test "unknown global option: message, exit 2" {
	run --separate-stderr "$ZCOPYCTL" -x stats
	assert_failure 2
	assert_output ''
	assert_stderr --partial "zcopyctl: invalid option -- 'x'"
	assert_stderr --partial "Try 'zcopyctl --help'."

	run --separate-stderr "$ZCOPYCTL" --frobnicate stats
	assert_failure 2
	assert_stderr --partial "zcopyctl: unrecognized option '--frobnicate'"
}

@test "unknown command option: message naming the command, exit 2" {
	run --separate-stderr "$ZCOPYCTL" stats -x
	assert_failure 2
	assert_output ''
	assert_stderr "zcopyctl stats: invalid option -- 'x'"$'\n'"Try 'zcopyctl stats --help'."

	run --separate-stderr "$ZCOPYCTL" version --json=yes
	assert_failure 2
	assert_output ''
	assert_stderr --partial "zcopyctl version: option '--json' doesn't allow an argument"
}

@test "extra argument: message, exit 2" {
	run --separate-stderr "$ZCOPYCTL" stats now
	assert_failure 2
	assert_output ''
	assert_stderr --partial "zcopyctl stats: unexpected argument 'now'"

	# with -j, the usage error as the error object too
	run --separate-stderr "$ZCOPYCTL" version -j now
	assert_failure 2
	assert_json_error EINVAL
	assert_equal "$json_message" "unexpected argument 'now'"
	assert_stderr --partial "zcopyctl version: unexpected argument 'now'"
}

@test "-j: every usage error is one error object, EINVAL, exit 2" {
	local args

	for args in "-j frobnicate" "-j -x stats" "-j --frobnicate stats" \
		"-j stats -x" "-j version --json=yes" "-j send -m" \
		"-j send --mode=foo /etc/hostname 127.0.0.1:9" "-j sink -p 70000" \
		"-j bench --files /tmp" "-j observe" "-j show" "-j"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_failure 2
		assert_json_error EINVAL
		assert_jq '.error.errno == 22'
	done
	# the message is what stderr says, without the prefix
	run --separate-stderr "$ZCOPYCTL" -j stats -x
	assert_jq '.error.message == "invalid option -- '"'"'x'"'"'"'
	run --separate-stderr "$ZCOPYCTL" -j --frobnicate stats
	assert_jq '.error.message == "unrecognized option '"'"'--frobnicate'"'"'"'
	run --separate-stderr "$ZCOPYCTL" -j send -m
	assert_jq '.error.message == "option requires an argument -- '"'"'m'"'"'"'
}

@test "-p and --pretty: indented JSON, implies -j, the same document as -j" {
	local compact

	compact=$("$ZCOPYCTL" -j version)
	for args in "-p version" "--pretty version" "version --pretty" "-p -j version"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_success
		assert_json_document
		assert_line --index 0 '{'
		assert_line --index 1 '  "schema_version": 1,'
		assert_line --index 2 --regexp '^  "tool_version": "[^"]+",$'
		assert_line '  "modes": null,'
		assert_line --index $((${#lines[@]} - 1)) '}'
		assert_equal "$(jq -c . <<<"$output")" "$(jq -c . <<<"$compact")"
	done
	# errors too; nested objects one level deeper
	run --separate-stderr "$ZCOPYCTL" -p stats
	assert_failure 1
	assert_json_error ENOENT
	assert_line --index 2 '  "error": {'
	assert_line --index 3 '    "errno": 2,'
	assert_line --index 4 '    "name": "ENOENT",'
}

@test "-h and --human: units in text; exact integers without; JSON always exact" {
	local opts

	for opts in "" "-h" "--human" "-j" "-h -j"; do
		# shellcheck disable=SC2086 # split on purpose
		start_sink $opts -b 127.0.0.1 --count 1
		head -c 1572864 /dev/zero | socat -u - "TCP:127.0.0.1:$SINK_PORT"
		finish_sink
		case $opts in
		"")
			# exact values: the header says the rate's unit
			assert_line --index 0 --regexp '^PEER +BYTES +SECONDS +RATE \(B/s\) +SHA256 +ERROR$'
			assert_line --index 1 --regexp '^127\.0\.0\.1:[0-9]+ +1572864 +[0-9]+\.[0-9]{6} +[0-9]+ +- +-$' ;;
		-h | --human)
			# each value says it: the header does not
			assert_line --index 0 --regexp '^PEER +BYTES +SECONDS +RATE +SHA256 +ERROR$'
			assert_line --index 1 --regexp '^127\.0\.0\.1:[0-9]+ +1\.5 MiB +[0-9]+\.[0-9]{6} +[0-9.]+ [KMGT]?i?B/s +- +-$' ;;
		*)
			assert_json_document
			assert_jq '.bytes == 1572864 and (.rate | type) == "number" and .rate == (.rate | floor)' ;;
		esac
	done
	# the global form before the command: "zcopyctl -h sink ..."
	printf '#!/bin/sh\nexec "%s" -h "$@"\n' "$ZCOPYCTL" >"$BATS_TEST_TMPDIR/zh"
	chmod +x "$BATS_TEST_TMPDIR/zh"
	ZCOPYCTL=$BATS_TEST_TMPDIR/zh start_sink -b 127.0.0.1 --count 1
	head -c 100 /dev/zero | socat -u - "TCP:127.0.0.1:$SINK_PORT"
	finish_sink
	assert_line --index 0 --regexp '^PEER +BYTES +SECONDS +RATE +SHA256 +ERROR$'
	assert_line --index 1 --regexp '^127\.0\.0\.1:[0-9]+ +100 B +'
}

@test "every listed command: --help prints its usage, -h and --pretty listed, exit 0" {
	local cmds cmd

	cmds=$("$ZCOPYCTL" help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
	[[ -n $cmds ]] || fail "no commands in 'zcopyctl help'"
	for cmd in $cmds; do
		run --separate-stderr "$ZCOPYCTL" "$cmd" --help
		assert_success
		assert_stderr ''
		assert_line --index 0 --regexp "^Usage: zcopyctl $cmd( |\$)"
		assert_line --regexp '^      --help +show this help$'
		assert_line --regexp '^  -h, --human +units in text output \(KiB, ms, MiB/s\)$'
		assert_line --regexp '^      --pretty +indented JSON \(implies -j\)$'
	done
}

@test "help COMMAND: that command's usage; unknown COMMAND: exit 2" {
	local usage

	usage=$("$ZCOPYCTL" stats --help)
	run --separate-stderr "$ZCOPYCTL" help stats
	assert_success
	assert_output "$usage"

	run --separate-stderr "$ZCOPYCTL" help frobnicate
	assert_failure 2
	assert_output ''
	assert_stderr --partial "zcopyctl help: unknown command 'frobnicate'"
}

@test "command usage lines: version takes -j, stats -j and -P" {
	run "$ZCOPYCTL" version --help
	assert_line --index 0 'Usage: zcopyctl version [-j]'
	assert_line --regexp '^  -j, --json +'
	run "$ZCOPYCTL" stats --help
	assert_line --index 0 'Usage: zcopyctl stats [-j] [-P FILE]'
	assert_line --regexp '^  -j, --json +'
	assert_line --regexp '^  -P, --prometheus FILE +'
}

@test "command usage lines: send, list, show, cancel, watch, sink" {
	run --separate-stderr "$ZCOPYCTL" send --help
	assert_success
	assert_line --index 0 'Usage: zcopyctl send [-m MODE] [-o OFFSET] [-l LENGTH] [--no-wait] [--progress] [--all-modes] [-j] FILE HOST:PORT'
	assert_line --regexp '^  -m, --mode MODE +copy, mmap, sendfile or sg \(default sg\)$'
	assert_line --regexp '^  -o, --offset SIZE +'
	assert_line --regexp '^  -l, --length SIZE +'
	assert_line --regexp '^      --no-wait +'
	assert_line --regexp '^      --progress +'
	assert_line --regexp '^      --all-modes +'
	assert_line --regexp '^  -j, --json +'
	assert_line 'SIZE is a number of bytes, with k, M or G for KiB, MiB or GiB.'

	run "$ZCOPYCTL" list --help
	assert_line --index 0 'Usage: zcopyctl list [-j]'
	assert_line --regexp '^  -j, --json +'
	run "$ZCOPYCTL" show --help
	assert_line --index 0 'Usage: zcopyctl show [-j] ID'
	assert_line --regexp '^  -j, --json +'
	run "$ZCOPYCTL" cancel --help
	assert_line --index 0 'Usage: zcopyctl cancel ID'
	refute_line --regexp '^  -j'
	run "$ZCOPYCTL" watch --help
	assert_line --index 0 'Usage: zcopyctl watch [-j]'
	assert_line --regexp '^  -j, --json +one JSON object per line$'
	assert_line 'Needs CAP_NET_ADMIN: events carry every user'"'"'s jobs.'
	run "$ZCOPYCTL" sink --help
	assert_line --index 0 'Usage: zcopyctl sink [-p PORT] [-b ADDR] [--count N] [--sha256] [-j]'
	assert_line --regexp '^  -p, --port PORT +.*default 9933'
	assert_line --regexp '^  -b, --bind ADDR +'
	assert_line --regexp '^      --count N +'
	assert_line --regexp '^      --sha256 +'
	assert_line --regexp '^  -j, --json +'
}

@test "-h lines up with the other options of the command" {
	local cmd col_j col_h

	for cmd in send list show watch sink stats version; do
		run "$ZCOPYCTL" "$cmd" --help
		col_j=$(grep -m1 -- '--json' <<<"$output" | sed 's/\(--json *\).*/\1/' | wc -c)
		col_h=$(grep -m1 -- '--help' <<<"$output" | sed 's/\(--help *\).*/\1/' | wc -c)
		assert_equal "$col_h" "$col_j"
	done
}

# --- without the module -----------------------------------------------------

@test "version: the tool's part, module not loaded, how to load it, exit 0" {
	local version abi

	version=$(tool_version)
	abi=$(header_abi)
	[[ -n $abi ]] || fail "ZCOPY_ABI_VERSION not found in the uapi header"

	run --separate-stderr "$ZCOPYCTL" version
	assert_success
	# labels are padded to align the values; compare with single spaces
	assert_equal "$(tr -s ' ' <<<"$output")" \
		"tool version: $version"$'\n'"tool abi: $abi"$'\n'"module loaded: no"
	assert_stderr "$MODULE_NOT_LOADED"
	# for modprobe users and for insmod users alike
	assert_stderr --partial 'modprobe zcopy (zcopy-dkms package)'
	assert_stderr --partial 'insmod zcopy.ko'
}

@test "version -j: valid JSON with the tool's part and null module, exit 0" {
	local version abi

	version=$(tool_version)
	abi=$(header_abi)
	for args in "version -j" "version --json" "-j version" "--json version"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_success
		assert_json_document
		assert_jq --arg v "$version" '.tool_version == $v'
		assert_jq --argjson abi "$abi" '.tool_abi == $abi'
		assert_jq '.module_loaded == false'
		assert_jq '.module_release == null and .module_abi == null'
		assert_jq '.modes == null and .module_source == null'
		assert_jq 'keys == (["schema_version", "tool_version", "tool_abi",
			"module_loaded", "module_release", "module_abi", "modes",
			"module_source"] | sort)'
		assert_jq '.schema_version == 1'
		assert_stderr "$MODULE_NOT_LOADED"
	done
}

@test "stats: module not loaded, nothing on stdout, exit 1" {
	run --separate-stderr "$ZCOPYCTL" stats
	assert_failure 1
	assert_output ''
	assert_stderr "$MODULE_NOT_LOADED"
}

@test "stats -j: module not loaded, the error object only, exit 1" {
	for args in "stats -j" "stats --json" "-j stats"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_failure 1
		assert_json_error ENOENT
		assert_jq '.error.errno == 2'
		assert_equal "zcopyctl: $json_message" "$MODULE_NOT_LOADED"
		assert_stderr "$MODULE_NOT_LOADED"
	done
}

@test "usage errors win over the missing module: exit 2, no module message" {
	run --separate-stderr "$ZCOPYCTL" stats --bogus
	assert_failure 2
	refute_stderr --partial 'module not loaded'
	run --separate-stderr "$ZCOPYCTL" version extra
	assert_failure 2
	refute_stderr --partial 'module not loaded'
}

# --- send: the command line -----------------------------------------------------

# A small file to send; the module is absent, so nothing is ever sent.
make_file() { # SIZE
	head -c "$1" /dev/zero >"$BATS_TEST_TMPDIR/file"
	echo "$BATS_TEST_TMPDIR/file"
}

@test "send: missing FILE or HOST:PORT, extra argument: exit 2" {
	run --separate-stderr "$ZCOPYCTL" send
	assert_failure 2
	assert_output ''
	assert_stderr "zcopyctl send: missing FILE and HOST:PORT"$'\n'"Try 'zcopyctl send --help'."
	run --separate-stderr "$ZCOPYCTL" send /etc/hostname
	assert_failure 2
	assert_stderr --partial 'zcopyctl send: missing HOST:PORT'
	run --separate-stderr "$ZCOPYCTL" send /etc/hostname 127.0.0.1:9 more
	assert_failure 2
	assert_stderr --partial "zcopyctl send: unexpected argument 'more'"
	run --separate-stderr "$ZCOPYCTL" send -m
	assert_failure 2
	assert_stderr --partial "zcopyctl send: option requires an argument -- 'm'"
}

@test "send: bad HOST:PORT: exit 2 with the reason, nothing opened" {
	local bad

	for bad in 127.0.0.1 127.0.0.1: :80 127.0.0.1:0 127.0.0.1:65536 \
		127.0.0.1:http 127.0.0.1:-1 127.0.0.1:+80 127.0.0.1:8o \
		::1:80 '[::1]80' '[::1' '[::1]:' '[]:80' '[::1]:80]' 'a:b:c' ''; do
		run --separate-stderr "$ZCOPYCTL" send /nonexistent "$bad"
		assert_failure 2
		assert_output ''
		assert_stderr "zcopyctl send: invalid receiver '$bad' (HOST:PORT or [IPv6]:PORT, port 1-65535)"$'\n'"Try 'zcopyctl send --help'."
	done
}

@test "send: good HOST:PORT forms are accepted (then: module not loaded)" {
	local file good

	file=$(make_file 100)
	for good in 127.0.0.1:9 '[::1]:9' localhost:65535 127.0.0.1:00009; do
		run --separate-stderr "$ZCOPYCTL" send "$file" "$good"
		assert_failure 1
		assert_output ''
		assert_stderr "$MODULE_NOT_LOADED"
	done
}

@test "send: unknown mode: exit 2" {
	for mode in foo SG zerocopy '' sg2; do
		run --separate-stderr "$ZCOPYCTL" send -m "$mode" /etc/hostname 127.0.0.1:9
		assert_failure 2
		assert_output ''
		assert_stderr "zcopyctl send: unknown mode '$mode' (copy, mmap, sendfile or sg)"$'\n'"Try 'zcopyctl send --help'."
	done
}

@test "send: every mode name is accepted, -m and --mode" {
	local file mode

	file=$(make_file 100)
	for mode in copy mmap sendfile sg; do
		run --separate-stderr "$ZCOPYCTL" send -m "$mode" "$file" 127.0.0.1:9
		assert_failure 1
		assert_stderr "$MODULE_NOT_LOADED"
		run --separate-stderr "$ZCOPYCTL" send --mode="$mode" "$file" 127.0.0.1:9
		assert_failure 1
		assert_stderr "$MODULE_NOT_LOADED"
	done
}

@test "send: bad sizes for -o and -l: exit 2" {
	local bad opt name

	for opt in -o -l; do
		[[ $opt == -o ]] && name=offset || name=length
		for bad in 12x -1 +1 1.5M 4kk 4KiB 1T 0x10 ' 1' '1 ' '' k 1e3; do
			run --separate-stderr "$ZCOPYCTL" send "$opt" "$bad" /etc/hostname 127.0.0.1:9
			assert_failure 2
			assert_output ''
			assert_stderr "zcopyctl send: invalid $name '$bad' (a number of bytes, with k, M or G for KiB, MiB or GiB)"$'\n'"Try 'zcopyctl send --help'."
		done
		# more than 64 bits, with and without a suffix
		for bad in 18446744073709551616 17179869184G 99999999999999999999999; do
			run --separate-stderr "$ZCOPYCTL" send "$opt" "$bad" /etc/hostname 127.0.0.1:9
			assert_failure 2
			assert_stderr --partial "zcopyctl send: $name '$bad' is too large (more than 64 bits)"
		done
	done
	run --separate-stderr "$ZCOPYCTL" send -o 18446744073709551615 -l 1 /etc/hostname 127.0.0.1:9
	assert_failure 2
	assert_stderr --partial 'zcopyctl send: offset + length is beyond 2^64'
}

@test "send: sizes with k, M, G suffixes are powers of 1024" {
	local file

	# 1 MiB + 4 KiB: every offset below is inside, the last one at its end
	file=$(make_file 1052672)
	for size in 0 4096 4k 4K 1m 1M 1028k 1052672; do
		run --separate-stderr "$ZCOPYCTL" send -o "$size" -l 1G "$file" 127.0.0.1:9
		assert_failure 1
		assert_stderr "$MODULE_NOT_LOADED"
	done
	# one byte past the end says the exact numbers: 1029k = 1053696
	run --separate-stderr "$ZCOPYCTL" send -o 1029k "$file" 127.0.0.1:9
	assert_failure 1
	assert_stderr "zcopyctl: cannot send $file: offset 1053696 is beyond its end (1052672 bytes)"
	run --separate-stderr "$ZCOPYCTL" send -o 1052673 "$file" 127.0.0.1:9
	assert_stderr "zcopyctl: cannot send $file: offset 1052673 is beyond its end (1052672 bytes)"
	# the largest: 16 EiB - 1 byte, and 2^64 - 1 GiB as 17179869183G
	run --separate-stderr "$ZCOPYCTL" send -l 18446744073709551615 "$file" 127.0.0.1:9
	assert_stderr "$MODULE_NOT_LOADED"
	run --separate-stderr "$ZCOPYCTL" send -l 17179869183G "$file" 127.0.0.1:9
	assert_stderr "$MODULE_NOT_LOADED"
}

@test "send: options that exclude each other: exit 2" {
	run --separate-stderr "$ZCOPYCTL" send --all-modes -m sg /etc/hostname 127.0.0.1:9
	assert_failure 2
	assert_stderr --partial 'zcopyctl send: --all-modes and -m exclude each other'
	run --separate-stderr "$ZCOPYCTL" send --all-modes --no-wait /etc/hostname 127.0.0.1:9
	assert_failure 2
	assert_stderr --partial 'zcopyctl send: --all-modes and --no-wait exclude each other'
	run --separate-stderr "$ZCOPYCTL" send --no-wait --progress /etc/hostname 127.0.0.1:9
	assert_failure 2
	assert_stderr --partial 'zcopyctl send: --progress needs to wait: not with --no-wait'
	run --separate-stderr "$ZCOPYCTL" send --no-wait=1 /etc/hostname 127.0.0.1:9
	assert_failure 2
	assert_stderr --partial "zcopyctl send: option '--no-wait' doesn't allow an argument"
}

@test "send: the file is checked first: missing, a directory, exit 1" {
	run --separate-stderr "$ZCOPYCTL" send /nonexistent 127.0.0.1:9
	assert_failure 1
	assert_output ''
	assert_stderr 'zcopyctl: cannot open /nonexistent: No such file or directory'
	run --separate-stderr "$ZCOPYCTL" send -j "$BATS_TEST_TMPDIR" 127.0.0.1:9
	assert_failure 1
	assert_json_error EINVAL
	assert_equal "$json_message" "cannot send $BATS_TEST_TMPDIR: not a regular file"
	assert_stderr "zcopyctl: cannot send $BATS_TEST_TMPDIR: not a regular file"
	run --separate-stderr "$ZCOPYCTL" -j send /nonexistent 127.0.0.1:9
	assert_failure 1
	assert_json_error ENOENT
	assert_equal "$json_message" 'cannot open /nonexistent: No such file or directory'
}

@test "send: module not loaded: exit 1, no output, nothing connected" {
	local file args

	file=$(make_file 4096)
	# a receiver that must see no connection
	start_sink -b 127.0.0.1 -j
	for args in "" "--no-wait" "--progress" "-m copy -o 1k -l 1k"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" send $args "$file" "127.0.0.1:$SINK_PORT"
		assert_failure 1
		assert_output ''
		assert_stderr "$MODULE_NOT_LOADED"
	done
	# with -j: the error object, nothing else
	for args in "-j" "--no-wait -j" "--all-modes -j"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" send $args "$file" "127.0.0.1:$SINK_PORT"
		assert_failure 1
		assert_json_error ENOENT
		assert_stderr "$MODULE_NOT_LOADED"
	done
	kill -TERM "$SINK_PID"
	wait_exit "$SINK_PID" 10
	assert_equal "$bg_status" 0
	assert_equal "$(<"$SINK_OUT")" ''
}

# --- list, show, cancel, watch: the command line -----------------------------------

@test "show and cancel: missing, bad or extra ID: exit 2" {
	local cmd bad

	for cmd in show cancel; do
		run --separate-stderr "$ZCOPYCTL" "$cmd"
		assert_failure 2
		assert_output ''
		assert_stderr "zcopyctl $cmd: missing job ID"$'\n'"Try 'zcopyctl $cmd --help'."
		for bad in abc -1 1x 0x10 18446744073709551616 ''; do
			# "--": -1 would be an option
			run --separate-stderr "$ZCOPYCTL" "$cmd" -- "$bad"
			assert_failure 2
			assert_output ''
			assert_stderr "zcopyctl $cmd: invalid job ID '$bad'"$'\n'"Try 'zcopyctl $cmd --help'."
		done
		run --separate-stderr "$ZCOPYCTL" "$cmd" 1 2
		assert_failure 2
		assert_stderr --partial "zcopyctl $cmd: unexpected argument '2'"
	done
	run --separate-stderr "$ZCOPYCTL" cancel -j 1
	assert_failure 2
	assert_stderr --partial "zcopyctl cancel: invalid option -- 'j'"
	# the global -j still shapes its errors
	run --separate-stderr "$ZCOPYCTL" -j cancel x
	assert_failure 2
	assert_json_error EINVAL
	assert_equal "$json_message" "invalid job ID 'x'"
}

@test "list, show, cancel, watch: module not loaded, exit 1, no output" {
	local args

	for args in list "show 1" "cancel 1" watch; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_failure 1
		assert_output ''
		assert_stderr "$MODULE_NOT_LOADED"
	done
	# with -j (before or after the command): the error object only
	for args in "list -j" "show -j 18446744073709551615" "-j cancel 1" \
		"watch -j" "-j list" "-j watch" "-p list"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_failure 1
		assert_json_error ENOENT
		assert_stderr "$MODULE_NOT_LOADED"
	done
}

@test "observe: module not loaded, exit 1, the command never runs" {
	run --separate-stderr "$ZCOPYCTL" observe -- touch "$BATS_TEST_TMPDIR/ran"
	assert_failure 1
	assert_output ''
	assert_stderr "$MODULE_NOT_LOADED"
	[[ ! -e $BATS_TEST_TMPDIR/ran ]] || fail "the command ran"
}

@test "observe: usage errors, exit 2" {
	local args

	for args in "" "--cgroup /x -- true" "-d 1 -- true" "-i 0 -- true" \
		"-i x --cgroup /x" "-d -1 --cgroup /x" "--bogus" \
		"--pid 1 --cgroup /x" "--pid 1 -- true" "--pid 0" "--pid x" \
		"--fd 3 --cgroup /x" "--fd -1 --pid 1" "--fd 3 -- true"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" observe $args
		assert_failure 2
		assert_output ''
		refute_stderr --partial 'module not loaded'
	done
}

@test "list and watch: an extra argument: exit 2" {
	for cmd in list watch; do
		run --separate-stderr "$ZCOPYCTL" "$cmd" all
		assert_failure 2
		assert_output ''
		assert_stderr --partial "zcopyctl $cmd: unexpected argument 'all'"
	done
}

# --- sink: a real receiver, no module needed -----------------------------------------

@test "sink: bad port, count or address, extra argument: exit 2" {
	local bad

	for bad in 65536 -1 abc '' 80x; do
		run --separate-stderr "$ZCOPYCTL" sink -p "$bad"
		assert_failure 2
		assert_output ''
		assert_stderr "zcopyctl sink: invalid port '$bad' (0-65535)"$'\n'"Try 'zcopyctl sink --help'."
	done
	for bad in 0 -1 x 1k 18446744073709551616; do
		run --separate-stderr "$ZCOPYCTL" sink --count "$bad"
		assert_failure 2
		assert_stderr --partial "zcopyctl sink: invalid count '$bad' (a number from 1)"
	done
	# brackets that do not close, or hold nothing
	for bad in '[::1' '' '[::1]:80' '[]'; do
		run --separate-stderr "$ZCOPYCTL" sink -b "$bad" -p 0
		assert_failure 2
		assert_stderr "zcopyctl sink: invalid address '$bad' (a name, or an IPv4 or IPv6 address)"$'\n'"Try 'zcopyctl sink --help'."
	done
	run --separate-stderr "$ZCOPYCTL" sink now
	assert_failure 2
	assert_stderr --partial "zcopyctl sink: unexpected argument 'now'"
}

@test "sink -b: names and scoped IPv6 resolve (getaddrinfo), others fail clearly, exit 1" {
	local bad ll

	start_sink -b localhost --count 1 -j
	[[ $(<"$SINK_ERR") =~ ^listening\ on\ (127\.0\.0\.1|\[::1\]):$SINK_PORT$ ]] ||
		fail "$(<"$SINK_ERR")"
	socat -u /dev/null "TCP:localhost:$SINK_PORT"
	finish_sink
	assert_jq '.bytes == 0'

	for bad in no-such-host.invalid ::g 127.0.0.1:80 '[127.0.0.1]'; do
		run --separate-stderr "$ZCOPYCTL" sink -b "$bad" -p 0
		assert_failure 1
		assert_output ''
		assert_stderr --regexp "^zcopyctl: cannot resolve the address '${bad//[/\\[}': [A-Z].*\$"
		run --separate-stderr "$ZCOPYCTL" -j sink -b "$bad" -p 0
		assert_failure 1
		assert_json_error ENOENT
	done

	# a link-local address with its interface, if this host has one
	ll=$(ip -6 -o addr show scope link 2>/dev/null |
		awk '$4 ~ /^fe80:/ { sub("/.*", "", $4); print $4 "%" $2; exit }')
	[[ -n $ll ]] || skip "no link-local IPv6 address here"
	start_sink -b "$ll" --count 1 -j
	assert_equal "$(<"$SINK_ERR")" "listening on [$ll]:$SINK_PORT"
	socat -u /dev/null "TCP6:[$ll]:$SINK_PORT"
	finish_sink
	assert_jq '.bytes == 0'
}

@test "sink --sha256 -j: bytes and SHA-256 of what arrived, one JSON object" {
	local file sum

	head -c 3000001 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	sum=$(sha256sum "$BATS_TEST_TMPDIR/data" | cut -d' ' -f1)
	start_sink -b 127.0.0.1 --count 1 --sha256 -j
	assert_equal "$(<"$SINK_ERR")" "listening on 127.0.0.1:$SINK_PORT"
	socat -u "OPEN:$BATS_TEST_TMPDIR/data" "TCP:127.0.0.1:$SINK_PORT"
	finish_sink
	assert_json_document
	assert_jq 'keys == (["schema_version", "peer", "bytes", "seconds", "rate", "sha256", "error"] | sort)'
	assert_jq --arg s "$sum" '.bytes == 3000001 and .sha256 == $s and .error == null'
	assert_jq '.peer | test("^127\\.0\\.0\\.1:[0-9]+$")'
	assert_jq '(.seconds | type) == "number" and .seconds > 0'
	assert_jq '(.rate | type) == "number" and .rate == (.rate | floor) and .rate > 0'
	assert_jq '((.bytes / .seconds) - .rate | fabs) <= (.rate / 100 + 1)'
}

@test "sink: without --sha256 the hash is null; an empty connection is 0 bytes" {
	start_sink -b 127.0.0.1 --count 2 -j
	socat -u /dev/null "TCP:127.0.0.1:$SINK_PORT"
	head -c 5 /dev/zero | socat -u - "TCP:127.0.0.1:$SINK_PORT"
	finish_sink
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^\{"schema_version":1,"peer":"127\.0\.0\.1:[0-9]+","bytes":0,"seconds":[0-9.]+,"rate":0,"sha256":null,"error":null\}$'
	assert_line --index 1 --regexp '"bytes":5,.*"sha256":null'

	# the hash of nothing
	start_sink -b 127.0.0.1 --count 1 --sha256 -j
	socat -u /dev/null "TCP:127.0.0.1:$SINK_PORT"
	finish_sink
	assert_jq '.bytes == 0 and .sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"'
}

@test "sink: text, a header once, then one aligned line per connection" {
	local sum1 sum2

	sum1=$(head -c 1048576 /dev/zero | sha256sum | cut -d' ' -f1)
	sum2=$(head -c 100 /dev/zero | sha256sum | cut -d' ' -f1)
	start_sink -b 127.0.0.1 --count 2 --sha256
	head -c 1048576 /dev/zero | socat -u - "TCP:127.0.0.1:$SINK_PORT"
	head -c 100 /dev/zero | socat -u - "TCP:127.0.0.1:$SINK_PORT"
	finish_sink
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^PEER +BYTES +SECONDS +RATE \(B/s\) +SHA256 +ERROR$'
	# exact values: bytes and bytes per second as integers
	assert_line --index 1 --regexp "^127\\.0\\.0\\.1:[0-9]+ +1048576 +[0-9]+\\.[0-9]{6} +[0-9]+ +$sum1 +-\$"
	assert_line --index 2 --regexp "^127\\.0\\.0\\.1:[0-9]+ +100 +[0-9]+\\.[0-9]{6} +[0-9]+ +$sum2 +-\$"
	# the columns line up with the header
	assert_equal "$(awk '{ print index($0, "SHA256") }' <<<"${lines[0]}")" \
		"$(awk -v s="$sum1" '{ print index($0, s) }' <<<"${lines[1]}")"
	assert_equal "$(awk '{ print index($0, "SHA256") }' <<<"${lines[0]}")" \
		"$(awk -v s="$sum2" '{ print index($0, s) }' <<<"${lines[2]}")"
}

@test "sink: IPv6 on [::1], and the default (all addresses) takes IPv4 too" {
	[[ -e /proc/net/if_inet6 ]] || skip "no IPv6"
	start_sink -b '[::1]' --count 1 -j
	assert_equal "$(<"$SINK_ERR")" "listening on [::1]:$SINK_PORT"
	head -c 10 /dev/zero | socat -u - "TCP6:[::1]:$SINK_PORT"
	finish_sink
	assert_jq '.bytes == 10 and (.peer | test("^\\[::1\\]:[0-9]+$"))'

	start_sink --count 2 -j
	assert_equal "$(<"$SINK_ERR")" "listening on [::]:$SINK_PORT"
	head -c 11 /dev/zero | socat -u - "TCP4:127.0.0.1:$SINK_PORT"
	head -c 12 /dev/zero | socat -u - "TCP6:[::1]:$SINK_PORT"
	finish_sink
	# an IPv4 peer of the dual-stack socket is shown as IPv4
	assert_line --index 0 --regexp '^\{"schema_version":1,"peer":"127\.0\.0\.1:[0-9]+","bytes":11,'
	assert_line --index 1 --regexp '^\{"schema_version":1,"peer":"\[::1\]:[0-9]+","bytes":12,'
}

@test "sink: several connections at once, each with its own count and hash" {
	local i

	for i in 1 2 3; do
		head -c $((i * 100000)) /dev/urandom >"$BATS_TEST_TMPDIR/d$i"
	done
	start_sink -b 127.0.0.1 --count 3 --sha256 -j
	# all three open before any sends: the sink must serve them together
	for i in 1 2 3; do
		(sleep 1; cat "$BATS_TEST_TMPDIR/d$i") |
			socat -u - "TCP:127.0.0.1:$SINK_PORT" 3>&- &
	done
	finish_sink
	wait
	assert_equal "${#lines[@]}" 3
	for i in 1 2 3; do
		run jq -s --argjson n $((i * 100000)) \
			--arg s "$(sha256sum "$BATS_TEST_TMPDIR/d$i" | cut -d' ' -f1)" \
			'map(select(.bytes == $n and .sha256 == $s)) | length' <<<"$(<"$SINK_OUT")"
		assert_output 1
	done
}

@test "sink: SIGINT and SIGTERM end it with exit 0, open connections unreported" {
	local sig

	for sig in INT TERM; do
		start_sink -b 127.0.0.1 -j
		kill -"$sig" "$SINK_PID"
		wait_exit "$SINK_PID" 10
		assert_equal "$bg_status" 0
		assert_equal "$(<"$SINK_OUT")" ''
	done
}

@test "sink: the port is taken: exit 1 with the reason" {
	start_sink -b 127.0.0.1 -j
	run --separate-stderr "$ZCOPYCTL" sink -b 127.0.0.1 -p "$SINK_PORT"
	assert_failure 1
	assert_output ''
	assert_stderr "zcopyctl: cannot listen on 127.0.0.1:$SINK_PORT: Address already in use"
}

@test "sink: default port 9933, not iperf3's 5201" {
	grep -qi ':26CD ' /proc/net/tcp /proc/net/tcp6 && skip "port 9933 is in use"
	SINK_OUT=$BATS_TEST_TMPDIR/sink.out SINK_ERR=$BATS_TEST_TMPDIR/sink.err
	start_bg "$SINK_OUT" "$SINK_ERR" "$ZCOPYCTL" sink -b 127.0.0.1 --count 1
	SINK_PID=$BG_PID
	wait_line "$SINK_ERR" '^listening on ' "$SINK_PID"
	assert_equal "$(<"$SINK_ERR")" 'listening on 127.0.0.1:9933'
	socat -u /dev/null TCP:127.0.0.1:9933
	finish_sink
}

# --- bench: the command line, and the user-space methods without the module ----

# bench-<bytes> files in $BATS_TEST_TMPDIR/files.
make_bench_files() { # SIZE...
	local size

	mkdir -p "$BATS_TEST_TMPDIR/files"
	for size in "$@"; do
		head -c "$size" /dev/urandom >"$BATS_TEST_TMPDIR/files/bench-$size"
	done
	echo "$BATS_TEST_TMPDIR/files"
}

@test "bench: missing --target or --files, bad values: exit 2" {
	local files bad

	files=$(make_bench_files 4096)
	run --separate-stderr "$ZCOPYCTL" bench --files "$files"
	assert_failure 2
	assert_output ''
	assert_stderr "zcopyctl bench: missing --target PATH=HOST:PORT"$'\n'"Try 'zcopyctl bench --help'."
	run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9
	assert_failure 2
	assert_stderr --partial 'zcopyctl bench: missing --files DIR'
	for bad in 127.0.0.1:9 =127.0.0.1:9 lo= lo=127.0.0.1 lo=127.0.0.1:0 'lo=::1:9'; do
		run --separate-stderr "$ZCOPYCTL" bench --target "$bad" --files "$files"
		assert_failure 2
		assert_stderr --partial "zcopyctl bench: invalid target '$bad' (PATH=HOST:PORT or PATH=[IPv6]:PORT)"
	done
	for bad in slow FULL ''; do
		run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" --profile "$bad"
		assert_failure 2
		assert_output ''
		assert_stderr "zcopyctl bench: unknown profile '$bad' (full, quick or tiny)"$'\n'"Try 'zcopyctl bench --help'."
	done
	for bad in sg zcopy_sg2 read-write ''; do
		run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" --method "$bad"
		assert_failure 2
		assert_stderr --partial "zcopyctl bench: unknown method '$bad'"
	done
	run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" --cache warm
	assert_failure 2
	assert_stderr --partial "zcopyctl bench: invalid cache 'warm' (hot or cold)"
	for bad in 0 101 x -1; do
		run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" --runs "$bad"
		assert_failure 2
		assert_stderr --partial "zcopyctl bench: invalid runs '$bad' (a number from 1 to 100)"
	done
	for bad in 0 1x 2T; do
		run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" --size "$bad"
		assert_failure 2
		assert_stderr --partial "zcopyctl bench: invalid size '$bad'"
	done
	run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" --cpu 99999
	assert_failure 2
	assert_stderr --partial "zcopyctl bench: invalid CPU '99999'"
	run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files "$files" now
	assert_failure 2
	assert_stderr --partial "zcopyctl bench: unexpected argument 'now'"
}

@test "bench: missing files directory or file for a size: exit 1, nothing sent" {
	local files

	start_sink -b 127.0.0.1 -j
	run --separate-stderr "$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$BATS_TEST_TMPDIR/nonexistent" --method sendfile --size 4096
	assert_failure 1
	assert_output ''
	assert_stderr "zcopyctl: cannot use --files $BATS_TEST_TMPDIR/nonexistent: No such file or directory"
	files=$(make_bench_files 4096)
	run --separate-stderr "$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$files" --method sendfile --size 4096 --size 64k
	assert_failure 1
	assert_output ''
	assert_stderr "zcopyctl: no file for size 65536: $files/bench-65536: No such file or directory"
	kill -TERM "$SINK_PID"
	wait_exit "$SINK_PID" 10
	assert_equal "$(<"$SINK_OUT")" ''
}

@test "bench: user-space methods end to end over loopback, JSON without the module" {
	local files

	files=$(make_bench_files 65536)
	start_sink -b 127.0.0.1
	run --separate-stderr "$ZCOPYCTL" bench --target "loopback=127.0.0.1:$SINK_PORT" \
		--files "$files" --method read_write --method sendfile --method splice \
		--method msg_zerocopy --method io_uring_send_zc --size 65536 \
		--cache hot --cache cold --runs 5 --warmup 1 -j
	assert_success
	assert_json_document
	assert_stderr --partial 'bench: loopback 65536 hot: 5 cells, 6 rounds ...'
	assert_stderr --partial 'bench: loopback 65536 cold: 5 cells, 6 rounds ...'
	assert_jq '.schema_version == 1 and .schema == 1 and .profile == "custom" and .runs == 5 and .warmup == 1'
	assert_jq '.partial == false and .cells_planned == 10 and (.cells | length) == 10'
	assert_jq '.order == "interleaved" and .seed == 1'
	assert_jq '.observer_probes == null and (.cpus | type) == "number" and .cpus > 0'
	assert_jq '(.kernel | length) > 0 and (.started | test("^[0-9-]+T[0-9:]+Z$"))'
	assert_jq '.duration_s > 0 and (.tool_version | length) > 0'
	# one cell per method and cache, in the table's order whatever the runs'
	assert_jq '[.cells[] | [.method, .cache]] == ([["read_write", "sendfile", "splice", "msg_zerocopy", "io_uring_send_zc"][] as $m | ["hot", "cold"][] as $c | [$c, $m]] | sort_by(.[0] == "cold") | map([.[1], .[0]]))'
	assert_jq 'all(.cells[]; .path == "loopback" and .size == 65536 and .observer == true)'
	# io_uring may be refused by a sandbox: then only io_uring_queue_init
	assert_jq 'all(.cells[]; .error == null or (.method == "io_uring_send_zc" and (.error | startswith("io_uring_queue_init: "))))'
	assert_jq 'all(.cells[] | select(.error == null); .runs == 5 and .transfers_per_run >= 8 and .throughput_mib_s.median > 0 and .throughput_mib_s.min <= .throughput_mib_s.median and .throughput_mib_s.median <= .throughput_mib_s.max)'
	# throughput and transfers/s come from the same runs: bytes = transfers * size
	assert_jq 'all(.cells[] | select(.error == null); (.transfers_per_s.median * .size / 1048576 - .throughput_mib_s.median | fabs) <= .throughput_mib_s.median / 100)'
	assert_jq 'all(.cells[] | select(.error == null); .syscalls.median >= 1 and .sender_cpu_ns_per_mib.median > 0 and .context_switches.median >= 0)'
	# no module: no observer, so nothing verified and no copies
	assert_jq 'all(.cells[]; .verified == false and .cpu_copy_per_byte == null and .ref_bytes == null and .dma_out_bytes == null and .observer_ns_per_mib == null)'
	assert_jq 'all(.cells[] | select(.cache == "cold"); .cold_residual_pages | type == "number")'
	assert_jq '[.cells[] | select(.method == "msg_zerocopy") | .zerocopy_copied_reports | type] == ["number", "number"]'
	assert_jq '[.cells[] | select(.method == "read_write" and .cache == "hot") | .syscalls.median] == [2]'
	assert_jq '[.cells[] | select(.method == "sendfile" and .cache == "hot") | .syscalls.median] == [1]'
}

@test "bench: batches of user-space methods, drained once per batch" {
	local files

	files=$(make_bench_files 4096)
	start_sink -b 127.0.0.1 -j
	run --separate-stderr "$ZCOPYCTL" bench --target "loopback=127.0.0.1:$SINK_PORT" \
		--files "$files" --method sendfile_batch --method io_uring_splice_batch \
		--size 4k --runs 2 --warmup 0 --seed 7 --no-module -j
	assert_success
	assert_json_document
	assert_stderr --partial 'bench: --no-module: copies not observed'
	assert_jq '.seed == 7 and (.cells | length) == 2'
	# the quick plan at 4 KiB: 64 transfers a call, 512 (the most) a run
	assert_jq 'all(.cells[]; .transfers_per_run == 512)'
	# one sendfile(2) per file; io_uring: an enter per 64 files, waits aside
	assert_jq '[.cells[] | select(.method == "sendfile_batch") | .syscalls.median] == [1]'
	assert_jq 'all(.cells[] | select(.method == "io_uring_splice_batch" and .error == null); .syscalls.median < 0.1)'
	assert_jq 'all(.cells[]; .error == null or (.method == "io_uring_splice_batch" and (.error | startswith("io_uring_queue_init: "))))'
	kill -TERM "$SINK_PID"
	wait_exit "$SINK_PID" 10
	# every byte of 2 runs x 512 files reached the sink, over 2 connections
	assert_equal "$(jq -s 'map(.bytes) | add' "$SINK_OUT")" \
		"$(jq '[.cells[] | select(.error == null)] | length * 2 * 512 * 4096' <<<"$output")"
}

@test "bench: --no-module refuses the module's methods" {
	run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files /tmp \
		--no-module --method sendfile --method zcopy_sg_batch
	assert_failure 2
	assert_stderr --partial "zcopyctl bench: --no-module: method 'zcopy_sg_batch' needs the module"
	run --separate-stderr "$ZCOPYCTL" bench --target lo=127.0.0.1:9 --files /tmp --seed x
	assert_failure 2
	assert_stderr --partial "zcopyctl bench: invalid seed 'x'"
}

@test "bench: --pretty after the command: the bench document, indented, as -j" {
	local files

	files=$(make_bench_files 4096)
	start_sink -b 127.0.0.1
	run --separate-stderr "$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$files" --method read_write --size 4k --cache hot \
		--runs 1 --warmup 0 --pretty
	assert_success
	assert_json_document
	assert_line --index 0 '{'
	assert_line --index 1 '  "schema_version": 1,'
	assert_jq '.schema == 1 and .runs == 1 and (.cells | length) == 1 and .cells[0].method == "read_write"'
}

@test "bench: module methods without /dev/zcopy: an error per cell, -o FILE, text table" {
	local files

	[[ ! -e /dev/zcopy ]] || skip "/dev/zcopy exists"
	files=$(make_bench_files 4096)
	start_sink -b 127.0.0.1
	run --separate-stderr "$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$files" --profile tiny --method zcopy_sg --method zcopy_copy_batch \
		--method sendfile --size 4k -o "$BATS_TEST_TMPDIR/out.json"
	assert_success
	assert_line --index 0 --regexp '^METHOD +OBSERVER +PATH +SIZE +CACHE +MIB/S +CPU US/MIB +COPIES/B +VERIFIED +ERROR$'
	assert_line --index 1 --regexp '^zcopy_sg +on +lo +4096 +hot +- +- +- +no +/dev/zcopy \(zcopy module not loaded\?\): No such file or directory$'
	assert_line --index 3 --regexp '^sendfile +on +lo +4096 +hot +[0-9.]+ +[0-9.]+ +- +no +-$'
	assert_stderr --partial 'bench: lo zcopy_sg 4096 hot: /dev/zcopy (zcopy module not loaded?): No such file or directory'
	output=$(<"$BATS_TEST_TMPDIR/out.json")
	assert_json_document
	assert_jq '.profile == "custom" and .runs == 3 and .warmup == 1 and (.cells | length) == 3'
	assert_jq '[.cells[] | select(.method | startswith("zcopy_")) | .error] | all(. == "/dev/zcopy (zcopy module not loaded?): No such file or directory")'
	assert_jq '[.cells[] | select(.method | startswith("zcopy_")) | [.runs, .throughput_mib_s, .verified]] == [[0, null, false], [0, null, false]]'
	assert_jq '[.cells[] | select(.method == "zcopy_copy_batch") | .transfers_per_run] == [64]'
	assert_jq '[.cells[] | select(.method == "sendfile") | .runs] == [3]'
}

@test "bench: SIGINT or SIGTERM: partial results marked, -o FILE too, the error object, exit 1" {
	local files sig

	files=$(make_bench_files 4096 65536)
	start_sink -b 127.0.0.1
	for sig in INT TERM; do
		start_bg "$BATS_TEST_TMPDIR/b.out" "$BATS_TEST_TMPDIR/b.err" \
			"$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
			--files "$files" --method sendfile --method read_write \
			--size 4k --size 64k --runs 100 --no-module -j \
			-o "$BATS_TEST_TMPDIR/b.json"
		# the first round's progress line: it runs
		wait_line "$BATS_TEST_TMPDIR/b.err" '^bench: cell 2/4, round 1/101, ETA [0-9]+:[0-9]{2}$' "$BG_PID"
		kill -"$sig" "$BG_PID"
		wait_exit "$BG_PID" 60
		assert_equal "$bg_status" 1
		set_output "$(<"$BATS_TEST_TMPDIR/b.out")"
		assert_json_error EINTR
		assert_equal "$json_message" "bench: interrupted by SIG$sig: partial results, 2 of 4 cells begun"
		assert_jq '.results.schema_version == 1 and .results.partial == true and .results.cells_planned == 4'
		assert_jq '[.results.cells[] | .size] == [4096, 4096] and all(.results.cells[]; .error == null and .runs >= 0 and .runs < 100)'
		grep -qx "zcopyctl: $json_message" "$BATS_TEST_TMPDIR/b.err" ||
			fail "$(cat "$BATS_TEST_TMPDIR/b.err")"
		output=$(<"$BATS_TEST_TMPDIR/b.json")
		assert_json_document
		assert_jq '.partial == true and .cells_planned == 4 and (.cells | length) == 2'
	done
}

@test "bench: text results of an interrupted bench say partial; progress as cell N/M with an ETA" {
	local files

	files=$(make_bench_files 4096)
	start_sink -b 127.0.0.1
	start_bg "$BATS_TEST_TMPDIR/b.out" "$BATS_TEST_TMPDIR/b.err" \
		"$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$files" --method sendfile --size 4k --runs 100 --no-module
	wait_line "$BATS_TEST_TMPDIR/b.err" '^bench: cell 1/1, round 2/101, ETA [0-9]+:[0-9]{2}$' "$BG_PID"
	kill -INT "$BG_PID"
	wait_exit "$BG_PID" 60
	assert_equal "$bg_status" 1
	set_output "$(<"$BATS_TEST_TMPDIR/b.out")"
	assert_line --index 0 --regexp '^METHOD +OBSERVER +PATH +SIZE +CACHE '
	assert_line --index 1 --regexp '^sendfile +on +lo +4096 +hot '
	assert_line 'partial:       yes'
	assert_line 'cells planned: 1'
	# a bench left alone: one progress line a round, the last one 0:00
	run --separate-stderr "$ZCOPYCTL" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$files" --method sendfile --size 4k --runs 2 --warmup 1 --no-module
	assert_success
	refute_line --partial 'partial'
	assert_equal "$(grep -c '^bench: cell 1/1, round [1-3]/3, ETA ' <<<"$stderr")" 3
	assert_stderr --partial $'bench: cell 1/1, round 3/3, ETA 0:00\n'
}

# A pkg-config that knows nothing of liburing and libcrypto.
make_pkg_config_without() {
	local wrapper=$BATS_TEST_TMPDIR/pkg-config

	cat >"$wrapper" <<-'EOF'
		#!/bin/sh
		for arg in "$@"; do
			case $arg in liburing | libcrypto) exit 1 ;; esac
		done
		exec pkg-config "$@"
	EOF
	chmod +x "$wrapper"
	echo "$wrapper"
}

@test "build without liburing and libcrypto: the tool builds, and says what it lacks" {
	local top=$BATS_TEST_DIRNAME/../.. out=$BATS_TEST_TMPDIR/build zc files

	command -v make cc pkg-config >/dev/null || skip "no compiler here"
	run make -s -C "$top/tool" O="$out" PKG_CONFIG="$(make_pkg_config_without)"
	assert_success
	assert_line --partial 'liburing >= 2.3 not found'
	assert_line --partial 'libcrypto not found'
	zc=$out/zcopyctl
	[[ -x $zc ]] || fail "no $zc"
	grep -qx '#define ZCOPYCTL_HAVE_LIBURING 0' "$out/config.h" || fail "$(cat "$out/config.h")"
	grep -qx '#define ZCOPYCTL_HAVE_LIBCRYPTO 0' "$out/config.h" || fail "$(cat "$out/config.h")"
	! ldd "$zc" | grep -E 'liburing|libcrypto' || fail "linked with them anyway"

	# sink --sha256: a usage error of this build
	run --separate-stderr "$zc" sink --sha256 -p 0
	assert_failure 2
	assert_output ''
	assert_stderr "zcopyctl sink: --sha256: built without libssl (libcrypto): rebuild with libssl-dev installed"$'\n'"Try 'zcopyctl sink --help'."
	# sink without it still works
	ZCOPYCTL=$zc start_sink -b 127.0.0.1 --count 1 -j
	head -c 10 /dev/zero | socat -u - "TCP:127.0.0.1:$SINK_PORT"
	finish_sink
	assert_jq '.bytes == 10 and .sha256 == null'

	# the io_uring methods: reported, skipped, the bench still passes
	files=$(make_bench_files 4096)
	start_sink -b 127.0.0.1
	run --separate-stderr "$zc" bench --target "lo=127.0.0.1:$SINK_PORT" \
		--files "$files" --method io_uring_send_zc --method io_uring_splice_batch \
		--method sendfile --size 4k --runs 1 --warmup 0 --no-module -j
	assert_success
	assert_json_document
	assert_jq '[.cells[] | select(.method | startswith("io_uring_")) | [.error, .runs]] == [["not built: liburing >= 2.3 missing", 0], ["not built: liburing >= 2.3 missing", 0]]'
	assert_jq '[.cells[] | select(.method == "sendfile") | [.error, .runs]] == [[null, 1]]'
	assert_stderr --partial 'bench: lo io_uring_send_zc 4096 hot: not built: liburing >= 2.3 missing'
}
