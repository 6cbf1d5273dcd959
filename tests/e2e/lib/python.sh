# The Python fixtures of the end-to-end tests (t0008, t3004, t3007), sourced after test-lib.sh.
#
#   use_python_fixtures
# sets PY_MIRROR (Heroku's bucket layout, tests/lib/make-python-mirror.sh), PY_INDEX
# (a PEP 503 index, tests/lib/make-python-index.sh), PY_VERSION and PY_MINOR (the
# mirror's Python), PIP_V and ST_V (the pip and setuptools versions the index holds).
#
#   python_defaults [MANAGER=VERSION...]
# writes $TRASH/defaults.json (detectors/defaults.json pinned to what the fixtures
# hold: the mirror's Python for its minor, pip and setuptools of the index, the host's
# Pipenv, Poetry and uv unless given) and exports SLUGC_DEFAULTS.
#
#   start_python_index DIR
# serves DIR with python's http.server on loopback (it answers a directory with its
# index.html); sets INDEX_PORT and INDEX_LOG, exports PIP_INDEX_URL.

use_python_fixtures() {
	PY_MIRROR=$SLUGC_TEST_CACHE/python-mirror
	PY_INDEX=$SLUGC_TEST_CACHE/python-index
	if [ ! -d "$PY_MIRROR" ] || [ ! -d "$PY_INDEX" ]; then
		PY_MIRROR=$(build_mirror python-mirror make-python-mirror.sh) &&
			PY_INDEX=$(build_mirror python-index make-python-index.sh) || return 1
	fi
	PY_VERSION=$(ls "$PY_MIRROR" | sed -n 's/^python-\([0-9.]*\)-ubuntu-24.04-.*\.tar\.zst$/\1/p' | head -n 1)
	PY_MINOR=${PY_VERSION%.*}
	local whl
	whl=$(cd "$PY_INDEX/files" && ls pip-*.whl) && PIP_V=${whl#pip-} && PIP_V=${PIP_V%%-*} &&
		whl=$(cd "$PY_INDEX/files" && ls setuptools-*.whl) && ST_V=${whl#setuptools-} &&
		ST_V=${ST_V%%-*}
}

python_defaults() {
	python3 - "$SLUGC_SOURCE_DIR/detectors/defaults.json" "$TRASH/defaults.json" \
		"$PY_MINOR" "$PY_VERSION" "$PIP_V" "$ST_V" "$@" <<-\EOF || return 1
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["python"]["latest"][sys.argv[3]] = sys.argv[4]
	managers = dict(pip=sys.argv[5], setuptools=sys.argv[6], pipenv="system",
	                poetry="system", uv="system")
	managers.update(a.split("=", 1) for a in sys.argv[7:])
	d["python"]["managers"].update(managers)
	json.dump(d, open(sys.argv[2], "w"))
	EOF
	export SLUGC_DEFAULTS=$TRASH/defaults.json
}

start_python_index() {
	INDEX_LOG=$TRASH/index.$RANDOM.log
	: >"$INDEX_LOG"
	/usr/bin/python3 -u -m http.server --bind 127.0.0.1 0 --directory "$1" >"$INDEX_LOG" 2>&1 &
	test_cleanup "kill $! 2>/dev/null; wait $! 2>/dev/null"
	local _
	for _ in $(seq 100); do grep -q "port [0-9]" "$INDEX_LOG" && break; sleep 0.1; done
	INDEX_PORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' "$INDEX_LOG" | head -n 1)
	[ -n "$INDEX_PORT" ] || { echo "the package index did not start"; cat "$INDEX_LOG"; return 1; }
	export PIP_INDEX_URL=http://127.0.0.1:$INDEX_PORT/simple/
}
