#!/usr/bin/env bash
# Usage: tests/lib/make-npm-package.sh SPEC DEST
#
# `npm install SPEC` (e.g. semver@7.8.6) from the npm registry into DEST, for
# the tests that compare slugc with the real package (the semver corpus):
#
#   DEST/node_modules/<name>/...   the installed package
#   DEST/npm-cache/                npm's cache (a rebuild needs no network)
#
# Built beside DEST and renamed into place; prints one summary line. Fails
# (exit 1) when the registry cannot be reached.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

case ${1:-} in
-h | --help) mirror_help ;;
esac
[ $# -eq 2 ] || mirror_die "usage: $0 SPEC DEST"
spec=$1 dest=$2 start=$SECONDS
command -v npm >/dev/null || mirror_die "npm is not on PATH"

mirror_init "$dest"
# npm's cache stays with the fixture: rebuilding it works offline.
[ -d "$dest/npm-cache" ] && cp -a -- "$dest/npm-cache" "$MIRROR_OUT/npm-cache"
npm install --prefix "$MIRROR_OUT" --cache "$MIRROR_OUT/npm-cache" --prefer-offline \
	--no-audit --no-fund --no-update-notifier --no-package-lock --loglevel=error \
	--fetch-retries=2 --fetch-retry-mintimeout=2000 --fetch-retry-maxtimeout=10000 \
	"$spec" >&2 || mirror_die "cannot install $spec from the npm registry"
name=${spec%@*}
version=$(node -p "require('$MIRROR_OUT/node_modules/$name/package.json').version")
[ "$version" = "${spec##*@}" ] || mirror_die "npm installed $name $version, not ${spec##*@}"
rm -f "$MIRROR_OUT/package.json"
mirror_publish "$dest"
echo "npm package: $dest: $name $version, $((SECONDS - start))s"
