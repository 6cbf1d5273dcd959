#!/usr/bin/env bash
# Usage: tests/lib/make-python-mirror.sh DEST [STACK...]
#
# Builds an offline mirror of Heroku's Python runtime bucket
# (https://heroku-buildpack-python.s3.dualstack.us-east-1.amazonaws.com) from
# Debian's Python on this machine (/usr/bin/python3.X; NOT the first python3 on
# PATH, which may be pyenv's):
#
#   DEST/python-<X.Y.Z>-ubuntu-<24.04|22.04>-<arch>.tar.zst   one per STACK
#                                                  (default heroku-24)
#
# <arch> is `dpkg --print-architecture` (amd64 here).  Heroku publishes no index
# and no checksums, so neither does this mirror.  The archive's entries are
# "./bin/python3", ... (tar --directory INSTALL_DIR .), as Heroku's
# builds/build_python_runtime.sh makes them: the buildpack untars it into
# .heroku/python.  Compressed with zstd (level MIRROR_ZSTD_LEVEL, default 3;
# Heroku uses -22 --ultra --long).
#
# What is in the archive (X.Y = 3.11 here):
#   REAL (Debian's files, copied unchanged)
#     bin/python3.11                 Debian's interpreter (ELF; libpython is
#                                    linked in statically, as Heroku's is not)
#     lib/python3.11/                the standard library with lib-dynload/
#                                    (tests, __pycache__ and idlelib left out)
#     lib/python3.11/ensurepip/_bundled/pip-*.whl, setuptools-*.whl
#                                    Debian's python3-pip-whl wheels, where
#                                    Heroku's build keeps ensurepip's bundled pip
#                                    (the buildpack runs `python <wheel>/pip`)
#   LINKS   bin/python3 -> python3.11, bin/python -> python3 (as Heroku's)
#   CHANGED (Debian's Python is patched for Debian's own layout)
#     sysconfig.py: the default install scheme is posix_prefix
#       (lib/python3.11/site-packages, bin/), not Debian's posix_local
#       (local/lib/python3.11/dist-packages)
#     sitecustomize.py (written here, replacing Debian's apport hook): puts
#       lib/python3.11/site-packages on sys.path, as upstream (Debian's site
#       module, frozen into the interpreter, only adds dist-packages)
#     EXTERNALLY-MANAGED (PEP 668) is removed
#   Empty lib/python3.11/site-packages/.
#   The interpreter finds its prefix from its own location (getpath's landmark
#   lib/python3.11/os.py): relocatable without PYTHONHOME.  It still needs the
#   shared libraries of this Debian machine (libc, libz, libexpat, libssl,
#   libffi, ...): it runs here (bookworm), not on Heroku's Ubuntu stacks.
#
# Verified before publishing: extracted to a temp dir and run with
# env -i PATH=/usr/bin:/bin: sys.prefix is the temp dir, the install scheme
# is posix_prefix, ssl/json/sqlite3/venv import, nothing from /usr/lib/python3*
# is on sys.path, and the bundled pip runs (`python pip-*.whl/pip --version`).
#
# Deterministic (tar --sort=name, fixed owner and mtime, zstd without
# timestamps), built beside DEST and renamed into place.  Prints one summary
# line.  Needs: Debian's python3 (python3.11), python3-pip-whl (or
# python3-venv), GNU tar, zstd.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

case ${1:-} in
-h | --help) mirror_help ;;
esac
[ $# -ge 1 ] || mirror_die "usage: $0 DEST [STACK...]"
dest=$1
shift
stacks=("$@")
[ ${#stacks[@]} -gt 0 ] || stacks=(heroku-24)
start=$SECONDS

command -v zstd >/dev/null || mirror_die "zstd is not on PATH (apt-get install zstd)"
debpy=/usr/bin/python3
[ -x "$debpy" ] || mirror_die "$debpy is missing (apt-get install python3)"
if command -v dpkg >/dev/null; then
	arch=$(dpkg --print-architecture)
else
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
fi

read -r version short stdlib < <(env -i PATH=/usr/bin:/bin "$debpy" -I -c \
	'import sys, sysconfig; print("%d.%d.%d" % sys.version_info[:3], "%d.%d" % sys.version_info[:2], sysconfig.get_paths()["stdlib"])')
exe=$(readlink -f -- "$debpy")
[ -d "$stdlib" ] || mirror_die "no standard library at $stdlib"
wheels=/usr/share/python-wheels
ls "$wheels"/pip-*.whl >/dev/null 2>&1 || mirror_die "no pip wheel in $wheels (apt-get install python3-pip-whl)"

mirror_init "$dest"
pkg=$MIRROR_TMP/pkg
mkdir -p "$pkg/bin" "$pkg/lib"

# --- real files ---------------------------------------------------------------
cp -p -- "$exe" "$pkg/bin/python$short"
ln -s "python$short" "$pkg/bin/python3"
ln -s python3 "$pkg/bin/python"
mirror_copy_tree "$stdlib" "$pkg/lib/python$short"
lib=$pkg/lib/python$short
find "$lib" -depth -type d \( -name __pycache__ -o -name test -o -name tests -o -name idle_test \
	-o -name idlelib \) -exec rm -rf {} +
mkdir -p "$lib/ensurepip/_bundled" "$lib/site-packages"
cp -p "$wheels"/pip-*.whl "$lib/ensurepip/_bundled/"
cp -p "$wheels"/setuptools-*.whl "$lib/ensurepip/_bundled/" 2>/dev/null || true

# --- Debian's layout patches, undone --------------------------------------------
rm -f "$lib/EXTERNALLY-MANAGED"
grep -q "prefix_scheme = 'posix_local'" "$lib/sysconfig.py" &&
	sed -i "s/prefix_scheme = 'posix_local'/prefix_scheme = 'posix_prefix'/" "$lib/sysconfig.py"
# site is frozen into Debian's interpreter (3.11+), so site.py cannot be patched:
# sitecustomize, which site imports from the standard library, adds the directory.
cat >"$lib/sitecustomize.py" <<'EOF'
# Written by slugc's tests/lib/make-python-mirror.sh; not part of Python.
# Debian's interpreter puts only Debian's dist-packages directories on sys.path;
# upstream's (and Heroku's) lib/pythonX.Y/site-packages is added here.
import os, site, sys
site.addsitedir(os.path.join(sys.prefix, "lib", "python%d.%d" % sys.version_info[:2], "site-packages"))
EOF

# --- verify ---------------------------------------------------------------------
check=$MIRROR_TMP/check
cp -a "$pkg" "$check"
out=$(env -i PATH=/usr/bin:/bin "$check/bin/python" -c '
import sys, sysconfig, ssl, json, sqlite3, venv, site
assert sys.prefix == sys.argv[1], sys.prefix
assert sysconfig.get_preferred_scheme("prefix") == "posix_prefix"
assert sysconfig.get_paths()["purelib"] == sys.argv[1] + "/lib/python%d.%d/site-packages" % sys.version_info[:2]
bad = [p for p in sys.path if p.startswith("/usr/")]
assert not bad, bad
assert sysconfig.get_paths()["purelib"] in sys.path, sys.path
print("%d.%d.%d" % sys.version_info[:3])' "$check") || mirror_die "the relocated Python does not work"
[ "$out" = "$version" ] || mirror_die "the relocated Python says $out, not $version"
whl=$(ls "$check/lib/python$short/ensurepip/_bundled"/pip-*.whl | tail -n 1)
env -i PATH=/usr/bin:/bin "$check/bin/python" "$whl/pip" --version >/dev/null ||
	mirror_die "the bundled pip does not run"
rm -rf "$check"

# --- archives -------------------------------------------------------------------
for stack in "${stacks[@]}"; do
	ubuntu=${stack#heroku-}.04
	name=python-$version-ubuntu-$ubuntu-$arch.tar.zst
	tar -C "$pkg" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$MIRROR_MTIME" \
		--format=pax --pax-option=delete=atime,delete=ctime -cf - . |
		zstd -q "-${MIRROR_ZSTD_LEVEL:-3}" -T1 -c >"$MIRROR_OUT/$name"
done
mirror_publish "$dest"
echo "${0##*/}: Python $version for ${stacks[*]} ($arch) in $dest: $(mirror_human "$dest"), $((SECONDS - start)) s"
