#!/usr/bin/env bash
# Messages as users read them: a dirty work tree, "requires Go 1.19", the
# manifest's two-space indentation.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

mkdir -p repo && echo "web: ./server" >repo/Procfile &&
git_fixed -C repo init -q && git_fixed -C repo add . &&
(cd repo && commit_at "2025-01-01T00:00:00Z" -m "first") || exit 99

test_expect_success 'a clean work tree builds HEAD without a warning' '
	expect_exit 0 slugc compile repo -o s.tgz &&
	not_contains err "work tree"
'

test_expect_success 'uncommitted changes: a warning that points to --worktree, HEAD still built' '
	echo "web: ./changed" >repo/Procfile && touch repo/new-file &&
	expect_exit 0 slugc compile repo -o s.tgz &&
	contains err "the work tree has 1 uncommitted change and 1 untracked file that are not in the slug" &&
	contains err "build the files on disk with --worktree" &&
	equal "$(json s.json "d[\"process_types\"][\"web\"]")" "./server" &&
	expect_exit 0 slugc compile repo --worktree -o w.tgz &&
	not_contains err "uncommitted" &&
	expect_exit 0 slugc compile repo --rev HEAD -o r.tgz &&
	not_contains err "uncommitted"
'

test_expect_success 'the manifest is indented with two spaces, no tabs' '
	! grep -q "$(printf "\t")" s.json &&
	grep -q "^  \"process_types\": {$" s.json &&
	grep -q "^    \"web\": \"./server\"$" s.json &&
	python3 -c "import json,sys; json.load(open(sys.argv[1]))" s.json
'

test_expect_success 'a Go requirement reads "Go 1.19", not "Go go1.19"' '
	mkdir goapp && printf "module example.com/hello\n\ngo 1.19\n" >goapp/go.mod &&
	printf "package main\nfunc main() {}\n" >goapp/main.go &&
	expect_exit 1 slugc compile goapp --offline --cache-dir "$TRASH/empty-cache" -o g.tgz &&
	contains out "requires Go 1.19" && not_contains out "Go go1"
'

test_done
