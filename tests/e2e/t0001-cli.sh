#!/usr/bin/env bash
# The command line contract: dispatch, help, version, exit codes 0/1/2.
. "$(dirname "$0")/test-lib.sh"

test_expect_success '--version prints the version' '
	expect_exit 0 slugc --version &&
	grep -Eq "^slugc [0-9]+\.[0-9]+\.[0-9]+$" out
'

test_expect_success '--help lists every command from the table' '
	expect_exit 0 slugc --help &&
	contains out "compile" && contains out "inspect" && contains out "verify" && contains out "Exit status"
'

test_expect_success 'no command is a usage error (exit 2)' '
	expect_exit 2 slugc &&
	contains err "missing command"
'

test_expect_success 'unknown command: exit 2, one line' '
	expect_error 2 "no command '"'"'frobnicate'"'"'" slugc frobnicate
'

test_expect_success 'each command has --help, also as "slugc help CMD"' '
	for c in compile inspect verify; do
		expect_exit 0 slugc $c --help && contains out "usage: slugc $c" &&
		expect_exit 0 slugc help $c && contains out "usage: slugc $c" || exit 1
	done
'

test_expect_success 'compile without SOURCE is a usage error' '
	expect_error 2 "missing SOURCE" slugc compile
'

test_expect_success 'unknown option is a usage error naming it' '
	expect_error 2 "unknown option '"'"'--bogus'"'"'" slugc compile --bogus x &&
	contains err "slugc compile --help"
'

test_expect_success 'there is no way to turn TLS verification off' '
	for cmd in compile deploy publish promote releases resolve; do
		expect_error 2 "unknown option '"'"'--insecure'"'"'" slugc $cmd --insecure x || exit 1
		expect_error 2 "unknown option '"'"'-k'"'"'" slugc $cmd -k x || exit 1
	done &&
	for cmd in compile deploy publish; do
		expect_exit 0 slugc $cmd --help && contains out "usage: slugc $cmd" &&
		not_contains out "insecure" || exit 1
	done
'

test_expect_success 'option without its value is a usage error' '
	expect_error 2 "option '"'"'-o'"'"' needs a value" slugc compile x -o
'

test_expect_success 'bad numbers are usage errors' '
	expect_error 2 "--max-size expects a number" slugc compile x --max-size ten &&
	expect_error 2 "--jobs must be between 1 and 256" slugc compile x --jobs 0 &&
	expect_error 2 "--level must be between 1 and 12" slugc compile x --level 13 &&
	SLUGC_THREADS=lots expect_error 2 "SLUGC_THREADS expects a number" slugc compile x
'

test_expect_success 'a stack must look like a stack name' '
	expect_error 2 "--stack expects a stack name" slugc compile x --stack "Heroku 24!"
'

test_expect_success 'extra arguments are usage errors' '
	expect_error 2 "unexpected argument '"'"'b'"'"'" slugc compile a b &&
	expect_error 2 "unexpected argument" slugc inspect a.tgz b.tgz
'

test_expect_success 'a failing build exits 1, not 2' '
	expect_error 1 "does not exist" slugc compile no-such-dir
'

test_done
