#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The bash completion against the tool it completes: its commands are
# those of "zcopyctl --help", each command's options (and the global
# ones) exactly those of "zcopyctl [COMMAND] --help", and a few values.
# Drives the completion function the way bash does (COMP_WORDS,
# COMP_CWORD) and prints TAP.
#
#   scripts/check-completion.sh ZCOPYCTL COMPLETION_FILE
set -euo pipefail

(($# == 2)) || { sed -n 9p "$0" >&2; exit 2; }
zcopyctl=$1
completion=$2

n=0 failed=0
same() { # NAME WANT GOT
	n=$((n + 1))
	if [[ -n $2 && $2 == "$3" ]]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		echo "# want: $2"
		echo "# got:  $3"
		failed=$((failed + 1))
	fi
}

# COMPREPLY for a command line whose last word is being completed.
complete_words() {
	local -a COMP_WORDS=("$@")
	local COMP_CWORD=$((${#COMP_WORDS[@]} - 1))

	COMPREPLY=()
	_zcopyctl
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# The options a --help text lists: "-x," and the first "--long" of each
# line of its Options: section.
help_options() {
	"$zcopyctl" "$@" --help | awk '
		/^Options:/ { on = 1; next }
		on && /^$/ { on = 0 }
		on && /^ +-/ {
			for (i = 1; i <= NF; i++) {
				w = $i; sub(/,$/, "", w)
				if (w ~ /^-[A-Za-z0-9]$/) print w
				else if (w ~ /^--[a-z0-9-]+$/) { print w; break }
				else break
			}
		}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# shellcheck source=tool/zcopyctl.bash-completion
source "$completion"

commands=$("$zcopyctl" --help | awk '/^Commands:/ { on = 1; next }
	on && /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }' | sort | tr '\n' ' ' | sed 's/ $//')
got=$(complete_words zcopyctl '')
same "completion: the commands of zcopyctl --help" "$commands" "$got"

want=$(help_options)
got=$(complete_words zcopyctl -)
same "completion: the global options" "$want" "$got"

for c in $commands; do
	want=$(help_options "$c")
	got=$(complete_words zcopyctl "$c" -)
	same "completion: the options of $c" "$want" "$got"
done

got=$(complete_words zcopyctl -j send --mode s)
same "completion: send --mode s offers sendfile sg" "sendfile sg" "$got"
got=$(complete_words zcopyctl send --mode = m)
same "completion: send --mode=m offers mmap" "mmap" "$got"
got=$(complete_words zcopyctl help s)
same "completion: help s offers the commands in s" "send serve show sink stats" "$got"
got=$(complete_words zcopyctl bench --cache '')
same "completion: bench --cache offers hot and cold" "cold hot" "$got"
got=$(complete_words zcopyctl complete)
same "completion: nothing for an unknown command word" "(none)" "${got:-(none)}"

echo "1..$n"
((failed == 0))
