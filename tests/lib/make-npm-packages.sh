#!/usr/bin/env bash
# make-npm-packages.sh DEST: small npm packages for the loopback registry stand-in
# (tests/e2e/lib/npm-registry.py), packed with `npm pack`: slugc-util 1.0.0 and 1.1.0,
# and slugc-greet 1.0.0, which depends on slugc-util ^1.0.0 and has a dev dependency
# on slugc-devtool 1.0.0 (pruned from the slug). Built in a temp dir beside DEST,
# renamed into place when complete.
set -euo pipefail
if [ "${1:-}" = -h ] || [ $# -ne 1 ]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit $(( $# == 1 ? 0 : 2 )); fi
dest=$1
tmp=$(mktemp -d "$(dirname "$dest")/.npm-packages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
mkpkg() { # NAME VERSION DEPS-JSON SOURCE
	local dir="$tmp/src/$1-$2"
	mkdir -p "$dir"
	printf '{"name": "%s", "version": "%s", "main": "index.js", "license": "MIT", "dependencies": %s}\n' \
		"$1" "$2" "$3" >"$dir/package.json"
	printf '%s\n' "$4" >"$dir/index.js"
	(cd "$dir" && npm pack --silent --pack-destination "$tmp/out" >/dev/null)
}
mkdir -p "$tmp/out"
mkpkg slugc-util 1.0.0 '{}' 'exports.shout = (s) => s.toUpperCase() + " (util 1.0.0)";'
mkpkg slugc-util 1.1.0 '{}' 'exports.shout = (s) => s.toUpperCase() + "!";'
mkpkg slugc-greet 1.0.0 '{"slugc-util": "^1.0.0"}' \
	'const u = require("slugc-util"); exports.greet = (n) => u.shout("hello " + n);'
mkpkg slugc-devtool 1.0.0 '{}' 'exports.dev = true;'
for f in slugc-util-1.0.0.tgz slugc-util-1.1.0.tgz slugc-greet-1.0.0.tgz slugc-devtool-1.0.0.tgz; do
	tar -xzOf "$tmp/out/$f" package/package.json >/dev/null
done
rm -rf "$dest"
mv "$tmp/out" "$dest"
echo "make-npm-packages: $(ls "$dest" | wc -l) packages, $(du -sk "$dest" | cut -f1) KB, $(( $(date +%s) - start )) s"
