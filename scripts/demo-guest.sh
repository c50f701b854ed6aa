#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for make demo, with the module loaded.
set -e
echo "\$ zcopyctl version"
zcopyctl version
echo
echo "\$ zcopyctl stats"
zcopyctl stats
