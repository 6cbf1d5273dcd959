#!/usr/bin/env bash
# Source tarballs, as GitHub and GitLab serve them: one top-level directory
# dropped, and nothing written outside the build directory whatever they hold.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

test_expect_success 'a git archive with a top-level directory builds like the commit' '
	git_fixed init -q repo && cp -r "$STATIC/." repo/ &&
	printf "#!/bin/sh\n" >repo/bin/x && chmod +x repo/bin/x && ln -s README.md repo/main.md &&
	git_fixed -C repo add . && (cd repo && commit_at "2024-06-01T00:00:00Z" -m init) &&
	git -C repo archive --format=tar.gz --prefix=repo-abc123/ -o "$TRASH/src.tar.gz" HEAD &&
	slugc compile repo -o git.tgz -q &&
	SOURCE_DATE_EPOCH=$(git -C repo log -1 --format=%ct) slugc compile src.tar.gz -o tar.tgz -q &&
	equal "$(sha tar.tgz)" "$(sha git.tgz)" &&
	equal "$(json tar.json "d[\"slugc\"][\"source\"][\"kind\"]")" tarball
'

test_expect_success 'a tarball without a top-level directory, .tgz, and --app-dir' '
	tar czf flat.tgz -C repo Procfile README.md bin &&
	slugc compile flat.tgz -o flat-slug.tgz -q &&
	slugtool names flat-slug.tgz >names && contains names "./app/README.md" &&
	mkdir -p mono/svc && cp -r repo/. mono/svc/ && rm -rf mono/svc/.git &&
	tar czf mono.tar.gz mono &&
	slugc compile mono.tar.gz --app-dir svc -o svc.tgz -q &&
	slugtool names svc.tgz >names && contains names "./app/Procfile"
'

for kind in dotdot absolute symlink-then-file hardlink-out device; do
	test_expect_success "a hostile source tarball ($kind) is refused; nothing escapes" '
		mkdir -p "h-'$kind'" && slugtool hostile-source '$kind' "h-'$kind'/evil.tgz" &&
		expect_exit 1 slugc compile "h-'$kind'/evil.tgz" -o x.tgz &&
		equal "$(wc -l <err)" 1 && test ! -e x.tgz &&
		test ! -e "$TRASH/escaped-dotdot" && test ! -e /tmp/escaped-absolute &&
		test ! -e "$TRASH/escaped-symlink" && test ! -e "$TMPDIR/escaped-symlink" &&
		tmpdir_clean
	'
done

test_expect_success 'the refusals say why' '
	expect_error 1 "has a '"'"'.'"'"' or '"'"'..'"'"' component" slugc compile h-dotdot/evil.tgz -o x.tgz &&
	expect_error 1 "has an absolute path" slugc compile h-absolute/evil.tgz -o x.tgz &&
	expect_error 1 "entry '"'"'up/escaped-symlink'"'"' lies beneath a symlink" slugc compile h-symlink-then-file/evil.tgz -o x.tgz &&
	expect_error 1 "has an absolute path" slugc compile h-hardlink-out/evil.tgz -o x.tgz &&
	expect_error 1 "entry '"'"'null'"'"' is a character device" slugc compile h-device/evil.tgz -o x.tgz
'

test_expect_success 'a gzip bomb stops at the size cap, also one in .git (skipped, still counted)' '
	mkdir bomb && echo "web: x" >bomb/Procfile && head -c 30000000 /dev/zero >bomb/zeros &&
	tar czf bomb.tgz -C bomb . && test "$(size_of bomb.tgz)" -lt 100000 &&
	expect_error 1 "bomb.tgz'"'"' expands to more than 24.0 MB (at entry '"'"'./zeros'"'"')" slugc compile bomb.tgz --max-unpacked 24M -o x.tgz &&
	tmpdir_clean &&
	mkdir -p gitbomb/.git && echo "web: x" >gitbomb/Procfile &&
	head -c 30000000 /dev/zero >gitbomb/.git/zeros && tar czf gitbomb.tgz -C gitbomb . &&
	expect_error 1 "gitbomb.tgz'"'"' expands to more than 24.0 MB (at entry '"'"'./.git/zeros'"'"')" \
		slugc compile gitbomb.tgz --max-unpacked 24M -o x.tgz &&
	tmpdir_clean
'

test_expect_success 'a file that is not an archive' '
	echo "not a tarball" >fake.tar.gz &&
	expect_error 1 "'"'"'$TRASH/fake.tar.gz'"'"' is not a valid tar.gz archive" slugc compile fake.tar.gz -o x.tgz
'

test_done
