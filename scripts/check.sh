#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: build for every required kernel with sparse and W=1, run the
# static checks, the host tests and the VM suite on each kernel; print all
# TAP and end with one "N passed, N failed" line.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
out=$top/build/check
rm -rf "$out"
mkdir -p "$out"

passed=0
failed=0
skipped=0

# Count the TAP result lines of a file: top-level "ok"/"not ok" only.
count_tap() {
	local p f s
	p=$(grep -cE '^ok ' "$1" | head -n 1)
	s=$(grep -cE '^ok .*# (SKIP|skip)' "$1" | head -n 1)
	f=$(grep -cE '^not ok ' "$1" | head -n 1)
	passed=$((passed + p - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

# A part that prints TAP: run it into FILE, show and count that; a part
# that failed without saying "not ok" (a crash, a timeout) is a failure.
tap_part() { # NAME FILE CMD...
	local name=$1 tap=$2 rc=0
	shift 2
	"$@" >"$tap" 2>&1 || rc=$?
	cat "$tap"
	count_tap "$tap"
	if ((rc != 0)) && ! grep -q '^not ok ' "$tap"; then
		echo "not ok - $name ended early (rc $rc)"
		failed=$((failed + 1))
	fi
}

# One TAP line for a step that is a test by itself (a build, a lint).
step() {
	local name=$1 log=$2
	shift 2
	if "$@" >"$log" 2>&1; then
		echo "ok - $name" | tee -a "$out/steps.tap"
	else
		echo "not ok - $name" | tee -a "$out/steps.tap"
		sed 's/^/# /' "$log" | tail -n 30
	fi
}

# A build is clean when it succeeds and neither gcc nor sparse complains.
build_clean() {
	make --no-print-directory "$@" || return 1
	! grep -qE 'warning:|error:' "$out/last-build.log"
}

module_clean() {
	make --no-print-directory module KVER="$1" C=2 2>&1 |
		tee "$out/last-build.log"
	[[ ${PIPESTATUS[0]} -eq 0 ]] &&
		! grep -qE 'warning:|error:' "$out/last-build.log"
}

start=$(date +%s)
mapfile -t kernels < <(scripts/kernels.sh)

echo "# zcopy check: kernels ${kernels[*]}"
: >"$out/steps.tap"
step "tool builds (-Wall -Wextra -Werror)" "$out/tool.log" make --no-print-directory tool
step "selftests build" "$out/selftests.log" make --no-print-directory selftests
for k in "${kernels[@]}"; do
	if [[ $k == missing-* ]]; then
		echo "not ok - kernel ${k#missing-} is installed (make deps)" |
			tee -a "$out/steps.tap"
		continue
	fi
	step "module builds on $k, W=1 and sparse clean" "$out/module-$k.log" \
		module_clean "$k"
done
step "checkpatch --strict clean" "$out/checkpatch.log" make --no-print-directory checkpatch
step "the job core calls no front end" "$out/layering.log" scripts/check-layering.sh
step "netlink spec matches the uapi header" "$out/spec.log" \
	/usr/bin/python3 selftests/spec/check_spec.py "$top"
step "VERSION, dkms.conf and debian/changelog agree" "$out/version.log" \
	scripts/check-version.sh "$top"
count_tap "$out/steps.tap"

echo "# host: bats selftests/tool/host.bats"
tap_part "host.bats" "$out/host.tap" \
	env ZCOPYCTL="$top/build/tool/zcopyctl" bats --tap selftests/tool/host.bats

echo "# host: the bash completion against build/tool/zcopyctl --help"
tap_part "the completion check" "$out/completion.tap" \
	scripts/check-completion.sh "$top/build/tool/zcopyctl" tool/zcopyctl.bash-completion

for k in "${kernels[@]}"; do
	[[ $k == missing-* ]] && continue
	ko=$top/build/$k/mod/kmod/zcopy.ko
	[[ -f $ko ]] || continue
	echo "# vm $k"
	# slub_debug=U records who allocated every live object: the leak
	# test reads it, and it keeps slab caches unmerged so that a cache
	# destroyed with objects left complains.
	# The suite takes 12-15 minutes of a loaded 2-core host (run.sh's
	# default limit is 15): give the VM 40 and its bats 25.
	tap_part "vm $k" "$out/vm-$k.tap" \
		env ZCOPY_VM_TIMEOUT="${ZCOPY_VM_TIMEOUT:-2400}" \
		ZCOPY_VM_APPEND="slub_debug=U zcopyvm.bats_timeout=1500 ${ZCOPY_VM_APPEND:-}" \
		selftests/vm/run.sh --kver "$k" --mode tests --out "$top/build/$k/vm" \
		--module "$ko" --tool "$top/build/tool/zcopyctl" \
		--tests "$top/build/selftests" --bats selftests/tool/vm
done

# The packages, end to end: make deb, installed here (DKMS builds the
# module for both kernels; nothing is loaded here), the VM on the DKMS
# module and the installed tool, purged (scripts/package-test.sh).
echo "# packages"
tap_part "package test" "$out/package.tap" scripts/package-test.sh

# The report and plots made from DIR/bench.json, and the JSON's check.
bench_report() { # DIR
	/usr/bin/python3 scripts/bench-report.py "$1/bench.json" >/dev/null &&
		/usr/bin/python3 selftests/bench/check_bench_json.py \
			--report-dir "$1" "$1/bench.json"
}

# The benchmark's plumbing, end to end on one kernel: the tiny profile in
# the VM (about a minute), the JSON against the schema, the report and
# plots made from it. The numbers themselves are make bench's business.
bench_tiny() {
	local k=$1 vm=$top/build/$1/vm-bench-tiny b=$out/bench t0
	t0=$(date +%s)
	echo "# bench tiny on $k"
	tap_part "bench vm $k" "$out/bench-vm.tap" \
		env ZCOPY_VM_BENCH_DISK="$top/build/bench-disk.img" \
		selftests/vm/run.sh --kver "$k" --mode bench --bench-profile tiny \
		--out "$vm" --module "$top/build/$k/mod/kmod/zcopy.ko" \
		--tool "$top/build/tool/zcopyctl" --tests "$empty" --bats "$empty"
	[[ -s $vm/bench.json ]] || return 0
	mkdir -p "$b"
	cp "$vm/bench.json" "$b/"
	# The HTTP servers' step (guest/bench_http.sh), when it left a result.
	[[ ! -s $vm/http.json ]] || cp "$vm/http.json" "$b/"
	tap_part "the bench report" "$out/bench.tap" bench_report "$b"
	echo "# bench tiny took $(($(date +%s) - t0)) s"
}
bench_k=''
for k in "${kernels[@]}"; do
	[[ $k == missing-* || ! -f $top/build/$k/mod/kmod/zcopy.ko ]] ||
		bench_k=$k
done
if [[ -n $bench_k ]]; then
	empty=$(mktemp -d)
	bench_tiny "$bench_k"
	rm -rf "$empty"
fi

echo "# make check took $(($(date +%s) - start)) s"
if ((skipped)); then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
((failed == 0))
