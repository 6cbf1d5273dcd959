#!/usr/bin/env bash
# Usage: tests/lib/make-go-mirror.sh DEST
#
# Builds an offline Go mirror from the Go toolchain installed on this machine
# (Debian's golang-go: GOROOT from `go env GOROOT`, e.g. /usr/lib/go-1.19),
# in the layout slugc reads from go.dev / dl.google.com:
#
#   DEST/index.json        like https://go.dev/dl/?mode=json&include=all :
#                          [{"version":"go1.19.8","stable":true,"files":[
#                            {"filename":"go1.19.8.linux-amd64.tar.gz","os":"linux",
#                             "arch":"amd64","version":"go1.19.8","sha256":"<hex>",
#                             "size":<bytes>,"kind":"archive"}]}]
#                          (one release: the local one; no source or installer
#                          entries, because those files are not produced)
#   DEST/go<ver>.<os>-<arch>.tar.gz
#                          like https://dl.google.com/go/<filename>: top directory
#                          go/ holding the whole GOROOT (VERSION, api/, bin/, misc/,
#                          pkg/, src/, test/, lib/ ... as Debian ships them)
#   DEST/go<ver>.<os>-<arch>.tar.gz.sha256
#                          bare hex, no newline, like dl.google.com's side files
#
# Everything in the archive is the real Debian toolchain.  Debian's GOROOT
# links into /usr/share/go-<ver> (src, api, misc, test, pkg/include): those
# links are dereferenced (copied), so the archive is self-contained; links
# that stay inside GOROOT are kept (relative).  Debian's GOROOT has no doc/,
# lib/time/zoneinfo.zip, LICENSE etc.: they are simply absent.
#
# Verified before publishing: the archive is extracted to a temp dir and, with
# a clean environment (no GOROOT; GOTOOLCHAIN=local GOFLAGS=-mod=mod
# GOPROXY=off), `go version` must print the version, `go env GOROOT` must be
# the extracted go/ (relocated, not /usr/lib/go-*), and a hello-world module
# must build and run.
#
# Compression: pigz -n -1 if installed, else gzip -n -1 (fast; deterministic
# for a given compressor, see mirror-lib.sh; MIRROR_GZIP_LEVEL overrides -1).
# Built beside DEST and renamed into place.  Prints one summary line (size,
# seconds).  Idempotent: a second run on the same toolchain gives the same sha256.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

case ${1:-} in
-h | --help) mirror_help ;;
esac
[ $# -eq 1 ] || mirror_die "usage: $0 DEST"
dest=$1
start=$SECONDS

command -v go >/dev/null || mirror_die "go is not on PATH (apt-get install golang-go)"
goroot=$(env -u GOROOT go env GOROOT)
[ -x "$goroot/bin/go" ] || mirror_die "no bin/go in GOROOT $goroot"
version=$(head -n 1 "$goroot/VERSION" 2>/dev/null || true)
[[ $version == go* ]] || version=$(env -u GOROOT "$goroot/bin/go" env GOVERSION)
goos=$(env -u GOROOT "$goroot/bin/go" env GOHOSTOS)
goarch=$(env -u GOROOT "$goroot/bin/go" env GOHOSTARCH)
file=$version.$goos-$goarch.tar.gz

mirror_init "$dest"
stage=$MIRROR_TMP/stage
mirror_copy_tree "$goroot" "$stage/go"
[ -d "$stage/go/src/runtime" ] || mirror_die "$goroot has no src/runtime"

MIRROR_GZIP_LEVEL=${MIRROR_GZIP_LEVEL:-1} mirror_tgz "$MIRROR_OUT/$file" "$stage" go
rm -rf "$stage"
sha=$(sha256sum "$MIRROR_OUT/$file" | cut -d' ' -f1)
size=$(stat -c %s "$MIRROR_OUT/$file")
printf '%s' "$sha" >"$MIRROR_OUT/$file.sha256"
cat >"$MIRROR_OUT/index.json" <<EOF
[
 {
  "version": "$version",
  "stable": true,
  "files": [
   {
    "filename": "$file",
    "os": "$goos",
    "arch": "$goarch",
    "version": "$version",
    "sha256": "$sha",
    "size": $size,
    "kind": "archive"
   }
  ]
 }
]
EOF

# --- verify the toolchain works relocated -----------------------------------
check=$MIRROR_TMP/check
mkdir -p "$check/home" "$check/hello"
tar -xzf "$MIRROR_OUT/$file" -C "$check"
gorun() {
	env -i PATH="$check/go/bin:/usr/bin:/bin" HOME="$check/home" \
		GOCACHE="$check/cache" GOPATH="$check/gopath" GOTOOLCHAIN=local \
		GOFLAGS=-mod=mod GOPROXY=off GO111MODULE=on CGO_ENABLED=0 "$@"
}
got=$(gorun "$check/go/bin/go" version)
[[ $got == "go version $version $goos/$goarch" ]] ||
	mirror_die "extracted go printed '$got', expected $version"
got=$(gorun "$check/go/bin/go" env GOROOT)
[ "$(readlink -f -- "$got")" = "$(readlink -f -- "$check/go")" ] ||
	mirror_die "extracted go uses GOROOT $got, not the extracted $check/go"
cat >"$check/hello/go.mod" <<EOF
module example.com/hello

go ${version#go}
EOF
sed -i -E 's/^go ([0-9]+\.[0-9]+).*/go \1/' "$check/hello/go.mod"
cat >"$check/hello/main.go" <<'EOF'
package main

import "fmt"

func main() { fmt.Println("hello from the mirrored go") }
EOF
(cd "$check/hello" && gorun "$check/go/bin/go" build -o hello .) ||
	mirror_die "the extracted toolchain cannot build hello-world"
[ "$("$check/hello/hello")" = "hello from the mirrored go" ] ||
	mirror_die "hello-world built by the extracted toolchain printed the wrong thing"
chmod -R u+w "$check" # the module cache is read-only
rm -rf "$check"

mirror_publish "$dest"
echo "go mirror: $dest: $file ($(mirror_human "$dest/$file"), sha256 ${sha:0:12}…)," \
	"$(mirror_gzip_cmd "${MIRROR_GZIP_LEVEL:-1}"), verified relocated build, $((SECONDS - start))s"
