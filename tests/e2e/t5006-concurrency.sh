#!/usr/bin/env bash
# Concurrency (issue 8): 8 parallel compiles of 8 different apps over http://,
# sharing one --cache-dir (so one git mirror directory, a submodule mirror and
# the Node.js runtime), all succeed with the slugs serial compiles give; each
# repository is cloned and the Node.js tarball downloaded once; no temporary
# files stay in the cache; a second parallel round transfers nothing; and 8
# parallel compiles of one URL at different --rev values agree with serial ones.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }
make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
LIB_C=$(git -C "$TRASH/srv/lib.git" rev-parse HEAD)
APPS="1 2 3 4 5 6 7 8"
NODE_APPS="7 8"     # engines.node 20.x
SUB_APPS="1 3 5 7"  # submodule vendor/lib (../lib.git), one mirror for all four

# make_app I: srv/appI.git, one commit of content of its own.
make_app() {
	local i=$1 w="$TRASH/work/app$1"
	git_fixed init -q "$w" && cd "$w" || return 1
	if [[ " $NODE_APPS " == *" $i "* ]]; then
		printf '{"name": "app%s", "engines": {"node": "20.x"}}\n' "$i" >package.json
		printf 'web: node web.js\n' >Procfile
		printf 'console.log("app %s");\n' "$i" >web.js
	else
		printf 'web: ./serve-%s\n' "$i" >Procfile
		printf '#!/bin/sh\necho app %s\n' "$i" >"serve-$i" && chmod +x "serve-$i"
	fi
	seq 1 "$((i * 100))" >"data-$i.txt"
	git_fixed add . || return 1
	if [[ " $SUB_APPS " == *" $i "* ]]; then
		printf '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = ../lib.git\n' >.gitmodules
		git_fixed add .gitmodules &&
			git_fixed update-index --add --cacheinfo "160000,$LIB_C,vendor/lib" || return 1
	fi
	commit_at "2024-0$((i % 9 + 1))-01T10:00:00Z" -m "app $i" &&
		cd - >/dev/null &&
		git_fixed clone -q --bare "$w" "$TRASH/srv/app$i.git" &&
		git_fixed -C "$TRASH/srv/app$i.git" remote remove origin
}
for i in $APPS; do make_app "$i" >/dev/null 2>&1 || { echo "cannot build app$i"; exit 99; }; done

start_git_http "$TRASH/srv" || exit 99
start_mirror "$NODE_MIRROR" || exit 99
export SLUGC_MIRROR_NODEJS="$MIRROR_URL"
GIT="http://127.0.0.1:$GIT_HTTP_PORT"
TARBALL=/v20.20.2/node-v20.20.2-linux-x64.tar.gz

# in_parallel NAME CACHE URL ARGS... -- URL ARGS... -- ...: compile each into NAME-<n>.tgz,
# all at once with one --cache-dir; NAME-<n>.out holds the output, NAME-<n>.rc the status.
in_parallel() {
	local name=$1 cache=$2 n=1 args=()
	shift 2
	while [ $# -gt 0 ]; do
		args=()
		while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
		[ $# -gt 0 ] && shift
		{ "$SLUGC" compile "${args[@]}" --cache-dir "$cache" -o "$name-$n.tgz" >"$name-$n.out" 2>&1
		  echo $? >"$name-$n.rc"; } &
		n=$((n + 1))
	done
	wait
}

# all_ok NAME COUNT: every compile exited 0.
all_ok() {
	local n
	for n in $(seq 1 "$2"); do
		if [ "$(cat "$1-$n.rc")" != 0 ]; then echo "$1-$n failed:"; cat "$1-$n.out"; return 1; fi
	done
}

# same_slugs NAME REF COUNT: NAME-<n>.tgz equals REF-<n>.tgz, byte for byte.
same_slugs() {
	local n
	for n in $(seq 1 "$3"); do
		equal "$(sha "$1-$n.tgz")" "$(sha "$2-$n.tgz")" || { echo "($1-$n)"; return 1; }
	done
}

# clones REPO: how many pack requests the git server answered for REPO (a clone makes
# one; a fetch with nothing new makes none).
clones() {
	grep -c "^POST /$1/git-upload-pack " "$GIT_HTTP_LOG"
}

# cache_clean DIR: nothing but what slugc keeps: no temporary mirror, part file or unpack.
cache_clean() {
	local left
	left=$(find "$1" \( -name '*.tmp-*' -o -name '*.part' -o -name '*.tmp' \) -print)
	if [ -n "$left" ]; then echo "left in the cache: $left"; return 1; fi
}

all_apps() {
	local i
	for i in $APPS; do printf '%s\n' "$GIT/app$i.git" --; done
}

test_expect_success 'serial compiles, each with a fresh cache, give the reference slugs' '
	for i in $APPS; do
		slugc compile "$GIT/app$i.git" --cache-dir "$TRASH/ref-cache" -o "ref-$i.tgz" -q &&
		rm -rf ref-cache || exit 1
	done &&
	test "$(sha ref-1.tgz)" != "$(sha ref-2.tgz)" && test "$(sha ref-7.tgz)" != "$(sha ref-8.tgz)" &&
	slugtool names ref-3.tgz >names && contains names "./app/vendor/lib/index.js" &&
	slugtool names ref-8.tgz >names && contains names "./app/.heroku/node/bin/node"
'

test_expect_success '8 different apps compiled at once with one cache all succeed, same slugs' '
	: >"$GIT_HTTP_LOG" && : >"$MIRROR_LOG" &&
	mapfile -t args < <(all_apps) &&
	in_parallel par shared "${args[@]}" &&
	all_ok par 8 && same_slugs par ref 8
'

test_expect_success 'each repository was cloned once, the Node.js tarball downloaded once' '
	for r in app1.git app2.git app3.git app4.git app5.git app6.git app7.git app8.git lib.git; do
		equal "$(clones "$r")" 1 || { echo "($r)"; exit 1; }
	done &&
	equal "$(cat par-*.out | grep -c "Cloned into the cache")" 9 &&
	equal "$(cat par-*.out | grep -c "Updated the cached mirror: 0 new objects")" 3 &&
	equal "$(grep -c "^GET $TARBALL 200" "$MIRROR_LOG")" 1 &&
	equal "$(ls -d shared/git/*.git | wc -l)" 9
'

test_expect_success 'the shared cache holds no temporary files, TMPDIR is empty' '
	cache_clean shared && tmpdir_clean &&
	equal "$(ls shared/git | grep -v "\.git$" | grep -v "\.git\.json$" | grep -vc "\.lock$")" 0
'

test_expect_success 'a second parallel round succeeds, same slugs, transfers nothing' '
	: >"$GIT_HTTP_LOG" && : >"$MIRROR_LOG" &&
	mapfile -t args < <(all_apps) &&
	in_parallel again shared "${args[@]}" &&
	all_ok again 8 && same_slugs again ref 8 &&
	equal "$(cat again-*.out | grep -c "Updated the cached mirror: 0 new objects")" 12 &&
	! grep -q "^POST " "$GIT_HTTP_LOG" &&
	! grep -q "^GET $TARBALL" "$MIRROR_LOG" &&
	cache_clean shared && tmpdir_clean
'

REVS="v1 v2 main $C1 $C2 ${C3:0:7} main~1 HEAD"

test_expect_success '8 compiles of one URL at different --rev values agree with serial ones' '
	n=1 &&
	for rev in $REVS; do
		slugc compile "$GIT/app.git" --rev "$rev" --cache-dir "$TRASH/rev-ref-cache" -o "rref-$n.tgz" -q &&
		n=$((n + 1)) || exit 1
	done &&
	: >"$GIT_HTTP_LOG" &&
	args=() && for rev in $REVS; do args+=("$GIT/app.git" --rev "$rev" --); done &&
	in_parallel rev revs "${args[@]}" &&
	all_ok rev 8 && same_slugs rev rref 8 &&
	equal "$(clones app.git)" 1 && equal "$(clones lib.git)" 1 &&
	equal "$(cat rev-*.out | grep -c "Cloned into the cache")" 2 &&
	cache_clean revs
'

test_done
