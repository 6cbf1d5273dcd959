#!/usr/bin/env bash
# A work tree builds the committed tree, like git push would; --worktree
# builds the files on disk (minus .gitignore'd ones) and says so.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

test_expect_success 'a work tree with an uncommitted edit and an untracked file' '
	git_fixed init -q wt && cp -r "$STATIC/." wt/ &&
	printf "node_modules/\n*.log\n" >wt/.gitignore &&
	mkdir -p wt/keep && echo tracked >wt/keep/forced.log &&
	git_fixed -C wt add . && git_fixed -C wt add -f keep/forced.log &&
	(cd wt && commit_at "2024-06-01T00:00:00Z" -m "init") &&
	slugc compile wt -o clean.tgz -q &&
	echo "edited" >>wt/README.md &&
	echo "new file" >wt/untracked.txt &&
	mkdir -p wt/node_modules/x && echo ignored >wt/node_modules/x/i.js && echo ignored >wt/debug.log
'

test_expect_success 'the default build excludes both: it is the commit' '
	slugc compile wt -o default.tgz -q &&
	equal "$(sha default.tgz)" "$(sha clean.tgz)" &&
	slugtool names default.tgz >names && not_contains names untracked.txt &&
	equal "$(json default.json "d[\"slugc\"][\"source\"][\"dirty\"]")" false
'

test_expect_success '--worktree includes them and marks the manifest dirty' '
	expect_exit 0 slugc compile wt --worktree -o dirty.tgz &&
	contains out "uncommitted files included" &&
	slugtool names dirty.tgz >names &&
	contains names "./app/untracked.txt" &&
	tar xzf dirty.tgz ./app/README.md -O | grep -q "^edited" &&
	equal "$(json dirty.json "d[\"slugc\"][\"source\"][\"dirty\"]")" true &&
	equal "$(json dirty.json "d[\"commit\"]")" "$(git -C wt rev-parse HEAD)"
'

test_expect_success '--worktree leaves out what .gitignore ignores, but not tracked files' '
	not_contains names "node_modules" && not_contains names "debug.log" &&
	contains names "./app/keep/forced.log" &&
	contains names "./app/.gitignore"
'

test_expect_success 'a dirty build cannot be verified' '
	expect_error 1 "records a --worktree build of uncommitted files" \
		slugc verify dirty.tgz --manifest dirty.json wt
'

test_expect_success '--rev and --worktree exclude each other; both need git' '
	expect_error 2 "--rev and --worktree exclude each other" slugc compile wt --rev HEAD --worktree &&
	mkdir plain && echo "web: x" >plain/Procfile &&
	expect_error 2 "--rev needs a git repository" slugc compile plain --rev main &&
	expect_error 2 "--worktree needs a git work tree" slugc compile plain --worktree
'

test_done
