#!/usr/bin/env bash
# Flags: no abbreviations, "did you mean", conflicting and inapplicable options
# refused before any work, --env/-e config vars.
. "$(dirname "$0")/test-lib.sh"

q="'"

test_expect_success 'an abbreviated long option is a usage error naming the full one' '
	expect_error 2 "${q}--out${q} is an abbreviation of ${q}--output${q}" slugc compile x --out s.tgz &&
	expect_error 2 "${q}--env-d${q} is an abbreviation of ${q}--env-dir${q}" slugc compile x --env-d=e &&
	expect_error 2 "${q}--man${q} is an abbreviation of ${q}--manifest${q}" slugc inspect --man m.json s.tgz &&
	expect_error 2 "${q}--max${q} is an abbreviation of ${q}--max-age${q}" slugc cache prune --max 3 &&
	expect_error 2 "${q}--desc${q} is an abbreviation of ${q}--description${q}" slugc publish s.tgz --app a --desc x &&
	expect_error 2 "${q}--po${q} is an abbreviation of ${q}--port${q}" slugc run s.tgz --po 1 &&
	for cmd in detect resolve verify; do
		expect_error 2 "is an abbreviation of ${q}--json${q}" slugc $cmd --js x || exit 1
	done
'

test_expect_success 'a value that looks like an option is still a value' '
	expect_error 2 "missing --app" slugc publish s.tgz --description --ap
'

test_expect_success 'a mistyped option or command gets "did you mean"' '
	expect_error 2 "unknown option ${q}--outptu${q}; did you mean ${q}--output${q}?" slugc compile x --outptu s.tgz &&
	expect_error 2 "no command ${q}compiel${q}; did you mean ${q}compile${q}?" slugc compiel x &&
	expect_error 2 "no command ${q}relases${q}; did you mean ${q}releases${q}?" slugc help relases &&
	expect_error 2 "no command ${q}frobnicate${q} (see" slugc frobnicate
'

test_expect_success 'bare slugc prints the usage on stderr and exits 2' '
	expect_exit 2 slugc &&
	test ! -s out && contains err "usage: slugc <command>" && contains err "slugc: missing command"
'

test_expect_success '-q with -v is a usage error, for every command that takes both' '
	expect_error 2 "-q and -v exclude each other" slugc compile -q -v x &&
	expect_error 2 "-q and -v exclude each other" slugc deploy -q -v x --app app-a &&
	expect_error 2 "-q and -v exclude each other" slugc publish -q -v x.tgz --app app-a &&
	expect_error 2 "-q and -v exclude each other" slugc promote -q -v --from app-a --to app-b &&
	expect_error 2 "-q and -v exclude each other" slugc releases -q -v --app app-a
'

test_expect_success 'cache prune --all with --max-age is a usage error' '
	expect_error 2 "--all and --max-age exclude each other" slugc cache prune --all --max-age 3
'

test_expect_success 'a missing --env-dir fails before any work' '
	mkdir -p app && echo "web: true" >app/Procfile &&
	expect_error 2 "--env-dir ${q}nope${q} is not a directory" slugc compile app --env-dir nope -o s.tgz &&
	test ! -e s.tgz && tmpdir_clean
'

test_expect_success '--env: NAME=VALUE only, refused names refused' '
	expect_error 2 "--env expects NAME=VALUE, not ${q}FOO${q}" slugc compile app -e FOO &&
	expect_error 2 "--env: ${q}1X${q} is not a variable name" slugc compile app --env 1X=y &&
	expect_error 2 "--env: PATH is not passed to the build" slugc compile app --env PATH=/x &&
	expect_error 2 "--env: LD_PRELOAD is not passed" slugc verify -e LD_PRELOAD=x s.tgz --manifest m app
'

test_expect_success '--runtime-sha256 and --inventory for what the app never uses fail before any work' '
	expect_error 2 "--runtime-sha256 go=...: the app does not use go" \
		slugc compile app --runtime-sha256 go=$(printf "%064d" 0) -o s.tgz &&
	test ! -e s.tgz &&
	echo "[[artifacts]]" >inv.toml &&
	expect_error 2 "--inventory ${q}inv.toml${q}: the app installs no runtime" \
		slugc compile app --inventory inv.toml -o s.tgz &&
	test ! -e s.tgz && tmpdir_clean
'

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }

test_expect_success '--env and -e reach the build, over --env-dir, secrets redacted' '
	cp -r "$SLUGC_SOURCE_DIR/tests/fixtures/apps/node-deps" deps-app &&
	mkdir env && echo "from the env dir" >env/GREETING && echo "dir-only" >env/OTHER &&
	expect_exit 0 slugc compile deps-app --env-dir env --env "GREETING=from the flag" \
		-e SECRET_API_TOKEN=s3cr3t-flag-value -o deps.tgz &&
	contains out "config var GREETING=from the flag" &&
	not_contains out "from the env dir" &&
	not_contains out "s3cr3t-flag-value" && not_contains err "s3cr3t-flag-value" &&
	tar xzf deps.tgz ./app/dist/built.txt -O | grep -q "SECRET_API_TOKEN=s3cr3t-flag-value" &&
	expect_error 2 "--runtime-sha256 go=...: the app does not use go" \
		slugc compile deps-app --runtime-sha256 go=$(printf "%064d" 0) -o s.tgz &&
	test ! -e s.tgz
'

test_done
