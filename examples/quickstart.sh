#!/usr/bin/env bash
# The README's first command: compile examples/node-hello into a slug, show
# what is in it, publish it to a local Platform API (tests/platform/emulator.py,
# the stand-in for api.heroku.com the tests use), promote it from staging to
# prod, then fetch prod's released slug back from the platform, run it as a
# dyno would and ask it for a page. Run from anywhere after ./bootstrap.
#
# Node.js comes from the official index (nodejs.org) when this machine can
# reach it. Air-gapped (no route to nodejs.org), it comes from a mirror in
# nodejs.org's layout made from the Node.js already installed here
# (tests/lib/make-node-mirror.sh --only-local), which is how build servers
# without internet use slugc too: --mirror nodejs=file://DIR or any static
# HTTP server. SLUGC_MIRROR_NODEJS, if set, wins over both.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
slugc="$root/build/slugc"
out="$root/out"
app="$root/examples/node-hello"
mkdir -p "$out"

if [ -n "${SLUGC_MIRROR_NODEJS:-}" ]; then
	echo "Node.js from SLUGC_MIRROR_NODEJS"
elif curl -fsS -o /dev/null --connect-timeout 3 --max-time 10 https://nodejs.org/dist/index.json 2>/dev/null; then
	echo "Node.js from the official index, https://nodejs.org/dist/"
else
	mirror="$out/node-mirror"
	local_version=$(node --version 2>/dev/null) || {
		echo "quickstart: nodejs.org is out of reach and there is no local Node.js to mirror; run ./bootstrap" >&2
		exit 1
	}
	if [ ! -f "$mirror/${local_version}/SHASUMS256.txt" ]; then
		bash "$root/tests/lib/make-node-mirror.sh" --only-local "$mirror" >/dev/null
	fi
	export SLUGC_MIRROR_NODEJS="file://$mirror"
	echo "Node.js from an offline mirror of this machine's Node.js $local_version: $SLUGC_MIRROR_NODEJS"
	# node-hello asks for 20.x; a machine with another Node.js line builds a copy asking for that line.
	major=${local_version#v}
	major=${major%%.*}
	if [ "$major" != 20 ]; then
		rm -rf "$out/node-hello-src"
		cp -r "$app" "$out/node-hello-src"
		sed -i "s/\"20.x\"/\"$major.x\"/" "$out/node-hello-src/package.json"
		app="$out/node-hello-src"
		echo "(building a copy of node-hello with engines.node \"$major.x\", the line this machine has)"
	fi
fi
echo

"$slugc" compile "$app" -o "$out/node-hello.tgz"
echo
"$slugc" inspect "$out/node-hello.tgz" --manifest "$out/node-hello.json"
echo
echo "Listing of $out/node-hello.tgz (first 15 entries):"
tar tvzf "$out/node-hello.tgz" | awk "NR <= 15"
echo

# A local Platform API: apps "staging" and "prod", token "test-token".
rm -rf "$out/platform"
python3 "$root/tests/platform/emulator.py" --port 0 --port-file "$out/platform.port" \
	--state-dir "$out/platform" >/dev/null 2>&1 &
api_pid=$!
pid=
cleanup() {
	[ -n "$pid" ] && { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	kill "$api_pid" 2>/dev/null || true
	rm -f "$out/platform.port"
}
trap cleanup EXIT
for _ in $(seq 1 100); do [ -s "$out/platform.port" ] && break; sleep 0.1; done
export HEROKU_API_URL="http://127.0.0.1:$(cat "$out/platform.port")" HEROKU_API_KEY=test-token
echo "A local Platform API at $HEROKU_API_URL (apps staging and prod)"
"$slugc" publish "$out/node-hello.tgz" --app staging
"$slugc" promote --from staging --to prod
echo
"$slugc" releases --app prod
echo

# What prod runs: its current release's slug, fetched back from the platform.
api() {
	curl -fsS -H "Accept: application/vnd.heroku+json; version=3" \
		-H "Authorization: Bearer $HEROKU_API_KEY" "$HEROKU_API_URL$1"
}
slug_id=$(api /apps/prod/releases -H "Range: version ..; order=desc, max=1" |
	python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["slug"]["id"])')
# (a slug belongs to the app it was created on: staging)
blob_url=$(api "/apps/staging/slugs/$slug_id" | python3 -c 'import json, sys; print(json.load(sys.stdin)["blob"]["url"])')
curl -fsS -o "$out/prod-release.tgz" "$blob_url"
cmp -s "$out/prod-release.tgz" "$out/node-hello.tgz" &&
	echo "prod's slug $slug_id is byte-for-byte out/node-hello.tgz"

# Run it as a dyno would, on a free port, and ask it for a page.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$slugc" run "$out/prod-release.tgz" web --port "$port" --manifest "$out/node-hello.json" \
	2> >(grep -v "interrupted by SIGTERM" >&2) &
pid=$!
for _ in $(seq 1 100); do
	if body=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then
		echo "GET http://127.0.0.1:$port/ -> $body"
		echo "Stopping it (SIGTERM, as a dyno is stopped)."
		exit 0
	fi
	sleep 0.1
done
echo "quickstart: the slug did not answer on port $port" >&2
exit 1
