#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
#
# zcopyctl on the build host, where the module is never loaded: the command
# line contract (usage, help, exit status) and how each command reports the
# missing module.
#
#   make -C tool O=/tmp/zt && ZCOPYCTL=/tmp/zt/zcopyctl bats host.bats

load vm/helper

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
	assert_stderr --regexp $'\n  version +[^\n]+\n  stats +'
}

@test "help: lists the commands on stdout, exit 0" {
	run --separate-stderr "$ZCOPYCTL" help
	assert_success
	assert_stderr ''
	assert_line --index 0 'Usage: zcopyctl [OPTIONS] COMMAND [ARGS]'
	assert_line --regexp '^  version +Show the version'
	assert_line --regexp '^  stats +Show the module-wide'
	assert_line --regexp '^  help +List the commands'
}

@test "-h and --help: the same usage as help, exit 0" {
	local help

	help=$("$ZCOPYCTL" help)
	run --separate-stderr "$ZCOPYCTL" -h
	assert_success
	assert_output "$help"
	run --separate-stderr "$ZCOPYCTL" --help
	assert_success
	assert_output "$help"
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

	run --separate-stderr "$ZCOPYCTL" version -j now
	assert_failure 2
	assert_output ''
	assert_stderr --partial "zcopyctl version: unexpected argument 'now'"
}

@test "every listed command: -h and --help print its usage, exit 0" {
	local cmds cmd

	cmds=$("$ZCOPYCTL" help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
	[[ -n $cmds ]] || fail "no commands in 'zcopyctl help'"
	for cmd in $cmds; do
		for opt in -h --help; do
			run --separate-stderr "$ZCOPYCTL" "$cmd" "$opt"
			assert_success
			assert_stderr ''
			assert_line --index 0 --regexp "^Usage: zcopyctl $cmd( |\$)"
			assert_line --regexp '^  -h, --help +show this help$'
		done
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

@test "command usage lines: version and stats take -j" {
	run "$ZCOPYCTL" version --help
	assert_line --index 0 'Usage: zcopyctl version [-j]'
	assert_line --regexp '^  -j, --json +'
	run "$ZCOPYCTL" stats --help
	assert_line --index 0 'Usage: zcopyctl stats [-j]'
	assert_line --regexp '^  -j, --json +'
}

# --- without the module -----------------------------------------------------

@test "version: the tool's part, then module not loaded, exit 1" {
	local version abi

	version=$(tool_version)
	abi=$(header_abi)
	[[ -n $abi ]] || fail "ZCOPY_ABI_VERSION not found in the uapi header"

	run --separate-stderr "$ZCOPYCTL" version
	assert_failure 1
	# labels are padded to align the values; compare with single spaces
	assert_equal "$(tr -s ' ' <<<"$output")" \
		"tool version: $version"$'\n'"tool abi: $abi"
	assert_stderr "$MODULE_NOT_LOADED"
}

@test "version -j: valid JSON with the tool's part and null module, exit 1" {
	local version abi

	version=$(tool_version)
	abi=$(header_abi)
	for args in "version -j" "version --json" "-j version" "--json version"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_failure 1
		assert_json_document
		assert_jq --arg v "$version" '.tool_version == $v'
		assert_jq --argjson abi "$abi" '.tool_abi == $abi'
		assert_jq '.module_release == null and .module_abi == null'
		assert_jq '.modes == null and .module_source == null'
		assert_jq 'keys == (["tool_version", "tool_abi", "module_release",
			"module_abi", "modes", "module_source"] | sort)'
		assert_stderr "$MODULE_NOT_LOADED"
	done
}

@test "stats: module not loaded, nothing on stdout, exit 1" {
	run --separate-stderr "$ZCOPYCTL" stats
	assert_failure 1
	assert_output ''
	assert_stderr "$MODULE_NOT_LOADED"
}

@test "stats -j: module not loaded, no partial JSON, exit 1" {
	for args in "stats -j" "stats --json" "-j stats"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$ZCOPYCTL" $args
		assert_failure 1
		assert_output ''
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
