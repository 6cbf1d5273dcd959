#!/usr/bin/env bash
# Mirror URLs as users write them: a file:// mirror works with --offline (it
# is on this machine), and a trailing slash names the same mirror.
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 99

test_expect_success '--offline with a file:// mirror builds from an empty cache' '
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --offline --mirror "nodejs=file://$NODE_MIRROR" \
		--cache-dir "$TRASH/c1" -o hello.tgz &&
	contains out "Resolved 20.x to 20.20.2" && test -f hello.tgz
'

test_expect_success '--offline with an http mirror still refuses the network' '
	expect_error 1 "--offline, and the Node.js index" \
		slugc compile "$EXAMPLES/node-hello" --offline --mirror "$M" --cache-dir "$TRASH/c2" -o h2.tgz &&
	contains err "is not in the cache" &&
	equal "$(grep -c . "$MIRROR_LOG")" 0
'

test_expect_success 'a trailing slash in a mirror URL: the same URLs, no "//"' '
	expect_exit 0 slugc resolve nodejs 20.x --mirror "$M/" --cache-dir "$TRASH/c3" &&
	contains out "$MIRROR_URL$NODE_TARBALL" && not_contains out "$MIRROR_URL//" &&
	grep -q "^GET /index.json 200" "$MIRROR_LOG" && ! grep -q "^GET //" "$MIRROR_LOG" &&
	expect_exit 0 slugc resolve nodejs 20.x --mirror "nodejs=file://$NODE_MIRROR//" --cache-dir "$TRASH/c4" &&
	contains out "file://$NODE_MIRROR$NODE_TARBALL"
'

test_done
