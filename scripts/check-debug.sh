#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: the whole VM suite (kselftests, VM bats, fault injection
# and a fixed-seed share of the fuzzer) on the debug kernel of
# scripts/debug-kernel.sh. The guest fails the run on a KASAN, UBSAN,
# lockdep, RCU, ODEBUG, hung-task or workqueue report, on a WARN
# (panic_on_warn) and on anything kmemleak finds after a forced scan.
#
#   check-debug.sh          the suite; ends with "N passed, N failed"
#   check-debug.sh --fuzz   make fuzz: only the fuzzer, FUZZ_INPUTS inputs
#
# Environment: ZCOPY_PLANT=uaf|lockinv|leak builds the module with that bug
# planted (it must make this fail); FUZZ_INPUTS (check: 50000, fuzz:
# 1000000), FUZZ_PROCS (4), FUZZ_SEED (check: 1, fuzz: the time);
# CHECK_DEBUG_TESTS="chardev_test ..." runs only those test programs and
# no bats (a quick look, e.g. at a planted bug: the kernel checks at the
# end of the run are the same).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
fuzz_only=0
[[ ${1:-} == --fuzz ]] && fuzz_only=1

tree=$top/build/debug-kernel
# make fuzz and make check-debug may run side by side.
name=check-debug
((fuzz_only)) && name=fuzz
out=$top/build/$name
rm -rf "$out"
mkdir -p "$out"
start=$(date +%s)

fail() {
	echo "not ok - $*"
	echo "0 passed, 1 failed"
	exit 1
}

scripts/debug-kernel.sh "$tree" >"$out/debug-kernel.log" 2>&1 || {
	tail -n 30 "$out/debug-kernel.log" | sed 's/^/# /'
	fail "make debug-kernel"
}
echo "# $(tail -n 1 "$out/debug-kernel.log")"
kver=$(<"$tree/release")

# A planted module is built apart, so that it never replaces the real one.
moddir=$top/build/$kver/mod${ZCOPY_PLANT:+-plant-$ZCOPY_PLANT}
make --no-print-directory module KVER="$kver" KDIR="$tree/obj" MODDIR="$moddir" \
	${ZCOPY_PLANT:+ZCOPY_PLANT=$ZCOPY_PLANT} >"$out/module.log" 2>&1 ||
	{
		tail -n 30 "$out/module.log" | sed 's/^/# /'
		fail "module builds on $kver"
	}
[[ -n ${ZCOPY_PLANT:-} ]] && echo "# module built with the planted bug '$ZCOPY_PLANT'"
make --no-print-directory tool selftests >"$out/build.log" 2>&1 ||
	fail "tool and selftests build"

if ((fuzz_only)); then
	tests=$out/fuzz-only
	mkdir -p "$tests"
	cp build/selftests/zcopy_fuzz "$tests/"
	bats=$tests/no-bats
	mkdir -p "$bats"
	inputs=${FUZZ_INPUTS:-1000000}
	seed=${FUZZ_SEED:-$(date +%s)}
	vm_timeout=${ZCOPY_VM_TIMEOUT:-14400}
elif [[ -n ${CHECK_DEBUG_TESTS:-} ]]; then
	tests=$out/tests
	bats=$out/no-bats
	mkdir -p "$tests" "$bats"
	for t in $CHECK_DEBUG_TESTS; do
		cp "build/selftests/$t" "$tests/" || fail "no test program $t"
	done
	inputs=${FUZZ_INPUTS:-50000}
	seed=${FUZZ_SEED:-1}
	vm_timeout=${ZCOPY_VM_TIMEOUT:-4500}
else
	tests=$top/build/selftests
	bats=$top/selftests/tool/vm
	inputs=${FUZZ_INPUTS:-50000}
	seed=${FUZZ_SEED:-1}
	vm_timeout=${ZCOPY_VM_TIMEOUT:-4500}
fi
echo "# vm $kver: fuzz $inputs inputs, seed $seed, ${FUZZ_PROCS:-4} processes"

# Everything runs several times slower under KASAN, lockdep and TCG.
append="zcopyvm.fuzz_inputs=$inputs zcopyvm.fuzz_seed=$seed"
append+=" zcopyvm.fuzz_procs=${FUZZ_PROCS:-4} zcopyvm.fuzz_time=$((vm_timeout - 300))"
append+=" zcopyvm.bats_timeout=2400 ${ZCOPY_VM_APPEND:-}"
ZCOPY_VM_TIMEOUT=$vm_timeout ZCOPY_VM_TEST_TIMEOUT=${ZCOPY_VM_TEST_TIMEOUT:-$((vm_timeout - 300))} \
	ZCOPY_VM_APPEND=$append \
	selftests/vm/run.sh --kernel-tree "$tree" --mode tests --out "$out/vm" \
	--module "$moddir/kmod/zcopy.ko" \
	--tool "$top/build/tool/zcopyctl" --tests "$tests" --bats "$bats" \
	>"$out/vm.tap" 2>&1
rc=$?
cat "$out/vm.tap"

passed=$(grep -cE '^ok ' "$out/vm.tap")
skipped=$(grep -cE '^ok .*# (SKIP|skip)' "$out/vm.tap")
failed=$(grep -cE '^not ok ' "$out/vm.tap")
passed=$((passed - skipped))
if ((rc != 0 && failed == 0)); then
	echo "not ok - vm $kver ended without a passing verdict (rc $rc)"
	failed=1
fi
echo "# make $name took $(($(date +%s) - start)) s"
if ((skipped)); then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
((failed == 0))
