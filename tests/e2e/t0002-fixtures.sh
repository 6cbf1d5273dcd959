#!/usr/bin/env bash
# The shared test fixtures (tests/lib/fixtures.sh, issue 13 item 1): under ctest a
# test never builds or replaces one, and fails with one clear line when it reads
# one that is missing or that it did not declare; standalone, one is built under
# its lock, once, and rebuilt only when its key (the machine's runtime) changes.
# Runs on a private cache with the cheapest fixture, ruby-app.
. "$(dirname "$0")/test-lib.sh"
command -v ruby >/dev/null || skip_all "no ruby"
FX="$SLUGC_SOURCE_DIR/tests/lib/fixtures.sh"

test_expect_success 'under ctest, an undeclared fixture is refused, naming CMakeLists' '
	(export SLUGC_TEST_CACHE="$TRASH/c1" SLUGC_TEST_FIXTURES=prebuilt SLUGC_TEST_FIXTURES_REQUIRED=node-mirror
	 . "$FX"; ! fixture_need ruby-app >out 2>err) &&
	contains err "does not declare it" && contains err "tests/CMakeLists.txt" &&
	test ! -e "$TRASH/c1/ruby-app"
'

test_expect_success 'under ctest, a declared but missing fixture fails and is not built' '
	(export SLUGC_TEST_CACHE="$TRASH/c1" SLUGC_TEST_FIXTURES=prebuilt SLUGC_TEST_FIXTURES_REQUIRED=node-mirror,ruby-app
	 . "$FX"; ! fixture_need ruby-app >out 2>err) &&
	contains err "fixture '"'"'ruby-app'"'"' is missing" && contains err "fixture_ruby-app" &&
	test ! -e "$TRASH/c1/ruby-app"
'

test_expect_success 'the setup builds it once; a second setup keeps it as it is' '
	SLUGC_TEST_CACHE="$TRASH/c1" bash "$FX" setup ruby-app >out &&
	contains out "fixture ruby-app: built" &&
	test -f "$TRASH/c1/ruby-app/Gemfile.lock" && test -s "$TRASH/c1/ruby-app.key" &&
	ino=$(stat -c %i "$TRASH/c1/ruby-app") &&
	SLUGC_TEST_CACHE="$TRASH/c1" bash "$FX" setup ruby-app >out &&
	contains out "up to date" && equal "$(stat -c %i "$TRASH/c1/ruby-app")" "$ino"
'

test_expect_success 'under ctest, a built fixture is read as it is' '
	dir=$(export SLUGC_TEST_CACHE="$TRASH/c1" SLUGC_TEST_FIXTURES=prebuilt SLUGC_TEST_FIXTURES_REQUIRED=ruby-app
	      . "$FX"; fixture_need ruby-app) &&
	equal "$dir" "$TRASH/c1/ruby-app"
'

test_expect_success 'a changed key (another machine runtime) makes the setup rebuild it' '
	echo stale >"$TRASH/c1/ruby-app.key" &&
	SLUGC_TEST_CACHE="$TRASH/c1" bash "$FX" setup ruby-app >out &&
	contains out "fixture ruby-app: built" &&
	equal "$(cat "$TRASH/c1/ruby-app.key")" "$(SLUGC_TEST_CACHE="$TRASH/c1"; . "$FX"; fixture_key ruby-app)"
'

test_expect_success 'the Ruby app asks for the Ruby this machine has (what the mirror publishes)' '
	equal "$(sed -n "s/^ruby \"\\(.*\\)\"\$/\\1/p" "$TRASH/c1/ruby-app/Gemfile")" \
		"$(ruby -e "print RUBY_VERSION")"
'

test_expect_success 'standalone (no ctest), a test builds what it needs itself' '
	(export SLUGC_TEST_CACHE="$TRASH/c2"; unset SLUGC_TEST_FIXTURES SLUGC_TEST_FIXTURES_REQUIRED
	 . "$FX"; fixture_need ruby-app >out 2>err) &&
	equal "$(cat out)" "$TRASH/c2/ruby-app" && test -f "$TRASH/c2/ruby-app/Gemfile"
'

test_done
