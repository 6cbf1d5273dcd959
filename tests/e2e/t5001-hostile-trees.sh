#!/usr/bin/env bash
# Hostile source trees (issue 8): a link to /etc/passwd from a directory and
# from a commit, ".git" hidden in a tarball's subdirectory, names with a
# newline or invalid UTF-8, over-long paths, 100,000 files, a 4 GiB sparse
# file and a 10 MB Procfile. Each is refused with one line naming the entry,
# or packed byte-exact in bounded memory; a refusal leaves nothing behind.
#
# Covered elsewhere: t1004-errors.sh (links climbing out with ../.., loops,
# FIFOs, sockets), t1008-layout.sh (long paths and odd names in a directory,
# no .git), t1105-tarball.sh (source tarballs with ../, absolute paths, a
# symlink then a file, a hard link out, a device, a gzip bomb); unit tests
# tests/unit/compiler/tree_writer.c, pack.c and procfile.c.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

# measured KB SECONDS CMD...: run CMD (output in ./out, ./err); its peak RSS in
# KB and wall time in seconds go to the files KB and SECONDS.
measured() {
	local kb=$1 secs=$2 start status=0
	shift 2
	start=$(date +%s.%N)
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f %M -o "$kb" "$@" >out 2>err || status=$?
	else
		python3 -c 'import resource, subprocess, sys
r = subprocess.call(sys.argv[2:], stdout=open("out", "w"), stderr=open("err", "w"))
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r)' "$kb" "$@" || status=$?
	fi
	awk "BEGIN { printf \"%.1f\\n\", $(date +%s.%N) - $start }" >"$secs"
	if [ $status != 0 ]; then
		echo "exit $status from: $*"; cat out err
		return 1
	fi
}

# below_rss_limit FILE MB: the peak RSS recorded in FILE is under MB. The
# limits are generous (2.5 to 10 times what packing needs): guards against
# holding the tree or a file in memory, not benchmarks. Under ASan the peak is
# mostly its quarantine of freed blocks (400+ MB for 100,000 files), so the
# bound is checked in the normal build only.
below_rss_limit() {
	local kb limit=$(($2 * 1024))
	kb=$(tail -n 1 "$1")
	if grep -qa __asan_init "$SLUGC"; then
		echo "# (ASan build: peak RSS ${kb} KB, not checked)"
		return 0
	fi
	if [ "$kb" -ge "$limit" ]; then
		echo "peak RSS ${kb} KB, limit ${limit} KB"
		return 1
	fi
}

# --- links to /etc/passwd ---------------------------------------------------

test_expect_success 'a link to /etc/passwd in a directory is named, packed in place or copied' '
	mkdir -p pw/lib && echo "web: x" >pw/Procfile && ln -s /etc/passwd pw/lib/passwd &&
	compile_refused "symlink '"'"'lib/passwd'"'"' points outside the app ('"'"'/etc/passwd'"'"')" pw &&
	echo "*.log" >pw/.slugignore &&
	compile_refused "symlink '"'"'lib/passwd'"'"' points outside the app ('"'"'/etc/passwd'"'"')" pw &&
	contains out "Copying source from pw"
'

test_expect_success 'a committed link to /etc/passwd: work tree, bare repository and --worktree' '
	git_fixed init -q gpw && echo "web: x" >gpw/Procfile && ln -s /etc/passwd gpw/passwd &&
	git_fixed -C gpw add . && (cd gpw && commit_at "2024-06-01T00:00:00Z" -m "link out") &&
	git_fixed clone -q --bare gpw gpw.git &&
	compile_refused "symlink '"'"'passwd'"'"' points outside the app ('"'"'/etc/passwd'"'"')" gpw &&
	compile_refused "symlink '"'"'passwd'"'"' points outside the app ('"'"'/etc/passwd'"'"')" gpw.git &&
	compile_refused "symlink '"'"'passwd'"'"' points outside the app ('"'"'/etc/passwd'"'"')" gpw --worktree
'

# --- .git inside a tarball --------------------------------------------------

# Like `tar czf` of a checkout holding a nested one: .git and sub/.git, the
# latter with a hook that would leave a mark if anything ran it.
test_expect_success 'a .git in a tarball source is dropped at any depth, nothing runs' '
	python3 - "$TRASH" <<-\EOF &&
	import io, sys, tarfile
	trash = sys.argv[1]
	def add(t, name, data, mode=0o644):
	    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = mode
	    t.addfile(ti, io.BytesIO(data))
	for out, git in (("dotgit.tgz", ".git"), ("dotGIT.tgz", ".GIT")):
	    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
	        add(t, "repo/Procfile", b"web: x\n")
	        add(t, "repo/sub/index.js", b"1\n")
	        add(t, "repo/sub/Procfile", b"web: node index.js\n")
	        add(t, "repo/%s/HEAD" % git, b"ref: refs/heads/main\n")
	        add(t, "repo/sub/%s/config" % git, b"[core]\n\thooksPath = hooks\n")
	        add(t, "repo/sub/%s/hooks/post-checkout" % git,
	            ("#!/bin/sh\ntouch %s/hook-ran\n" % trash).encode(), 0o755)
	EOF
	for src in dotgit.tgz dotGIT.tgz; do
		expect_exit 0 slugc compile $src -o s.tgz &&
		slugtool names s.tgz >list &&
		contains list "./app/sub/index.js" &&
		! grep -i "\.git" list || exit 1
	done &&
	expect_exit 0 slugc compile dotgit.tgz --app-dir sub -o sub.tgz &&
	slugtool names sub.tgz >list &&
	contains list "./app/index.js" && ! grep -i "\.git" list &&
	tmpdir_clean &&
	test ! -e hook-ran
'

# --- names that are not plain text ------------------------------------------

NL='
'
BAD=$(printf "bad\377\376")

test_expect_success 'names with a newline or invalid UTF-8 are packed byte-exact, in place or copied' '
	mkdir -p "odd/dir${NL}x" && echo "web: x" >odd/Procfile &&
	echo 1 >"odd/new${NL}line" && echo 2 >"odd/$BAD" && echo 3 >"odd/dir${NL}x/$BAD.txt" &&
	ln -s "new${NL}line" "odd/link${NL}to" &&
	slugc compile odd -o odd.tgz -q &&
	echo "*.log" >odd/.slugignore && slugc compile odd -o odd-copied.tgz -q &&
	for s in odd.tgz odd-copied.tgz; do
		python3 - "$s" <<-\EOF || exit 1
		import sys, tarfile
		with tarfile.open(sys.argv[1], "r:gz", encoding="utf-8", errors="surrogateescape") as t:
		    got = {m.name.encode("utf-8", "surrogateescape"): m for m in t}
		want = [b"./app/new\nline", b"./app/bad\xff\xfe", b"./app/dir\nx/bad\xff\xfe.txt"]
		for name in want:
		    assert name in got and got[name].isreg(), (name, sorted(got))
		link = got[b"./app/link\nto"]
		assert link.issym() and link.linkname == "new\nline", link.linkname
		assert got[b"./app/dir\nx"].isdir()
		EOF
		slugtool check-layout "$s" || exit 1
	done
'

test_expect_success 'such names are quoted in errors and traces: one line each' '
	mkdir -p nlbad && echo "web: x" >nlbad/Procfile && ln -s /etc/passwd "nlbad/evil${NL}link" &&
	compile_refused "symlink '"'"'evil\\nlink'"'"' points outside the app" nlbad &&
	rm "nlbad/evil${NL}link" && ln -s /etc/passwd "nlbad/$BAD" &&
	compile_refused "symlink '"'"'bad\\xff\\xfe'"'"' points outside the app" nlbad &&
	rm "nlbad/$BAD" && echo junk >"nlbad/x${NL}y.junk" && echo "*.junk" >nlbad/.slugignore &&
	slugc compile nlbad -o nl.tgz -v >out 2>&1 &&
	contains out "slugignore: removing x\\ny.junk" &&
	slugtool names nl.tgz >names && not_contains names "junk"
'

# --- long paths -------------------------------------------------------------

LONG100=$(printf "p%.0s" $(seq 1 150))

test_expect_success 'a tarball path over 100 bytes survives (pax); a 256-byte component is refused' '
	python3 - "$LONG100" <<-\EOF &&
	import io, sys, tarfile
	def add(t, name, data):
	    ti = tarfile.TarInfo(name); ti.size = len(data); ti.mode = 0o644
	    t.addfile(ti, io.BytesIO(data))
	with tarfile.open("long.tgz", "w:gz", format=tarfile.PAX_FORMAT) as t:
	    add(t, "Procfile", b"web: x\n")
	    add(t, "a/%s/%s.txt" % (sys.argv[1], sys.argv[1]), b"deep\n")
	with tarfile.open("toolong.tgz", "w:gz", format=tarfile.PAX_FORMAT) as t:
	    add(t, "Procfile", b"web: x\n")
	    add(t, "a/" + "n" * 256 + "/f", b"x\n")
	EOF
	slugc compile long.tgz -o long-slug.tgz -q &&
	slugtool names long-slug.tgz >names &&
	contains names "./app/a/$LONG100/$LONG100.txt" &&
	compile_refused "entry '"'"'a/nnnnnnnnnn" toolong.tgz &&
	contains err "has a path component longer than 255 bytes" &&
	not_contains err "File name too long" &&
	test ! -e "$TRASH/a"
'

# --- size: many files, a huge file, a huge Procfile -------------------------

test_expect_success '100,000 empty files: packed, every one listed, in bounded memory' '
	mkdir -p many/files && echo "web: x" >many/Procfile &&
	(cd many/files && python3 -c "
for i in range(100000):
    open(\"e%06d\" % i, \"w\").close()") &&
	measured many.kb many.s "$SLUGC" compile many -o many.tgz -q &&
	equal "$(python3 -c "
import sys, tarfile
with tarfile.open(sys.argv[1], \"r:gz\") as t:
    print(sum(1 for m in t if m.name.startswith(\"./app/files/e\") and m.isreg()))" many.tgz)" 100000 &&
	below_rss_limit many.kb 100
'
[ -f "$TRASH/many.kb" ] && echo "# 100,000 files: $(cat "$TRASH/many.s") s, peak RSS $(tail -n 1 "$TRASH/many.kb") KB"
rm -rf "$TRASH/many"

test_expect_success 'a 4 GiB sparse file is streamed: exact size, bounded memory' '
	mkdir big && echo "web: x" >big/Procfile && truncate -s 4G big/sparse &&
	measured big.kb big.s "$SLUGC" compile big -o big.tgz -q --max-unpacked 5G &&
	below_rss_limit big.kb 200 &&
	python3 - big.tgz <<-\EOF &&
	import sys, tarfile
	# The file is the last entry: stop at its header instead of inflating 4 GiB.
	with tarfile.open(sys.argv[1], "r:gz") as t:
	    for m in t:
	        if m.name == "./app/sparse":
	            assert m.isreg() and m.size == 4294967296, m.size
	            break
	    else:
	        raise SystemExit("no ./app/sparse in the slug")
	EOF
	# deflate cannot do better than about 1032:1, so 4 GiB of zeros were really written.
	test "$(size_of big.tgz)" -gt 4000000
'
[ -f "$TRASH/big.kb" ] && echo "# 4 GiB sparse file: $(cat "$TRASH/big.s") s, peak RSS $(tail -n 1 "$TRASH/big.kb") KB"
rm -rf "$TRASH/big" "$TRASH/big.tgz"

test_expect_success 'a 10 MB Procfile is refused, naming it and the limit' '
	mkdir hugeproc && {
		echo "web: node web.js" &&
		python3 -c "import sys; sys.stdout.write(\"# padding padding padding padding\\n\" * 300000)"
	} >hugeproc/Procfile &&
	test "$(size_of hugeproc/Procfile)" -gt 10000000 &&
	compile_refused "Procfile'"'"' is larger than 1.0 MB; refusing to read it" hugeproc
'

test_done
