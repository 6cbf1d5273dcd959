#!/usr/bin/env bash
# Build an app from a local directory and deploy it to Heroku: no git push,
# no Docker, no SSH keys. The Heroku announcement's first flow.
#
#   HEROKU_API_KEY=... examples/deploy-directory.sh DIR APP [DESCRIPTION]
#
# DIR is any directory holding an app (a Procfile, package.json, Gemfile,
# go.mod ...); APP is the Heroku app to release on. The token may also come
# from ~/.netrc (heroku login writes it). HEROKU_API_URL points slugc at
# another Platform-API-compatible endpoint (the tests use a local emulator).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR APP [DESCRIPTION]" >&2; exit 2; }
dir=$1 app=$2
slugc=${SLUGC:-slugc}

# compile + upload + release in one step; the slug is built in a temporary
# directory and removed afterwards. Add -o app.tgz to keep it.
"$slugc" deploy "$dir" --app "$app" ${3:+--description "$3"}
"$slugc" releases --app "$app" --num 3
