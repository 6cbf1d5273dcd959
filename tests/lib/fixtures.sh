#!/usr/bin/env bash
# Usage: tests/lib/fixtures.sh setup NAME...   build (or confirm) each shared test fixture
#        tests/lib/fixtures.sh list            the names, one a line
#        . tests/lib/fixtures.sh               (test-lib.sh) fixture_dir, fixture_setup
#
# The shared test fixtures: what several tests read and nobody should build twice
# (runtime mirrors, a Ruby app matching the mirror, the npm package the semver
# corpus is checked against). Each lives at $SLUGC_TEST_CACHE/NAME (default
# build/test-cache/NAME) and is described by one row of fixture_recipe below.
#
# Under ctest, each is built by its own setup test, fixture_NAME (FIXTURES_SETUP NAME
# in tests/CMakeLists.txt), before any test that says FIXTURES_REQUIRED NAME starts,
# and it is never replaced while those run: test-lib.sh only checks that it is there
# (SLUGC_TEST_FIXTURES=prebuilt, set by ctest) and fails clearly when it is not. Run
# outside ctest, a test script builds what it needs itself, under the same lock.
#
# A fixture is rebuilt (by its setup test, before its readers run) only when its key
# changes: the sha256 of its recipe, its builder scripts and what the recipe's probe
# prints about the machine (the installed runtime's version). A warm build tree whose
# machine changed under it (a new Debian ruby) gets a fresh fixture, not a stale one.
# Builders write beside DEST and rename into place (mirror-lib.sh), so a fixture is
# either complete or absent. See tests/lib/README.md, "Adding a fixture".

FIXTURES_LIB=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
FIXTURES_ROOT=$(cd "$FIXTURES_LIB/../.." && pwd)
: "${SLUGC_TEST_CACHE:=$FIXTURES_ROOT/build/test-cache}"

# fixture_recipe NAME: sets fx_build (an array: the command; DEST is appended), fx_probe (a
# command whose output identifies the machine's inputs), fx_files (scripts whose
# contents go into the key) and fx_optional (1: a failed build is a skip, not an error).
fixture_recipe() {
	fx_optional=0
	fx_files="$FIXTURES_LIB/fixtures.sh $FIXTURES_LIB/mirror-lib.sh"
	case $1 in
	node-mirror)
		fx_build=(bash "$FIXTURES_LIB/make-node-mirror.sh")
		fx_probe='node --version; npm --version'
		fx_files+=" $FIXTURES_LIB/make-node-mirror.sh" ;;
	go-mirror)
		fx_build=(bash "$FIXTURES_LIB/make-go-mirror.sh")
		fx_probe='go version'
		fx_files+=" $FIXTURES_LIB/make-go-mirror.sh" ;;
	ruby-mirror)
		# Both stack layouts: heroku-24's <stack>/<arch>/ and heroku-22's <stack>/.
		fx_build=(bash -c 'exec bash "$0" "$1" heroku-24 heroku-22' "$FIXTURES_LIB/make-ruby-mirror.sh")
		fx_probe='ruby -e "print RUBY_DESCRIPTION"; dpkg-query -W ruby3.1 libruby3.1 2>/dev/null || true'
		fx_files+=" $FIXTURES_LIB/make-ruby-mirror.sh" ;;
	ruby-app)
		fx_build=(bash "$FIXTURES_LIB/make-ruby-app.sh")
		fx_probe='ruby -e "print RUBY_DESCRIPTION"; cat "$FIXTURES_ROOT"/examples/ruby-hello/Gemfile*'
		fx_files+=" $FIXTURES_LIB/make-ruby-app.sh" ;;
	semver-npm)
		fx_build=(bash "$FIXTURES_LIB/make-npm-package.sh" "${SLUGC_SEMVER_SPEC:-semver@7.8.6}")
		fx_probe='node --version'
		fx_files+=" $FIXTURES_LIB/make-npm-package.sh"
		# No npm registry: the corpus test skips (it fails under SLUGC_CORPUS_REQUIRED=1).
		fx_optional=1 ;;
	*)
		echo "fixtures.sh: no fixture named '$1' (tests/lib/fixtures.sh list)" >&2
		return 1 ;;
	esac
}

fixture_names() {
	echo node-mirror go-mirror ruby-mirror ruby-app semver-npm | tr ' ' '\n'
}

fixture_dir() {
	echo "$SLUGC_TEST_CACHE/$1"
}

fixture_key() {
	local f
	fixture_recipe "$1" || return 1
	{
		echo "$1 ${fx_build[*]}"
		for f in $fx_files; do sha256sum <"$f"; done
		(cd "$FIXTURES_ROOT" && eval "$fx_probe") 2>&1
	} | sha256sum | cut -d' ' -f1
}

# fixture_setup NAME: make $SLUGC_TEST_CACHE/NAME exist and match its key, under
# $SLUGC_TEST_CACHE/NAME.lock. Prints one line. 0 ready (or optional and absent), 1 failed.
fixture_setup() {
	local name=$1 dir key start=$SECONDS
	dir=$(fixture_dir "$name")
	key=$(fixture_key "$name") || return 1
	fixture_recipe "$name" || return 1
	mkdir -p "$SLUGC_TEST_CACHE" || return 1
	(
		flock 9 || exit 1
		if [ -d "$dir" ] && [ "$(cat "$dir.key" 2>/dev/null)" = "$key" ]; then
			echo "fixture $name: up to date ($dir)"
			exit 0
		fi
		rm -f "$dir.key"
		# A failed build leaves the previous fixture (if any) as it was: builders publish
		# by rename only on success. Without its key, the next setup tries again.
		if ! "${fx_build[@]}" "$dir" >"$dir.log" 2>&1; then
			if [ "$fx_optional" = 1 ]; then
				echo "fixture $name: not built, its tests will skip: $(tail -n 1 "$dir.log")"
				exit 0
			fi
			echo "fixture $name: cannot build $dir (${fx_build[*]##*/}); its log:" >&2
			tail -n 30 "$dir.log" >&2
			exit 1
		fi
		printf '%s\n' "$key" >"$dir.key.tmp" && mv "$dir.key.tmp" "$dir.key"
		echo "fixture $name: built $dir in $((SECONDS - start)) s: $(tail -n 1 "$dir.log")"
	) 9>"$dir.lock"
}

# fixture_need NAME: (test-lib.sh) print the fixture's directory. Under ctest
# (SLUGC_TEST_FIXTURES=prebuilt) it must already exist: nothing is built or replaced
# while tests run. Standalone, it is built (or rebuilt when stale) under the lock.
fixture_need() {
	local dir
	dir=$(fixture_dir "$1")
	if [ "${SLUGC_TEST_FIXTURES:-}" = prebuilt ]; then
		case ",${SLUGC_TEST_FIXTURES_REQUIRED:-}," in
		*",$1,"*) ;;
		*)
			echo "this test reads the fixture '$1' but does not declare it: add it to the test's" \
				"slugc_test_fixtures() line in tests/CMakeLists.txt (FIXTURES_REQUIRED)" >&2
			return 1 ;;
		esac
		if [ ! -d "$dir" ]; then
			echo "fixture '$1' is missing ($dir): its setup test fixture_$1 did not build it" \
				"(see $dir.log), or was left out (ctest -FA / -E)" >&2
			return 1
		fi
	else
		fixture_setup "$1" >&2 || return 1
		[ -d "$dir" ] || return 1
	fi
	echo "$dir"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	case ${1:-} in
	setup)
		shift
		[ $# -ge 1 ] || { echo "usage: $0 setup NAME..." >&2; exit 2; }
		for n in "$@"; do fixture_setup "$n"; done ;;
	list) fixture_names ;;
	*) sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
fi
