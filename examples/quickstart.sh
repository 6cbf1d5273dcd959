#!/usr/bin/env bash
# The README's first command: compile examples/node-hello into a slug and
# show what is in it. Run from anywhere after ./bootstrap.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
slugc="$root/build/slugc"
out="$root/out"
mkdir -p "$out"

"$slugc" compile "$root/examples/node-hello" -o "$out/node-hello.tgz"
echo
"$slugc" inspect "$out/node-hello.tgz" --manifest "$out/node-hello.json"
echo
echo "Listing of $out/node-hello.tgz:"
tar tvzf "$out/node-hello.tgz"
