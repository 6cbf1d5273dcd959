#!/usr/bin/env bash
# Other tools read slugs: GNU tar, Python's tarfile, gzip (issue 2 acceptance 3).
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'set up an app with some depth' '
	cp -r "$STATIC" app &&
	mkdir -p app/lib/util app/bin app/public/img &&
	echo "module.exports = 1" >app/lib/util/index.js &&
	printf "#!/bin/sh\necho hi\n" >app/bin/hello && chmod 755 app/bin/hello &&
	head -c 300000 /dev/urandom >app/public/img/logo.png &&
	ln -s lib/util app/util &&
	slugc compile app -o s.tgz -q
'

test_expect_success 'gzip -t accepts the multi-member stream' '
	gzip -t s.tgz &&
	gzip -dc s.tgz | tar tf - >/dev/null
'

test_expect_success 'GNU tar extracts it; the tree equals the source' '
	mkdir gnu && tar xzf s.tgz -C gnu &&
	diff -r --no-dereference app gnu/app &&
	test -x gnu/app/bin/hello &&
	equal "$(readlink gnu/app/util)" "lib/util"
'

test_expect_success 'Python tarfile extracts it; the tree equals the source' '
	slugtool extract s.tgz py &&
	diff -r --no-dereference app py/app
'

test_expect_success 'no entry has uid or gid other than 0, and names are empty' '
	slugtool list s.tgz >list &&
	awk "\$3 != 0 || \$4 != 0 || \$5 != \"'"''"'\" || \$6 != \"'"''"'\" { print; bad=1 } END { exit bad }" list &&
	tar tvzf s.tgz --numeric-owner | awk "{ if (\$2 != \"0/0\") { print; bad=1 } } END { exit bad }"
'

test_expect_success 'the layout follows DESIGN.md' '
	slugtool check-layout s.tgz
'

test_done
