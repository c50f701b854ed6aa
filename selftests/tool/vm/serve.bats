#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# shellcheck disable=SC2016 # $names in single quotes are jq's
# shellcheck disable=SC2154 # $stderr and $bg_status: bats and helper.bash
#
# zcopyctl serve, an HTTP/1.1 server whose responses are zcopy jobs, held
# to the protocol: statuses, ranges, conditionals, pipelining, paths kept
# beneath its directory, timeouts, the connection limit, 1,000 clients at
# once, nothing left behind, and SIGTERM. Its directory is on the ext4
# disk (the page modes read no tmpfs): /data/www, made here, with links to
# the disk's test files. One server serves most tests; the tests that
# need their own options start their own.

load helper

PEER=(ip netns exec "${ZCOPY_PEER_NETNS:-peer}")
DATA=${ZCOPY_DATA:-/data}
ADDR=${ZCOPY_LOCAL_VIRTIO:-192.0.2.1}
WWW=$DATA/www
HELLO=$'hello, world\n'

setup_file() {
	require_zcopyctl
	[[ $(id -u) == 0 ]] || fail "these tests run as root"
	[[ -d /sys/module/zcopy ]] || fail "the zcopy module is not loaded"
	command -v jq curl socat wrk >/dev/null ||
		fail "jq, curl, socat or wrk is missing (make deps)"
	rm -rf "$WWW"
	mkdir -p "$WWW/sub" "$WWW/noindex"
	printf '%s' "$HELLO" >"$WWW/hello.txt"
	echo '<h1>index</h1>' >"$WWW/index.html"
	echo '<h1>sub</h1>' >"$WWW/sub/index.html"
	echo 'p { }' >"$WWW/style.css"
	echo 'unknown' >"$WWW/data.xyz"
	: >"$WWW/empty"
	ln "$DATA/f1m1" "$WWW/f1m1"
	ln "$DATA/f64m" "$WWW/f64m"
	ln -s hello.txt "$WWW/inside"
	ln -s ../SHA256SUMS "$WWW/outside"
	ln -s /etc/passwd "$WWW/absolute"
	# The shared server: its port and pid for every test.
	SERVE_LOG=$BATS_FILE_TMPDIR/access.log
	# idle 5 s: a client's reset lost on the way (TCP does not resend
	# one) leaves a connection that only the idle timeout ends
	start_serve "$BATS_FILE_TMPDIR/shared" --idle-timeout 5 \
		--access-log "$SERVE_LOG"
	SHARED_FDS=$(find "/proc/$SERVE_PID/fd" -mindepth 1 | wc -l)
	export SERVE_LOG SHARED_PORT=$SERVE_PORT SHARED_PID=$SERVE_PID SHARED_FDS
}

teardown_file() {
	[[ -z ${SHARED_PID:-} ]] || kill "$SHARED_PID" 2>/dev/null || true
	rm -rf "$WWW"
}

teardown() {
	teardown_bg
}

# `zcopyctl serve -p 0 ARGS $WWW` in the background, stdout and stderr in
# PREFIX.out and PREFIX.err, until it listens: $SERVE_PID, $SERVE_PORT.
start_serve() { # PREFIX ARGS...
	local prefix=$1

	shift
	start_bg "$prefix.out" "$prefix.err" "$ZCOPYCTL" serve -p 0 "$@" "$WWW"
	SERVE_PID=$BG_PID
	wait_line "$prefix.err" '^listening on .*:[0-9]+$' "$SERVE_PID"
	SERVE_PORT=$(sed -n 's/^listening on .*:\([0-9]*\)$/\1/p' "$prefix.err")
}

# curl against the shared server (or $PORT) on loopback: $output is
# "STATUS SIZE", the headers in $BATS_TEST_TMPDIR/h, the body in .../b.
get() { # PATH [CURL ARGS...]
	local path=$1

	shift
	run curl -sS --path-as-is -D "$BATS_TEST_TMPDIR/h" \
		-o "$BATS_TEST_TMPDIR/b" -w '%{http_code} %{size_download}' \
		"$@" "http://127.0.0.1:${PORT:-$SHARED_PORT}$path"
	assert_success
}

# The value of a response header of the last get, without its CR.
header() { # NAME
	sed -n "s/^$1: \(.*\)\r$/\1/p" "$BATS_TEST_TMPDIR/h"
}

# Raw bytes to the shared server, its whole answer on stdout; the server
# closes once it has answered what came before our EOF.
raw() { # PRINTF-FORMAT
	# shellcheck disable=SC2059 # the format is the request
	printf "$1" | socat -t 5 - "TCP:127.0.0.1:$SHARED_PORT"
}

# An IMF-fixdate of seconds since the epoch.
http_date() { # SECONDS
	date -u -d "@$1" '+%a, %d %b %Y %H:%M:%S GMT'
}

# $output's status line is STATUS.
assert_status_line() { # STATUS
	assert_line --index 0 --regexp "^HTTP/1\.1 $1 [A-Za-z ]+"$'\r$'
}

@test "GET: 200, the body, its length, type, ETag, Last-Modified and Date" {
	get /hello.txt
	assert_output "200 ${#HELLO}"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/b")"$'\n' "$HELLO"
	assert_equal "$(header Content-Type)" "text/plain; charset=utf-8"
	assert_equal "$(header Content-Length)" "${#HELLO}"
	assert_equal "$(header Accept-Ranges)" bytes
	# "ino-size-mtime_ns", hex
	local ino size mtime
	read -r ino size mtime < <(stat -c '%i %s %Y' "$WWW/hello.txt")
	[[ $(header ETag) =~ ^\"$(printf '%x-%x' "$ino" "$size")-[0-9a-f]+\"$ ]] ||
		fail "ETag: $(header ETag)"
	assert_equal "$(header Last-Modified)" "$(http_date "$mtime")"
	[[ $(header Date) == "$(http_date "$(date +%s)" | cut -c 1-16)"* ]] ||
		fail "Date: $(header Date)"
	get /style.css
	assert_equal "$(header Content-Type)" text/css
	get /data.xyz
	assert_equal "$(header Content-Type)" application/octet-stream
	get /empty
	assert_output "200 0"
}

@test "GET of 1 MiB + 1 over virtio-net from netns peer: the file, by reference (copies/B ~ 0)" {
	local sum i
	sum=$(sha256sum <"$WWW/f1m1" | cut -d' ' -f1)
	start_serve "$BATS_TEST_TMPDIR/serve" --stats -j
	for ((i = 0; i < 3; i++)); do
		[[ $("${PEER[@]}" curl -sS "http://$ADDR:$SERVE_PORT/f1m1" |
			sha256sum | cut -d' ' -f1) == "$sum" ]] ||
			fail "the body's sha256 differs"
	done
	kill -TERM "$SERVE_PID"
	wait_exit "$SERVE_PID" 30
	assert_equal "$bg_status" 0
	# the last --stats line holds the totals: 3 responses
	set_output "$(tail -n 1 "$BATS_TEST_TMPDIR/serve.out")"
	assert_jq --argjson n $((3 * 1048577)) \
		'.requests == 3 and .bytes_sent > $n and .bytes_sent < $n + 3 * 1024
		 and .connections == 0'
	# the copies are the heads' (twice each: into the job, into TCP)
	assert_jq --argjson n $((3 * 1048577)) \
		'.cpu_copy_bytes >= .bytes_sent - $n and
		 .cpu_copy_bytes <= 2 * (.bytes_sent - $n)'

	assert_jq '(.cpu_copy_bytes / .bytes_sent) < 0.001'
	echo "# copies/B $(jq '.cpu_copy_bytes / .bytes_sent' <<<"$output")" >&3
}

@test "HEAD: the headers of GET, no body" {
	get /f1m1 -I
	assert_output "200 0"
	assert_equal "$(header Content-Length)" 1048577
	assert_equal "$(header Content-Type)" application/octet-stream
	[[ -n $(header ETag) ]] || fail "no ETag"
	# and the connection goes on: the next response is whole
	local w='%{http_code} %{size_download} %{num_connects}\n'
	run curl -sS -o /dev/null -w "$w" -I "http://127.0.0.1:$SHARED_PORT/hello.txt" \
		--next -o /dev/null -w "$w" "http://127.0.0.1:$SHARED_PORT/hello.txt"
	assert_output "200 0 1"$'\n'"200 ${#HELLO} 0"
}

@test "Range: first byte, last byte, suffix, open end, past the end (416), several (200 whole)" {
	local size=1048577 f=$WWW/f1m1
	get /f1m1 -r 0-0
	assert_output "206 1"
	assert_equal "$(header Content-Range)" "bytes 0-0/$size"
	cmp "$BATS_TEST_TMPDIR/b" <(head -c 1 "$f")
	get /f1m1 -r $((size - 1))-$((size - 1))
	assert_output "206 1"
	assert_equal "$(header Content-Range)" "bytes $((size - 1))-$((size - 1))/$size"
	cmp "$BATS_TEST_TMPDIR/b" <(tail -c 1 "$f")
	get /f1m1 -r -4097
	assert_output "206 4097"
	assert_equal "$(header Content-Range)" "bytes $((size - 4097))-$((size - 1))/$size"
	cmp "$BATS_TEST_TMPDIR/b" <(tail -c 4097 "$f")
	get /f1m1 -r 1000-
	assert_output "206 $((size - 1000))"
	cmp "$BATS_TEST_TMPDIR/b" <(tail -c +1001 "$f")
	get /f1m1 -r 4095-8192
	assert_output "206 4098"
	cmp "$BATS_TEST_TMPDIR/b" <(tail -c +4096 "$f" | head -c 4098)
	# an end past the end is cut there; a suffix longer than the file is all
	get /hello.txt -r 5-999
	assert_output "206 $((${#HELLO} - 5))"
	get /hello.txt -r -999
	assert_output "206 ${#HELLO}"
	assert_equal "$(header Content-Range)" "bytes 0-$((${#HELLO} - 1))/${#HELLO}"
	get /f1m1 -r $size-
	[[ $output == "416 "* ]] || fail "$output"
	assert_equal "$(header Content-Range)" "bytes */$size"
	get /empty -r 0-0
	assert_equal "$(header Content-Range)" "bytes */0"
	[[ $output == "416 "* ]] || fail "$output"
	get /f1m1 -H 'Range: bytes=-0'
	[[ $output == "416 "* ]] || fail "$output"
	get /f1m1 -r 0-1,5-6
	assert_output "200 $size"
	# not understood: ignored
	get /hello.txt -H 'Range: lines=1-2'
	assert_output "200 ${#HELLO}"
	get /hello.txt -H 'Range: bytes=5-2'
	assert_output "200 ${#HELLO}"
	# If-Range: the range only for the representation it names
	get /hello.txt -r 0-0 -H 'If-Range: "other"'
	assert_output "200 ${#HELLO}"
	get /hello.txt
	get /hello.txt -r 0-0 -H "If-Range: $(header ETag)"
	assert_output "206 1"
}

@test "conditional: If-None-Match and If-Modified-Since give 304, without a body" {
	local etag past future
	get /hello.txt
	etag=$(header ETag)
	get /hello.txt -H "If-None-Match: $etag"
	assert_output "304 0"
	assert_equal "$(header ETag)" "$etag"
	get /hello.txt -H "If-None-Match: \"x\", W/$etag"
	assert_output "304 0"
	get /hello.txt -H 'If-None-Match: *'
	assert_output "304 0"
	get /hello.txt -H 'If-None-Match: "x"'
	assert_output "200 ${#HELLO}"
	future=$(http_date $(($(date +%s) + 86400)))
	past='Sat, 01 Jan 2000 00:00:00 GMT'
	get /hello.txt -H "If-Modified-Since: $future"
	assert_output "304 0"
	get /hello.txt -H "If-Modified-Since: $past"
	assert_output "200 ${#HELLO}"
	# If-None-Match wins over If-Modified-Since
	get /hello.txt -H 'If-None-Match: "x"' -H "If-Modified-Since: $future"
	assert_output "200 ${#HELLO}"
	# a date that is none is ignored
	get /hello.txt -H 'If-Modified-Since: yesterday'
	assert_output "200 ${#HELLO}"
}

@test "directories: index.html or 403, never a listing; 404" {
	get /
	assert_output "200 15"
	assert_equal "$(header Content-Type)" "text/html; charset=utf-8"
	get /sub/
	assert_equal "$(cat "$BATS_TEST_TMPDIR/b")" '<h1>sub</h1>'
	get /noindex/
	[[ $output == "403 "* ]] || fail "$output"
	get /nothere
	[[ $output == "404 "* ]] || fail "$output"
	get /hello.txt/x
	[[ $output == "404 "* ]] || fail "$output"
}

@test "paths stay beneath DIR: .., %2e%2e, symlinks out, absolute paths refused" {
	local p
	for p in /../SHA256SUMS /%2e%2e/SHA256SUMS /sub/../../SHA256SUMS \
		/sub/%2E%2E/%2e%2e/SHA256SUMS /outside /absolute //etc/passwd \
		/%2fetc/passwd /a%00b /a%2f..%2f..%2fSHA256SUMS /%zz; do
		get "$p"
		[[ $output == 40[03]" "* ]] || fail "$p: $output"
		grep -q root: "$BATS_TEST_TMPDIR/b" && fail "$p: /etc/passwd served"
		[[ $(header Content-Type) == "text/html; charset=utf-8" ]] ||
			fail "$p: not an error page"
	done
	# the refusals: 403 for what resolves out, 400 for an encoded / or NUL
	get /../SHA256SUMS
	[[ $output == "403 "* ]] || fail "$output"
	get /outside
	[[ $output == "403 "* ]] || fail "$output"
	get //etc/passwd
	[[ $output == "403 "* ]] || fail "$output"
	get /%2fetc/passwd
	[[ $output == "400 "* ]] || fail "$output"
	get /a%00b
	[[ $output == "400 "* ]] || fail "$output"
	# inside is fine, through a symlink, a dot segment or an escape
	get /inside
	assert_output "200 ${#HELLO}"
	get /sub/../hello.txt
	assert_output "200 ${#HELLO}"
	get /%68ello.txt?query=1
	assert_output "200 ${#HELLO}"
}

@test "statuses: 405 with Allow, 400, 414, 431, 505, and the connection closes after them" {
	get /hello.txt -X POST
	[[ $output == "405 "* ]] || fail "$output"
	assert_equal "$(header Allow)" "GET, HEAD"
	assert_equal "$(header Connection)" close
	get /hello.txt -X DELETE
	[[ $output == "405 "* ]] || fail "$output"
	get "/$(printf 'a%.0s' {1..9000})"
	[[ $output == "414 "* ]] || fail "$output"
	get /hello.txt -H "X-Big: $(printf 'b%.0s' {1..17000})"
	[[ $output == "431 "* ]] || fail "$output"
	# HTTP/1.1 without Host
	run raw 'GET /hello.txt HTTP/1.1\r\n\r\n'
	assert_status_line 400
	assert_line 'Connection: close'$'\r'
	run raw 'GET /hello.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
	assert_status_line 400
	run raw 'GET /hello.txt\r\n\r\n'
	assert_status_line 400
	run raw 'GET /hello.txt HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n'
	assert_status_line 400
	run raw 'GET /hello.txt HTTP/1.1\r\nHost : a\r\n\r\n'
	assert_status_line 400
	run raw 'GET hello.txt HTTP/1.1\r\nHost: a\r\n\r\n'
	assert_status_line 400
	run raw 'GET /hello.txt HTTP/2.0\r\nHost: a\r\n\r\n'
	assert_status_line 505
	run raw 'GET /hello.txt HTTP/3.1\r\nHost: a\r\n\r\nGET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n'
	assert_status_line 505
	# closed after the error: the request behind it is not answered
	refute_output --partial hello
}

@test "HTTP/1.0: closes unless keep-alive is asked" {
	run raw 'GET /hello.txt HTTP/1.0\r\n\r\n'
	assert_status_line 200
	assert_line 'Connection: close'$'\r'
	run curl -sS -0 -w '%{http_code} %{num_connects}\n' \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/hello.txt" \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/hello.txt"
	assert_output "200 1"$'\n'"200 1"
	run curl -sS -0 -H 'Connection: keep-alive' \
		-w '%{http_code} %{num_connects}\n' \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/hello.txt" \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/hello.txt"
	assert_output "200 1"$'\n'"200 0"
}

@test "pipelining: requests in one write answered in their order" {
	local all='' one f
	for f in style.css hello.txt data.xyz index.html f1m1 hello.txt; do
		printf -v one 'GET /%s HTTP/1.1\r\nHost: a\r\n\r\n' "$f"
		all+=$one
	done
	# one head of 1 MiB + 1 in the middle: the small ones after it wait
	printf '%s' "$all" | socat -t 10 - "TCP:127.0.0.1:$SHARED_PORT" \
		>"$BATS_TEST_TMPDIR/out"
	# -o: a head may follow a body that ends without a newline
	run grep -a -o $'HTTP/1.1 200 OK\r' "$BATS_TEST_TMPDIR/out"
	assert_equal "${#lines[@]}" 6
	run grep -a -o $'Content-Type: [^\r]*\r' "$BATS_TEST_TMPDIR/out"
	assert_output "$(printf '%s\r\n' 'Content-Type: text/css' \
		'Content-Type: text/plain; charset=utf-8' \
		'Content-Type: application/octet-stream' \
		'Content-Type: text/html; charset=utf-8' \
		'Content-Type: application/octet-stream' \
		'Content-Type: text/plain; charset=utf-8')"
	# every byte in place: six bodies and six heads of 150 to 400 bytes
	local heads
	heads=$(($(wc -c <"$BATS_TEST_TMPDIR/out") -
		$(cat "$WWW"/{style.css,hello.txt,data.xyz,index.html,f1m1,hello.txt} | wc -c)))
	((heads >= 6 * 150 && heads <= 6 * 400)) || fail "heads of $heads bytes"
	# and the last body is the last thing sent
	assert_equal "$(tail -c ${#HELLO} "$BATS_TEST_TMPDIR/out")"$'\n' "$HELLO"
}

@test "keep-alive: one connection for many requests; the access log has them" {
	run curl -sS -w '%{http_code} %{num_connects}\n' \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/hello.txt" \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/f1m1" \
		-o /dev/null "http://127.0.0.1:$SHARED_PORT/nothere"
	assert_output "200 1"$'\n'"200 0"$'\n'"404 0"
	# a line when the job has ended, which may be just after curl is done
	wait_log_line '^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}(:[0-9]{2}){3} \+0000\] "GET /f1m1 HTTP/1\.1" 200 1048577$'
	wait_log_line '"GET /nothere HTTP/1\.1" 404 -$'
}

@test "slowloris: a head not whole within --header-timeout closes the connection" {
	local fd start
	start_serve "$BATS_TEST_TMPDIR/serve" --header-timeout 2
	exec {fd}<>"/dev/tcp/127.0.0.1/$SERVE_PORT"
	start=$SECONDS
	printf 'GET /hello.txt HTTP/1.1\r\nHost: a\r\n' >&"$fd"
	sleep 1
	printf 'X-Slow: 1\r\n' >&"$fd"
	# EOF, no answer, after 2 s (the first byte's clock), not 10
	run timeout 8 cat <&"$fd"
	exec {fd}>&-
	assert_success
	assert_output ''
	((SECONDS - start <= 5)) || fail "closed after $((SECONDS - start)) s"
}

@test "a head that arrived in time is answered, even when the loop reaches it after the timeout" {
	local fds=() fd i n base line ok=0
	# The sweep may come before the events: under load, for those past
	# the 256 a wait takes; here, because the wait that SIGCONT ends
	# returns EINTR. The connections wait in the accept queue of a
	# stopped server; it accepts them at once (their 5 s begin), is
	# stopped again, gets every head, and wakes 6 s later with every
	# deadline behind it. (Without the read before the sweep: 0 of 300.)
	start_serve "$BATS_TEST_TMPDIR/serve" --header-timeout 5
	base=$(find "/proc/$SERVE_PID/fd" -mindepth 1 | wc -l)
	kill -STOP "$SERVE_PID"
	for ((i = 0; i < 300; i++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$SERVE_PORT"
		fds+=("$fd")
	done
	kill -CONT "$SERVE_PID"
	for ((i = 0; i < 100; i++)); do
		n=$(find "/proc/$SERVE_PID/fd" -mindepth 1 | wc -l)
		((n == base + 300)) && break
		sleep 0.05
	done
	kill -STOP "$SERVE_PID"
	assert_equal "$n" "$((base + 300))"
	for fd in "${fds[@]}"; do
		printf 'GET /hello.txt HTTP/1.1\r\nHost: a\r\n\r\n' >&"$fd"
	done
	sleep 6
	kill -CONT "$SERVE_PID"
	for fd in "${fds[@]}"; do
		line=
		read -r -t 10 line <&"$fd" || true
		[[ $line == "HTTP/1.1 200 OK"$'\r' ]] && ok=$((ok + 1))
		exec {fd}>&-
	done
	assert_equal "$ok" 300
}

@test "a client that resets mid-body: its job cancelled, its connection closed, another's file whole" {
	local sum pid
	sum=$(sha256sum <"$WWW/f1m1" | cut -d' ' -f1)
	# a slow reader of 64 MiB, killed: unread data makes its close a reset
	start_bg "$BATS_TEST_TMPDIR/slow.out" "$BATS_TEST_TMPDIR/slow.err" \
		curl -sS --limit-rate 256k -o /dev/null \
		"http://127.0.0.1:$SHARED_PORT/f64m"
	pid=$BG_PID
	sleep 1
	kill -KILL "$pid"
	run bash -c "curl -sS http://127.0.0.1:$SHARED_PORT/f1m1 | sha256sum"
	assert_output "$sum  -"
	# its log line: 200, far fewer bytes than 64 MiB
	wait_log_line '"GET /f64m HTTP/1.1" 200 [0-9]+$'
	local sent
	sent=$(grep -F '"GET /f64m HTTP/1.1"' "$SERVE_LOG" | tail -n 1 | awk '{ print $NF }')
	((sent < 67108864)) || fail "all of f64m was sent: $sent"
}

@test "a file truncated while it is sent: that connection closes short, another's file whole" {
	local sum
	sum=$(sha256sum <"$WWW/f1m1" | cut -d' ' -f1)
	# more than the socket buffers hold (a hole reads as zeros)
	truncate -s 64M "$WWW/shrinks"
	start_bg "$BATS_TEST_TMPDIR/slow.out" "$BATS_TEST_TMPDIR/slow.err" \
		curl -sS --limit-rate 1M -o "$BATS_TEST_TMPDIR/partial" \
		"http://127.0.0.1:$SHARED_PORT/shrinks"
	local pid=$BG_PID i
	# truncated once its response has begun (its length said 64 MiB)
	for ((i = 0; i < 300; i++)); do
		[[ -s $BATS_TEST_TMPDIR/partial ]] && break
		sleep 0.1
	done
	[[ -s $BATS_TEST_TMPDIR/partial ]] || fail "no byte of the download in 30 s"
	truncate -s 4096 "$WWW/shrinks"
	run bash -c "curl -sS http://127.0.0.1:$SHARED_PORT/f1m1 | sha256sum"
	assert_output "$sum  -"
	wait_exit "$pid" 30
	# curl: 18, "transfer closed with outstanding read data remaining"
	assert_equal "$bg_status" 18
	(($(stat -c %s "$BATS_TEST_TMPDIR/partial") < 67108864)) ||
		fail "all of it arrived"
	rm -f "$WWW/shrinks"
}

@test "--max-connections: the next connection waits until one closes" {
	local a b
	start_serve "$BATS_TEST_TMPDIR/serve" --max-connections 2
	exec {a}<>"/dev/tcp/127.0.0.1/$SERVE_PORT"
	exec {b}<>"/dev/tcp/127.0.0.1/$SERVE_PORT"
	run curl -sS -m 1 -o /dev/null "http://127.0.0.1:$SERVE_PORT/hello.txt"
	assert_failure 28
	exec {a}>&-
	PORT=$SERVE_PORT get /hello.txt -m 5
	assert_output "200 ${#HELLO}"
	exec {b}>&-
}

@test "1,000 concurrent connections from netns peer (wrk): all 200, no socket error" {
	# The debug kernel (KASAN, lockdep) answers some 40 requests a
	# second: longer than wrk's 3 s to open 1,000 connections, and a
	# round of them takes longer than its 10 s timeout.
	local secs=3 timeout=10 requests port=$SHARED_PORT
	if [[ ${ZCOPY_KVER:-} == *debug* ]]; then
		secs=30 timeout=60
		# There a request waits up to 14 s for its answer, and the
		# next one as long to be read: past the shared server's 5 s
		# idle timeout (read errors in CI). A server of its own.
		start_serve "$BATS_TEST_TMPDIR/slow" --idle-timeout 120 \
			--header-timeout 120
		port=$SERVE_PORT
	fi
	run "${PEER[@]}" bash -c "ulimit -n 4096 && wrk -c 1000 -t 2 -d ${secs}s \
		--timeout ${timeout}s http://$ADDR:$port/hello.txt"
	echo "# $(grep -E 'Requests/sec|requests in' <<<"$output" | tr -s ' ' | paste -s -d ';')" >&3
	assert_success
	requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' <<<"$output")
	((requests > 0)) || fail "no request answered: $output"
	refute_output --partial 'Non-2xx'
	# No socket error of any kind: a read error is a connection the
	# server closed under wrk. (With a 2 s --header-timeout, as this
	# file's shared server once had, a VM this loaded timed out up to a
	# tenth of the heads: the server doing its job, not a fault.)
	refute_output --partial 'Socket errors'
}

@test "nothing left behind: the server's fds as at its start, no job running or queued" {
	local i n
	# wrk's 1,000 resets and FINs reach a loaded VM's server over some
	# seconds; a reset that was lost, after the 5 s idle timeout.
	for ((i = 0; i < 200; i++)); do
		n=$(find "/proc/$SHARED_PID/fd" -mindepth 1 2>/dev/null | wc -l)
		((n == SHARED_FDS)) && break
		sleep 0.1
	done
	if ((n != SHARED_FDS)); then
		# the port's sockets by TCP state (hex, as /proc/net/tcp has it)
		awk -v port="$(printf ':%04X' "$SHARED_PORT")" \
			'$2 ~ port"$" { n[$4]++ } END { for (s in n) print "# state " s ": " n[s] }' \
			/proc/net/tcp /proc/net/tcp6
		"$ZCOPYCTL" stats -j
		fail "the server holds $n fds, $SHARED_FDS at its start"
	fi
	run "$ZCOPYCTL" stats -j
	assert_success
	assert_jq '.jobs_running == 0 and .jobs_queued == 0'
	# and it still serves
	get /hello.txt
	assert_output "200 ${#HELLO}"
}

@test "SIGTERM: stops accepting, the download in flight completes, exit 0" {
	local sum pid i
	sum=$(sha256sum <"$WWW/f1m1" | cut -d' ' -f1)
	start_serve "$BATS_TEST_TMPDIR/serve"
	start_bg "$BATS_TEST_TMPDIR/dl.out" "$BATS_TEST_TMPDIR/dl.err" \
		"${PEER[@]}" curl -sS --limit-rate 512k -o "$BATS_TEST_TMPDIR/dl" \
		"http://$ADDR:$SERVE_PORT/f1m1"
	pid=$BG_PID
	# The download has begun (a slow kernel may take a while to connect).
	for ((i = 0; i < 100; i++)); do
		[[ -s $BATS_TEST_TMPDIR/dl ]] && break
		sleep 0.1
	done
	[[ -s $BATS_TEST_TMPDIR/dl ]] || fail "the download did not start"
	kill -TERM "$SERVE_PID"
	sleep 0.3
	run curl -sS -m 2 -o /dev/null "http://127.0.0.1:$SERVE_PORT/hello.txt"
	assert_failure 7
	wait_exit "$pid" 30
	assert_equal "$bg_status" 0
	assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/dl" | cut -d' ' -f1)" "$sum"
	wait_exit "$SERVE_PID" 30
	assert_equal "$bg_status" 0
}

# A line matching REGEX in the shared access log, within 10 s.
wait_log_line() { # REGEX
	wait_line "$SERVE_LOG" "$1"
}
