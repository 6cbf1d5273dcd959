#!/usr/bin/env bash
# slugc run -- COMMAND...: words survive bash -c, the exit status is the
# command's, and a dyno-style SIGTERM stop is not reported as an error.
. "$(dirname "$0")/test-lib.sh"

mkdir -p app &&
printf 'web: trap "echo stopping; exit 0" TERM; echo up; while :; do sleep 0.1; done\nplain: echo started; exec sleep 60\n' >app/Procfile &&
"$SLUGC" compile app -q -o s.tgz >/dev/null || exit 99

# wait_for_file_content FILE LINE: until FILE holds LINE as a whole line (30 s at most): the
# "-----> Running `...`" line echoes the command, so a substring would match before the
# process has even started.
wait_for_file_content() {
	local i
	for i in $(seq 1 300); do
		grep -qxF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "timed out waiting for '$2' in $1"; cat "$1"
	return 1
}

test_expect_success 'several words are quoted each: bash -c gets them back as given' '
	expect_exit 0 slugc run s.tgz -- printf "<%s>\n" "it${q:-}'"'"'s a word" "\$HOME" "a;b" "" &&
	equal "$(cat out | grep "^<")" "$(printf "<it'"'"'s a word>\n<\$HOME>\n<a;b>\n<>")"
'

test_expect_success 'one word is a command line, as heroku run takes it' '
	expect_exit 0 slugc run s.tgz --port 5123 -- "echo \$PORT \$DYNO" &&
	contains out "5123 run.1"
'

test_expect_success 'the exit status is the command'"'"'s' '
	expect_exit 7 slugc run s.tgz -- bash -c "exit 7" &&
	expect_exit 0 slugc run s.tgz -- bash -c "exit 0" &&
	expect_exit 3 slugc run s.tgz -- sh -c "exit 3"
'

test_expect_success 'SIGTERM to a process that stops on it: its status, no error printed' '
	{ "$SLUGC" run s.tgz web >run.out 2>run.err & pid=$!; } &&
	wait_for_file_content run.out up &&
	kill -TERM $pid && rc=0 && { wait $pid || rc=$?; } &&
	equal "$rc" 0 && contains run.out stopping &&
	not_contains run.err "interrupted" &&
	{ "$SLUGC" run s.tgz plain >run2.out 2>run2.err & pid=$!; } &&
	wait_for_file_content run2.out started &&
	kill -TERM $pid && rc=0 && { wait $pid || rc=$?; } &&
	equal "$rc" 143 && not_contains run2.err "interrupted" && test ! -s run2.err
'

test_done
