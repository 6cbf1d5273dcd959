#!/bin/sh
# Check runtimes/semver.c against the real node-semver.
#
#   run-corpus.sh UNIT_BINARY CACHE_DIR
#
# Uses the `semver` npm package installed in $SLUGC_TEST_CACHE (or CACHE_DIR) by the
# shared fixture semver-npm (tests/lib/fixtures.sh; installed here when run outside ctest),
# verifies the expectations in the table files with it (check-tables.js),
# generates the corpus of ranges with its maxSatisfying answers (gen-corpus.js,
# deterministic; kept in the cache keyed by the generator, its data and the
# semver release) and runs `UNIT_BINARY --corpus` over it.
#
# Exit status: 0 pass, 1 disagreement, 77 skipped (no node/npm, or the
# package cannot be installed), 2 usage. With SLUGC_CORPUS_REQUIRED=1 (as in
# .ci/run) a skip is a failure: CI must compare against the real package.
set -eu

skip() {
	echo "run-corpus: skipped: $*"
	if [ "${SLUGC_CORPUS_REQUIRED:-0}" = 1 ]; then
		echo "run-corpus: SLUGC_CORPUS_REQUIRED=1, so this is a failure" >&2
		exit 1
	fi
	exit 77
}

if [ $# -ne 2 ]; then
	echo "usage: $0 UNIT_BINARY CACHE_DIR" >&2
	exit 2
fi
bin=$1
cache=${SLUGC_TEST_CACHE:-$2}
here=$(cd "$(dirname "$0")" && pwd)
spec=${SLUGC_SEMVER_SPEC:-semver@7.8.6}

for tool in node npm sha256sum; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		skip "$tool is not installed"
	fi
done

# The package is the shared fixture semver-npm (tests/lib/fixtures.sh): under ctest its
# setup test installed it; standalone, install it here (under the fixture's lock).
pkg=$cache/semver-npm/node_modules/semver
want=${spec#semver@}
if [ "${SLUGC_TEST_FIXTURES:-}" != prebuilt ]; then
	SLUGC_TEST_CACHE=$cache SLUGC_SEMVER_SPEC=$spec bash "$here/../../../lib/fixtures.sh" setup semver-npm >&2 ||
		skip "cannot install $spec from the npm registry"
fi
have=$(node -p "require('$pkg/package.json').version" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	skip "$spec is not installed in $cache/semver-npm (the fixture semver-npm: see $cache/semver-npm.log)"
fi
version=$(node -p "require('$pkg/package.json').version")

node "$here/check-tables.js" "$pkg"

key=$(cat "$here/gen-corpus.js" "$here/../../../fixtures/reference/nodejs-dist-index.sample.json" \
	"$here/../../../fixtures/reference/heroku-buildpack-nodejs-inventory-node.toml" | sha256sum | cut -c1-16)
corpus=$cache/semver-corpus-$version-$key.txt
if [ ! -s "$corpus" ]; then
	node "$here/gen-corpus.js" "$pkg" "$corpus.tmp.$$"
	mv "$corpus.tmp.$$" "$corpus"
fi
echo "run-corpus: $corpus"
"$bin" --corpus "$corpus"
