#!/usr/bin/env bash
# Promote what staging runs to production: the very same slug (same bytes,
# same sha256), released on the production app. The Heroku announcement's
# third flow.
#
#   HEROKU_API_KEY=... examples/promote.sh STAGING_APP PRODUCTION_APP
#
# Refuses when staging's newest release did not succeed, and shows both
# apps' newest releases afterwards so the log of the pipeline says what went
# where.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 STAGING_APP PRODUCTION_APP" >&2; exit 2; }
from=$1 to=$2
slugc=${SLUGC:-slugc}

"$slugc" releases --app "$from" --num 1
"$slugc" promote --from "$from" --to "$to"
"$slugc" releases --app "$to" --num 1
