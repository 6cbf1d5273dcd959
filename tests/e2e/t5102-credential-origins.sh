#!/usr/bin/env bash
# Git credentials go only to the origin (scheme, host, port) they were given
# for (issue 13, item 2): from the URL, from ~/.netrc and from a
# superproject. A server that redirects to another port gets them refused
# there; the second server's request log shows no Authorization header.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
CREDS="deploy:s3cr3t-t0ken"
# B: the other server, which would take the token if it were sent.
start_git_http "$TRASH/srv" "$CREDS" || exit 99
B_PORT=$GIT_HTTP_PORT B_LOG=$GIT_HTTP_LOG
# B_OPEN: the same repositories, no authentication.
start_git_http "$TRASH/srv" || exit 99
OPEN_PORT=$GIT_HTTP_PORT
# A: redirects every request to B at once.
start_git_http "$TRASH/srv" "" --redirect-to "http://127.0.0.1:$B_PORT" || exit 99
A_PORT=$GIT_HTTP_PORT A_LOG=$GIT_HTTP_LOG
# A_AUTH: asks for the token first, then redirects to B.
start_git_http "$TRASH/srv" "$CREDS" --redirect-to "http://127.0.0.1:$B_PORT" || exit 99
A_AUTH_PORT=$GIT_HTTP_PORT A_AUTH_LOG=$GIT_HTTP_LOG
# A_OPEN: redirects to B_OPEN, which needs no credentials.
start_git_http "$TRASH/srv" "" --redirect-to "http://127.0.0.1:$OPEN_PORT" || exit 99
A_OPEN_PORT=$GIT_HTTP_PORT

# no_auth_in LOG: LOG has requests, and none of them carried an Authorization header.
no_auth_in() {
	if ! [ -s "$1" ] || grep -v ' -$' "$1"; then
		echo "requests with credentials (or none at all) in $1:"; cat "$1"
		return 1
	fi
}

test_expect_success 'URL credentials are not sent to the server a redirect leads to' '
	: >"$B_LOG" &&
	expect_error 1 "redirected to another server (http://127.0.0.1:$B_PORT)" \
		slugc compile "http://deploy:s3cr3t-t0ken@127.0.0.1:$A_PORT/app.git" -o x.tgz &&
	contains err "use the final URL" &&
	not_contains err "s3cr3t" &&
	grep -q "^GET /app.git/info/refs" "$A_LOG" &&
	no_auth_in "$B_LOG" && test ! -e x.tgz
'

test_expect_success 'credentials accepted by the first server are not carried to the next' '
	: >"$B_LOG" && : >"$A_AUTH_LOG" &&
	expect_error 1 "redirected to another server (127.0.0.1:$B_PORT)" \
		slugc compile "http://deploy:s3cr3t-t0ken@127.0.0.1:$A_AUTH_PORT/app.git" -o x.tgz &&
	grep -q " Basic_" "$A_AUTH_LOG" &&
	! grep -q " Basic_" "$B_LOG"
'

test_expect_success '~/.netrc credentials are not sent to another port of the same host' '
	: >"$B_LOG" &&
	printf "machine 127.0.0.1\n  login deploy\n  password s3cr3t-t0ken\n" >"$HOME/.netrc" &&
	expect_error 1 "redirected to another server (http://127.0.0.1:$B_PORT)" \
		slugc compile "http://127.0.0.1:$A_PORT/app.git" -o x.tgz &&
	no_auth_in "$B_LOG" &&
	# The same netrc entry still works for the server asked directly.
	expect_exit 0 slugc compile "http://127.0.0.1:$B_PORT/app.git" -o direct.tgz &&
	rm "$HOME/.netrc"
'

test_expect_success 'a redirect to another port is still followed when no credentials are involved' '
	expect_exit 0 slugc compile "http://127.0.0.1:$A_OPEN_PORT/app.git" -o open.tgz &&
	expect_exit 0 slugc compile "http://u:t0ken-unused@127.0.0.1:$A_OPEN_PORT/app.git" -o open2.tgz
'

test_expect_success 'a submodule on another port of the same host inherits no credentials' '
	git_fixed clone -q srv/app.git work2 &&
	git_fixed -C work2 config -f .gitmodules submodule.vendor/lib.url "http://127.0.0.1:$B_PORT/lib.git" &&
	git_fixed -C work2 add .gitmodules && (cd work2 && commit_at "2024-05-01T10:00:00Z" -m "abs") &&
	git_fixed clone -q --bare work2 srv/app2.git &&
	start_git_http "$TRASH/srv" "$CREDS" &&
	: >"$B_LOG" &&
	expect_error 1 "authentication required for '"'"'http://127.0.0.1:$B_PORT/lib.git'"'"'" \
		slugc compile "http://deploy:s3cr3t-t0ken@127.0.0.1:$GIT_HTTP_PORT/app2.git" -o sub.tgz &&
	grep -q " Basic_" "$GIT_HTTP_LOG" &&
	no_auth_in "$B_LOG" &&
	# On the superproject own origin (../lib.git), the submodule does inherit them.
	expect_exit 0 slugc compile "http://deploy:s3cr3t-t0ken@127.0.0.1:$B_PORT/app.git" -o same.tgz
'

test_done
