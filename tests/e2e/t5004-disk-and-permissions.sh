#!/usr/bin/env bash
# A full disk and unwritable directories: one clear line naming the path,
# exit 1, no partial slug, manifest or temporary file, an existing slug left
# byte for byte, the build directory removed, no partial download trusted
# later; the same command succeeds once there is room. Full disks are small
# tmpfs mounts in a private mount namespace (root only: the script re-runs
# itself under `unshare -m`); without root those cases are skipped.

# Before test-lib.sh, so that its scratch directory is made (and removed) inside the namespace.
if [ "$(id -u)" = 0 ] && [ -z "${T5004_PRIVATE_MOUNTS:-}" ] && unshare -m true 2>/dev/null; then
	T5004_PRIVATE_MOUNTS=1 exec unshare -m bash "$0" "$@"
fi
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 99

# Every mount under $TRASH goes before $TRASH is removed, whichever test made it.
test_cleanup 'awk -v t="$TRASH/" "index(\$2, t) == 1 { print \$2 }" /proc/self/mounts | sort -r | xargs -r -n1 umount -l'

# small_disk DIR SIZE: a tmpfs of SIZE at DIR.
small_disk() {
	mkdir -p "$1" && mount -t tmpfs -o "size=$2" tmpfs "$1"
}

# read_only DIR: DIR becomes a read-only view of itself.
read_only() {
	mkdir -p "$1" && mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"
}

MOUNTS=
if [ -n "${T5004_PRIVATE_MOUNTS:-}" ] && small_disk "$TRASH/probe" 1m; then
	MOUNTS=1
fi

# test_with_mounts TITLE BODY: a test that needs private mounts; skipped without them.
test_with_mounts() {
	if [ -n "$MOUNTS" ]; then
		test_expect_success "$@"
	else
		test_skip "$1" "needs root for a private tmpfs"
	fi
}

# An app whose slug (8 MB of random bytes) cannot fit in 2 MB.
mkdir big && echo "web: x" >big/Procfile && head -c 8000000 /dev/urandom >big/random.bin

test_with_mounts 'ENOSPC while packing: one line naming the slug, nothing left in the output directory' '
	small_disk full 2m &&
	expect_error 1 "cannot write '"'"'full/s.tgz'"'"': No space left on device" slugc compile big -o full/s.tgz &&
	contains out "Compressing..." &&
	test -z "$(ls -A full)" && tmpdir_clean
'

test_with_mounts 'ENOSPC while packing keeps an existing slug and manifest byte for byte' '
	small_disk keep 2m &&
	slugc compile "$STATIC" -o keep/s.tgz -q &&
	old=$(sha keep/s.tgz) && old_manifest=$(sha keep/s.json) &&
	expect_error 1 "cannot write '"'"'keep/s.tgz'"'"': No space left on device" slugc compile big -o keep/s.tgz &&
	equal "$(ls -A keep | tr "\n" " ")" "s.json s.tgz " &&
	equal "$(sha keep/s.tgz)" "$old" && equal "$(sha keep/s.json)" "$old_manifest" && tmpdir_clean
'

test_with_mounts 'with room, the same command succeeds' '
	mount -o remount,size=64m keep &&
	expect_exit 0 slugc compile big -o keep/s.tgz &&
	equal "$(tar xzf keep/s.tgz ./app/random.bin -O | sha256sum | cut -d" " -f1)" "$(sha big/random.bin)" &&
	equal "$(json keep/s.json "d[\"checksum\"]")" "SHA256:$(sha keep/s.tgz)" &&
	no_temp_files keep && tmpdir_clean
'

test_with_mounts 'ENOSPC copying the source into TMPDIR (.slugignore forces a copy): clear error, TMPDIR clean' '
	small_disk smalltmp 2m && mkdir tout &&
	cp -r big ignoring && echo "*.log" >ignoring/.slugignore &&
	TMPDIR=$TRASH/smalltmp expect_error 1 "cannot copy the source into '"'"'$TRASH/smalltmp/slugc-build-" \
		slugc compile ignoring -o tout/s.tgz &&
	contains err "/app'"'"': cannot" && contains err "'"'"'random.bin'"'"': No space left on device" &&
	test -z "$(ls -A smalltmp)" && test -z "$(ls -A tout)"
'

test_with_mounts 'ENOSPC unpacking a tarball source into TMPDIR: clear error, TMPDIR clean' '
	tar czf big.tar.gz -C big . &&
	TMPDIR=$TRASH/smalltmp expect_error 1 "cannot write '"'"'random.bin'"'"' in '"'"'$TRASH/smalltmp/slugc-build-" \
		slugc compile big.tar.gz -o tout/s.tgz &&
	contains err "/src'"'"': No space left on device" &&
	test -z "$(ls -A smalltmp)" && test -z "$(ls -A tout)"
'

test_with_mounts 'ENOSPC in the cache while downloading a runtime: one line naming the partial download' '
	small_disk smallcache 4m &&
	expect_error 1 "cannot write '"'"'$TRASH/smallcache/tmp/" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/smallcache" -o node.tgz &&
	contains err ".part'"'"': No space left on device" &&
	test ! -e node.tgz && test ! -e node.json && tmpdir_clean &&
	test -z "$(ls -A smallcache/blobs/sha256 2>/dev/null)" && test ! -e smallcache/tofu
'

test_with_mounts 'with room, the next run resumes the partial download and verifies it' '
	part=$(ls smallcache/tmp/*.part) && have=$(size_of "$part") && test "$have" -gt 0 &&
	cmp -n "$have" "$part" "$NODE_MIRROR$NODE_TARBALL" &&
	mount -o remount,size=256m smallcache && : >"$MIRROR_LOG" &&
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/smallcache" -o node.tgz &&
	contains "$MIRROR_LOG" "GET $NODE_TARBALL 206 $(($(size_of "$NODE_MIRROR$NODE_TARBALL") - have)) bytes=$have-" &&
	contains out "Verified sha256 $NODE_TARBALL_SHA" &&
	equal "$(ls smallcache/blobs/sha256 | grep -v "\.json$")" "$NODE_TARBALL_SHA" &&
	equal "$(sha "smallcache/blobs/sha256/$NODE_TARBALL_SHA")" "$NODE_TARBALL_SHA" &&
	test ! -e "$part" && tmpdir_clean
'

test_expect_success 'a partial download that went bad is not trusted: deleted, then fetched again' '
	mkdir -p badcache/tmp &&
	key=$(printf %s "$MIRROR_URL$NODE_TARBALL" | sha256sum | cut -d" " -f1) &&
	head -c 1000000 "$NODE_MIRROR$NODE_TARBALL" >"badcache/tmp/$key.part" &&
	python3 -c "import sys; f=open(sys.argv[1], \"r+b\"); f.seek(500000); b=f.read(1); f.seek(500000); f.write(bytes([b[0] ^ 255]))" "badcache/tmp/$key.part" &&
	expect_error 1 "but $MIRROR_URL/v20.20.2/SHASUMS256.txt says $NODE_TARBALL_SHA; deleted it" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/badcache" -o bad.tgz &&
	test ! -e "badcache/tmp/$key.part" && test -z "$(ls -A badcache/blobs/sha256 2>/dev/null)" &&
	test ! -e bad.tgz && tmpdir_clean &&
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/badcache" -o bad.tgz &&
	equal "$(sha "badcache/blobs/sha256/$NODE_TARBALL_SHA")" "$NODE_TARBALL_SHA"
'

test_with_mounts 'a read-only cache directory: one line naming it and what to do' '
	read_only rocache &&
	expect_error 1 "cache directory '"'"'$TRASH/rocache'"'"' is not writable (choose another with --cache-dir or SLUGC_CACHE_DIR): Read-only file system" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/rocache" -o ro.tgz &&
	SLUGC_CACHE_DIR=$TRASH/rocache expect_error 1 "cache directory '"'"'$TRASH/rocache'"'"' is not writable" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" -o ro.tgz &&
	test -z "$(ls -A rocache)" && test ! -e ro.tgz && tmpdir_clean
'

test_unprivileged 'an unwritable cache directory' '
	mkdir permcache && chmod 555 permcache &&
	expect_error 1 "cache directory '"'"'$TRASH/permcache'"'"' is not writable (choose another with --cache-dir or SLUGC_CACHE_DIR): Permission denied" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/permcache" -o perm.tgz &&
	test ! -e perm.tgz && tmpdir_clean
'

test_expect_success 'a cache path under a regular file: one line naming it and what to do' '
	echo x >afile &&
	expect_error 1 "cache directory: cannot create directory '"'"'$TRASH/afile/cache'"'"': Not a directory (choose another with --cache-dir or SLUGC_CACHE_DIR)" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$TRASH/afile/cache" -o c.tgz &&
	SLUGC_CACHE_DIR=$TRASH/afile expect_error 1 "cache directory: '"'"'$TRASH/afile'"'"' exists and is not a directory (choose another with --cache-dir or SLUGC_CACHE_DIR)" \
		slugc compile "$EXAMPLES/node-hello" --mirror "$M" -o c.tgz &&
	test ! -e c.tgz && tmpdir_clean
'

test_with_mounts 'a read-only TMPDIR: one line naming it' '
	read_only rotmp && mkdir rout &&
	TMPDIR=$TRASH/rotmp expect_error 1 "cannot create a temporary directory in '"'"'$TRASH/rotmp'"'"' (set TMPDIR): Read-only file system" \
		slugc compile "$STATIC" -o rout/s.tgz &&
	test -z "$(ls -A rout)"
'

test_unprivileged 'an unwritable TMPDIR' '
	mkdir permtmp && chmod 555 permtmp && mkdir pout &&
	TMPDIR=$TRASH/permtmp expect_error 1 "cannot create a temporary directory in '"'"'$TRASH/permtmp'"'"' (set TMPDIR): Permission denied" \
		slugc compile "$STATIC" -o pout/s.tgz &&
	test -z "$(ls -A pout)"
'

test_done
