#!/usr/bin/env bash
# Remote git sources: a cached mirror fetched, not cloned, the second time;
# clear failures; credentials that work and never show.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
git_fixed init -q --bare srv/empty.git
start_git_http "$TRASH/srv" || exit 99
OPEN_PORT=$GIT_HTTP_PORT OPEN_LOG=$GIT_HTTP_LOG
start_git_http "$TRASH/srv" "deploy:s3cr3t-t0ken" || exit 99
AUTH_PORT=$GIT_HTTP_PORT AUTH_LOG=$GIT_HTTP_LOG
start_git_daemon "$TRASH/srv" || exit 99
URL="http://127.0.0.1:$OPEN_PORT/app.git"

test_expect_success 'the first compile clones into a mirror in the cache' '
	expect_exit 0 slugc compile "$URL" -o one.tgz &&
	contains out "Cloned into the cache:" &&
	ls "$HOME"/.cache/slugc/git/*.git/HEAD &&
	equal "$(ls -d "$HOME"/.cache/slugc/git/*.git | wc -l)" 2 &&
	grep -c "git-upload-pack" "$OPEN_LOG" >first.count
'

test_expect_success 'the second compile fetches into the mirror and transfers nothing' '
	: >"$OPEN_LOG" &&
	expect_exit 0 slugc compile "$URL" -o two.tgz &&
	contains out "Updated the cached mirror: 0 new objects" &&
	not_contains out "Cloned" &&
	equal "$(sha one.tgz)" "$(sha two.tgz)" &&
	equal "$(ls -d "$HOME"/.cache/slugc/git/*.git | wc -l)" 2 &&
	# Nothing to negotiate: the fetch sends no pack request for app.git.
	! grep -q "POST /app.git/git-upload-pack" "$OPEN_LOG"
'

test_expect_success 'after a new commit only its objects come over' '
	git_fixed clone -q srv/app.git push-wt &&
	echo "change" >push-wt/CHANGES && git_fixed -C push-wt add CHANGES &&
	(cd push-wt && commit_at "2024-05-01T10:00:00Z" -m "more") &&
	git_fixed -C push-wt push -q origin main &&
	expect_exit 0 slugc compile "$URL" -o three.tgz &&
	contains out "Updated the cached mirror: 3 new objects" &&
	test "$(sha three.tgz)" != "$(sha two.tgz)"
'

test_expect_success 'the default branch is the remote HEAD' '
	git_fixed -C push-wt push -q origin main:other &&
	git_fixed -C srv/app.git symbolic-ref HEAD refs/heads/other &&
	git_fixed -C push-wt commit -q --allow-empty -m "only on main" && git_fixed -C push-wt push -q origin main &&
	slugc compile "$URL" -o head.tgz -q &&
	equal "$(json head.json "d[\"commit\"]")" "$(git_fixed -C srv/app.git rev-parse other)" &&
	git_fixed -C srv/app.git symbolic-ref HEAD refs/heads/main
'

test_expect_success 'an unknown revision fails clearly' '
	expect_error 1 "revision '"'"'no-such-rev'"'"' not found in '"'"'$URL'"'"'" \
		slugc compile "$URL" --rev no-such-rev -o x.tgz &&
	test ! -e x.tgz && tmpdir_clean
'

test_expect_success 'an unreachable URL fails clearly' '
	port=$(free_port) &&
	expect_error 1 "cannot reach '"'"'git://127.0.0.1:$port/app.git'"'"'" \
		slugc compile "git://127.0.0.1:$port/app.git" -o x.tgz &&
	expect_error 1 "cannot reach '"'"'http://127.0.0.1:$port/app.git'"'"'" \
		slugc compile "http://127.0.0.1:$port/app.git" -o x.tgz &&
	test ! -e x.tgz
'

test_expect_success 'a repository with no commits fails clearly' '
	expect_error 1 "has no commits" slugc compile "http://127.0.0.1:$OPEN_PORT/empty.git" -o x.tgz &&
	expect_error 1 "'"'"'$TRASH/srv/empty.git'"'"' has no commits" slugc compile srv/empty.git -o x.tgz
'

test_expect_success 'a URL that needs credentials, without them, fails clearly' '
	expect_error 1 "authentication required for '"'"'http://127.0.0.1:$AUTH_PORT/app.git'"'"'" \
		slugc compile "http://127.0.0.1:$AUTH_PORT/app.git" -o x.tgz &&
	contains err "~/.netrc"
'

test_expect_success 'wrong credentials are reported as refused, and not shown' '
	expect_error 1 "the credentials for '"'"'http://127.0.0.1:$AUTH_PORT/app.git'"'"' were refused" \
		slugc compile "http://deploy:wrong-pass@127.0.0.1:$AUTH_PORT/app.git" -o x.tgz &&
	not_contains err "wrong-pass"
'

test_expect_success 'credentials in the URL work and appear nowhere' '
	slugc compile "$URL" -o head.tgz -q &&
	expect_exit 0 slugc compile -v "http://deploy:s3cr3t-t0ken@127.0.0.1:$AUTH_PORT/app.git" -o cred.tgz &&
	equal "$(json cred.json "d[\"slugc\"][\"source\"][\"url\"]")" "http://127.0.0.1:$AUTH_PORT/app.git" &&
	! grep -rq "s3cr3t-t0ken" out err cred.json &&
	! grep -rq "s3cr3t-t0ken" "$HOME/.cache/slugc" &&
	equal "$(sha cred.tgz)" "$(sha head.tgz)"
'

test_expect_success '~/.netrc credentials work' '
	rm -rf "$HOME/.cache/slugc" &&
	printf "machine 127.0.0.1\n  login deploy\n  password s3cr3t-t0ken\n" >"$HOME/.netrc" &&
	expect_exit 0 slugc compile "http://127.0.0.1:$AUTH_PORT/app.git" -o netrc.tgz &&
	! grep -q "s3cr3t-t0ken" out err netrc.json &&
	equal "$(sha netrc.tgz)" "$(sha head.tgz)" &&
	rm "$HOME/.netrc"
'

test_expect_success 'concurrent compiles of one URL share the mirror safely' '
	for i in 1 2 3 4; do
		slugc compile "$URL" --cache-dir "$TRASH/shared" -o "par$i.tgz" >"par$i.out" 2>&1 &
	done &&
	wait &&
	for i in 1 2 3 4; do test -f "par$i.tgz" || exit 1; done &&
	equal "$(sha par1.tgz)" "$(sha par2.tgz)" && equal "$(sha par1.tgz)" "$(sha par4.tgz)" &&
	# One clone each of app.git and its submodule lib.git; every other compile fetched.
	equal "$(cat par*.out | grep -c "Cloned into the cache")" 2 &&
	equal "$(cat par*.out | grep -c "Updated the cached mirror: 0 new objects")" 6 &&
	equal "$(ls -d "$TRASH"/shared/git/*.git | wc -l)" 2 &&
	test -z "$(ls -d "$TRASH"/shared/git/*.tmp-* 2>/dev/null)"
'

test_expect_success 'unsupported transports are refused with advice' '
	expect_error 1 "uses ssh://; slugc fetches git sources over https, http, git and file" \
		slugc compile "ssh://git@127.0.0.1/app.git" -o x.tgz
'

test_expect_success '--worktree needs a local work tree' '
	expect_error 2 "--worktree needs a local work tree" slugc compile "$URL" --worktree -o x.tgz
'

test_expect_success 'the cache directory can be chosen, and an unusable one is reported' '
	slugc compile "$URL" --cache-dir "$TRASH/mycache" -o c.tgz -q &&
	ls "$TRASH"/mycache/git/*.git >/dev/null &&
	echo file >notadir &&
	expect_error 1 "cache directory" slugc compile "$URL" --cache-dir "$TRASH/notadir/sub" -o c2.tgz &&
	SLUGC_CACHE_DIR="$TRASH/envcache" slugc compile "$URL" -o c3.tgz -q &&
	ls "$TRASH"/envcache/git/*.git >/dev/null
'

test_done
