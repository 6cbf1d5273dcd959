#!/usr/bin/env bash
# inspect verifies a slug and reports it; bad slugs name the entry.
. "$(dirname "$0")/test-lib.sh"

test_expect_success 'inspect a compiled slug' '
	cp -r "$STATIC" app && ln -s bin/web app/index &&
	slugc compile app -o s.tgz -q &&
	expect_exit 0 slugc inspect s.tgz &&
	contains out "size       $(size_of s.tgz) bytes" &&
	contains out "checksum   SHA256:$(sha s.tgz)" &&
	contains out "files      5 (4 directories, 1 symlinks" &&
	contains out "layout     reproducible (sorted, uid/gid 0, every mtime 1980-01-01T00:00:00Z)"
'

test_expect_success 'with --manifest it shows the process types' '
	expect_exit 0 slugc inspect s.tgz --manifest s.json &&
	contains out "process types (from s.json):" &&
	contains out "  web: bin/web"
'

test_expect_success '--json gives one document' '
	expect_exit 0 slugc inspect s.tgz --manifest s.json --json &&
	equal "$(json out "d[\"checksum\"]")" "SHA256:$(sha s.tgz)" &&
	equal "$(json out "d[\"files\"]")" 5 &&
	equal "$(json out "d[\"normalized\"]")" true &&
	equal "$(json out "d[\"process_types\"]")" "{\"web\": \"bin/web\"}"
'

test_expect_success 'a manifest that does not match the slug fails' '
	cp -r "$STATIC" other && echo extra >other/extra && slugc compile other -o other.tgz -q &&
	expect_error 1 "'"'"'other.json'"'"' records checksum SHA256:$(sha other.tgz) but '"'"'s.tgz'"'"' has SHA256:$(sha s.tgz)" \
		slugc inspect s.tgz --manifest other.json
'

test_expect_success 'a slug from another tool is valid but not normalised' '
	mkdir -p plain/app && echo "web: x" >plain/app/Procfile &&
	tar czf plain.tgz -C plain ./app &&
	expect_exit 0 slugc inspect plain.tgz &&
	contains out "layout     valid, not normalised"
'

for kind in outside dotdot absolute symlink-escape symlink-then-file file-beneath-link device hardlink-out; do
	test_expect_success "a hostile slug ($kind) fails naming the entry" '
		slugtool hostile '"$kind"' h.tgz &&
		expect_exit 1 slugc inspect h.tgz &&
		equal "$(wc -l <err)" 1 && contains err "failed verification: slug entry"
	'
done

test_expect_success 'the hostile messages say what is wrong' '
	slugtool hostile outside h1.tgz && expect_error 1 "'"'"'./etc/cron.d/evil'"'"' is outside '"'"'./app/'"'"'" slugc inspect h1.tgz &&
	slugtool hostile symlink-escape h2.tgz && expect_error 1 "'"'"'./app/passwd'"'"' is a symlink to '"'"'../../../etc/passwd'"'"'" slugc inspect h2.tgz &&
	slugtool hostile symlink-then-file h3.tgz && expect_error 1 "'"'"'./app/etc/cron.d/evil'"'"' lies beneath the symlink '"'"'./app/etc'"'"'" slugc inspect h3.tgz &&
	slugtool hostile file-beneath-link h5.tgz && expect_error 1 "'"'"'./app/etc/passwd'"'"' lies beneath the symlink '"'"'./app/etc'"'"'" slugc inspect h5.tgz &&
	slugtool hostile device h4.tgz && expect_error 1 "'"'"'./app/null'"'"' is a character device" slugc inspect h4.tgz
'

test_expect_success 'not a gzip tar, a truncated slug, a missing file' '
	echo "just text" >text.tgz && expect_error 1 "'"'"'text.tgz'"'"' is not a valid tar.gz archive" slugc inspect text.tgz &&
	head -c 200 s.tgz >trunc.tgz && expect_exit 1 slugc inspect trunc.tgz && contains err "trunc.tgz" &&
	expect_error 1 "cannot open '"'"'nope.tgz'"'"'" slugc inspect nope.tgz
'

test_expect_success 'a broken manifest is reported with its position' '
	printf "{\"process_types\": {\"web\": \"x\"},\n oops}" >broken.json &&
	expect_error 1 "'"'"'broken.json'"'"' is not valid JSON (line 2" slugc inspect s.tgz --manifest broken.json &&
	echo "{\"process_types\": {\"web.1\": \"x\"}}" >badname.json &&
	expect_error 1 "does not match the Platform API" slugc inspect s.tgz --manifest badname.json
'

test_done
