#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Default demo for `run.sh --mode demo`: proves the module and tool talk.
# The Makefile may pass its own script with --demo-script.
set -euo pipefail

echo "# zcopyctl version"
zcopyctl version
echo "# zcopyctl stats"
zcopyctl stats
