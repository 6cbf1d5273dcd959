#!/usr/bin/env bash
# Hostile git sources (issue 8): trees real git would never write (entries
# named .git in any case, "..", ".", or holding '/') and submodules pointing
# where slugc must not go ('-' options, ext::, file:// and local paths from a
# remote superproject, a submodule name climbing out of .git/modules) are
# refused with one line naming them, from a path and over git:// and http://;
# no slug, no temporary files, and nothing written or run outside $TRASH.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
LIB_C=$(git -C "$TRASH/srv/lib.git" rev-parse HEAD)

# raw_tree REPO "MODE NAME SHA"...: write a tree object as given, unchecked (git
# itself refuses these names), sorted as git sorts; prints its id.
raw_tree() {
	local repo=$1
	shift
	python3 -c '
import sys
ents = [a.split(" ", 2) for a in sys.argv[1:]]
key = lambda e: e[1].encode() + (b"/" if e[0] == "40000" else b"")
sys.stdout.buffer.write(b"".join(m.encode() + b" " + n.encode() + b"\0" + bytes.fromhex(s)
                                 for m, n, s in sorted(ents, key=key)))' "$@" |
		git -C "$repo" hash-object -t tree --literally -w --stdin
}

blob() {
	printf '%s' "$2" | git -C "$1" hash-object -w --stdin
}

# branch REPO NAME TREE: a commit of TREE (fixed date) on branch NAME.
branch() {
	local c
	c=$(GIT_AUTHOR_DATE=2024-06-01T10:00:00Z GIT_COMMITTER_DATE=2024-06-01T10:00:00Z \
		git_fixed -C "$1" commit-tree "$3" -m "hostile: $2") &&
		git -C "$1" update-ref "refs/heads/$2" "$c"
}

# Sentinels: what each payload would create, were it run (by git in the checkout, or as a
# transport command) or written where it points.
SENTINELS="pwned-fsmonitor pwned-hook pwned-dash pwned-ext escaped-dotdot"
untouched() {
	local s
	for s in $SENTINELS; do
		if [ -e "$TRASH/$s" ]; then echo "$TRASH/$s was created"; return 1; fi
	done
	if [ -n "$(ls -d "$HOME"/.cache/slugc/git/*.tmp-* 2>/dev/null)" ]; then
		echo "temporary mirrors left:"; ls "$HOME"/.cache/slugc/git
		return 1
	fi
}

# refused NEEDLE SOURCE ARGS...: compile_refused, and nothing written outside $TRASH.
refused() {
	compile_refused "$@" && untouched
}

make_hostile_trees() {
	local r="$TRASH/srv/hostile.git" proc cfg hook gitdir web t i c
	git_fixed init -q --bare "$r"
	proc=$(blob "$r" "web: node web.js
")
	web=$(blob "$r" "console.log(1);
")
	cfg=$(blob "$r" "[core]
	fsmonitor = touch $TRASH/pwned-fsmonitor
	hooksPath = hooks
")
	hook=$(blob "$r" "#!/bin/sh
touch $TRASH/pwned-hook
")
	gitdir=$(raw_tree "$r" "100644 config $cfg" "40000 hooks $(raw_tree "$r" "100755 post-checkout $hook")")
	branch "$r" main "$(raw_tree "$r" "100644 Procfile $proc" "100644 web.js $web")"
	branch "$r" dotgit "$(raw_tree "$r" "100644 Procfile $proc" "40000 .git $gitdir")"
	branch "$r" dotgit-upper "$(raw_tree "$r" "100644 Procfile $proc" "40000 .GIT $gitdir")"
	branch "$r" dotgit-mixed "$(raw_tree "$r" "100644 Procfile $proc" \
		"40000 lib $(raw_tree "$r" "100644 web.js $web" "40000 .Git $gitdir")")"
	# ".." repeated to the root, then down to $TRASH: were it followed, escaped-dotdot
	# would appear in $TRASH whatever the build directory is.
	t=$(raw_tree "$r" "100644 escaped-dotdot $web")
	c=$TRASH
	while [ "$c" != / ]; do
		t=$(raw_tree "$r" "40000 $(basename "$c") $t")
		c=$(dirname "$c")
	done
	# $TMPDIR lies in $TRASH, and the build directory a few levels below it.
	for i in $(seq 1 $(($(tr -cd / <<<"$TRASH" | wc -c) + 6))); do t=$(raw_tree "$r" "40000 .. $t"); done
	branch "$r" dotdot "$(raw_tree "$r" "100644 Procfile $proc" "40000 .. $t")"
	branch "$r" dot "$(raw_tree "$r" "100644 Procfile $proc" "40000 . $(raw_tree "$r" "100644 dot-file $web")")"
	branch "$r" slash "$(raw_tree "$r" "100644 Procfile $proc" "100644 lib/web.js $web")"
	git -C "$r" symbolic-ref HEAD refs/heads/main
	# git's own upload-pack dies on an empty name, so this one is tried by path only.
	r="$TRASH/srv/empty-name.git"
	git_fixed init -q --bare "$r"
	branch "$r" main "$(raw_tree "$r" "100644 Procfile $(blob "$r" "web: true")" \
		"100644  $(blob "$r" "x")")"
}
make_hostile_trees || { echo "cannot build the hostile trees"; exit 99; }

# A repository outside the exported directory, and superprojects whose one submodule
# (vendor/lib) points at it or at a command line, one branch each.
make_hostile_submodules() {
	local r="$TRASH/srv/subs.git" w="$TRASH/work/secret" proc
	git_fixed init -q "$w" && echo "top secret" >"$w/secret.txt" &&
		git_fixed -C "$w" add . && (cd "$w" && commit_at "2024-01-02T10:00:00Z" -m secret) &&
		git_fixed clone -q --bare "$w" "$TRASH/outside/secret.git" || return 1
	SECRET_C=$(git -C "$w" rev-parse HEAD)
	git_fixed init -q --bare "$r"
	proc=$(blob "$r" "web: true")
	# sub_branch REPO BRANCH NAME URL COMMIT
	sub_branch() {
		local gm
		gm=$(blob "$1" "[submodule \"$3\"]
	path = vendor/lib
	url = $4
")
		branch "$1" "$2" "$(raw_tree "$1" "100644 Procfile $proc" "100644 .gitmodules $gm" \
			"40000 vendor $(raw_tree "$1" "160000 lib $5")")"
	}
	sub_branch "$r" main lib ../lib.git "$LIB_C"
	sub_branch "$r" dash lib "--upload-pack=touch $TRASH/pwned-dash" "$LIB_C"
	sub_branch "$r" ext lib "ext::sh -c touch% $TRASH/pwned-ext" "$LIB_C"
	sub_branch "$r" file lib "file://$TRASH/outside/secret.git" "$SECRET_C"
	sub_branch "$r" abspath lib "$TRASH/outside/secret.git" "$SECRET_C"
	git -C "$r" symbolic-ref HEAD refs/heads/main
	# A name climbing out of .git/modules (which a clone with submodules has) to secret.git;
	# its URL leads to lib.git, which lacks the recorded commit.
	r="$TRASH/srv/climb.git"
	git_fixed init -q --bare "$r" && mkdir "$r/modules"
	proc=$(blob "$r" "web: true")
	sub_branch "$r" main ../../../outside/secret.git ../lib.git "$SECRET_C"
}
make_hostile_submodules || { echo "cannot build the hostile submodules"; exit 99; }

start_git_daemon "$TRASH/srv" || exit 99
start_git_http "$TRASH/srv" || exit 99
BARE="$TRASH/srv/hostile.git"
DAEMON="git://127.0.0.1:$GIT_DAEMON_PORT/hostile.git"
HTTP="http://127.0.0.1:$GIT_HTTP_PORT/hostile.git"

test_expect_success 'the hostile repository itself compiles at main (the fixture is sound)' '
	slugc compile "$BARE" -o main.tgz -q && slugc compile "$DAEMON" -o main-d.tgz -q &&
	equal "$(sha main.tgz)" "$(sha main-d.tgz)"
'

# hostile_entry BRANCH NAME IN: refused from a path and over git://, naming NAME, the
# directory IN holding it and the repository.
hostile_entry() {
	refused "the tree of $BARE has an entry named '$2' in '$3'" "$BARE" --rev "$1" &&
	refused "the tree of $DAEMON has an entry named '$2' in '$3'" "$DAEMON" --rev "$1"
}

test_expect_success 'a tree entry named .git (config with fsmonitor, hooks) is refused' '
	hostile_entry dotgit .git . &&
	refused "the tree of $HTTP has an entry named '"'"'.git'"'"' in '"'"'.'"'"'" "$HTTP" --rev dotgit
'

test_expect_success '.GIT is refused too (case-insensitive file systems)' '
	hostile_entry dotgit-upper .GIT .
'

test_expect_success '.Git in a subdirectory is refused, naming the directory' '
	hostile_entry dotgit-mixed .Git lib
'

test_expect_success 'a tree entry named .. is refused and nothing lands outside' '
	hostile_entry dotdot .. . &&
	refused "the tree of $HTTP has an entry named '"'"'..'"'"' in '"'"'.'"'"'" "$HTTP" --rev dotdot
'

test_expect_success 'a tree entry named . is refused' '
	hostile_entry dot . .
'

test_expect_success 'a tree entry name holding / is refused' '
	hostile_entry slash lib/web.js .
'

# libgit2 refuses to parse this tree before valid_entry_name() sees it.
test_expect_success 'an empty tree entry name is refused' '
	refused "cannot read the tree of $TRASH/srv/empty-name.git: failed to parse tree" \
		"$TRASH/srv/empty-name.git"
'

SUBS="$TRASH/srv/subs.git"
SUBS_D="git://127.0.0.1:$GIT_DAEMON_PORT/subs.git"
SUBS_H="http://127.0.0.1:$GIT_HTTP_PORT/subs.git"

# mirrors DIR: how many repositories the cache DIR holds.
mirrors() {
	ls -d "$1"/git/*.git 2>/dev/null | wc -l
}

test_expect_success 'a submodule with a relative URL compiles from every source (sound fixture)' '
	slugc compile "$SUBS" -o s1.tgz -q && slugc compile "$SUBS_D" -o s2.tgz -q &&
	equal "$(sha s1.tgz)" "$(sha s2.tgz)" &&
	slugtool names s1.tgz >names && contains names "./app/vendor/lib/index.js"
'

test_expect_success 'a submodule URL starting with - is refused, from a path and remotely' '
	for src in "$SUBS" "$SUBS_D"; do
		refused "submodule '"'"'vendor/lib'"'"': its URL '"'"'--upload-pack=touch $TRASH/pwned-dash'"'"' starts with '"'"'-'"'"'; refusing it" \
			"$src" --rev dash --cache-dir "$TRASH/c-dash" || exit 1
	done &&
	equal "$(mirrors c-dash)" 1
'

test_expect_success 'an ext:: submodule URL is refused and runs nothing' '
	for src in "$SUBS" "$SUBS_D" "$SUBS_H"; do
		refused "submodule '"'"'vendor/lib'"'"': its URL '"'"'ext::sh -c touch% $TRASH/pwned-ext'"'"' is not one slugc may fetch" \
			"$src" --rev ext --cache-dir "$TRASH/c-ext" || exit 1
	done &&
	equal "$(mirrors c-ext)" 2
'

test_expect_success 'a remote superproject may not reach a file:// submodule' '
	for src in "$SUBS_D" "$SUBS_H"; do
		refused "submodule '"'"'vendor/lib'"'"': its URL '"'"'file://$TRASH/outside/secret.git'"'"' is not allowed" \
			"$src" --rev file --cache-dir "$TRASH/c-file" || exit 1
	done &&
	equal "$(mirrors c-file)" 2
'

test_expect_success 'a remote superproject may not reach a local path' '
	refused "submodule '"'"'vendor/lib'"'"': its URL '"'"'$TRASH/outside/secret.git'"'"' is not one slugc may fetch" \
		"$SUBS_D" --rev abspath --cache-dir "$TRASH/c-abs" &&
	equal "$(mirrors c-abs)" 1
'

# The allowed set: a local superproject is the user's own; its file:// and path
# submodules are as trusted as it is.
test_expect_success 'a local superproject may use file:// and local path submodules' '
	slugc compile "$SUBS" --rev file -o f.tgz -q &&
	tar xzf f.tgz ./app/vendor/lib/secret.txt -O >secret && equal "$(cat secret)" "top secret" &&
	slugc compile "$SUBS" --rev abspath -o a.tgz -q &&
	tar xzf a.tgz ./app/vendor/lib/secret.txt -O >secret && equal "$(cat secret)" "top secret"
'

test_expect_success 'a submodule name climbing out of .git/modules is not followed' '
	refused "submodule '"'"'vendor/lib'"'"' is recorded at commit $SECRET_C, which $TRASH/srv/lib.git does not have" \
		"$TRASH/srv/climb.git"
'

test_done
