#!/usr/bin/env bash
# Usage: tests/lib/make-python-index.sh DEST
#
# Builds an offline Python package index in the layout of PEP 503 (the "simple"
# repository API pip, Pipenv, Poetry and uv speak), for the end-to-end tests:
#
#   DEST/simple/index.html                 one link per project
#   DEST/simple/<project>/index.html       one link per file:
#                                          ../../files/<file>#sha256=<hex>
#   DEST/files/<wheel>                     the wheels
#
# Serve DEST with any static server that answers a directory with its
# index.html as text/html (python3 -m http.server does) and point pip at
# http://HOST:PORT/simple/.
#
# The wheels:
#   WRITTEN HERE (pure-Python, py3-none-any, built with zipfile: fixed
#   timestamps, sorted entries, so byte-identical on every run)
#     greeting 1.0      greeting.hello() -> "Hello from greeting"
#     tinyweb 1.0       requires greeting; console script `tinyweb MODULE:APP`
#                       serves a WSGI app on $PORT with wsgiref
#     django 0.0.1      a STAND-IN, not Django: an empty package, so that
#                       "is django installed" is true and manage.py (which the
#                       test writes) runs collectstatic
#   REAL (copied from Debian's python3-pip-whl, /usr/share/python-wheels)
#     pip-*.whl, setuptools-*.whl, wheel-*.whl: what the build installs as
#     the package manager when the tests pin these versions
#
# Built beside DEST and renamed into place.  Prints one summary line.
# Needs: Debian's python3 (/usr/bin/python3), python3-pip-whl.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

case ${1:-} in
-h | --help) mirror_help ;;
esac
[ $# -eq 1 ] || mirror_die "usage: $0 DEST"
dest=$1
start=$SECONDS
mirror_init "$dest"
mkdir -p "$MIRROR_OUT/files" "$MIRROR_OUT/simple"
cp -p /usr/share/python-wheels/*.whl "$MIRROR_OUT/files/"

env -i PATH=/usr/bin:/bin /usr/bin/python3 -I - "$MIRROR_OUT" <<'EOF'
import base64, hashlib, html, os, re, sys, zipfile

out = sys.argv[1]
files = os.path.join(out, "files")

def wheel(name, version, modules, requires=(), scripts=None):
    dist = f"{name}-{version}.dist-info"
    meta = [f"Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
            "Summary: a test package written by slugc's tests/lib/make-python-index.sh"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    entries = dict(modules)
    entries[f"{dist}/METADATA"] = "\n".join(meta) + "\n"
    entries[f"{dist}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: slugc-tests\n"
                                "Root-Is-Purelib: true\nTag: py3-none-any\n")
    if scripts:
        entries[f"{dist}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{k} = {v}\n" for k, v in scripts.items())
    record = []
    for path in sorted(entries):
        data = entries[path].encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    entries[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    path = os.path.join(files, f"{name}-{version}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(entries):
            info = zipfile.ZipInfo(p, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, entries[p])

wheel("greeting", "1.0", {"greeting.py": 'def hello():\n    return "Hello from greeting"\n'})
wheel("tinyweb", "1.0", {"tinyweb.py": '''"""Serve a WSGI app on $PORT: tinyweb MODULE:APP."""
import importlib, os, signal, sys
from wsgiref.simple_server import make_server


def main():
    # wsgiref's handlers catch KeyboardInterrupt: let SIGINT stop the server as SIGTERM does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    module, _, attr = sys.argv[1].partition(":")
    sys.path.insert(0, os.getcwd())
    app = getattr(importlib.import_module(module), attr or "application")
    port = int(os.environ.get("PORT", "5000"))
    print("tinyweb: serving %s on port %d with %s" % (sys.argv[1], port, sys.executable), flush=True)
    make_server("127.0.0.1", port, app).serve_forever()
'''}, requires=["greeting"], scripts={"tinyweb": "tinyweb:main"})
wheel("django", "0.0.1", {"django/__init__.py": '"""A stand-in for tests: not Django."""\nVERSION = (0, 0, 1)\n'})

projects = {}
for f in sorted(os.listdir(files)):
    name = re.sub(r"[-_.]+", "-", f.split("-")[0]).lower()
    projects.setdefault(name, []).append(f)
simple = os.path.join(out, "simple")
with open(os.path.join(simple, "index.html"), "w") as idx:
    idx.write("<!DOCTYPE html>\n<html><body>\n")
    for name in sorted(projects):
        idx.write(f'<a href="{name}/">{name}</a>\n')
        os.makedirs(os.path.join(simple, name))
        with open(os.path.join(simple, name, "index.html"), "w") as page:
            page.write("<!DOCTYPE html>\n<html><body>\n")
            for f in projects[name]:
                with open(os.path.join(files, f), "rb") as w:
                    digest = hashlib.sha256(w.read()).hexdigest()
                page.write(f'<a href="../../files/{html.escape(f)}#sha256={digest}">{html.escape(f)}</a>\n')
            page.write("</body></html>\n")
    idx.write("</body></html>\n")
EOF
mirror_publish "$dest"
echo "${0##*/}: $(find "$dest/files" -name '*.whl' | wc -l) wheels in $dest: $(mirror_human "$dest"), $((SECONDS - start)) s"
