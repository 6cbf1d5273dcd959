#!/usr/bin/env bash
# Output paths never clobber the user's files (issue 13, item 6): the default
# manifest path (the slug's name with .json) never replaces a file slugc did not
# write, such as Heroku's app.json; -o or --manifest naming a file of the source
# is refused; outputs written inside the source tree, and their temporaries,
# are never packed, so compiling the same tree again gives the same bytes.
. "$(dirname "$0")/test-lib.sh"

APP_JSON='{"name": "my app", "description": "the app'"'"'s own Heroku app.json"}'

# fresh_app: ./app, the Procfile-only app with Heroku's app.json of its own.
fresh_app() {
	rm -rf app && cp -r "$STATIC" app && printf '%s\n' "$APP_JSON" >app/app.json
}

test_expect_success 'compile . -o app.tgz refuses to replace the app'"'"'s own app.json' '
	fresh_app &&
	(cd app && expect_error 1 "'"'"'app.json'"'"' exists and is not a manifest slugc wrote" \
		slugc compile . -o app.tgz && contains err "--manifest") &&
	equal "$(cat app/app.json)" "$APP_JSON" &&
	test ! -e app/app.tgz && no_temp_files app && tmpdir_clean
'

test_expect_success 'with --manifest elsewhere: app.json kept, outputs inside the tree never packed' '
	fresh_app &&
	(cd app && expect_exit 0 slugc compile . -o app.tgz --manifest ../m1.json) &&
	equal "$(cat app/app.json)" "$APP_JSON" &&
	slugtool names app/app.tgz >names1 &&
	contains names1 "./app/app.json" && not_contains names1 "./app/app.tgz" &&
	not_contains names1 ".tmp-" &&
	first=$(sha app/app.tgz) &&
	(cd app && expect_exit 0 slugc compile . -o app.tgz --manifest ../m1.json) &&
	slugtool names app/app.tgz >names2 &&
	not_contains names2 "./app/app.tgz" &&
	equal "$(sha app/app.tgz)" "$first"
'

test_expect_success 'a manifest slugc wrote inside the tree is replaced, and never packed' '
	rm -rf app && cp -r "$STATIC" app &&
	(cd app && expect_exit 0 slugc compile . -o slug.tgz) &&
	first=$(sha app/slug.tgz) &&
	(cd app && expect_exit 0 slugc compile . -o slug.tgz) &&
	equal "$(sha app/slug.tgz)" "$first" &&
	slugtool names app/slug.tgz >names &&
	not_contains names "slug.json" && not_contains names "slug.tgz" &&
	equal "$(json app/slug.json "d[\"checksum\"]")" "SHA256:$first"
'

test_expect_success 'a leftover temporary of an interrupted compile is not packed either' '
	rm -rf app && cp -r "$STATIC" app &&
	mkdir app/dist && (cd app && expect_exit 0 slugc compile . -o dist/s.tgz) &&
	first=$(sha app/dist/s.tgz) &&
	echo partial >app/dist/.s.tgz.tmp-Ab12Cd && echo partial >app/dist/.s.json.tmp-xY98zW &&
	(cd app && expect_exit 0 slugc compile . -o dist/s.tgz) &&
	equal "$(sha app/dist/s.tgz)" "$first" &&
	slugtool names app/dist/s.tgz >names && not_contains names "tmp-"
'

test_expect_success 'a tree that is copied (a .slugignore with patterns) leaves the outputs out too' '
	fresh_app && printf "README.md\n" >app/.slugignore &&
	(cd app && expect_exit 0 slugc compile . -o app.tgz --manifest ../m.json) &&
	first=$(sha app/app.tgz) &&
	(cd app && expect_exit 0 slugc compile . -o app.tgz --manifest ../m.json) &&
	equal "$(sha app/app.tgz)" "$first" &&
	slugtool names app/app.tgz >names && not_contains names "./app/app.tgz"
'

test_expect_success 'a git work tree with --worktree leaves the outputs out' '
	fresh_app && git -C app init -q && git -C app add -A &&
	git -C app -c user.name=t -c user.email=t@t commit -qm init &&
	(cd app && expect_exit 0 slugc compile . --worktree -o app.tgz --manifest ../w.json) &&
	first=$(sha app/app.tgz) &&
	(cd app && expect_exit 0 slugc compile . --worktree -o app.tgz --manifest ../w.json) &&
	slugtool names app/app.tgz >names && not_contains names "./app/app.tgz" &&
	equal "$(sha app/app.tgz)" "$first"
'

test_expect_success '-o or --manifest naming a file of the source is refused, the file untouched' '
	fresh_app && cp app/Procfile Procfile.orig &&
	echo "not a slug" >app/other.tgz && cp app/other.tgz other.orig &&
	expect_error 2 "-o '"'"'app/other.tgz'"'"' names a file of the source" \
		slugc compile app -o app/other.tgz &&
	cmp app/other.tgz other.orig &&
	expect_error 2 "-o '"'"'app/Procfile'"'"' names a file of the source '"'"'app'"'"'" \
		slugc compile app -o app/Procfile --manifest m.json &&
	cmp app/Procfile Procfile.orig &&
	expect_error 2 "--manifest '"'"'app/app.json'"'"' names a file of the source" \
		slugc compile app -o s.tgz --manifest app/app.json &&
	equal "$(cat app/app.json)" "$APP_JSON" &&
	test ! -e s.tgz && no_temp_files app && no_temp_files . && tmpdir_clean
'

test_expect_success 'a source tarball is never the output' '
	fresh_app && tar czf src.tgz app && cp src.tgz src.orig &&
	expect_error 2 "-o '"'"'src.tgz'"'"' is the source itself" slugc compile src.tgz -o src.tgz &&
	cmp src.tgz src.orig
'

test_expect_success 'the slug and the manifest cannot be one file' '
	fresh_app &&
	expect_error 2 "the slug and the manifest would both be" slugc compile app -o s.tgz --manifest s.tgz
'

test_done
