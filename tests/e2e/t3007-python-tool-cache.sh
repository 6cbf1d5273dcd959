#!/usr/bin/env bash
# A package manager pinned to a version (not the host's) is installed into a
# venv kept in the app's build cache, and a later build uses it: its
# interpreter must outlive the build that made it. The tool here is a
# STAND-IN for Pipenv (a wheel written below, served by a loopback PEP 503
# index): `pipenv install --deploy` only says it ran, which is all this test
# needs of it.
. "$(dirname "$0")/test-lib.sh"

. "$TEST_LIB_DIR/lib/python.sh"
use_python_fixtures || { echo "cannot build the Python mirror or index"; exit 99; }
VERSION=$PY_VERSION MINOR=$PY_MINOR

cp -r "$PY_MIRROR" "$TRASH/bucket"
start_mirror "$TRASH/bucket" || exit 99
M="python=$MIRROR_URL"

# The index, plus the stand-in pipenv 0.0.1 wheel.
cp -r "$PY_INDEX" "$TRASH/index"
python3 - "$TRASH/index" <<-\EOF || exit 99
	import base64, hashlib, os, sys, zipfile
	root = sys.argv[1]
	name = "pipenv-0.0.1-py3-none-any.whl"
	files = {
	    "pipenv_standin/__init__.py":
	        "import sys\n\ndef main():\n"
	        "    print('stand-in pipenv ran:', ' '.join(sys.argv[1:]), 'on', sys.version.split()[0])\n"
	        "    return 0 if sys.argv[1:3] == ['install', '--deploy'] else 2\n",
	    "pipenv-0.0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: pipenv\nVersion: 0.0.1\n",
	    "pipenv-0.0.1.dist-info/WHEEL":
	        "Wheel-Version: 1.0\nGenerator: slugc-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
	    "pipenv-0.0.1.dist-info/entry_points.txt": "[console_scripts]\npipenv = pipenv_standin:main\n",
	}
	record = []
	for path, text in files.items():
	    digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
	    record.append("%s,sha256=%s,%d" % (path, digest.decode(), len(text.encode())))
	record.append("pipenv-0.0.1.dist-info/RECORD,,")
	files["pipenv-0.0.1.dist-info/RECORD"] = "\n".join(record) + "\n"
	whl = os.path.join(root, "files", name)
	with zipfile.ZipFile(whl, "w") as z:
	    for path in sorted(files):
	        z.writestr(zipfile.ZipInfo(path, (1980, 1, 1, 0, 0, 0)), files[path])
	sha = hashlib.sha256(open(whl, "rb").read()).hexdigest()
	os.makedirs(os.path.join(root, "simple", "pipenv"))
	with open(os.path.join(root, "simple", "pipenv", "index.html"), "w") as f:
	    f.write('<a href="../../files/%s#sha256=%s">%s</a>\n' % (name, sha, name))
EOF
start_python_index "$TRASH/index" || exit 99
python_defaults pipenv=0.0.1 || exit 99

mkdir -p app
printf '%s\n' "$MINOR" >app/.python-version
printf '[packages]\n\n[requires]\npython_version = "%s"\n' "$MINOR" >app/Pipfile
printf '{"_meta": {"hash": {"sha256": "0"}, "pipfile-spec": 6, "requires": {"python_version": "%s"}, "sources": []}, "default": {}, "develop": {}}\n' "$MINOR" >app/Pipfile.lock
echo 'print("hello")' >app/app.py
echo 'web: python app.py' >app/Procfile

tool_dirs() { ls -d "$HOME"/.cache/slugc/build/*/python-pipenv-* 2>/dev/null | wc -l; }

test_expect_success 'the first build installs the pinned Pipenv into the build cache and runs it' '
	expect_exit 0 slugc compile app --mirror "$M" -o one.tgz &&
	contains out "Installing Pipenv 0.0.1" &&
	contains out "stand-in pipenv ran: install --deploy on $VERSION" &&
	equal "$(tool_dirs)" 1
'

test_expect_success 'the next build uses the cached Pipenv, and it still runs' '
	expect_exit 0 slugc compile app --mirror "$M" -o two.tgz &&
	contains out "Using cached Pipenv 0.0.1" &&
	contains out "stand-in pipenv ran: install --deploy on $VERSION" &&
	equal "$(sha two.tgz)" "$(sha one.tgz)"
'

test_expect_success 'the kept venv runs on the cached toolchain, not on a removed build directory' '
	venv=$(ls -d "$HOME"/.cache/slugc/build/*/python-pipenv-*/venv) &&
	target=$(readlink -f "$venv/bin/python") &&
	case "$target" in "$HOME"/.cache/slugc/toolchains/*) ;; *) echo "interpreter: $target"; false ;; esac
'

test_expect_success 'a kept Pipenv whose interpreter is gone is installed again' '
	venv=$(ls -d "$HOME"/.cache/slugc/build/*/python-pipenv-*/venv) &&
	ln -sfn /nonexistent/python "$venv/bin/python" &&
	expect_exit 0 slugc compile app --mirror "$M" -o three.tgz &&
	contains out "Installing Pipenv 0.0.1" &&
	contains out "stand-in pipenv ran: install --deploy on $VERSION" &&
	equal "$(sha three.tgz)" "$(sha one.tgz)" &&
	expect_exit 0 slugc compile app --mirror "$M" -o four.tgz &&
	contains out "Using cached Pipenv 0.0.1" &&
	equal "$(sha four.tgz)" "$(sha one.tgz)"
'

test_expect_success 'after prune --all it is installed again' '
	expect_exit 0 slugc cache prune --all &&
	expect_exit 0 slugc compile app --mirror "$M" -o five.tgz &&
	contains out "Installing Pipenv 0.0.1" &&
	equal "$(sha five.tgz)" "$(sha one.tgz)"
'

test_done
