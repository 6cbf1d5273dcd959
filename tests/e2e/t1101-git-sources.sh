#!/usr/bin/env bash
# A commit compiles to the same slug from every kind of git source: a bare
# repository, a work tree, file://, git:// (git daemon) and http://
# (git http-backend); another commit to another slug.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
start_git_daemon "$TRASH/srv" || exit 99
start_git_http "$TRASH/srv" || exit 99

test_expect_success 'a bare repository by path' '
	expect_exit 0 slugc compile srv/app.git -o bare.tgz &&
	contains out "Checking out ${C3:0:12} (app: readme)" &&
	equal "$(json bare.json "d[\"commit\"]")" "$C3" &&
	equal "$(json bare.json "d[\"commit_description\"]")" "app: readme" &&
	equal "$(json bare.json "d[\"slugc\"][\"source\"][\"kind\"]")" "git" &&
	equal "$(json bare.json "d[\"slugc\"][\"source\"][\"rev\"]")" "HEAD" &&
	equal "$(json bare.json "d[\"slugc\"][\"source\"][\"dirty\"]")" "false"
'

test_expect_success 'source_date_epoch defaults to the committer time' '
	equal "$(json bare.json "d[\"slugc\"][\"source_date_epoch\"]")" "$C3_TIME" &&
	slugtool list bare.tgz | awk "{print \$7}" | sort -u >mtimes &&
	equal "$(cat mtimes)" "$C3_TIME"
'

test_expect_success 'the slug holds the commit: modes, symlinks, the submodule, no .git' '
	slugtool list bare.tgz >list &&
	grep -q "^f 0755 .* ./app/bin/run$" list &&
	grep -q "^l 0777 .* ./app/link -> web.js$" list &&
	grep -q " ./app/vendor/lib/index.js$" list &&
	grep -q " ./app/.gitmodules$" list &&
	not_contains list "/.git/" && not_contains list "app/.git " &&
	tar xzf bare.tgz ./app/web.js -O >web.js && equal "$(cat web.js)" "console.log(\"v2\");"
'

test_expect_success 'a work tree (clone with its submodule) gives the same slug' '
	git_fixed clone -q --recurse-submodules srv/app.git wt 2>/dev/null &&
	slugc compile wt -o wt.tgz -q &&
	equal "$(sha wt.tgz)" "$(sha bare.tgz)"
'

test_expect_success 'file:// gives the same slug' '
	slugc compile "file://$TRASH/srv/app.git" -o file.tgz -q &&
	equal "$(sha file.tgz)" "$(sha bare.tgz)"
'

test_expect_success 'git:// (git daemon) gives the same slug' '
	expect_exit 0 slugc compile "git://127.0.0.1:$GIT_DAEMON_PORT/app.git" -o daemon.tgz &&
	contains out "Fetching git://127.0.0.1:$GIT_DAEMON_PORT/app.git" &&
	equal "$(sha daemon.tgz)" "$(sha bare.tgz)" &&
	equal "$(json daemon.json "d[\"slugc\"][\"source\"][\"url\"]")" "git://127.0.0.1:$GIT_DAEMON_PORT/app.git"
'

test_expect_success 'http:// (git http-backend) gives the same slug' '
	slugc compile "http://127.0.0.1:$GIT_HTTP_PORT/app.git" -o http.tgz -q &&
	equal "$(sha http.tgz)" "$(sha bare.tgz)"
'

test_expect_success '--rev of an older commit (lightweight tag) gives its files and SHA' '
	slugc compile srv/app.git --rev v1 -o v1.tgz -q &&
	equal "$(json v1.json "d[\"commit\"]")" "$C1" &&
	equal "$(json v1.json "d[\"slugc\"][\"source\"][\"rev\"]")" "v1" &&
	tar xzf v1.tgz ./app/web.js -O >web.js && equal "$(cat web.js)" "console.log(\"v1\");" &&
	slugtool names v1.tgz >names && not_contains names "vendor" &&
	test "$(sha v1.tgz)" != "$(sha bare.tgz)"
'

test_expect_success '--rev: annotated tag, branch, full and abbreviated SHA, revspec' '
	slugc compile srv/app.git --rev v2 -o t2.tgz -q &&
	equal "$(json t2.json "d[\"commit\"]")" "$C2" &&
	slugc compile srv/app.git --rev "$C2" -o s2.tgz -q &&
	slugc compile srv/app.git --rev "${C2:0:7}" -o a2.tgz -q &&
	slugc compile srv/app.git --rev "main~1" -o m2.tgz -q &&
	slugc compile srv/app.git --rev main -o m3.tgz -q &&
	equal "$(sha t2.tgz)" "$(sha s2.tgz)" && equal "$(sha t2.tgz)" "$(sha a2.tgz)" &&
	equal "$(sha t2.tgz)" "$(sha m2.tgz)" && equal "$(sha m3.tgz)" "$(sha bare.tgz)"
'

test_expect_success '--rev on remote sources' '
	slugc compile "git://127.0.0.1:$GIT_DAEMON_PORT/app.git" --rev v1 -o dv1.tgz -q &&
	slugc compile "http://127.0.0.1:$GIT_HTTP_PORT/app.git" --rev v1 -o hv1.tgz -q &&
	equal "$(sha dv1.tgz)" "$(sha v1.tgz)" && equal "$(sha hv1.tgz)" "$(sha v1.tgz)"
'

test_expect_success 'a work tree on another branch still builds HEAD of that work tree' '
	git_fixed -C wt checkout -q v1 &&
	slugc compile wt -o wt-v1.tgz -q &&
	equal "$(sha wt-v1.tgz)" "$(sha v1.tgz)"
'

test_done
