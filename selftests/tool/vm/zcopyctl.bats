#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
#
# zcopyctl against the loaded module, in the test VM: run as root, with jq
# and busybox in the guest. version and stats, as root and as nobody.

load helper

setup_file() {
	require_zcopyctl
	[[ $(id -u) == 0 ]] || fail "these tests run as root"
	[[ -d /sys/module/zcopy ]] || fail "the zcopy module is not loaded"
	command -v jq >/dev/null || fail "jq is missing"
}

# The stats keys as a JSON array, for jq --argjson.
stats_keys_json() {
	printf '%s\n' "${STATS_COUNT_KEYS[@]}" "${STATS_BYTES_KEYS[@]}" \
		"${STATS_NS_KEYS[@]}" "${STATS_PROBES_KEYS[@]}" |
		jq -R . | jq -s -c .
}

# Every probe the observer may have, by the name stats gives it.
PROBE_NAMES='["net_dev_start_xmit", "tcp_retransmit_skb", "skb_copy_ubufs",
	"__pskb_pull_tail", "skb_copy_bits", "skb_checksum_help", "skb_segment",
	"tcp_sendmsg_locked", "do_tcp_sendpages"]'

# --- version --------------------------------------------------------------

@test "version -j: the module answers on /dev/zcopy with the tool's ABI" {
	run --separate-stderr "$ZCOPYCTL" version -j
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq '.module_source == "device"'
	assert_jq '.tool_abi | type == "number"'
	assert_jq '.module_abi == .tool_abi'
	assert_jq '.module_release | type == "string" and length > 0'
	assert_jq '.tool_version | type == "string" and length > 0'
}

@test "version -j: the module supports the four modes" {
	run --separate-stderr "$ZCOPYCTL" version -j
	assert_success
	assert_jq '.modes == ["copy", "mmap", "sendfile", "sg"]'
}

@test "version: text shows the module's release, ABI and modes" {
	local abi release

	abi=$("$ZCOPYCTL" version -j | jq -r .tool_abi)
	release=$("$ZCOPYCTL" version -j | jq -r .module_release)
	run --separate-stderr "$ZCOPYCTL" version
	assert_success
	assert_stderr ''
	squeeze_output
	assert_line "tool abi: $abi"
	assert_line "module release: $release"
	assert_line "module abi: $abi"
	assert_line "modes: copy mmap sendfile sg"
	assert_line "module source: device"
}

@test "as_nobody drops to uid and gid 65534" {
	run as_nobody id -u
	assert_success
	assert_output 65534
	run as_nobody id -g
	assert_success
	assert_output 65534
}

@test "version as nobody: /dev/zcopy refused, ABI still read over netlink" {
	[[ $(stat -c %a /dev/zcopy) == 600 ]] ||
		skip "/dev/zcopy is not mode 0600 (dev_mode module parameter)"

	run --separate-stderr as_nobody "$ZCOPYCTL" version -j
	assert_success
	assert_stderr 'zcopyctl: warning: cannot open /dev/zcopy: Permission denied'
	assert_json_document
	assert_jq '.module_source == "netlink"'
	assert_jq '.module_abi == .tool_abi'
	assert_jq '.module_release == null and .modes == null'

	run --separate-stderr as_nobody "$ZCOPYCTL" version
	assert_success
	squeeze_output
	assert_line "module source: netlink"
	assert_line --regexp '^module abi: [0-9]+$'
	refute_line --partial 'module release'
}

# --- stats ----------------------------------------------------------------

@test "stats -j: all 21 counters, integers, the probes by name" {
	run --separate-stderr "$ZCOPYCTL" stats -j
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq --argjson k "$(stats_keys_json)" '($k | length) == 21'
	assert_jq --argjson k "$(stats_keys_json)" '(keys - ["schema_version"] | sort) == ($k | sort)'
	assert_jq '.schema_version == 1'
	assert_jq 'del(.schema_version, .observer_probes, .observer_armed) | to_entries | all(.value | type == "number" and . >= 0 and . == floor)'
	assert_jq --argjson all "$PROBE_NAMES" '[.observer_probes, .observer_armed] | all(type == "array" and all(. as $p | $all | index($p) != null))'
}

@test "stats: text shows every counter, exact; -h: bytes and ns with units" {
	local key

	run --separate-stderr "$ZCOPYCTL" stats
	assert_success
	assert_stderr ''
	assert_equal "${#lines[@]}" 21
	squeeze_output
	for key in "${STATS_COUNT_KEYS[@]}" "${STATS_BYTES_KEYS[@]}" "${STATS_NS_KEYS[@]}"; do
		assert_line --regexp "^${key//_/ }: [0-9]+\$"
	done
	# the probes: names separated by spaces, no bitmask
	assert_line --regexp '^observer probes: net_dev_start_xmit tcp_retransmit_skb( [a-z_]+)+$'
	assert_line --regexp '^observer armed:( [a-z_]+)*$'

	run --separate-stderr "$ZCOPYCTL" stats -h
	assert_success
	squeeze_output
	for key in "${STATS_BYTES_KEYS[@]}"; do
		assert_line --regexp "^${key//_/ }: [0-9]+(\\.[0-9])? (B|KiB|MiB|GiB|TiB|PiB|EiB)\$"
	done
	assert_line --regexp '^observer ns: [0-9.]+ (ns|us|ms|s)$'
	for key in "${STATS_COUNT_KEYS[@]}"; do
		assert_line --regexp "^${key//_/ }: [0-9]+\$"
	done
}

@test "stats -j: every observer probe registered, no observer_error" {
	run --separate-stderr "$ZCOPYCTL" stats -j
	assert_success
	# ZCOPY_PROBES_ALL (both tracepoints and the five kprobes) and the
	# send probes: tcp_sendmsg_locked, do_tcp_sendpages before 6.5
	assert_jq --argjson all "$PROBE_NAMES" '(.observer_probes == $all[0:8] or .observer_probes == $all) and
		(has("observer_error") | not)'
}

@test "stats -P FILE: the 21 counters in Prometheus' text format too" {
	local prom=$BATS_TEST_TMPDIR/zcopy.prom n

	run --separate-stderr "$ZCOPYCTL" stats -j -P "$prom"
	assert_success
	assert_json_document
	# counters end in _total, gauges do not; one HELP and TYPE each
	n=$(grep -c '^# TYPE zcopy_[a-z_]* \(counter\|gauge\)$' "$prom")
	((n == 21)) || fail "$n TYPE lines: $(cat "$prom")"
	grep -qx '# TYPE zcopy_jobs_submitted_total counter' "$prom" ||
		fail "$(cat "$prom")"
	grep -qx '# TYPE zcopy_jobs_running gauge' "$prom" || fail "$(cat "$prom")"
	grep -qx "zcopy_jobs_submitted_total $(jq .jobs_submitted <<<"$output")" \
		"$prom" || fail "jobs_submitted differs: $(cat "$prom")"
	grep -qxE "zcopy_observer_probes (255|511)" "$prom" || fail "$(cat "$prom")"
	[[ $(stat -c %a "$prom") == 644 ]] || fail "mode $(stat -c %a "$prom")"
}

@test "stats as nobody: allowed, same 21 counters" {
	run --separate-stderr as_nobody "$ZCOPYCTL" stats -j
	assert_success
	assert_stderr ''
	assert_json_document
	assert_jq --argjson k "$(stats_keys_json)" '(keys - ["schema_version"] | sort) == ($k | sort)'
	assert_jq 'del(.schema_version, .observer_probes, .observer_armed) | to_entries | all(.value | type == "number" and . >= 0 and . == floor)'
}
