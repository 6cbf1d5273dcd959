# git-fixtures.sh: repositories the git-source tests share (sourced by test-lib users).
#
#   make_fixture_repos DIR
#
# creates in DIR/srv (the directory the git daemon and the HTTP server export):
#   lib.git  one commit: index.js                        (the submodule)
#   app.git  c1  Procfile, web.js v1, app.json            tag v1 (lightweight)
#            c2  web.js v2, bin/run (+x), link -> web.js,
#                submodule vendor/lib at lib.git's c1 (url ../lib.git)
#                                                       tag v2 (annotated)
#            c3  README                                  branch main, HEAD
# and records their commit SHAs in C1 C2 C3 and the c3 committer time in C3_TIME.
# Dates are fixed, so every run makes the same commits. The app is Procfile-only
# (no package.json): these tests are about sources, not runtimes.

git_fixed() {
	GIT_AUTHOR_NAME=Test GIT_AUTHOR_EMAIL=test@example.com \
	GIT_COMMITTER_NAME=Test GIT_COMMITTER_EMAIL=test@example.com \
	git -c init.defaultBranch=main -c protocol.file.allow=always -c advice.detachedHead=false "$@"
}

commit_at() {
	local when=$1
	shift
	GIT_AUTHOR_DATE="$when" GIT_COMMITTER_DATE="$when" git_fixed commit -q "$@"
}

make_fixture_repos() {
	local dir=$1 work="$1/work"
	mkdir -p "$dir/srv" "$work"

	git_fixed init -q "$work/lib"
	echo "module.exports = 'lib';" >"$work/lib/index.js"
	git_fixed -C "$work/lib" add . &&
	(cd "$work/lib" && commit_at "2024-01-01T10:00:00Z" -m "lib: first")
	git_fixed clone -q --bare "$work/lib" "$dir/srv/lib.git"

	git_fixed init -q "$work/app"
	cd "$work/app" || return 1
	printf 'web: node web.js\n' >Procfile
	printf 'console.log("v1");\n' >web.js
	printf '{"name": "app"}\n' >app.json
	git_fixed add . && commit_at "2024-02-01T10:00:00Z" -m "app: v1"
	git_fixed tag v1
	C1=$(git rev-parse HEAD)

	printf 'console.log("v2");\n' >web.js
	mkdir -p bin && printf '#!/bin/sh\nexec node web.js\n' >bin/run && chmod +x bin/run
	ln -s web.js link
	git_fixed submodule add -q ../lib.git vendor/lib >/dev/null 2>&1 ||
		git_fixed -c protocol.file.allow=always submodule add -q "$dir/srv/lib.git" vendor/lib
	# The recorded URL stays relative, so it resolves on every transport.
	git_fixed config -f .gitmodules submodule.vendor/lib.url ../lib.git
	git_fixed add . && commit_at "2024-03-01T10:00:00Z" -m "app: v2 with lib"
	GIT_COMMITTER_DATE="2024-03-01T10:00:00Z" git_fixed tag -a v2 -m "release v2"
	C2=$(git rev-parse HEAD)

	printf '# app\n' >README.md
	git_fixed add . && commit_at "2024-04-01T10:00:00Z" -m "app: readme"
	C3=$(git rev-parse HEAD)
	C3_TIME=$(git log -1 --format=%ct)
	cd - >/dev/null || return 1

	git_fixed clone -q --bare "$work/app" "$dir/srv/app.git"
	# A served repository has no origin: relative submodule URLs resolve against its own path.
	git_fixed -C "$dir/srv/app.git" remote remove origin
	git_fixed -C "$dir/srv/lib.git" remote remove origin
	export C1 C2 C3 C3_TIME
}
