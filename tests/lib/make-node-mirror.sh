#!/usr/bin/env bash
# Usage: tests/lib/make-node-mirror.sh [--only-local] DEST [VERSION]
#
# Builds an offline Node.js mirror in the nodejs.org/dist layout
# (https://nodejs.org/dist/, also served as https://nodejs.org/download/release/)
# from the Node.js installed on this machine, so slugc can resolve, fetch,
# verify (sha256) and extract it exactly as it would from nodejs.org:
#
#   DEST/index.json                              release index, newest first
#   DEST/index.tab                               the same as nodejs.org's index.tab
#   DEST/v<X.Y.Z>/node-v<X.Y.Z>-linux-x64.tar.gz official internal layout:
#       node-v<X.Y.Z>-linux-x64/bin/node          the real binary (mode kept)
#       node-v<X.Y.Z>-linux-x64/bin/npm      -> ../lib/node_modules/npm/bin/npm-cli.js
#       node-v<X.Y.Z>-linux-x64/bin/npx      -> ../lib/node_modules/npm/bin/npx-cli.js
#       node-v<X.Y.Z>-linux-x64/bin/corepack -> ../lib/node_modules/corepack/dist/corepack.js
#                                                 (only if corepack is installed)
#       node-v<X.Y.Z>-linux-x64/lib/node_modules/{npm,corepack}/  copied
#       node-v<X.Y.Z>-linux-x64/{CHANGELOG.md,LICENSE,README.md}, share/man/man1/node.1
#                                                 (if the distribution ships them)
#       include/ (headers) is omitted.
#   DEST/v<X.Y.Z>/SHASUMS256.txt                 "<sha256>  <file>" (tar.gz line only;
#                                                 no .sig/.asc: nothing is signed)
#
# VERSION (default: the local `node --version`, e.g. v20.20.2) is the version
# the local runtime is published as.  Unless --only-local is given, the same
# runtime is ALSO published relabelled under these synthetic versions, so that
# resolution has real choices (18.x -> v18.20.4, 16.x -> v16.20.2, the default
# 24.x -> v24.1.0, 22.x -> v22.3.0, 21.x -> v21.7.3):
#
#   v24.1.0  v22.3.0  v21.7.3  v18.20.4  v18.19.0  v16.20.2
#
# A relabelled tarball is the local runtime (e.g. node 20.20.2) under another
# directory name: `node --version` inside still prints the real version, so
# tests must not assert on it.  Their index.json "date" and "lts" are the real
# upstream values for that version number (v24.1.0 and v22.3.0 were released
# before their lines became LTS, so lts is false, as on nodejs.org); "npm",
# "v8", "uv", "zlib", "openssl" and "modules" describe what is really inside.
# The local entry's "lts" is process.release.lts and its "date" the binary's
# mtime.  "files" lists only the token that exists (linux-x64 / linux-arm64).
#
# The node binary, npm and corepack are found with `node -p process.execPath`
# and `npm root -g` (falling back to <prefix>/lib/node_modules), so any
# installed Node.js works (NodeSource's nodejs package here).
#
# Deterministic and idempotent: run twice on the same runtime, the mirror is
# byte-identical (see mirror-lib.sh).  Builds beside DEST, then renames into
# place.  Prints one summary line (versions, size, seconds).
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

only_local=0
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--only-local) only_local=1 ;;
	-h | --help) mirror_help ;;
	--) shift; args+=("$@"); break ;;
	-*) mirror_die "unknown option $1 (usage: $0 [--only-local] DEST [VERSION])" ;;
	*) args+=("$1") ;;
	esac
	shift
done
{ [ ${#args[@]} -ge 1 ] && [ ${#args[@]} -le 2 ]; } ||
	mirror_die "usage: $0 [--only-local] DEST [VERSION]"
dest=${args[0]}
start=$SECONDS

command -v node >/dev/null || mirror_die "node is not on PATH"
node_exe=$(readlink -f -- "$(node -p process.execPath)")
prefix=$(dirname -- "$(dirname -- "$node_exe")")
npm_root=
if command -v npm >/dev/null; then
	npm_root=$(npm root -g 2>/dev/null) || npm_root=
fi
[ -d "$npm_root/npm" ] || npm_root=$prefix/lib/node_modules
[ -f "$npm_root/npm/bin/npm-cli.js" ] || mirror_die "npm not found (looked in $npm_root/npm)"

local_version=$("$node_exe" --version)
label=${args[1]:-$local_version}
label=v${label#v}
[[ $label =~ ^v[0-9]+\.[0-9]+\.[0-9]+$ ]] || mirror_die "bad VERSION $label (want X.Y.Z)"

case $(uname -m) in
x86_64) token=linux-x64 ;;
aarch64) token=linux-arm64 ;;
*) mirror_die "unsupported machine $(uname -m)" ;;
esac

# version date lts  (real nodejs.org values for these version numbers)
relabels="v24.1.0 2025-05-08 false
v22.3.0 2024-06-11 false
v21.7.3 2024-04-10 false
v18.20.4 2024-07-08 Hydrogen
v18.19.0 2023-11-29 Hydrogen
v16.20.2 2023-08-08 Gallium"

mirror_init "$dest"
stage=$MIRROR_TMP/stage
mkdir -p "$stage"

# --- the runtime tree, built once and renamed per version ------------------
tree=$stage/tree
mkdir -p "$tree/bin" "$tree/lib/node_modules"
cp -p -- "$node_exe" "$tree/bin/node"
mirror_copy_tree "$npm_root/npm" "$tree/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$tree/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$tree/bin/npx"
if [ -f "$npm_root/corepack/dist/corepack.js" ]; then
	mirror_copy_tree "$npm_root/corepack" "$tree/lib/node_modules/corepack"
	ln -s ../lib/node_modules/corepack/dist/corepack.js "$tree/bin/corepack"
fi
for doc in CHANGELOG.md LICENSE README.md; do
	for d in "$prefix/share/doc/nodejs" "$prefix/share/doc/node"; do
		if [ -f "$d/$doc" ]; then cp -p -- "$d/$doc" "$tree/$doc"; break; fi
	done
done
if [ -f "$prefix/share/man/man1/node.1.gz" ]; then
	mkdir -p "$tree/share/man/man1"
	gzip -dc "$prefix/share/man/man1/node.1.gz" >"$tree/share/man/man1/node.1"
elif [ -f "$prefix/share/man/man1/node.1" ]; then
	mkdir -p "$tree/share/man/man1"
	cp -p -- "$prefix/share/man/man1/node.1" "$tree/share/man/man1/node.1"
fi

# --- what is inside, for index.json -----------------------------------------
npm_version=$("$node_exe" -p "require('$npm_root/npm/package.json').version")
local_lts=$("$node_exe" -p 'process.release.lts ? JSON.stringify(process.release.lts) : "false"')
local_date=$(date -u -r "$node_exe" +%F)

entries="$label $local_date $local_lts"
if [ "$only_local" = 0 ]; then
	while read -r v d l; do
		[ "$v" = "$label" ] && continue
		[ "$l" = false ] || l="\"$l\""
		entries+=$'\n'"$v $d $l"
	done <<<"$relabels"
fi

# --- tarballs + SHASUMS256.txt ----------------------------------------------
cur=tree
versions=()
while read -r v _; do
	name=node-$v-$token
	mv "$stage/$cur" "$stage/$name"
	cur=$name
	mkdir -p "$MIRROR_OUT/$v"
	mirror_tgz "$MIRROR_OUT/$v/$name.tar.gz" "$stage" "$name"
	(cd "$MIRROR_OUT/$v" && sha256sum "$name.tar.gz" >SHASUMS256.txt)
	versions+=("$v")
done <<<"$entries"

# --- index.json / index.tab (newest first, as nodejs.org) -------------------
ENTRIES=$entries TOKEN=$token NPM=$npm_version OUT=$MIRROR_OUT "$node_exe" -e '
const env = process.env, v = process.versions;
const cmp = (a, b) => { const x = a.slice(1).split(".").map(Number), y = b.slice(1).split(".").map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return y[i] - x[i]; return 0; };
const rel = env.ENTRIES.split("\n").map(l => { const [version, date, lts] = l.split(" ");
  return { version, date, files: [env.TOKEN], npm: env.NPM, v8: v.v8, uv: v.uv, zlib: v.zlib,
           openssl: v.openssl, modules: v.modules, lts: JSON.parse(lts), security: false }; });
rel.sort((a, b) => cmp(a.version, b.version));
const fs = require("fs");
fs.writeFileSync(env.OUT + "/index.json", JSON.stringify(rel, null, 2) + "\n");
const cols = ["version", "date", "files", "npm", "v8", "uv", "zlib", "openssl", "modules", "lts", "security"];
fs.writeFileSync(env.OUT + "/index.tab", cols.join("\t") + "\n" + rel.map(r => cols.map(c =>
  c === "files" ? r.files.join(",") : c === "lts" ? (r.lts || "-") : String(r[c])).join("\t")).join("\n") + "\n");
'

# --- verify: checksums, and the local version runs from where it is extracted
check=$MIRROR_TMP/check
mkdir -p "$check"
for v in "${versions[@]}"; do
	(cd "$MIRROR_OUT/$v" && sha256sum --quiet -c SHASUMS256.txt) ||
		mirror_die "SHASUMS256.txt does not match for $v"
done
tar -xzf "$MIRROR_OUT/$label/node-$label-$token.tar.gz" -C "$check"
nd=$check/node-$label-$token
got=$(env -i PATH="$nd/bin:/usr/bin:/bin" HOME="$check" "$nd/bin/node" --version)
[ "$got" = "$local_version" ] || mirror_die "extracted node printed '$got', expected $local_version"
got=$(env -i PATH="$nd/bin:/usr/bin:/bin" HOME="$check" npm_config_cache="$check/npm-cache" \
	npm_config_update_notifier=false "$nd/bin/npm" --version)
[ "$got" = "$npm_version" ] || mirror_die "extracted npm printed '$got', expected $npm_version"
if [ -L "$nd/bin/corepack" ]; then
	env -i PATH="$nd/bin:/usr/bin:/bin" HOME="$check" "$nd/bin/corepack" --version >/dev/null ||
		mirror_die "extracted corepack does not run"
fi
rm -rf "$check" "$stage"

mirror_publish "$dest"
echo "node mirror: $dest: ${#versions[@]} version(s) [${versions[*]}] of node $local_version" \
	"(npm $npm_version), $(mirror_human "$dest"), $((SECONDS - start))s"
