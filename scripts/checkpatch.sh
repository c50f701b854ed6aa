#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# checkpatch --strict over every C file and header of the module, the uapi
# header, the tool and the selftests. usage: checkpatch.sh LINUX_SOURCE_DIR
set -euo pipefail

src=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
kernel=(kmod/*.[ch] include/uapi/linux/*.h)
user=(tool/*.[ch] selftests/*.[ch])

common=(--strict --no-tree --terse --show-types --ignore SPDX_LICENSE_TAG)
rc=0
"$src/scripts/checkpatch.pl" "${common[@]}" -f "${kernel[@]}" || rc=1
# User space keeps the C library's types and format macros, and has no
# compiler_attributes.h: util.h defines the one attribute macro it uses.
"$src/scripts/checkpatch.pl" "${common[@]}" \
	--ignore PREFER_KERNEL_TYPES,CAMELCASE,PREFER_DEFINED_ATTRIBUTE_MACRO \
	-f "${user[@]}" || rc=1
exit $rc
