#!/usr/bin/env bash
# Every layout rule of DESIGN.md on a tree built to trip them.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'build a tree with ordering traps, links and odd names' '
	mkdir -p app/a app/a-b.d app/empty app/.profile.d app/deep &&
	echo "web: ./run" >app/Procfile &&
	echo 1 >app/a/x && echo 2 >app/a-b && echo 3 >app/a0 && echo 4 >app/a-b.d/y &&
	printf "#!/bin/sh\n" >app/run && chmod 700 app/run &&
	echo "export A=1" >app/.profile.d/a.sh && chmod 640 app/.profile.d/a.sh &&
	echo shared >app/h1 && ln app/h1 app/h2 &&
	ln -s a/x app/rel-link &&
	ln -s "$TRASH/app/a/x" app/abs-link &&
	ln -s /app/a/x app/dyno-link &&
	long=$(printf "d%.0s" $(seq 1 120)) && mkdir -p "app/deep/$long/$long" &&
	echo deep >"app/deep/$long/$long/$(printf "f%.0s" $(seq 1 200))" &&
	echo nl >"app/new
line" &&
	echo u >"app/caf$(printf "\xc3\xa9").txt" &&
	mkdir -p app/node_modules/pkg/.git && echo ref >app/node_modules/pkg/.git/HEAD &&
	echo "{}" >app/node_modules/pkg/package.json &&
	slugc compile app -o s.tgz -q
'

test_expect_success 'Python checks every layout rule' '
	slugtool check-layout s.tgz
'

test_expect_success 'bytewise order: a-b < a-b.d/ < a/ < a0' '
	slugtool names s.tgz >names &&
	grep -n -E "^\./app/(a-b|a-b\.d/|a/|a0)$" names | cut -d: -f2 >order &&
	printf "./app/a-b\n./app/a-b.d/\n./app/a/\n./app/a0\n" >want &&
	cmp order want
'

test_expect_success 'modes: 0755 for dirs and executables, 0644 otherwise' '
	slugtool list s.tgz >list &&
	grep -q "^f 0755 .* ./app/run$" list &&
	grep -q "^f 0644 .* ./app/.profile.d/a.sh$" list &&
	grep -q "^d 0755 .* ./app/empty$" list
'

test_expect_success 'hard links become regular files' '
	grep -q "^f 0644 .* 7 ./app/h1$" list &&
	grep -q "^f 0644 .* 7 ./app/h2$" list
'

test_expect_success 'symlinks stay symlinks; absolute ones into the tree become relative' '
	grep -q "^l 0777 .* ./app/rel-link -> a/x$" list &&
	grep -q "^l 0777 .* ./app/abs-link -> a/x$" list &&
	grep -q "^l 0777 .* ./app/dyno-link -> /app/a/x$" list
'

test_expect_success 'no .git anywhere' '
	not_contains names ".git" &&
	contains names "./app/node_modules/pkg/package.json"
'

test_expect_success 'long paths and odd names survive GNU tar and Python' '
	mkdir gnu && tar xzf s.tgz -C gnu 2>tar.err &&
	slugtool extract s.tgz py &&
	diff -r --no-dereference gnu/app py/app &&
	test -f gnu/app/deep/$(printf "d%.0s" $(seq 1 120))/$(printf "d%.0s" $(seq 1 120))/$(printf "f%.0s" $(seq 1 200)) &&
	test -f "gnu/app/new
line" &&
	test -f "gnu/app/caf$(printf "\xc3\xa9").txt"
'

test_expect_success 'the empty directory is kept' '
	test -d gnu/app/empty
'

test_done
