#!/usr/bin/env bash
# Publishing as heroku CLI users expect, against the Platform API emulator:
# any slug (no slugc manifest: its Procfile, or --process-types), the missing
# slug named, the whole bad API URL quoted, HEROKU_HOST, promote of the
# current release, the releases table. Exact requests asserted.
. "$(dirname "$0")/test-lib.sh"

start_platform || exit 99
LOG="$PLATFORM_STATE/requests.jsonl"
MARK=0
reset_log() { MARK=$(wc -l <"$LOG"); }
newlog() { tail -n "+$((MARK + 1))" "$LOG"; }
requests() { newlog | jq -r "\"\(.method) \(.path) \(.status)\""; }
api() {
	local path=$1
	shift
	curl -fsS -H "Accept: application/vnd.heroku+json; version=3" \
		-H "Authorization: Bearer test-token" "$@" "$PLATFORM_URL$path"
}

# A slug made by another tool: tar | gzip, ./app/ with a Procfile, no manifest.
mkdir -p other/app && printf "web: ./serve --port \$PORT\nworker: ./work\n" >other/app/Procfile &&
echo hi >other/app/index.html &&
tar -C other -czf foreign.tgz ./app || exit 99

test_expect_success 'a slug without a manifest: process types from its Procfile, its checksum computed' '
	reset_log &&
	expect_exit 0 slugc publish foreign.tgz --app staging &&
	contains out "process types from the slug'"'"'s Procfile" && contains out "Released v1 on staging" &&
	requests | sed -E "s/[0-9a-f-]{36}/ID/" >reqs &&
	equal "$(cat reqs)" "POST /apps/staging/slugs 201
PUT /blobs/ID 200
POST /apps/staging/releases 201" &&
	newlog | jq -c "select(.path == \"/apps/staging/slugs\") | .body | fromjson" >body &&
	equal "$(cat body)" "{\"process_types\":{\"web\":\"./serve --port \$PORT\",\"worker\":\"./work\"},\"checksum\":\"SHA256:$(sha foreign.tgz)\"}"
'

test_expect_success '--process-types as TYPE=COMMAND (repeatable) or JSON, over the Procfile' '
	reset_log &&
	expect_exit 0 slugc publish foreign.tgz --app staging --process-types "web=./other" \
		--process-types "{\"clock\": \"./tick\"}" &&
	newlog | jq -c "select(.path == \"/apps/staging/slugs\") | .body | fromjson | .process_types" >pt &&
	equal "$(cat pt)" "{\"web\":\"./other\",\"worker\":\"./work\",\"clock\":\"./tick\"}" &&
	mkdir -p bare/app && echo x >bare/app/x && tar -C bare -czf bare.tgz ./app &&
	expect_error 2 "${q:-}has no manifest beside it and no ./app/Procfile: give --manifest FILE, or --process-types" \
		slugc publish bare.tgz --app staging &&
	expect_exit 0 slugc publish bare.tgz --app staging --process-types "web=./x" &&
	expect_error 2 "--process-types expects TYPE=COMMAND or a JSON object" \
		slugc publish bare.tgz --app staging --process-types "web"
'

test_expect_success 'publish of a missing slug names the slug, not a manifest' '
	reset_log &&
	expect_error 1 "slug '"'"'nope.tgz'"'"' does not exist" slugc publish nope.tgz --app staging &&
	not_contains err "nope.json" && equal "$(requests)" ""
'

test_expect_success 'a non-HTTP --api-url is quoted whole' '
	expect_error 2 "the API URL '"'"'ftp://example.com/api/v3'"'"' must be http:// or https://" \
		slugc releases --app staging --api-url ftp://example.com/api/v3
'

test_expect_success 'HEROKU_HOST, the heroku CLI'"'"'s variable, is honoured (a URL as is)' '
	reset_log &&
	(unset HEROKU_API_URL; HEROKU_HOST="$PLATFORM_URL" expect_exit 0 slugc releases --app staging) &&
	equal "$(requests)" "GET /apps/staging/releases 200" &&
	(unset HEROKU_API_URL; HEROKU_HOST=example.invalid expect_exit 1 slugc releases --app staging) &&
	contains err "api.example.invalid"
'

test_expect_success 'promote takes the current release, not a newer failed one' '
	api /apps/staging/releases/3 >v3.json &&
	platform POST config "{\"release_phase\": {\"pending_gets\": 0, \"outcome\": \"failed\"}}" >/dev/null &&
	expect_exit 1 slugc publish foreign.tgz --app staging --process-types "web=./broken" &&
	platform POST config "{\"release_phase\": null}" >/dev/null &&
	api /apps/staging/releases -H "Range: version ..; order=desc, max=1" >newest.json &&
	equal "$(jq -r ".[0].status" newest.json)" failed &&
	reset_log &&
	expect_exit 0 slugc promote --from staging --to prod &&
	contains out "Released v1 on prod" &&
	api /apps/prod/releases/1 >p1.json &&
	equal "$(jq -r .slug.id p1.json)" "$(jq -r .slug.id v3.json)" &&
	equal "$(jq -r .description p1.json)" "Promote staging v3" &&
	requests >reqs && equal "$(head -1 reqs)" "GET /apps/staging/releases 200" &&
	equal "$(newlog | jq -r "select(.method == \"GET\") | .headers.range" | head -1)" \
		"version ..; order=desc, max=200"
'

test_expect_success 'releases: the heroku CLI'"'"'s table, and --json for scripts' '
	expect_exit 0 slugc releases --app staging &&
	equal "$(sed -n 1p out)" "=== staging Releases - Current: v3" &&
	grep -Eq "^v4  Deploy [0-9a-f]{8} \(release command failed\)  [^ ]+  [0-9]{4}/" out &&
	grep -Eq "^v1  Deploy [0-9a-f]{8}  +[^ ]+@[^ ]+  [0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} \+0000 \(~ [0-9]+[smhd] ago\)$" out &&
	expect_exit 0 slugc releases --app staging --json &&
	equal "$(jq -r ".[0].version" out)" 4 && equal "$(jq -r "map(select(.current)) | .[0].version" out)" 3
'

test_done
