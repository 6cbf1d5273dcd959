#!/usr/bin/env bash
# The runtime index cache (issue 13, item 8): every document slugc caches
# (Node.js's index.json, a release's SHASUMS256.txt, Go's JSON index) holds
# exactly the bytes the server sent, on a cold cache as on a warm one. Once,
# SHASUMS256.txt was appended to the buffer still holding index.json and that
# concatenation was cached as the index; an index.json without a final newline
# then hid the checksum line and every resolve failed.
. "$(dirname "$0")/test-lib.sh"

# A tiny mirror in nodejs.org's layout: one release, its tarball an empty file (resolve
# only checks that it exists).
SUM=1111111111111111111111111111111111111111111111111111111111111111
mkdir -p dist/v20.1.0
printf '[{"version":"v20.1.0","date":"2023-04-18","files":["linux-x64","linux-arm64"],"lts":false}]' \
	>dist/index.json
printf '%s  node-v20.1.0-linux-x64.tar.gz\n%s  node-v20.1.0-linux-arm64.tar.gz\n' "$SUM" "$SUM" \
	>dist/v20.1.0/SHASUMS256.txt
: >dist/v20.1.0/node-v20.1.0-linux-x64.tar.gz
start_mirror "$TRASH/dist" || exit 99
M="nodejs=$MIRROR_URL"
INDEX="$HOME/.cache/slugc/index"

# cached URL: the cache's copy of the document at URL (the key is the URL's sha256).
cached() {
	echo "$INDEX/$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)"
}

test_expect_success 'index.json without a final newline resolves on a cold cache' '
	rm -rf "$HOME/.cache/slugc" &&
	test "$(tail -c 1 dist/index.json)" = "]" &&
	expect_exit 0 slugc resolve nodejs 20.x --mirror "$M" &&
	contains out "20.1.0" && contains out "$SUM"
'

test_expect_success 'each cached document equals the bytes served, and nothing else is cached' '
	cmp "$(cached "$MIRROR_URL/index.json")" dist/index.json &&
	cmp "$(cached "$MIRROR_URL/v20.1.0/SHASUMS256.txt")" dist/v20.1.0/SHASUMS256.txt &&
	: beside each, its description for cache ls &&
	equal "$(ls "$INDEX" | grep -vc "\.json$")" 2 &&
	equal "$(ls "$INDEX" | grep -c "\.json$")" 2
'

test_expect_success 'a warm cache resolves the same, from the cached copies alone' '
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc resolve nodejs 20.x --mirror "$M" --offline &&
	contains out "$SUM" &&
	equal "$(wc -l <"$MIRROR_LOG")" 0
'

test_expect_success 'a stale index refetched over a cached one is cached exactly too' '
	touch -d "2001-01-01" "$(cached "$MIRROR_URL/index.json")" &&
	printf "[{\"version\":\"v20.2.0\",\"files\":[\"linux-x64\"],\"lts\":false},{\"version\":\"v20.1.0\",\"files\":[\"linux-x64\"],\"lts\":false}]" \
		>dist/index.json &&
	mkdir -p dist/v20.2.0 &&
	printf "%s  node-v20.2.0-linux-x64.tar.gz" "$SUM" >dist/v20.2.0/SHASUMS256.txt &&
	: >dist/v20.2.0/node-v20.2.0-linux-x64.tar.gz &&
	expect_exit 0 slugc resolve nodejs 20.x --mirror "$M" &&
	contains out "20.2.0" &&
	cmp "$(cached "$MIRROR_URL/index.json")" dist/index.json &&
	cmp "$(cached "$MIRROR_URL/v20.2.0/SHASUMS256.txt")" dist/v20.2.0/SHASUMS256.txt
'

test_done
