#!/bin/sh
# Check runtimes/semver.c against the real node-semver.
#
#   run-corpus.sh UNIT_BINARY CACHE_DIR
#
# Installs the `semver` npm package into $SLUGC_TEST_CACHE (or CACHE_DIR) once,
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

mkdir -p "$cache/npm"
pkg=$cache/npm/node_modules/semver
want=${spec#semver@}
have=$(node -p "require('$pkg/package.json').version" 2>/dev/null || true)
if [ "$have" != "$want" ]; then
	echo "run-corpus: installing $spec into $cache/npm"
	if ! npm install --prefix "$cache/npm" --cache "$cache/npm-cache" --prefer-offline \
		--no-audit --no-fund --no-update-notifier --loglevel=error \
		--fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000 \
		"$spec" >&2; then
		skip "cannot install $spec from the npm registry"
	fi
fi
version=$(node -p "require('$pkg/package.json').version")

node "$here/check-tables.js" "$pkg"

key=$(cat "$here/gen-corpus.js" "$here/../../../fixtures/reference/nodejs-dist-index.sample.json" \
	"$here/../../../fixtures/reference/heroku-buildpack-nodejs-inventory-node.toml" | sha256sum | cut -c1-16)
corpus=$cache/semver-corpus-$version-$key.txt
if [ ! -s "$corpus" ]; then
	node "$here/gen-corpus.js" "$pkg" "$corpus.tmp"
	mv "$corpus.tmp" "$corpus"
fi
echo "run-corpus: $corpus"
"$bin" --corpus "$corpus"
