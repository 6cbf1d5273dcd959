#!/usr/bin/env bash
# The same tree gives the same bytes, whatever the path, times, umask,
# readdir order, thread count, locale or TMPDIR (issue 2 acceptance 2).
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'two copies with different times and umasks give one sha256' '
	(umask 022 && mkdir -p one/deep/path && cp -r "$STATIC/." one/deep/path/) &&
	(umask 077 && mkdir two && cp -r "$STATIC/." two/) &&
	chmod -R go-rwx two &&
	find one -exec touch -h -d "2001-02-03 04:05:06" {} + &&
	find two -exec touch -h -d "2024-06-07 08:09:10" {} + &&
	(umask 022 && slugc compile one/deep/path -o a.tgz -q) &&
	(umask 077 && slugc compile two -o b.tgz -q) &&
	equal "$(sha a.tgz)" "$(sha b.tgz)"
'

test_expect_success 'readdir order does not matter' '
	mkdir fwd rev &&
	for f in a b c d e f g h i j; do echo $f >fwd/$f; done &&
	for f in j i h g f e d c b a; do echo $f >rev/$f; done &&
	echo "web: x" >fwd/Procfile && echo "web: x" >rev/Procfile &&
	slugc compile fwd -o fwd.tgz -q && slugc compile rev -o rev.tgz -q &&
	equal "$(sha fwd.tgz)" "$(sha rev.tgz)"
'

test_expect_success 'thread count, locale and TMPDIR do not matter' '
	cp -r two three &&
	dd if=/dev/urandom of=three/blob bs=1M count=5 status=none &&
	base64 three/blob >three/blob.txt &&
	slugc compile three -o j1.tgz -q --jobs 1 &&
	slugc compile three -o j2.tgz -q --jobs 2 &&
	SLUGC_THREADS=8 slugc compile three -o j8.tgz -q &&
	LC_ALL=C LANG=C slugc compile three -o c.tgz -q &&
	mkdir othertmp && TMPDIR=$TRASH/othertmp slugc compile three -o t.tgz -q &&
	equal "$(sha j1.tgz)" "$(sha j2.tgz)" &&
	equal "$(sha j1.tgz)" "$(sha j8.tgz)" &&
	equal "$(sha j1.tgz)" "$(sha c.tgz)" &&
	equal "$(sha j1.tgz)" "$(sha t.tgz)"
'

test_expect_success 'SOURCE_DATE_EPOCH: equal to each other, different only in mtimes' '
	SOURCE_DATE_EPOCH=1700000000 slugc compile one/deep/path -o e1.tgz -q &&
	SOURCE_DATE_EPOCH=1700000000 slugc compile two -o e2.tgz -q &&
	equal "$(sha e1.tgz)" "$(sha e2.tgz)" &&
	slugc compile two -o unset.tgz -q &&
	test "$(sha e1.tgz)" != "$(sha unset.tgz)" &&
	slugtool same-but-mtime e2.tgz unset.tgz &&
	slugtool list e2.tgz | awk "{print \$7}" | sort -u >mtimes && equal "$(cat mtimes)" 1700000000 &&
	equal "$(json e2.json "d[\"slugc\"][\"source_date_epoch\"]")" 1700000000
'

test_expect_success 'without SOURCE_DATE_EPOCH every mtime is 1980-01-01' '
	slugtool list unset.tgz | awk "{print \$7}" | sort -u >mtimes &&
	equal "$(cat mtimes)" 315532800
'

test_expect_success 'a malformed SOURCE_DATE_EPOCH is refused' '
	SOURCE_DATE_EPOCH=yesterday expect_error 1 "SOURCE_DATE_EPOCH='"'"'yesterday'"'"' is not a number" \
		slugc compile two -o bad.tgz &&
	test ! -e bad.tgz &&
	SOURCE_DATE_EPOCH=-5 expect_error 1 "is not a number" slugc compile two -o bad.tgz
'

test_done
