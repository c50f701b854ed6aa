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
MODULE_NOT_LOADED='zcopyctl: zcopy module not loaded: generic netlink family "zcopy" not found (try: modprobe zcopy)'

# The counters of "stats", by their JSON keys.
STATS_COUNT_KEYS=(jobs_submitted jobs_queued jobs_running jobs_done
	jobs_failed jobs_cancelled jobs_copy jobs_mmap jobs_sendfile jobs_sg)
STATS_BYTES_KEYS=(bytes_sent cpu_copy_bytes ref_bytes dma_in_bytes
	dma_out_bytes)

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
