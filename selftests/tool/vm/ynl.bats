#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
# shellcheck disable=SC2154 # $stderr and $bg_status: bats and helper.bash
#
# The kernel's own YNL tool against the module, in the test VM: cli.py of
# Debian's linux-source-6.12, which selftests/vm/mkinitramfs.sh puts in
# /zcopy/ynl with python3, PyYAML and jsonschema, drives the family from
# our Documentation/netlink/specs/zcopy.yaml, validated on every run
# against the kernel's schema for it (genetlink-legacy: the family has
# per-op policies and version 2). Run as root; the receiver 192.0.2.2
# (virtio-net) lives in netns "peer".

load helper

YNL=${ZCOPY_YNL:-/zcopy/ynl}
CLI=$YNL/tools/net/ynl/cli.py
SPEC=$YNL/Documentation/netlink/specs/zcopy.yaml
SCHEMA=$YNL/Documentation/netlink/genetlink-legacy.yaml
DATA=${ZCOPY_DATA:-/data}
PEER=(ip netns exec "${ZCOPY_PEER_NETNS:-peer}")
VIRTIO=${ZCOPY_PEER_VIRTIO:-192.0.2.2}

# The counters of the stats nest: every one a number but the probe sets.
STATS_NUMBERS='["jobs-submitted", "jobs-queued", "jobs-running", "jobs-done",
	"jobs-failed", "jobs-cancelled", "jobs-copy", "jobs-mmap",
	"jobs-sendfile", "jobs-sg", "bytes-sent", "cpu-copy-bytes", "ref-bytes",
	"dma-in-bytes", "dma-out-bytes", "jobs-verified", "retrans-bytes",
	"observations", "observer-ns"]'
PROBES='["xmit", "retransmit", "copy-ubufs", "pull-tail", "copy-bits",
	"csum-help", "segment", "sendmsg", "sendpage"]'

setup_file() {
	[[ $(id -u) == 0 ]] || fail "these tests run as root"
	[[ -d /sys/module/zcopy ]] || fail "the zcopy module is not loaded"
	command -v jq >/dev/null || fail "jq is missing"
}

setup() {
	# The one reason to skip: the initramfs was built without the tree.
	[[ -f $CLI ]] ||
		skip "no YNL tooling in the VM ($CLI): linux-source-6.12 missing on the host (make deps)"
	command -v python3 >/dev/null || fail "$CLI is here but python3 is not"
}

teardown() {
	teardown_bg
}

# cli.py with the schema check on, JSON out: "$@" is --do OP, --dump OP...
ynl() {
	python3 "$CLI" --spec "$SPEC" --schema "$SCHEMA" --output-json "$@"
}

sum_of() {
	awk -v f="$1" '$2 == f { print $1 }' "$DATA/SHA256SUMS"
}

# struct sockaddr_in in hex, as cli.py takes a binary attribute: family
# (host order), port and address (network order), eight zero bytes.
sockaddr_in_hex() { # ADDR PORT
	local a b c d

	IFS=. read -r a b c d <<<"$1"
	printf '0200%04x%02x%02x%02x%02x0000000000000000\n' "$2" "$a" "$b" "$c" "$d"
}

# Counters of the stats nest, from one --do stats: "jobs-submitted jobs-sg".
stats_of() { # NAME...
	ynl --do stats | jq -r '[.stats[$ARGS.positional[]]] | join(" ")' \
		--args "$@"
}

# Until job ID has ended (at most 60 s); its record in $output.
wait_ended() { # ID
	local end=$((SECONDS + 60))

	while ((SECONDS < end)); do
		run --separate-stderr ynl --do get --json "{\"id\": $1}"
		assert_success
		jq -e '.state != "queued" and .state != "running"' <<<"$output" \
			>/dev/null && return 0
		sleep 0.2
	done
	fail "job $1 has not ended after 60 s: $output"
}

@test "ynl: cli.py validates the spec against the schema and finds every op in the module" {
	run --separate-stderr python3 "$CLI" --spec "$SPEC" --schema "$SCHEMA" --list-ops
	assert_success
	assert_stderr ''
	set_output "$(tr -s ' ' <<<"$output")"
	assert_equal "${#lines[@]}" 7
	assert_line --index 0 'submit [ do ]'
	# cli.py keeps an op's modes in a set: either order
	assert_line --index 1 --regexp '^get \[ (do, dump|dump, do) \]$'
	assert_line --index 2 'cancel [ do ]'
	assert_line --index 3 'stats [ do ]'
	assert_line --index 4 'observe-start [ do ]'
	assert_line --index 5 'observe-read [ do ]'
	assert_line --index 6 'observe-stop [ do ]'
}

@test "ynl: the schema check is on: a spec with an unknown attribute type is refused" {
	mkdir -p "$BATS_TEST_TMPDIR/netlink/specs"
	sed 's/^\(        type: \)u8$/\1u9/' "$SPEC" \
		>"$BATS_TEST_TMPDIR/netlink/specs/zcopy.yaml"
	run ! cmp -s "$SPEC" "$BATS_TEST_TMPDIR/netlink/specs/zcopy.yaml"
	run --separate-stderr python3 "$CLI" \
		--spec "$BATS_TEST_TMPDIR/netlink/specs/zcopy.yaml" \
		--schema "$SCHEMA" --do stats
	assert_failure
	assert_output ''
	[[ $stderr == *"jsonschema.exceptions.ValidationError: 'u9' is not one of"* ]] ||
		fail "no schema error: $stderr"
}

@test "ynl: --do stats: every counter decoded, numbers and probe names" {
	run --separate-stderr ynl --do stats
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq '.stats | length == 21'
	assert_jq --argjson n "$STATS_NUMBERS" \
		'[.stats[$n[]] | select(type == "number" and . >= 0 and floor == .)] |
		 length == ($n | length)'
	assert_jq --argjson p "$PROBES" \
		'[.stats["observer-probes", "observer-armed"] | type] == ["array", "array"] and
		 (.stats["observer-probes"] - $p) == [] and
		 (.stats["observer-probes"] | index("xmit")) != null'
	# Nothing runs now: every job accepted has ended, one way or another.
	assert_jq '.stats | .["jobs-submitted"] == .["jobs-queued"] +
		.["jobs-running"] + .["jobs-done"] + .["jobs-failed"] +
		.["jobs-cancelled"]'
	assert_jq '.stats | .["jobs-submitted"] == .["jobs-copy"] +
		.["jobs-mmap"] + .["jobs-sendfile"] + .["jobs-sg"]'
}

@test "ynl: --do stats: the values zcopyctl stats reports" {
	local ours

	require_zcopyctl
	run --separate-stderr ynl --do stats
	assert_success
	ours=$("$ZCOPYCTL" stats -j)
	assert_jq --argjson z "$ours" '.stats as $s |
		["jobs-submitted", "jobs-done", "jobs-failed", "jobs-cancelled",
		 "jobs-copy", "jobs-mmap", "jobs-sendfile", "jobs-sg", "bytes-sent",
		 "cpu-copy-bytes", "ref-bytes", "dma-in-bytes", "dma-out-bytes",
		 "jobs-verified"] |
		all($s[.] == $z[gsub("-"; "_")])'
}

@test "ynl: --do submit by path and address: the sink gets the file; get, dump and stats have the job" {
	local size sum addr id before after

	require_zcopyctl
	size=$(stat -c %s "$DATA/f1m1")
	sum=$(sum_of f1m1)
	read -r -a before < <(stats_of jobs-submitted jobs-sg)
	((${#before[@]} == 2)) || fail "no counters from --do stats"

	start_sink "${PEER[@]}" -- --count 1 --sha256 -j
	addr=$(sockaddr_in_hex "$VIRTIO" "$SINK_PORT")
	run --separate-stderr ynl --do submit --json \
		"{\"path\": \"$DATA/f1m1\", \"addr\": \"$addr\", \"mode\": \"sg\", \"user-data\": 4242}"
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq '(keys == ["id"]) and (.id | type == "number" and . > 0)'
	id=$(jq .id <<<"$output")
	echo "$id" >"$BATS_FILE_TMPDIR/job-id"

	finish_sink
	assert_jq --argjson n "$size" --arg sum "$sum" \
		'.bytes == $n and .sha256 == $sum'

	wait_ended "$id"
	assert_jq --argjson id "$id" --argjson n "$size" \
		'.id == $id and .mode == "sg" and .state == "done" and
		 .error == 0 and .offset == 0 and .length == $n and
		 .["bytes-sent"] == $n and .["user-data"] == 4242 and
		 .["header-len"] == 0 and .["trailer-len"] == 0 and
		 (.["egress-dev"] | type) == "string"'

	read -r -a after < <(stats_of jobs-submitted jobs-sg)
	assert_equal "${after[*]}" "$((before[0] + 1)) $((before[1] + 1))"
}

@test "ynl: --dump get: the submitted job, with its mode and length" {
	local id size

	[[ -s $BATS_FILE_TMPDIR/job-id ]] || fail "the submit test left no job id"
	id=$(<"$BATS_FILE_TMPDIR/job-id")
	size=$(stat -c %s "$DATA/f1m1")
	run --separate-stderr ynl --dump get
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq 'type == "array" and length >= 1'
	# in id order, each once
	assert_jq '[.[].id] == ([.[].id] | sort | unique)'
	assert_jq --argjson id "$id" --argjson n "$size" \
		'[.[] | select(.id == $id)] | length == 1 and
		 .[0].mode == "sg" and .[0].length == $n and
		 .[0].state == "done" and .[0]["bytes-sent"] == $n'
}

@test "ynl: the module's refusals reach cli.py with their extack" {
	run --separate-stderr ynl --do get --json '{"id": 18446744073709551615}'
	assert_failure
	assert_line 'Netlink error: No such file or directory'
	assert_output --partial "'msg': 'no such job'"
	assert_output --partial "'bad-attr': '.id'"

	run --separate-stderr ynl --do submit --json \
		"{\"path\": \"$DATA/f1\", \"addr\": \"$(sockaddr_in_hex 127.0.0.1 9)\"}"
	assert_failure
	assert_line 'Netlink error: Invalid argument'
	assert_output --partial "'msg': 'missing mode'"
	assert_output --partial "'miss-type': 'mode'"

	run --separate-stderr ynl --do submit --json \
		"{\"path\": \"$DATA/f1\", \"addr\": \"$(sockaddr_in_hex 127.0.0.1 9)\", \"mode\": \"sg\", \"flags\": [\"inline\"]}"
	assert_failure
	assert_output --partial "'msg': 'inline submission is for /dev/zcopy only'"
	assert_output --partial "'bad-attr': '.flags'"
}

@test "ynl: --subscribe events: a job's end arrives as event-done" {
	local id i nr cli out=$BATS_TEST_TMPDIR/events.out

	require_zcopyctl
	start_bg "$out" "$BATS_TEST_TMPDIR/events.err" python3 "$CLI" \
		--spec "$SPEC" --schema "$SCHEMA" --output-json \
		--subscribe events --sleep 10
	# start_sink's start_bg sets BG_PID anew
	cli=$BG_PID
	# cli.py joins the group, then sleeps (clock_nanosleep, syscall
	# 230); it reads the events after.
	for ((i = 0; i < 300; i++)); do
		read -r nr _ <"/proc/$cli/syscall" || true
		[[ $nr == 230 ]] && break
		alive "$cli" ||
			fail "cli.py --subscribe exited: $(cat "$BATS_TEST_TMPDIR/events.err")"
		sleep 0.1
	done
	start_sink --count 1 -j
	id=$("$ZCOPYCTL" send -m copy -j "$DATA/f4097" "127.0.0.1:$SINK_PORT" | jq .id)
	[[ $id =~ ^[0-9]+$ ]] || fail "zcopyctl send gave no job id: $id"
	finish_sink
	wait_exit "$cli" 60
	((bg_status == 0)) ||
		fail "cli.py --subscribe exited $bg_status: $(cat "$BATS_TEST_TMPDIR/events.err")"
	set_output "$(<"$out")"
	assert_json_document
	assert_jq --argjson id "$id" \
		'[.[] | select(.name == "event-done" and .msg.id == $id)] |
		 length == 1 and .[0].msg.mode == "copy" and
		 .[0].msg.state == "done" and .[0].msg.length == 4097 and
		 .[0].msg["bytes-sent"] == 4097 and .[0].msg["cpu-copy-bytes"] >= 4097'
}

@test "ynl: cli.py --do stats as typed by hand: pprint of the 21 counters" {
	run --separate-stderr python3 "$CLI" --spec "$SPEC" --schema "$SCHEMA" \
		--do stats
	assert_success
	assert_stderr ''
	# in the TAP, as a sample for the README
	printf '# %s\n' "${lines[@]}" >&3
	run python3 -c '
import ast, sys
s = ast.literal_eval(sys.stdin.read())["stats"]
sets = {"observer-probes", "observer-armed"}
print(len(s), all(type(v) is int and v >= 0
                  for k, v in s.items() if k not in sets),
      all(type(s[k]) is set for k in sets), "xmit" in s["observer-probes"])
' <<<"$output"
	assert_success
	assert_output '21 True True True'
}
