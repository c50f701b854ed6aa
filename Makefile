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

# The one version of module, tool, DKMS tree and packages.
VERSION := $(shell cat $(TOP)/VERSION)

MODDIR = $(BUILD)/$(KVER)/mod
KDIR ?= /lib/modules/$(KVER)/build
LINUX_SOURCE = $(BUILD)/linux-source

KMOD_SRCS := $(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h) $(TOP)/kmod/Kbuild
# What DKMS builds: no planted bug (kmod/plant.c is for make check-debug).
DKMS_SRCS := $(filter-out $(TOP)/kmod/plant.c,$(KMOD_SRCS))

# make install: PREFIX (default /usr/local) and DESTDIR as usual.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
DOCDIR ?= $(DATADIR)/doc/zcopy
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
# DKMS looks in /usr/src/<name>-<version> whatever PREFIX is.
DKMSDIR ?= /usr/src/zcopy-$(VERSION)
INSTALL ?= install

# Installed by make install, relative to PREFIX (and by uninstall removed).
INSTALLED = $(BINDIR)/zcopyctl $(MANDIR)/man8/zcopyctl.8 \
	$(BASHCOMPDIR)/zcopyctl $(INCLUDEDIR)/linux/zcopy.h \
	$(DATADIR)/zcopy/netlink/zcopy.yaml \
	$(DOCDIR)/examples/modules-load.d/zcopy.conf \
	$(DOCDIR)/examples/modprobe.d/zcopy.conf

.PHONY: all module modules-all tool selftests linux-source check demo vm \
	bench bench-quick deps deps-build sparse checkpatch clean help \
	debug-kernel check-debug fuzz install install-tool install-dev \
	install-examples install-dkms uninstall deb check-version package-test

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
	@echo "make install           zcopyctl, its man page and bash completion, the uapi"
	@echo "                       header, the netlink spec, modules-load.d/modprobe.d"
	@echo "                       examples into DESTDIR/PREFIX (default /usr/local)"
	@echo "make install-dkms      the module's source for DKMS: DESTDIR/usr/src/zcopy-$(VERSION)"
	@echo "make uninstall         remove what make install installed"
	@echo "make deb               Debian packages zcopy-dkms, zcopyctl, zcopy-dev: build/deb/"
	@echo "make check-version     VERSION, dkms.conf and debian/changelog agree"
	@echo "make package-test      build, install (root), check and purge the packages"
	@echo "make deps              apt-get what build, tests, demo and packages need (root);"
	@echo "                       installs Debian's 6.1 and 6.12 kernel images: the"
	@echo "                       newest becomes the default at the next boot"
	@echo "make deps-build        only what make module tool needs for the running"
	@echo "                       kernel: its headers, build-essential, pkg-config, libnl"
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

deps-build:
	@scripts/deps.sh --build-only

install: install-tool install-dev install-examples

install-tool: tool
	$(INSTALL) -D -m 0755 $(BUILD)/tool/zcopyctl $(DESTDIR)$(BINDIR)/zcopyctl
	$(INSTALL) -D -m 0644 tool/zcopyctl.8 $(DESTDIR)$(MANDIR)/man8/zcopyctl.8
	$(INSTALL) -D -m 0644 tool/zcopyctl.bash-completion \
		$(DESTDIR)$(BASHCOMPDIR)/zcopyctl

install-dev:
	$(INSTALL) -D -m 0644 include/uapi/linux/zcopy.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/zcopy.h
	$(INSTALL) -D -m 0644 Documentation/netlink/specs/zcopy.yaml \
		$(DESTDIR)$(DATADIR)/zcopy/netlink/zcopy.yaml

# In the source tree without the .d directories (.gitignore has *.d).
install-examples:
	$(INSTALL) -D -m 0644 Documentation/examples/modules-load.conf \
		$(DESTDIR)$(DOCDIR)/examples/modules-load.d/zcopy.conf
	$(INSTALL) -D -m 0644 Documentation/examples/modprobe.conf \
		$(DESTDIR)$(DOCDIR)/examples/modprobe.d/zcopy.conf

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))

# The tree DKMS builds (dkms.conf's layout): Kbuild, VERSION, kmod/ and
# the uapi header, as make module links them.
install-dkms: check-version
	$(INSTALL) -d $(DESTDIR)$(DKMSDIR)/kmod $(DESTDIR)$(DKMSDIR)/include/uapi/linux
	$(INSTALL) -m 0644 dkms.conf Kbuild VERSION COPYING $(DESTDIR)$(DKMSDIR)/
	$(INSTALL) -m 0644 $(DKMS_SRCS) $(DESTDIR)$(DKMSDIR)/kmod/
	$(INSTALL) -m 0644 include/uapi/linux/zcopy.h \
		$(DESTDIR)$(DKMSDIR)/include/uapi/linux/

check-version:
	@scripts/check-version.sh $(TOP)

deb: check-version
	@scripts/deb.sh $(BUILD)/deb

package-test:
	@scripts/package-test.sh

clean:
	rm -rf $(BUILD)
