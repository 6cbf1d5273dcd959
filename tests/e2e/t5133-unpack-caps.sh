#!/usr/bin/env bash
# Unpack caps (issue 13, item 3): every command that reads an archive refuses one
# that expands past --max-unpacked (default 4 GiB) or has more than --max-entries
# (default 1,000,000) entries, at the header that crosses the cap, before writing
# it, naming the entry and the cap; and compile never writes a slug that run would
# refuse. The bombs are cheap: sparse files and hand-made headers, never gigabytes
# on disk.
. "$(dirname "$0")/test-lib.sh"

# A slug whose one file is 20 GiB of holes: GNU tar stores it sparse, in a few KB.
mkdir -p sp/app && echo "web: x" >sp/app/Procfile && truncate -s 20G sp/app/big &&
	tar --sparse --owner=0 --group=0 -czf sparse.tgz -C sp ./app || exit 99
# A header that announces 20 GiB, followed by 1 KB of data: libarchive would read
# the data first if the cap were only counted while writing.
python3 - <<'EOF' || exit 99
import gzip, tarfile
ti = tarfile.TarInfo("./app/big"); ti.size = 20 << 30; ti.mode = 0o644
d = tarfile.TarInfo("./app/"); d.type = tarfile.DIRTYPE; d.mode = 0o755
with open("header.tgz", "wb") as f:
    f.write(gzip.compress(d.tobuf(tarfile.GNU_FORMAT) + ti.tobuf(tarfile.GNU_FORMAT) + bytes(1024)))
EOF

test_expect_success 'setup: a manifest and its source for verify; a slug of 20 entries' '
	slugc compile "$STATIC" -o static.tgz -q &&
	mkdir -p many && echo "web: x" >many/Procfile &&
	for i in $(seq -w 1 18); do echo "$i" >many/f$i; done &&
	slugc compile many -o many.tgz -q && equal "$(tar tzf many.tgz | wc -l)" 20
'

# refused3 SLUG MESSAGE [OPTIONS]: inspect, run and verify all refuse SLUG with the
# same single line, which contains MESSAGE; run leaves nothing behind.
refused3() {
	local slug=$1 msg=$2
	shift 2
	expect_error 1 "$msg" slugc inspect "$slug" "$@" && equal "$(wc -l <err)" 1 &&
	sed "s/^slugc inspect: //" err >want &&
	expect_error 1 "$msg" slugc run "$slug" "$@" -- true && equal "$(wc -l <err)" 1 &&
	equal "$(sed "s/^slugc run: //" err)" "$(cat want)" &&
	expect_error 1 "$msg" slugc verify "$slug" --manifest static.json "$STATIC" "$@" &&
	equal "$(wc -l <err)" 1 && equal "$(sed "s/^slugc verify: //" err)" "$(cat want)" &&
	tmpdir_clean
}

test_expect_success 'a sparse 20 GiB file: refused by inspect, run and verify at its header' '
	test "$(size_of sparse.tgz)" -lt 100000 &&
	refused3 sparse.tgz "'"'"'sparse.tgz'"'"' expands to more than 4.0 GB (at entry '"'"'./app/big'"'"'); refusing it before unpacking more (--max-unpacked raises the cap)"
'

test_expect_success 'a header announcing 20 GiB is refused before its data is read' '
	refused3 header.tgz "'"'"'header.tgz'"'"' expands to more than 4.0 GB (at entry '"'"'./app/big'"'"')"
'

test_expect_success '--max-unpacked raises the cap (inspect only: run would write 20 GiB)' '
	expect_exit 0 slugc inspect sparse.tgz --max-unpacked 21G &&
	contains out "files      2 " && contains out "20.0 GB uncompressed"
'

test_expect_success '--max-unpacked lowers it: a slug over 50 bytes' '
	refused3 many.tgz "'"'"'many.tgz'"'"' expands to more than 50 B (at entry '"'"'./app/f15'"'"')" --max-unpacked 50
'

test_expect_success '--max-entries: the entry past the cap is named' '
	refused3 many.tgz "'"'"'many.tgz'"'"' has more than 10 entries (at entry '"'"'./app/f09'"'"'); refusing it before unpacking more (--max-entries raises the cap)" --max-entries 10 &&
	expect_exit 0 slugc inspect many.tgz --max-entries 20 &&
	expect_exit 0 slugc run many.tgz --max-entries 20 -- true && tmpdir_clean
'

test_expect_success 'compile records what the slug unpacks to, and inspect agrees' '
	expect_exit 0 slugc compile many -o m2.tgz --json &&
	equal "$(json m2.json "d[\"slugc\"][\"entries\"]")" 20 &&
	equal "$(json m2.json "d[\"slugc\"][\"unpacked_size\"]")" $((18 * 3 + 7)) &&
	expect_exit 0 slugc inspect m2.tgz --json &&
	equal "$(json out "d[\"entries\"]")" 20 && equal "$(json out "d[\"content_bytes\"]")" $((18 * 3 + 7))
'

test_expect_success 'compile never writes a slug run would refuse: a 6 GiB sparse file under --max-size 100' '
	mkdir six && echo "web: x" >six/Procfile && truncate -s 6G six/sparse &&
	expect_error 1 "the slug would unpack to more than 4.0 GB (at '"'"'./app/sparse'"'"'), which slugc run and inspect refuse; --max-unpacked raises the cap" \
		slugc compile six --max-size 100 -o six.tgz &&
	equal "$(wc -l <err)" 1 && test ! -e six.tgz && test ! -e six.json &&
	no_temp_files . && tmpdir_clean
'

test_expect_success 'compile --max-entries and --max-unpacked refuse before packing the entry' '
	expect_error 1 "the slug would unpack to more than 5 entries (at '"'"'./app/f04'"'"')" \
		slugc compile many --max-entries 5 -o x.tgz &&
	expect_error 1 "the slug would unpack to more than 20 B (at '"'"'./app/f05'"'"')" \
		slugc compile many --max-unpacked 20 -o x.tgz &&
	test ! -e x.tgz && no_temp_files . && tmpdir_clean
'

test_expect_success 'a source tarball with a sparse 20 GiB file is refused at its header' '
	mkdir -p src && echo "web: x" >src/Procfile && truncate -s 20G src/big &&
	tar --sparse -czf src.tgz -C src . && rm -rf src &&
	expect_error 1 "src.tgz'"'"' expands to more than 4.0 GB (at entry '"'"'./big'"'"')" \
		slugc compile src.tgz -o x.tgz &&
	test ! -e x.tgz && tmpdir_clean
'

test_expect_success 'one spelling of the caps in every command'"'"'s --help; bad values are usage errors' '
	for cmd in compile deploy run inspect verify; do
		expect_exit 0 slugc $cmd --help && contains out "--max-unpacked SIZE" &&
		contains out "--max-entries N" || return 1
	done &&
	expect_error 2 "--max-unpacked expects a size like 4G" slugc inspect many.tgz --max-unpacked 4X &&
	expect_error 2 "--max-unpacked must be at least 1 byte" slugc run many.tgz --max-unpacked 0 -- true &&
	expect_error 2 "--max-entries must be between 1 and" slugc compile many --max-entries 0
'

test_done
