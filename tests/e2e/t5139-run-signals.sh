#!/usr/bin/env bash
# slugc run under repeated signals (issue 13, item 9): `timeout` and then a
# process-group kill send SIGTERM twice; a user presses ^C and a supervisor
# sends SIGTERM. Whenever they arrive — while the slug is being unpacked or
# while its process runs — slugc still removes its unpacked copy, stops the
# process's whole group, and dies of the first signal.
. "$(dirname "$0")/test-lib.sh"

# Whatever a failing test left running is killed, if the pid still names it.
kill_leftovers() {
	local f pid cmd
	for f in "$TRASH"/*.pid; do
		pid=$(cat "$f") && cmd=$(tr "\0" " " <"/proc/$pid/cmdline") || continue
		case $cmd in
		"$SLUGC "* | "sleep 300 "* | "bash -c "*) kill -9 "$pid" ;;
		esac
	done
}
test_cleanup kill_leftovers

wait_until() {
	local n=$(($1 * 20))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.05
		n=$((n - 1))
	done
	echo "timed out waiting for: $*"
	return 1
}

# The unpacked copy has begun: slugc-run-*/root/app exists in TMPDIR.
unpacking() {
	test -n "$(find "$TMPDIR" -mindepth 3 -maxdepth 3 -path '*/slugc-run-*/root/app' 2>/dev/null)"
}

# finish: wait for $PID (killed after 60 s so a hang fails instead of stalling); sets STATUS.
finish() {
	local watchdog
	{ sleep 60; kill -9 "$PID"; } 2>/dev/null &
	watchdog=$!
	STATUS=0
	wait "$PID" || STATUS=$?
	kill "$watchdog" 2>/dev/null
	echo "exit $STATUS"
}

gone() {
	local n=40 stat
	while [ "$n" -gt 0 ]; do
		stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
		stat=${stat##*) }
		[ "${stat%% *}" = Z ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	echo "process $1 still runs"
	return 1
}

# A slug whose unpacking can be held half-way: 4 MB that do not compress, so the
# first 256 KB of the slug hold ./app/ and part of the file.
mkdir app && echo "web: sleep 300" >app/Procfile && head -c 4000000 /dev/urandom >app/noise
test_expect_success 'setup: a slug' '
	slugc compile app -o s.tgz -q
'

# Both signals during the unpack: the slug comes through a FIFO that the test holds
# open, so slugc is certainly still unpacking when they arrive. (The pause between
# them only lets the kernel deliver them one by one instead of merging two SIGTERMs.)
for pair in "TERM TERM" "INT TERM"; do
	set -- $pair
	test_expect_success "SIG$1 then SIG$2 during the unpack: no unpacked copy is left" '
		rm -f fifo && mkfifo fifo &&
		{ "$SLUGC" run fifo -- true >unpack.out 2>unpack.err & } && PID=$! &&
		echo "$PID" >"$TRASH/unpack.pid" &&
		exec 7>fifo && head -c 262144 s.tgz >&7 &&
		wait_until 30 unpacking &&
		kill -s '$1' "$PID" && sleep 0.1 && kill -s '$2' "$PID" && sleep 0.2 &&
		exec 7>&- &&
		finish &&
		want=130 && if [ '$1' = TERM ]; then want=143; fi &&
		equal "$STATUS" "$want" &&
		contains unpack.err "interrupted by SIG'$1'" && not_contains unpack.out "Running" &&
		tmpdir_clean
	'
done

# Both signals while the process runs. It ignores SIGTERM and SIGINT, as a slow-stopping
# server would: the first signal is passed on, the second stops its group at once.
for pair in "TERM TERM" "INT TERM"; do
	set -- $pair
	test_expect_success "SIG$1 then SIG$2 while the process runs: its group is killed, nothing is left" '
		rm -f app.pid child.pid &&
		{ "$SLUGC" run s.tgz -- "trap \"\" INT TERM; echo \$\$ >$TRASH/app.tmp; mv $TRASH/app.tmp $TRASH/app.pid; sleep 300 & echo \$! >$TRASH/child.tmp; mv $TRASH/child.tmp $TRASH/child.pid; wait" >run.out 2>run.err & } && PID=$! &&
		echo "$PID" >"$TRASH/run.pid" &&
		wait_until 30 test -s child.pid && app=$(cat app.pid) && child=$(cat child.pid) &&
		kill -s '$1' "$PID" && sleep 0.1 && kill -s '$2' "$PID" &&
		finish &&
		want=130 && if [ '$1' = TERM ]; then want=143; fi &&
		equal "$STATUS" "$want" && contains run.err "interrupted by SIG'$1'" &&
		gone "$app" && gone "$child" && tmpdir_clean
	'
done

test_expect_success 'a dyno-style stop (one SIGTERM) ends the process and removes the copy' '
	rm -f app.pid &&
	{ "$SLUGC" run s.tgz -- "echo \$\$ >$TRASH/app.tmp; mv $TRASH/app.tmp $TRASH/app.pid; exec sleep 300" >stop.out 2>stop.err & } && PID=$! &&
	echo "$PID" >"$TRASH/stop.pid" &&
	wait_until 30 test -s app.pid && app=$(cat app.pid) &&
	kill -s TERM "$PID" &&
	finish && equal "$STATUS" 143 && gone "$app" && tmpdir_clean
'

test_done
