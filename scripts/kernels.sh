#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the kernel releases zcopy must build and pass on: the newest
# installed Debian 6.1 and 6.12 kernels that have headers. A missing one
# prints "missing-6.1" / "missing-6.12" so the caller fails loudly.
set -euo pipefail

newest() {
	local found
	found=$(ls -d /lib/modules/$1/build 2>/dev/null |
		awk -F/ '{print $4}' | sort -V | tail -n 1)
	echo "${found:-missing-$2}"
}

newest '6.1.0-*-amd64' 6.1
newest '6.12.*+deb12-amd64' 6.12
