#!/usr/bin/env bash
# Interrupts: SIGINT and SIGTERM during a runtime download, a build step and
# pack. slugc stops within seconds, dies of the signal (130/143 in the shell),
# kills the build step's whole process group, leaves no temporary file, no
# output and no untrusted cache entry, and the next run succeeds.
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 99
# Whatever a failing test left running (slugc, the build step, its grandchild) is killed,
# if the pid still names one of those processes.
kill_leftovers() {
	local f pid cmd
	for f in "$TRASH"/*.pid; do
		pid=$(cat "$f") && cmd=$(tr "\0" " " <"/proc/$pid/cmdline") || continue
		case $cmd in
		"$SLUGC "* | *"$TRASH/hang"* | "sleep 300 ") kill -9 "$pid" ;;
		esac
	done
}
test_cleanup kill_leftovers

# start_slugc NAME ARGS...: "$SLUGC" ARGS in the background (stdout NAME.out, stderr NAME.err);
# sets PID and records it in NAME.pid.
start_slugc() {
	local name=$1
	shift
	"$SLUGC" "$@" >"$name.out" 2>"$name.err" &
	PID=$!
	echo "$PID" >"$TRASH/$name.pid"
}

# wait_until SECONDS CMD...: poll CMD every 50 ms.
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

# interrupt SIG: send SIG to $PID and wait for it (a slugc still running after 60 s is
# killed, so a hang fails the test instead of stalling the suite); sets STATUS and
# ELAPSED (ms).
interrupt() {
	local t0 t1 watchdog
	t0=$(date +%s%N)
	kill -s "$1" "$PID"
	{ sleep 60; kill -9 "$PID"; } 2>/dev/null &
	watchdog=$!
	STATUS=0
	wait "$PID" || STATUS=$?
	kill "$watchdog" 2>/dev/null
	t1=$(date +%s%N)
	ELAPSED=$(((t1 - t0) / 1000000))
	echo "$1: exit $STATUS after $ELAPSED ms"
	echo "$1 $STATUS $ELAPSED" >>"$TRASH/timings"
}

# stopped_by SIG NAME MS: the status the shell gives a process killed by SIG, within MS
# milliseconds (five times that under ASan), with the one-line reason on stderr.
stopped_by() {
	local want=130 limit=$3
	[ "$1" = TERM ] && want=143
	grep -qa __asan_init "$SLUGC" && limit=$((limit * 5))
	equal "$STATUS" "$want" &&
	if [ "$ELAPSED" -ge "$limit" ]; then echo "took $ELAPSED ms (at most $limit)"; false; fi &&
	equal "$(wc -l <"$2.err")" 1 &&
	contains "$2.err" "interrupted by SIG$1"
}

# gone PID: the process has exited (2 s for the kernel to finish a SIGKILL). An orphan
# is reparented and then reaped; until then it is a zombie, which counts as gone.
gone() {
	wait_until 2 eval '! running '"$1"
}
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

part_has_bytes() {
	test -n "$(find "$1/tmp" -name '*.part' -size +0 2>/dev/null)"
}

nonempty_temp() {
	test -n "$(find "$1" -maxdepth 1 -name '.*.tmp-*' -size +0)"
}

test_expect_success 'setup: a reference slug of node-hello' '
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/cache" -o ref.tgz
'

for sig in INT TERM; do
	test_expect_success "SIG$sig during a runtime download: no output, the partial is kept only for resume" '
		cache="$TRASH/dl-'$sig'" && mkdir out-dl-'$sig' &&
		echo "[{\"path\": \"$NODE_TARBALL\", \"action\": \"slow\", \"interval\": 0.05, \"id\": \"'$sig'\"}]" >"$MIRROR_FAULTS" &&
		start_slugc dl-'$sig' compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$cache" -o out-dl-'$sig'/s.tgz &&
		wait_until 30 part_has_bytes "$cache" && sleep 0.3 &&
		interrupt '$sig' && stopped_by '$sig' dl-'$sig' 3000 &&
		test -z "$(ls -A out-dl-'$sig')" && tmpdir_clean &&
		test -z "$(ls -A "$cache/blobs/sha256" 2>/dev/null)" && test ! -e "$cache/tofu" &&
		test ! -e "$cache/toolchains" &&
		part=$(ls "$cache"/tmp/*.part) &&
		cmp -n "$(size_of "$part")" "$part" "$NODE_MIRROR$NODE_TARBALL"
	'

	test_expect_success "after SIG$sig during a download, the next run resumes, verifies and builds the same slug" '
		cache="$TRASH/dl-'$sig'" && part=$(ls "$cache"/tmp/*.part) && have=$(size_of "$part") &&
		echo "[]" >"$MIRROR_FAULTS" && : >"$MIRROR_LOG" &&
		expect_exit 0 slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$cache" -o out-dl-'$sig'/s.tgz &&
		contains "$MIRROR_LOG" "GET $NODE_TARBALL 206 $(($(size_of "$NODE_MIRROR$NODE_TARBALL") - have)) bytes=$have-" &&
		contains out "Verified sha256 $NODE_TARBALL_SHA" &&
		equal "$(sha "$cache/blobs/sha256/$NODE_TARBALL_SHA")" "$NODE_TARBALL_SHA" &&
		test ! -e "$part" &&
		equal "$(sha out-dl-'$sig'/s.tgz)" "$(sha ref.tgz)" && tmpdir_clean
	'
done

mkdir stepapp
cat >stepapp/package.json <<EOF
{ "name": "stepapp", "version": "1.0.0", "engines": { "node": "20.x" },
  "scripts": { "build": "if [ -e $TRASH/hang ]; then echo \$\$ >$TRASH/step.tmp && mv $TRASH/step.tmp $TRASH/step.pid; sleep 300 & echo \$! >$TRASH/grandchild.tmp && mv $TRASH/grandchild.tmp $TRASH/grandchild.pid; wait; fi; echo built >built.txt" } }
EOF
echo "web: node -e 0" >stepapp/Procfile

for sig in INT TERM; do
	test_expect_success "SIG$sig during a build step kills its whole process group" '
		rm -f step.pid grandchild.pid && touch hang && mkdir out-step-'$sig' &&
		start_slugc step-'$sig' compile stepapp --mirror "$M" --cache-dir "$TRASH/cache" -o out-step-'$sig'/s.tgz &&
		wait_until 60 test -s grandchild.pid && step=$(cat step.pid) && grandchild=$(cat grandchild.pid) &&
		kill -0 "$step" && kill -0 "$grandchild" &&
		interrupt '$sig' && stopped_by '$sig' step-'$sig' 15000 &&
		gone "$step" && gone "$grandchild" &&
		test -z "$(ls -A out-step-'$sig')" && tmpdir_clean
	'

	test_expect_success "after SIG$sig during a build step, the build cache still works" '
		rm -f hang &&
		expect_exit 0 slugc compile stepapp --mirror "$M" --cache-dir "$TRASH/cache" -o out-step-'$sig'/s.tgz &&
		contains out "Using node-v20.20.2-linux-x64.tar.gz from the cache" &&
		equal "$(tar xzf out-step-'$sig'/s.tgz ./app/built.txt -O)" built && tmpdir_clean
	'
done

# A build step that leaves a job running in the background, holding the output pipe
# open: without the group kill when the step exits, the compile waits for the job
# (300 s; `timeout` fails it at 60 s) and the job outlives the build.
mkdir bgapp
cat >bgapp/package.json <<EOF
{ "name": "bgapp", "version": "1.0.0", "engines": { "node": "20.x" },
  "scripts": { "build": "sleep 300 & echo \$! >$TRASH/bg.pid; if [ -e $TRASH/bg-fail ]; then echo broke; exit 3; fi; echo built >built.txt" } }
EOF
echo "web: node -e 0" >bgapp/Procfile

test_expect_success 'a build step'"'"'s background jobs die when it ends, passed or failed' '
	rm -f bg.pid bg-fail &&
	expect_exit 0 timeout 60 "$SLUGC" compile bgapp --mirror "$M" --cache-dir "$TRASH/cache" -o bg.tgz &&
	test -s bg.pid && gone "$(cat bg.pid)" &&
	equal "$(tar xzf bg.tgz ./app/built.txt -O)" built &&
	rm bg.pid && touch bg-fail &&
	expect_error 1 "failed with exit status 3" \
		timeout 60 "$SLUGC" compile bgapp --mirror "$M" --cache-dir "$TRASH/cache" -o bg2.tgz &&
	contains out "broke" && test ! -e bg2.tgz &&
	test -s bg.pid && gone "$(cat bg.pid)" && tmpdir_clean
'

# One sparse file of 4 GiB (no disk used): pack takes seconds. Only a check inside the
# file's read loop stops it early, and only if closing the archive does not then pad the
# entry out with gigabytes of zeros.
make_big() {
	[ -d big ] && return 0
	mkdir big && echo "web: x" >big/Procfile && truncate -s 4G big/sparse
}

for sig in INT TERM; do
	test_expect_success "SIG$sig during pack leaves no temp file and the old slug untouched" '
		make_big && mkdir out-pack-'$sig' &&
		slugc compile "$STATIC" -o out-pack-'$sig'/s.tgz -q &&
		old=$(sha out-pack-'$sig'/s.tgz) && old_manifest=$(sha out-pack-'$sig'/s.json) &&
		start_slugc pack-'$sig' compile big -o out-pack-'$sig'/s.tgz --max-unpacked 5G &&
		wait_until 30 nonempty_temp out-pack-'$sig' &&
		interrupt '$sig' && stopped_by '$sig' pack-'$sig' 1000 &&
		contains pack-'$sig'.out "Compressing..." && not_contains pack-'$sig'.out "Slug written" &&
		equal "$(ls -A out-pack-'$sig' | tr "\n" " ")" "s.json s.tgz " &&
		equal "$(sha out-pack-'$sig'/s.tgz)" "$old" && equal "$(sha out-pack-'$sig'/s.json)" "$old_manifest" &&
		tmpdir_clean
	'

	test_expect_success "after SIG$sig during pack, the next run writes the slug" '
		expect_exit 0 slugc compile big -o out-pack-'$sig'/s.tgz --max-unpacked 5G &&
		contains out "(2 files)" &&
		equal "$(json out-pack-'$sig'/s.json "d[\"checksum\"]")" "SHA256:$(sha out-pack-'$sig'/s.tgz)" &&
		equal "$(json out-pack-'$sig'/s.json "d[\"size\"]")" "$(size_of out-pack-'$sig'/s.tgz)" &&
		no_temp_files out-pack-'$sig' && tmpdir_clean &&
		rm out-pack-'$sig'/s.tgz
	'
done
rm -rf big
# What was measured: signal, exit status, milliseconds from the signal to the exit.
sed 's/^/# /' timings 2>/dev/null

test_done
