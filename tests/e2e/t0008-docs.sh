#!/usr/bin/env bash
# The documentation is tested: every slugc command example in README.md,
# docs/*.md, examples/ and the man page's EXAMPLES parses (its options exist
# for that command, with valid values) and runs, in document order, in a
# scratch directory set up here: the fixture mirrors (Node.js, Go, Ruby,
# Python) as SLUGC_MIRROR_*, a PEP 503 index, the Platform API emulator as
# HEROKU_API_URL, git servers and a registry on loopback, the example apps as
# the sources the docs name, and one private cache for all examples. What
# needs something that cannot exist here (GitHub, Docker Hub) is only
# parse-checked; the list, the placeholders and what they become are in
# tests/e2e/lib/doc-check.py (PARSE_ONLY, SUBST). Also: every option a command
# takes is in --help, the man page and the README table, and the reverse.
. "$(dirname "$0")/test-lib.sh"

DOC_CHECK=$TEST_LIB_DIR/lib/doc-check.py

test_expect_success 'every option is in --help, the man page and the README table, and the reverse' '
	python3 "$DOC_CHECK" "$SLUGC" "$SLUGC_SOURCE_DIR" flags >report ||
	{ cat report; exit 1; }
	contains report "options checked"
'

test_expect_success 'the checker fails on a documented option that does not exist' '
	mkdir -p fake/docs && cp "$SLUGC_SOURCE_DIR/docs/slugc.1" fake/docs/ &&
	printf "%s\n" "# x" "" "\`\`\`sh" "slugc compile . --out app.tgz" "\`\`\`" >fake/README.md &&
	mkdir -p fake/examples &&
	! python3 "$DOC_CHECK" "$SLUGC" fake parse >report &&
	contains report "README.md:4: slugc compile . --out app.tgz: does not parse" &&
	contains report "abbreviation of '"'"'--output'"'"'"
'

test_expect_success 'the checker fails on a documented command that fails, naming its line' '
	rm -rf fake && mkdir -p fake/docs fake/examples w && cp "$SLUGC_SOURCE_DIR/docs/slugc.1" fake/docs/ &&
	sed -i "/^\.SH EXAMPLES/,/^\.SH SEE/{/slugc /d}" fake/docs/slugc.1 &&
	mkdir bin && ln -s "$SLUGC" bin/slugc &&
	printf "%s\n" "# x" "" "\`\`\`sh" "\$ slugc inspect \\" "    nope.tgz" \
		"slugc inspect no.tgz" "slugc inspect: '"'"'no.tgz'"'"': No such file or directory" "\`\`\`" >fake/README.md &&
	! PATH=$PWD/bin:$PATH DOC_WORK=$PWD/w DOC_LOG=$PWD/fake.log python3 "$DOC_CHECK" "$SLUGC" fake run >report &&
	contains report "README.md:4: slugc inspect nope.tgz: exited 1" &&
	not_contains report "README.md:6: " &&
	contains report "2 examples: 2 run, 0 parse-checked only"
'

# --- the world the examples run in ---

use_node_mirror && use_go_mirror && use_ruby_mirror && use_ruby_app ||
	{ echo "cannot build the mirrors"; exit 99; }
. "$TEST_LIB_DIR/lib/python.sh"
use_python_fixtures || { echo "cannot build the Python mirror or index"; exit 99; }
export SLUGC_MIRROR_PYTHON="file://$PY_MIRROR"
# Heroku's Python pins are newer than the offline index and mirror: pin what they have (as t3004).
python_defaults || exit 99
# The examples name the index themselves (DOC_PY_INDEX below), not through the environment.
start_python_index "$PY_INDEX" || exit 99
unset PIP_INDEX_URL

echo '{"tokens": {"test-token": ["staging", "prod", "my-app-staging", "my-app"]}}' >"$TRASH/api.json"
start_platform "$TRASH/api.json" || exit 99

export TOKEN=deploy-s3cret GITHUB_TOKEN=ghp_d0cs3cret HEROKU_APP=my-app-staging
commit() { # commit DIR [TAG]: DIR becomes a git repository of its files
	git -C "$1" init -q && git -C "$1" add -A &&
		git -C "$1" -c user.name=t -c user.email=t@example.com commit -q -m "the app" &&
		{ [ -z "${2:-}" ] || git -C "$1" tag "$2"; }
}
node_app() { # node_app DIR: examples/node-hello, with the worker process the docs run
	mkdir -p "$1" && cp -r "$EXAMPLES/node-hello/." "$1/" &&
		echo "worker: node -e \"console.log('worker')\"" >>"$1/Procfile"
}
W=$TRASH/w
{
	node_app "$W" && commit "$W" v1.2.0 &&
	node_app "$W/path/to/app" && node_app "$W/path/to/repo" && commit "$W/path/to/repo" v1.2.0 &&
	mkdir -p "$W/path/to/python-app" && printf '%s\n' "${PY_VERSION%.*}" >"$W/path/to/python-app/.python-version" &&
	echo tinyweb >"$W/path/to/python-app/requirements.txt" &&
	echo "web: tinyweb app:application" >"$W/path/to/python-app/Procfile" &&
	printf '%s\n' 'def application(environ, start_response):' \
		'    start_response("200 OK", [("Content-Type", "text/plain")])' \
		'    return [b"Hello World\n"]' >"$W/path/to/python-app/app.py" &&
	mkdir -p "$TRASH/monorepo/apps" && node_app "$TRASH/monorepo/apps/web" && commit "$TRASH/monorepo" &&
	mkdir -p "$W/examples" "$W/build" "$W/bin" &&
	cp -r "$EXAMPLES/node-hello" "$EXAMPLES/go-hello" "$W/examples/" && cp -r "$RUBY_APP" "$W/examples/ruby-hello" &&
	for s in "$EXAMPLES"/*.sh; do ln -s "$s" "$W/examples/"; done &&
	ln -s "$SLUGC_SOURCE_DIR/tests" "$W/tests" &&
	ln -s "$SLUGC" "$W/build/slugc" && ln -s "$SLUGC" "$W/bin/slugc" &&
	# git servers: open, deploy:$TOKEN, and the token as user name
	mkdir -p "$TRASH/git" && git clone -q --bare "$TRASH/monorepo" "$TRASH/git/mono.git" &&
	git clone -q --bare "$W/path/to/repo" "$TRASH/git/app.git" &&
	start_git_http "$TRASH/git" && GIT_OPEN=127.0.0.1:$GIT_HTTP_PORT &&
	start_git_http "$TRASH/git" "deploy:$TOKEN" && GIT_AUTH=127.0.0.1:$GIT_HTTP_PORT &&
	start_git_http "$TRASH/git" "$GITHUB_TOKEN:" && GIT_TOKEN=127.0.0.1:$GIT_HTTP_PORT &&
	# what cache import imports
	cp "$NODE_MIRROR"/v22.*/node-v22.*-linux-x64.tar.gz "$W/node-v22.11.0-linux-x64.tar.gz" &&
	cp "$(ls "$RUBY_MIRROR"/heroku-24/*/ruby-*.tgz | head -n 1)" "$W/ruby-3.3.9.tgz" &&
	# the slugs the docs start from: app.tgz (restored before each file's examples), and
	# slug.tgz from the git server
	mkdir "$TRASH/pristine" && (cd "$W" && slugc compile . -o "$TRASH/pristine/app.tgz") &&
	(cd "$W" && slugc compile "http://$GIT_OPEN/app.git" -o slug.tgz)
} >"$TRASH/setup.log" 2>&1 || { cat "$TRASH/setup.log"; echo "cannot set up the examples"; exit 99; }

# Image bases: an OCI layout ./base (tags 1 and 24) and heroku/heroku:24 on a registry.
if command -v docker-registry >/dev/null && command -v umoci >/dev/null && command -v skopeo >/dev/null; then
	REG_PORT=$(free_port)
	printf '%s\n' "version: 0.1" "storage: {filesystem: {rootdirectory: $TRASH/registry}}" \
		"http: {addr: 127.0.0.1:$REG_PORT}" >"$TRASH/registry.yml"
	docker-registry serve "$TRASH/registry.yml" >"$TRASH/registry.log" 2>&1 &
	test_cleanup "kill $!"
	wait_for_http "http://127.0.0.1:$REG_PORT/v2/" >/dev/null || { cat "$TRASH/registry.log"; exit 99; }
	{
		cd "$W" && umoci init --layout base && umoci new --image base:1 &&
		umoci unpack --rootless --image base:1 base-bundle &&
		mkdir -p base-bundle/rootfs/bin && cp /bin/busybox base-bundle/rootfs/bin/ &&
		ln -s busybox base-bundle/rootfs/bin/sh &&
		umoci repack --image base:1 base-bundle && rm -rf base-bundle &&
		skopeo --insecure-policy copy oci:base:1 oci:base:24 &&
		skopeo --insecure-policy copy --dest-tls-verify=false oci:base:1 \
			"docker://127.0.0.1:$REG_PORT/heroku/heroku:24" && cd "$TRASH"
	} >"$TRASH/base.log" 2>&1 || { cat "$TRASH/base.log"; echo "cannot make the image bases"; exit 99; }
	export DOC_REGISTRY=127.0.0.1:$REG_PORT
fi

export DOC_WORK=$W DOC_LOG=$TRASH/examples.log DOC_GIT_OPEN=$GIT_OPEN DOC_GIT_AUTH=$GIT_AUTH \
	DOC_GIT_TOKEN=$GIT_TOKEN DOC_PY_INDEX=http://127.0.0.1:$INDEX_PORT/simple/ \
	DOC_MIRROR_node=$NODE_MIRROR DOC_MIRROR_go=$GO_MIRROR DOC_MIRROR_ruby=$RUBY_MIRROR \
	DOC_MIRROR_python=$PY_MIRROR DOC_RUBY_V=$RUBY_V DOC_PRISTINE=$TRASH/pristine \
	DOC_NODE22_SHA=$(sha "$W/node-v22.11.0-linux-x64.tar.gz") DOC_PY_MINOR=${PY_VERSION%.*} \
	PATH=$W/bin:$PATH GITHUB_SHA=$(git -C "$W" rev-parse HEAD) CI_COMMIT_SHA=$(git -C "$W" rev-parse HEAD)

test_expect_success 'every documented command example runs (or, listed, parses)' '
	python3 "$DOC_CHECK" "$SLUGC" "$SLUGC_SOURCE_DIR" run >report ||
	{ echo "--- the examples'"'"' output (end):"; tail -n 100 "$DOC_LOG"; echo "---"; cat report; exit 1; }
	cat report
	if [ -n "${DOC_REPORT:-}" ]; then cp report "$DOC_REPORT"; cp "$DOC_LOG" "$DOC_REPORT.log"; fi
	contains report " run, "
'

test_done
