# SPDX-License-Identifier: GPL-2.0
#
# zcopy: the module (kmod/), the tool (tool/), the tests (selftests/).
# Builds out of tree in build/: the module per kernel release in
# build/<release>/, everything kernel-independent in build/.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build

# The running kernel if its headers are here, else the newest installed.
KVER ?= $(shell \
	if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -d /lib/modules/*/build 2>/dev/null | \
		awk -F/ '{print $$4}' | sort -V | tail -n 1; fi)

MODDIR = $(BUILD)/$(KVER)/mod
KDIR ?= /lib/modules/$(KVER)/build
LINUX_SOURCE = $(BUILD)/linux-source

KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h) $(TOP)/kmod/Kbuild

.PHONY: all module modules-all tool selftests linux-source check demo vm \
	bench bench-quick deps sparse checkpatch clean help debug-kernel \
	check-debug fuzz

all: module tool selftests

help:
	@echo "make [KVER=release]    module for KVER (default: $(KVER)), tool, tests"
	@echo "make modules-all       module for every /lib/modules/*/build"
	@echo "make check             build for 6.1 and 6.12, run all tests (VM + host)"
	@echo "make demo              boot the VM, load the module, run the tool"
	@echo "make bench             full benchmark in the VM on 6.1 and 6.12:"
	@echo "                       bench/results/<kernel>/ (report.md, plots)"
	@echo "make bench-quick       short benchmark: build/bench-quick/<kernel>/"
	@echo "make vm [KVER=...]     interactive shell in the test VM"
	@echo "make debug-kernel      6.12 with KASAN, lockdep, kmemleak, UBSAN, fault"
	@echo "                       injection: build/debug-kernel (cached)"
	@echo "make check-debug       the VM suite, fault injection and a fuzz share on it"
	@echo "                       (ZCOPY_PLANT=uaf|lockinv|leak plants a bug)"
	@echo "make fuzz              the fuzzer on the debug kernel (FUZZ_INPUTS, 1000000)"
	@echo "make deps              apt-get what build, tests and demo need (root)"
	@echo "make sparse|checkpatch static checks"

# Kbuild writes objects next to the sources, so each kernel gets a tree of
# symlinks to build in and the source tree stays clean.
module:
	@test -n "$(KVER)" -a -d "$(KDIR)" || \
		{ echo "no kernel headers for '$(KVER)' in $(KDIR) (make deps)" >&2; exit 1; }
	@mkdir -p $(MODDIR)/kmod
	@ln -sfn $(TOP)/include $(MODDIR)/include
	@ln -sf $(TOP)/Kbuild $(MODDIR)/Kbuild
	@ln -sf $(TOP)/VERSION $(MODDIR)/VERSION
	@for f in $(KMOD_SRCS); do ln -sf $$f $(MODDIR)/kmod/; done
	$(MAKE) -C $(KDIR) M=$(MODDIR) W=1 $(if $(C),C=$(C)) \
		$(if $(ZCOPY_PLANT),ZCOPY_PLANT=$(ZCOPY_PLANT)) modules

modules-all:
	@set -e; for b in /lib/modules/*/build; do \
		[ -d "$$b" ] || continue; \
		$(MAKE) --no-print-directory module KVER=$$(basename $$(dirname $$b)); \
	done

tool:
	$(MAKE) -C tool O=$(BUILD)/tool

linux-source:
	@scripts/linux-source.sh $(LINUX_SOURCE)

selftests: linux-source
	$(MAKE) -C selftests O=$(BUILD)/selftests \
		KSFT_DIR=$(LINUX_SOURCE)/tools/testing/selftests

sparse:
	$(MAKE) module C=2

checkpatch: linux-source
	@scripts/checkpatch.sh $(LINUX_SOURCE)

check:
	@scripts/check.sh

demo:
	@scripts/demo.sh $(KVER)

bench:
	@scripts/bench.sh full $(BENCH_KVERS)

bench-quick:
	@scripts/bench.sh quick $(BENCH_KVERS)

vm: module tool selftests
	selftests/vm/run.sh --kver $(KVER) --mode shell --out $(BUILD)/$(KVER)/vm \
		--module $(MODDIR)/kmod/zcopy.ko --tool $(BUILD)/tool/zcopyctl \
		--tests $(BUILD)/selftests --bats selftests/tool/vm

debug-kernel:
	@scripts/debug-kernel.sh $(BUILD)/debug-kernel

check-debug:
	@scripts/check-debug.sh

fuzz:
	@scripts/check-debug.sh --fuzz

deps:
	@scripts/deps.sh

clean:
	rm -rf $(BUILD)
