#!/usr/bin/env bash
# --app-dir builds one app of a monorepo; verify rebuilds and compares.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

test_expect_success 'a repository with two apps' '
	git_fixed init -q mono &&
	mkdir -p mono/apps/web mono/apps/worker mono/shared &&
	echo "web: node server.js" >mono/apps/web/Procfile && echo "s" >mono/apps/web/server.js &&
	echo "worker: node job.js" >mono/apps/worker/Procfile && echo "j" >mono/apps/worker/job.js &&
	echo "lib" >mono/shared/lib.js &&
	git_fixed -C mono add . && (cd mono && commit_at "2024-07-01T00:00:00Z" -m "two apps")
'

test_expect_success '--app-dir builds that subdirectory; commit names the repository commit' '
	slugc compile mono --app-dir apps/web -o web.tgz -q &&
	slugtool names web.tgz >names &&
	contains names "./app/Procfile" && contains names "./app/server.js" &&
	not_contains names "job.js" && not_contains names "shared" && not_contains names "apps/" &&
	equal "$(json web.json "d[\"commit\"]")" "$(git -C mono rev-parse HEAD)" &&
	equal "$(json web.json "d[\"process_types\"]")" "{\"web\": \"node server.js\"}" &&
	equal "$(json web.json "d[\"slugc\"][\"source\"][\"app_dir\"]")" "apps/web"
'

test_expect_success 'the other app, and the same from a plain directory and a URL' '
	slugc compile mono --app-dir ./apps/worker/ -o worker.tgz -q &&
	equal "$(json worker.json "d[\"process_types\"]")" "{\"worker\": \"node job.js\"}" &&
	slugc compile "file://$TRASH/mono" --app-dir apps/web -o web-url.tgz -q &&
	equal "$(sha web-url.tgz)" "$(sha web.tgz)" &&
	cp -r mono plain && rm -rf plain/.git &&
	SOURCE_DATE_EPOCH=$(git -C mono log -1 --format=%ct) slugc compile plain --app-dir apps/web -o web-dir.tgz -q &&
	equal "$(sha web-dir.tgz)" "$(sha web.tgz)"
'

test_expect_success 'a bad --app-dir is refused' '
	expect_error 1 "--app-dir '"'"'apps/nope'"'"' does not exist in commit" slugc compile mono --app-dir apps/nope -o x.tgz &&
	expect_error 1 "--app-dir '"'"'apps/web/Procfile'"'"' is not a directory" slugc compile mono --app-dir apps/web/Procfile -o x.tgz &&
	expect_error 2 "must be a relative path inside the source" slugc compile mono --app-dir ../etc -o x.tgz &&
	expect_error 2 "must be a relative path inside the source" slugc compile mono --app-dir /etc -o x.tgz &&
	expect_error 1 "--app-dir '"'"'nope'"'"' is not a directory" slugc compile plain --app-dir nope -o x.tgz
'

test_expect_success 'verify says reproducible for a slug it built' '
	expect_exit 0 slugc verify web.tgz --manifest web.json mono &&
	contains out "reproducible: web.tgz matches a rebuild of $(git -C mono rev-parse HEAD)" &&
	expect_exit 0 slugc verify web.tgz --manifest web.json "file://$TRASH/mono" --json &&
	equal "$(json out "d[\"reproducible\"]")" true
'

test_expect_success 'verify rebuilds the recorded commit, not the newest one' '
	echo "later" >mono/apps/web/later.js && git_fixed -C mono add . &&
	(cd mono && commit_at "2024-08-01T00:00:00Z" -m later) &&
	expect_exit 0 slugc verify web.tgz --manifest web.json mono
'

test_expect_success 'verify honours the recorded SOURCE_DATE_EPOCH and level' '
	SOURCE_DATE_EPOCH=1234567890 slugc compile mono --app-dir apps/worker --level 9 -o w9.tgz -q &&
	expect_exit 0 slugc verify w9.tgz --manifest w9.json mono
'

test_expect_success 'verify names the first differing entry of a tampered slug' '
	mkdir t && tar xzf web.tgz -C t && echo "evil" >>t/app/server.js &&
	(cd t && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(json ../web.json "d[\"slugc\"][\"source_date_epoch\"]") -czf ../tampered.tgz ./app) &&
	expect_error 1 "not reproducible" slugc verify tampered.tgz --manifest web.json mono &&
	contains err "'"'"'./app/server.js'"'"' has another size" &&
	mkdir t2 && tar xzf web.tgz -C t2 && echo extra >t2/app/extra.js &&
	(cd t2 && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(json ../web.json "d[\"slugc\"][\"source_date_epoch\"]") -czf ../added.tgz ./app) &&
	expect_error 1 "'"'"'./app/extra.js'"'"' is only in the slug" slugc verify added.tgz --manifest web.json mono
'

test_expect_success 'verify needs its arguments' '
	expect_error 2 "--manifest is required" slugc verify web.tgz mono &&
	expect_error 2 "expected SLUG.tgz and SOURCE" slugc verify web.tgz
'

test_expect_success 'verify takes the config vars of a build that used -e, by -e' '
	mkdir -p envapp && echo "web: true" >envapp/Procfile &&
	slugc compile envapp -q -e FOO=bar -o env.tgz &&
	expect_error 1 "pass --env-dir or -e NAME=VALUE" slugc verify env.tgz --manifest env.json envapp &&
	expect_exit 0 slugc verify env.tgz --manifest env.json envapp -e FOO=bar &&
	contains out "reproducible" &&
	expect_error 1 "is not in the -e values" slugc verify env.tgz --manifest env.json envapp -e Y=1 &&
	expect_error 1 "the -e values hold config vars" slugc verify env.tgz --manifest env.json envapp -e FOO=bar -e X=1
'

test_done
