#!/usr/bin/env bash
# Memcheck over whole compiles: examples/node-hello from an HTTP mirror into
# a fresh cache (download, sha256 verify, unpack, install, pack), then again
# warm from the cache, then inspect of the slug, and a git remote compile
# with a submodule, cold and warm; slugc must free everything and make no
# invalid access. Only slugc itself is traced: npm and node run as its
# children and are not ours. tests/valgrind.supp holds only libgit2's own
# leak. Not registered in the sanitizer build (valgrind cannot run ASan
# binaries).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

command -v valgrind >/dev/null || { echo "valgrind is not installed (./bootstrap installs it)"; exit 99; }
serve_node_mirror || exit 99
make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
start_git_daemon "$TRASH/srv" || exit 99
GIT_URL="git://127.0.0.1:$GIT_DAEMON_PORT/app.git"

# memcheck LOG CMD...: run CMD under valgrind; every leak kind but "still reachable"
# is an error, and any error makes the exit status 99.
memcheck() {
	local log=$1
	shift
	valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99 \
		--trace-children=no --track-fds=no --num-callers=30 \
		--suppressions="$SLUGC_SOURCE_DIR/tests/valgrind.supp" --log-file="$log" "$SLUGC" "$@"
}

# clean LOG: valgrind's summary says no errors and nothing lost.
clean() {
	contains "$1" "ERROR SUMMARY: 0 errors" &&
	if grep -qE "(definitely|indirectly|possibly) lost: [1-9]" "$1"; then
		cat "$1"; return 1
	fi
}

test_expect_success 'a cold compile (download, verify, unpack) is leak- and error-free' '
	memcheck cold.vg compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/cache" \
		-o cold.tgz >out 2>err || { cat out err cold.vg; exit 1; } &&
	contains out "Verified sha256" &&
	contains out "Unpacking node-v20.20.2-linux-x64.tar.gz into the cache" &&
	equal "$(grep -c "^GET /v20.20.2/node-v20.20.2-linux-x64.tar.gz 200" "$MIRROR_LOG")" 1 &&
	clean cold.vg
'

test_expect_success 'a warm compile from the cache is leak- and error-free' '
	memcheck warm.vg compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/cache" \
		-o warm.tgz >out 2>err || { cat out err warm.vg; exit 1; } &&
	contains out "Using node-v20.20.2-linux-x64.tar.gz from the cache" &&
	equal "$(sha warm.tgz)" "$(sha cold.tgz)" &&
	clean warm.vg
'

test_expect_success 'inspect of the slug is leak- and error-free' '
	memcheck inspect.vg inspect warm.tgz >out 2>err || { cat out err inspect.vg; exit 1; } &&
	contains out "layout     reproducible" &&
	clean inspect.vg
'

test_expect_success 'a git remote compile (clone, submodule), cold and warm, is leak- and error-free' '
	memcheck git-cold.vg compile "$GIT_URL" --cache-dir "$TRASH/cache" -o git1.tgz >out 2>err ||
		{ cat out err git-cold.vg; exit 1; } &&
	contains out "Cloned into the cache:" &&
	slugtool names git1.tgz >names && contains names "./app/vendor/lib/index.js" &&
	clean git-cold.vg &&
	memcheck git-warm.vg compile "$GIT_URL" --cache-dir "$TRASH/cache" -o git2.tgz >out 2>err ||
		{ cat out err git-warm.vg; exit 1; } &&
	contains out "Updated the cached mirror: 0 new objects" &&
	equal "$(sha git2.tgz)" "$(sha git1.tgz)" &&
	clean git-warm.vg
'

test_done
