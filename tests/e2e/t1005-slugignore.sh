#!/usr/bin/env bash
# .slugignore is applied before the build, with Heroku's (gitignore-like) rules.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'set up an app with things to ignore' '
	mkdir -p app/design app/test/fixtures app/lib/test app/docs/api app/tmp &&
	echo "web: node web.js" >app/Procfile &&
	echo "x" >app/web.js &&
	echo psd >app/design/logo.psd && echo psd >app/logo.psd &&
	echo t >app/test/a_test.js && echo f >app/test/fixtures/big.json &&
	echo nested >app/lib/test/keep.js &&
	echo pdf >app/docs/manual.pdf && echo api >app/docs/api/ref.pdf &&
	echo log >app/tmp/dev.log && echo keep >app/tmp.txt &&
	mkdir -p app/sub/.git && echo x >app/sub/.git/HEAD && echo "gitdir: x" >app/.git &&
	cat >app/.slugignore <<-\EOS
	# Heroku-style patterns
	*.psd
	/test
	docs/*.pdf
	tmp/
	!logo.psd
	EOS
	expect_exit 0 slugc compile app -o s.tgz &&
	slugtool names s.tgz >names
'

test_expect_success 'matching files are gone, at any depth for slash-less patterns' '
	not_contains names "logo.psd"
'

test_expect_success 'anchored patterns match only at the root' '
	not_contains names "./app/test/" &&
	contains names "./app/lib/test/keep.js"
'

test_expect_success 'a pattern with an inner slash is anchored, star stays in one directory' '
	not_contains names "./app/docs/manual.pdf" &&
	contains names "./app/docs/api/ref.pdf"
'

test_expect_success 'a trailing slash matches directories only' '
	not_contains names "./app/tmp/" &&
	contains names "./app/tmp.txt"
'

test_expect_success 'negation is reported as unsupported and skipped' '
	contains err ".slugignore line 6" &&
	contains err "negation is not supported"
'

test_expect_success '.git never enters the slug, at any depth' '
	not_contains names ".git"
'

test_expect_success 'the output says what happened' '
	contains out "Applying .slugignore (4 patterns)" &&
	contains out "Removed 5 paths"
'

test_expect_success 'the source tree still has everything' '
	test -f app/logo.psd && test -d app/test && test -f app/docs/manual.pdf && test -d app/tmp
'

test_expect_success 'an app with nothing to build and no .slugignore is packed from the source' '
	expect_exit 0 slugc compile app -o s2.tgz &&
	contains out "Copying source" &&
	mkdir plain && cp -r app/. plain/ && rm plain/.slugignore &&
	expect_exit 0 slugc compile plain -o plain.tgz &&
	not_contains out "Copying source" &&
	slugtool names plain.tgz >names && not_contains names ".git" &&
	contains names "./app/docs/manual.pdf" && test -f plain/.git && test -f plain/sub/.git/HEAD
'

test_done
