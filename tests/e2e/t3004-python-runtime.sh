#!/usr/bin/env bash
# Python end to end: Heroku's Python bucket layout over HTTP (built from this
# machine's Debian Python by the fixture_python_mirror setup test), a loopback
# PEP 503 package index of wheels the fixture writes, pip and Poetry apps
# compiled and run with slugc run, the build cache (no download, same bytes),
# collectstatic, and Heroku's refusals, each one line. The runtime is
# hard-linked from the cache (issue 18): cold and warm builds give the same
# bytes, and a step writing into a runtime file in place evicts it.
. "$(dirname "$0")/test-lib.sh"

. "$TEST_LIB_DIR/lib/python.sh"
use_python_fixtures || { echo "cannot build the Python mirror or index"; exit 99; }
VERSION=$PY_VERSION MINOR=$PY_MINOR
ARCHIVE=/python-$VERSION-ubuntu-24.04-$(dpkg --print-architecture).tar.zst

cp -r "$PY_MIRROR" "$TRASH/bucket"
start_mirror "$TRASH/bucket" || exit 99
M="python=$MIRROR_URL"
PY_SHA=$(sha256sum "bucket$ARCHIVE" | cut -d" " -f1)
downloads() { grep -c "^GET $ARCHIVE 20[06]" "$MIRROR_LOG"; }

start_python_index "$PY_INDEX" || exit 99
INDEX=$PIP_INDEX_URL
wheel_gets() { grep -c '"GET /files/' "$INDEX_LOG"; }

# Heroku's pins are newer than what the offline index holds: pin what it has,
# the mirror's Python for 3.X, and the host's Poetry (Debian's 1.3).
python_defaults || exit 99

app() { # app DIR: a WSGI app whose page imports its dependency
	mkdir -p "$1" &&
	printf '%s\n' "$MINOR" >"$1/.python-version" &&
	cat >"$1/app.py" <<-\EOF
	import sys

	import greeting


	def application(environ, start_response):
	    start_response("200 OK", [("Content-Type", "text/plain")])
	    return [("%s from %s\n" % (greeting.hello(), sys.executable)).encode()]
	EOF
}
app pipapp && echo tinyweb >pipapp/requirements.txt && echo "web: tinyweb app:application" >pipapp/Procfile

test_expect_success 'a pip app compiles: runtime from the mirror (first use), pip at its pin, dependencies' '
	expect_exit 0 slugc compile pipapp --mirror "$M" -o pip.tgz &&
	contains out "Downloading $MIRROR_URL$ARCHIVE" &&
	contains out "Recorded sha256 $PY_SHA (trust on first use" &&
	contains out "Installing Python $VERSION into .heroku/python" &&
	contains out "Installing pip $PIP_V and setuptools $ST_V" &&
	contains out "Installing dependencies using '"'"'pip install -r requirements.txt'"'"'" &&
	contains out "Successfully installed greeting-1.0 tinyweb-1.0" &&
	equal "$(downloads)" 1 &&
	equal "$(json pip.json "d[\"slugc\"][\"runtimes\"][0][\"version\"]")" "$VERSION" &&
	equal "$(json pip.json "d[\"slugc\"][\"runtimes\"][0][\"sha256\"]")" "$PY_SHA" &&
	equal "$(json pip.json "d[\"process_types\"]")" "{\"web\": \"tinyweb app:application\"}" &&
	slugtool names pip.tgz >names &&
	contains names "./app/.heroku/python/bin/python" &&
	contains names "./app/.heroku/python/lib/python$MINOR/site-packages/greeting.py" &&
	contains names "./app/.profile.d/python.sh" &&
	contains names "./app/.profile.d/python.gunicorn.sh" &&
	contains names "./app/.profile.d/WEB_CONCURRENCY.sh"
'

test_expect_success 'the slug names neither the build directory nor PYTHONHOME' '
	mkdir x && tar -xzf pip.tgz -C x &&
	! grep -rl "slugc-build-" x &&
	head -n 1 x/app/.heroku/python/bin/tinyweb >shebang && equal "$(cat shebang)" "#!/bin/sh" &&
	! grep -q "export PYTHONHOME" x/app/.profile.d/python.sh &&
	grep -q "^export PATH=\"\$HOME/.heroku/python/bin:\$PATH\"$" x/app/.profile.d/python.sh &&
	grep -q "GUNICORN_CMD_ARGS" x/app/.profile.d/python.gunicorn.sh
'

test_expect_success 'slugc run serves HTTP from the slug'"'"'s own Python, dependencies importable' '
	port=$(free_port) &&
	{ "$SLUGC" run pip.tgz web --port "$port" >run.log 2>&1 & pid=$!; } &&
	wait_for_http "http://127.0.0.1:$port/" &&
	curl -fsS "http://127.0.0.1:$port/" >page &&
	kill -TERM $pid && { wait $pid || true; } &&
	grep -q "^Hello from greeting from /.*/app/.heroku/python/bin/python$" page &&
	expect_exit 0 slugc run pip.tgz -- "command -v python; python -c \"import sys, tinyweb; print(sys.prefix)\"" &&
	grep -q "/app/.heroku/python/bin/python$" out && grep -q "/app/.heroku/python$" out
'

test_expect_success 'a second compile downloads nothing and gives the same bytes' '
	: >"$MIRROR_LOG" && before=$(wheel_gets) &&
	expect_exit 0 slugc compile pipapp --mirror "$M" -o again.tgz &&
	equal "$(downloads)" 0 && equal "$(wheel_gets)" "$before" &&
	contains out "Restored the packages of .heroku/python from the build cache" &&
	contains out "Using cached pip $PIP_V" &&
	contains out "Requirement already satisfied: tinyweb" &&
	equal "$(sha again.tgz)" "$(sha pip.tgz)"
'

test_expect_success 'a changed requirements.txt installs afresh; index credentials are never printed' '
	echo "# pinned later" >>pipapp/requirements.txt &&
	PIP_INDEX_URL="http://builder:s3cr3t-token@127.0.0.1:$INDEX_PORT/simple/" \
		expect_exit 0 slugc compile pipapp --mirror "$M" -o changed.tgz -v &&
	not_contains out "Restored the packages" &&
	contains out "Installing pip $PIP_V" &&
	contains out "Successfully installed greeting-1.0 tinyweb-1.0" &&
	not_contains out s3cr3t-token && not_contains err s3cr3t-token
'

app poetryapp && echo "web: tinyweb app:application" >poetryapp/Procfile
cat >poetryapp/pyproject.toml <<EOF
[tool.poetry]
name = "poetryapp"
version = "0.1.0"
description = ""
authors = ["slugc tests <tests@example.invalid>"]
packages = [{ include = "app.py" }]

[tool.poetry.dependencies]
python = "^$MINOR"
tinyweb = "*"

[[tool.poetry.source]]
name = "local"
url = "$INDEX"
default = true
EOF

if command -v poetry >/dev/null; then
	test_expect_success 'a Poetry app compiles (the host'"'"'s Poetry 1: install --sync) and runs' '
		(cd poetryapp && env -u VIRTUAL_ENV POETRY_CACHE_DIR="$TRASH/poetry-cache" \
			poetry lock --no-interaction >../lock.log 2>&1) &&
		expect_exit 0 slugc compile poetryapp --mirror "$M" -o poetry.tgz &&
		contains out "Using Poetry from the build host" &&
		contains out "Installing greeting (1.0)" &&
		expect_exit 0 slugc run poetry.tgz -- "python -c \"import app, greeting; print(greeting.hello())\"; command -v tinyweb" &&
		contains out "Hello from greeting" && grep -q "/app/.heroku/python/bin/tinyweb$" out &&
		expect_exit 0 slugc compile poetryapp --mirror "$M" -o poetry2.tgz &&
		contains out "Restored the packages of .heroku/python from the build cache" &&
		equal "$(sha poetry2.tgz)" "$(sha poetry.tgz)"
	'
else
	test_skip 'a Poetry app compiles' 'poetry is not installed'
fi

test_expect_success 'Django: collectstatic as Heroku runs it, and DISABLE_COLLECTSTATIC' '
	app django && printf "tinyweb\ndjango\n" >django/requirements.txt &&
	echo "web: tinyweb app:application" >django/Procfile &&
	cat >django/manage.py <<-\EOF &&
	import os, sys
	os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site.settings")
	if sys.argv[1:3] == ["collectstatic", "--noinput"]:
	    os.makedirs("staticfiles", exist_ok=True)
	    open("staticfiles/collected.txt", "w").write("collected\n")
	    print("1 static file copied")
	EOF
	expect_exit 0 slugc compile django -o django.tgz --mirror "$M" &&
	contains out "$ python manage.py collectstatic --noinput" &&
	contains out "1 static file copied" &&
	slugtool names django.tgz >names && contains names "./app/staticfiles/collected.txt" &&
	mkdir envdir && echo 1 >envdir/DISABLE_COLLECTSTATIC &&
	expect_exit 0 slugc compile django -o django2.tgz --mirror "$M" --env-dir envdir &&
	contains out "Skipping Django collectstatic since the env var DISABLE_COLLECTSTATIC is set." &&
	slugtool names django2.tgz >names && not_contains names "staticfiles"
'

# linkapp DIR PYTHON: a Django app whose collectstatic (a step of the build) runs PYTHON.
linkapp() {
	app "$1" && printf 'tinyweb\ndjango\n' >"$1/requirements.txt" &&
	echo "web: tinyweb app:application" >"$1/Procfile" &&
	printf 'import os, sys\nif sys.argv[1:3] == ["collectstatic", "--noinput"]:\n    %s\n' "$2" \
		>"$1/manage.py"
}
# It reports the link count and inode of the interpreter the build has, outside the app.
linkapp linked "st = os.stat('.heroku/python/bin/python$MINOR'); open('$TRASH/links.txt', 'w').write('%d %d' % (st.st_nlink, st.st_ino))"
linkapp poison "open('.heroku/python/lib/python$MINOR/LICENSE.txt', 'a').write('poisoned\\n')"
# The interpreter in the toolchain entry of cache $1.
cached_python() {
	ls -d "$1"/toolchains/*/bin/python"$MINOR"
}

test_expect_success 'the runtime is hard-linked from the cache; cold and warm builds give the same bytes' '
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc-cold" -o linked-cold.tgz &&
	contains out "Unpacking python-$VERSION-ubuntu-24.04-" &&
	contains out "Successfully installed" &&
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc" -o linked1.tgz &&
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc" -o linked2.tgz &&
	not_contains out "Unpacking" && not_contains err "in place" &&
	contains out "Restored the packages of .heroku/python from the build cache" &&
	contains out "Using cached pip $PIP_V" &&
	equal "$(cat links.txt)" "2 $(stat -c %i "$(cached_python "$TRASH/lc")")" &&
	equal "$(stat -c %h "$(cached_python "$TRASH/lc")")" 1 &&
	equal "$(sha linked1.tgz)" "$(sha linked-cold.tgz)" &&
	equal "$(sha linked2.tgz)" "$(sha linked-cold.tgz)" &&
	tar -tvzf linked2.tgz "./app/.heroku/python/bin/python$MINOR" | grep -q "^-rwxr-xr-x "
'

test_expect_success 'the kept packages hold what pip added, not the runtime' '
	kept=$(ls -d "$TRASH"/lc/build/*/dirs/python-packages-*/) &&
	test -f "$kept/tree/lib/python$MINOR/site-packages/greeting.py" &&
	test -f "$kept/tree/bin/tinyweb" &&
	test ! -e "$kept/tree/bin/python$MINOR" && test ! -e "$kept/tree/lib/python$MINOR/os.py" &&
	test ! -s "$kept/removed"
'

test_expect_success 'a step writing into a runtime file in place: in its slug, the entry evicted' '
	expect_exit 0 slugc compile poison --mirror "$M" --cache-dir "$TRASH/lc" -o poison.tgz &&
	contains err "a build step changed .heroku/python/lib/python$MINOR/LICENSE.txt in place" &&
	contains err "now evicted" &&
	equal "$(tar -xzf poison.tgz -O "./app/.heroku/python/lib/python$MINOR/LICENSE.txt" | tail -n 1)" poisoned &&
	test -z "$(find "$TRASH/lc/toolchains" -mindepth 1 -maxdepth 1 -type d)" &&
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc" -o linked3.tgz &&
	contains out "Unpacking python-$VERSION-ubuntu-24.04-" &&
	contains out "Restored the packages of .heroku/python from the build cache" &&
	not_contains err "in place" &&
	! grep -q poisoned "$(cached_python "$TRASH/lc")/../../lib/python$MINOR/LICENSE.txt" &&
	equal "$(sha linked3.tgz)" "$(sha linked-cold.tgz)"
'

test_expect_success 'damaged kept packages: a warning, a clean install, the same bytes' '
	for kept in "$TRASH"/lc/build/*/dirs/python-packages-*/; do rm "$kept/removed" || return 1; done &&
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc" -o linked4.tgz &&
	contains err "the build cache'"'"'s packages of .heroku/python are damaged" &&
	contains out "Installing pip $PIP_V" &&
	equal "$(sha linked4.tgz)" "$(sha linked-cold.tgz)" &&
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc" -o linked5.tgz &&
	contains out "Restored the packages of .heroku/python from the build cache" &&
	equal "$(sha linked5.tgz)" "$(sha linked-cold.tgz)"
'

test_expect_success 'a kept list of removed paths that leaves .heroku/python is refused, nothing deleted' '
	echo keep >"$TRASH/outside" &&
	for kept in "$TRASH"/lc/build/*/dirs/python-packages-*/; do
		printf "../../../../outside\0" >"$kept/removed" || return 1
	done &&
	expect_exit 0 slugc compile linked --mirror "$M" --cache-dir "$TRASH/lc" -o linked6.tgz &&
	contains err "names '"'"'../../../../outside'"'"', not a path in .heroku/python" &&
	test -f "$TRASH/outside" &&
	equal "$(sha linked6.tgz)" "$(sha linked-cold.tgz)"
'

test_expect_success 'no Procfile: said, and no default process types' '
	app noproc && echo tinyweb >noproc/requirements.txt &&
	expect_exit 0 slugc detect noproc --json &&
	equal "$(json out "d[\"languages\"][0][\"default_process_types\"]")" "{}" &&
	contains out "there is no Procfile, and Heroku'"'"'s Python buildpack gives no default process types"
'

# refused DIR MESSAGE: the compile fails with exit 1 and exactly one line naming the problem.
refused() {
	expect_error 1 "$2" slugc compile "$1" -o refused.tgz --mirror "$M" &&
	test ! -e refused.tgz
}

test_expect_success 'a corrupted runtime archive fails, naming it' '
	app corrupt && echo tinyweb >corrupt/requirements.txt && echo "$MINOR.99" >corrupt/.python-version &&
	head -c 100000 "bucket$ARCHIVE" >"bucket/python-$MINOR.99-ubuntu-24.04-$(dpkg --print-architecture).tar.zst" &&
	refused corrupt "cannot unpack $MIRROR_URL/python-$MINOR.99-ubuntu-24.04-"
'

test_expect_success 'a pin mismatch fails, naming both digests' '
	wrong=0000000000000000000000000000000000000000000000000000000000000000 &&
	expect_exit 0 slugc cache prune --all &&
	expect_error 1 "has sha256 $PY_SHA, but the pin given with --runtime-sha256 says $wrong" \
		slugc compile pipapp --mirror "$M" --runtime-sha256 "python=$wrong" -o pinned.tgz
'

test_expect_success 'an unknown or end-of-life version fails, naming the file' '
	app unknown && echo tinyweb >unknown/requirements.txt && echo 3.99 >unknown/.python-version &&
	refused unknown "Python 3.99 (.python-version) isn'"'"'t recognised" &&
	echo 3.8 >unknown/.python-version &&
	refused unknown "Python 3.8 (.python-version) has reached its upstream end-of-life" &&
	echo "python 3.12" >unknown/.python-version &&
	refused unknown ".python-version: invalid Python version '"'"'python 3.12'"'"'"
'

test_expect_success 'two package managers at once fail' '
	app two && echo tinyweb >two/requirements.txt && touch two/poetry.lock two/pyproject.toml &&
	refused two "both requirements.txt (pip) and poetry.lock (Poetry) exist"
'

test_expect_success 'a missing lockfile fails: Pipfile without Pipfile.lock, setup.py alone' '
	app pipfile && touch pipfile/Pipfile &&
	refused pipfile "Pipfile exists but Pipfile.lock does not: run '"'"'pipenv lock'"'"'" &&
	app setuppy && touch setuppy/setup.py &&
	refused setuppy "setup.py without a package manager file"
'

test_done
