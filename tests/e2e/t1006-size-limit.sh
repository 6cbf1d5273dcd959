#!/usr/bin/env bash
# Heroku's limits: warn past 300 MB, fail past --max-size (default 500 MB).
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'over --max-size fails naming the largest directories' '
	mkdir -p app/assets app/vendor app/lib &&
	echo "web: x" >app/Procfile &&
	head -c 3000000 /dev/urandom >app/assets/video.bin &&
	head -c 1200000 /dev/urandom >app/vendor/lib.bin &&
	head -c 1000 /dev/urandom >app/lib/small.bin &&
	expect_error 1 "is too large (max is 1 MB, --max-size); largest directories: assets/ (2.9 MB), vendor/ (1.1 MB), lib/ (1000 B)" \
		slugc compile app -o s.tgz --max-size 1 &&
	grep -Eq "slugc compile: Compiled slug size: (at least )?[0-9.]+ MB is too large" err &&
	test ! -e s.tgz && test ! -e s.json && no_temp_files . && tmpdir_clean
'

test_expect_success 'under the limit it passes' '
	slugc compile app -o s.tgz --max-size 5 -q && test -f s.tgz
'

test_expect_success 'past 300 MB a warning (Heroku soft limit), still a slug' '
	mkdir -p big/data && echo "web: x" >big/Procfile &&
	head -c 330000000 /dev/urandom >big/data/blob &&
	expect_exit 0 slugc compile big -o big.tgz --max-size 400 &&
	contains err "exceeds the soft limit (300 MB)" &&
	test -f big.tgz && rm -f big.tgz big/data/blob
'

test_expect_success 'the default hard limit is 500 MB' '
	mkdir -p huge/data && echo "web: x" >huge/Procfile &&
	head -c 530000000 /dev/urandom >huge/data/blob &&
	expect_error 1 "MB is too large (max is 500 MB, --max-size)" slugc compile huge -o huge.tgz &&
	test ! -e huge.tgz && rm -f huge/data/blob
'

test_done
