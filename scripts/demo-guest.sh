#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM for make demo, with the module loaded: sends a
# file from the ext4 disk over virtio-net to a receiver in netns peer, once
# per mode, from a cold page cache, and prints what each transfer measured.
set -euo pipefail

file=/data/f64m
peer=${ZCOPY_PEER_VIRTIO:-192.0.2.2}
port=9933

run() {
	echo "\$ $*"
	"$@"
	echo
}

run zcopyctl version
run sha256sum "$file"

# The receiver hashes what it gets; one connection per mode.
ip netns exec peer zcopyctl sink -b "$peer" -p "$port" --count 4 --sha256 \
	2>/tmp/sink.err >/tmp/sink.out &
sink=$!
for _ in $(seq 50); do
	grep -q listening /tmp/sink.err 2>/dev/null && break
	sleep 0.1
done

sync
echo 3 >/proc/sys/vm/drop_caches
run zcopyctl send --all-modes "$file" "$peer:$port"
wait "$sink"
echo "\$ ip netns exec peer zcopyctl sink -b $peer -p $port --count 4 --sha256"
cat /tmp/sink.out
echo
run zcopyctl stats
