#!/usr/bin/env bash
# Publishing to the Platform API emulator (tests/platform/emulator.py):
# publish, promote, releases, deploy; the API's errors, faults and retries;
# and no secret in any output.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }
start_platform || exit 99
LOG="$PLATFORM_STATE/requests.jsonl"

# The emulator appends to its log while it runs: a test notes where the log
# ends (reset_log) and reads what came after it (newlog).
MARK=0
reset_log() {
	MARK=$(wc -l <"$LOG")
}
newlog() {
	tail -n "+$((MARK + 1))" "$LOG"
}
# requests: the requests since reset_log as "METHOD PATH STATUS" lines.
requests() {
	newlog | jq -r "\"\(.method) \(.path) \(.status)\""
}
count() {
	requests | grep -c "^$1" || true
}
# api PATH [CURL-OPTIONS]: a GET as test-token, straight to the emulator.
api() {
	local path=$1
	shift
	curl -fsS -H "Accept: application/vnd.heroku+json; version=3" \
		-H "Authorization: Bearer test-token" "$@" "$PLATFORM_URL$path"
}
faults() {
	platform POST faults "$1" >/dev/null
}
# Every output of every slugc run, for the secrets scan at the end.
slugc() {
	local rc=0
	"$SLUGC" "$@" >"$TRASH/.o" 2>"$TRASH/.e" || rc=$?
	cat "$TRASH/.o"
	cat "$TRASH/.e" >&2
	cat "$TRASH/.o" "$TRASH/.e" >>"$TRASH/all-output"
	return $rc
}

# node-hello as a git repository, so the manifest has a commit.
mkdir -p "$TRASH/repo"
cp -r "$EXAMPLES/node-hello/." "$TRASH/repo/"
git_fixed -C "$TRASH/repo" init -q
git_fixed -C "$TRASH/repo" add .
(cd "$TRASH/repo" && commit_at "2025-01-01T00:00:00Z" -m "node-hello for publishing")

test_expect_success 'compile node-hello, publish it: v1 holds the slug, byte for byte' '
	expect_exit 0 slugc compile "$TRASH/repo" -o hello.tgz &&
	expect_exit 0 slugc publish hello.tgz --app staging &&
	contains out "Released v1 on staging" &&
	api /apps/staging/releases/1 >v1.json &&
	slug=$(json v1.json "d[\"slug\"][\"id\"]") &&
	equal "$(json v1.json "d[\"status\"]")" succeeded &&
	equal "$(json v1.json "d[\"description\"]")" "Deploy $(git -C "$TRASH/repo" rev-parse HEAD | cut -c1-8)" &&
	api "/apps/staging/slugs/$slug" >api-slug.json &&
	equal "$(json api-slug.json "d[\"process_types\"]")" "$(json hello.json "d[\"process_types\"]")" &&
	equal "$(json api-slug.json "d[\"commit\"]")" "$(json hello.json "d[\"commit\"]")" &&
	equal "$(json api-slug.json "d[\"commit\"]")" "$(git -C "$TRASH/repo" rev-parse HEAD)" &&
	equal "$(json api-slug.json "d[\"checksum\"]")" "$(json hello.json "d[\"checksum\"]")" &&
	equal "$(json api-slug.json "d[\"stack\"][\"name\"]")" heroku-24 &&
	curl -fsS "$PLATFORM_URL/blobs/$slug" -o blob.tgz &&
	cmp blob.tgz hello.tgz &&
	jq -r "select(.method == \"PUT\") | .headers[\"content-type\"] // \"none\"" "$LOG" >ctype &&
	equal "$(cat ctype)" none
'

test_expect_success 'every API request sends the v3 Accept header, the token and our User-Agent' '
	jq -r "select(.path | startswith(\"/apps/\")) | .headers.accept" "$LOG" | sort -u >accept &&
	equal "$(cat accept)" "application/vnd.heroku+json; version=3" &&
	jq -r "select(.path | startswith(\"/apps/\")) | .headers.authorization" "$LOG" | sort -u >auth &&
	equal "$(cat auth)" "Bearer test-token" &&
	jq -r ".headers[\"user-agent\"]" "$LOG" | sort -u >ua &&
	grep -q "^slugc/" ua
'

test_expect_success 'publish again: v2, current' '
	expect_exit 0 slugc publish hello.tgz --app staging --description "second" --json &&
	equal "$(json out "d[\"version\"]")" 2 &&
	equal "$(json out "d[\"current\"]")" true &&
	equal "$(json out "d[\"description\"]")" second
'

test_expect_success 'promote staging to prod: the same slug id, described as a promotion' '
	api /apps/staging/releases/2 >v2.json &&
	expect_exit 0 slugc promote --from staging --to prod &&
	contains out "Released v1 on prod" &&
	api /apps/prod/releases/1 >p1.json &&
	equal "$(json p1.json "d[\"slug\"][\"id\"]")" "$(json v2.json "d[\"slug\"][\"id\"]")" &&
	equal "$(json p1.json "d[\"description\"]")" "Promote staging v2" &&
	jq -r "select(.method == \"GET\" and .path == \"/apps/staging/releases\") | .headers.range" "$LOG" >range &&
	equal "$(tail -1 range)" "version ..; order=desc, max=200"
'

test_expect_success 'promote from an app the token cannot read fails with the API message' '
	expect_error 1 "You do not have access to the app other. (id forbidden, HTTP 403" \
		slugc promote --from other --to prod
'

test_expect_success 'promote: a slug the token lost access to is refused (403), reported as such' '
	HEROKU_API_KEY=other-token expect_exit 0 slugc publish hello.tgz --app other &&
	platform POST config "{\"tokens\": {\"test-token\": [\"staging\", \"prod\"], \"other-token\": [\"other\"], \"reader\": [\"other\", \"prod\"]}, \"apps\": [\"staging\", \"prod\", \"other\"]}" >/dev/null &&
	faults "[{\"method\": \"POST\", \"path\": \"/apps/prod/releases\", \"action\": \"delay\", \"seconds\": 3}]" &&
	{ HEROKU_API_KEY=reader "$SLUGC" promote --from other --to prod >p.out 2>p.err & pid=$!; } &&
	sleep 1.5 &&
	platform POST config "{\"tokens\": {\"test-token\": [\"staging\", \"prod\"], \"other-token\": [\"other\"], \"reader\": [\"prod\"]}, \"apps\": [\"staging\", \"prod\", \"other\"]}" >/dev/null &&
	rc=0 && wait $pid || rc=$?
	equal "$rc" 1 &&
	contains p.err "the API refused POST /apps/prod/releases: You do not have access to the slug" &&
	contains p.err "(id forbidden, HTTP 403" &&
	cat p.out p.err >>"$TRASH/all-output" &&
	platform POST config "{}" >/dev/null
'

test_expect_success 'a wrong token: unauthorized; an unknown app: not_found' '
	HEROKU_API_KEY=wrong expect_error 1 "Invalid credentials provided. (id unauthorized, HTTP 401, Request-Id " \
		slugc publish hello.tgz --app staging &&
	expect_error 1 "(id not_found, HTTP 404" slugc publish hello.tgz --app nosuchapp &&
	contains err "the API refused POST /apps/nosuchapp/slugs: Couldn"
'

test_expect_success 'no token at all names both ways to give one' '
	(unset HEROKU_API_KEY; expect_error 2 "set HEROKU_API_KEY, or add" slugc releases --app staging)
'

test_expect_success 'the token from ~/.netrc for the API host' '
	printf "machine 127.0.0.1\n  login me@example.com\n  password test-token\n" >"$HOME/.netrc" &&
	(unset HEROKU_API_KEY; expect_exit 0 slugc releases --app staging -v) &&
	contains out "=== staging Releases - Current: v2" && not_contains err "test-token" &&
	rm "$HOME/.netrc"
'

test_expect_success '429 with Retry-After on slug create, then success: published once' '
	reset_log &&
	faults "[{\"method\": \"POST\", \"path\": \"/apps/staging/slugs\", \"status\": 429, \"retry_after\": 1}]" &&
	expect_exit 0 slugc publish hello.tgz --app staging &&
	requests >reqs &&
	equal "$(grep -c "^POST /apps/staging/slugs 429" reqs)" 1 &&
	equal "$(grep -c "^POST /apps/staging/slugs 201" reqs)" 1 &&
	equal "$(count "POST /apps/staging/releases 201")" 1
'

test_expect_success 'a dropped blob upload is retried; the stored bytes are the file' '
	reset_log &&
	faults "[{\"method\": \"PUT\", \"path_prefix\": \"/blobs/\", \"action\": \"drop\"}]" &&
	expect_exit 0 slugc publish hello.tgz --app staging --json &&
	requests >reqs &&
	equal "$(grep -c "^PUT /blobs/.* null" reqs)" 1 &&
	equal "$(grep -c "^PUT /blobs/.* 200" reqs)" 1 &&
	slug=$(json out "d[\"slug\"][\"id\"]") &&
	curl -fsS "$PLATFORM_URL/blobs/$slug" -o blob.tgz && cmp blob.tgz hello.tgz
'

test_expect_success 'a 500 on release create: exit 1, not sent again, no release' '
	before=$(api "/apps/staging/releases" | jq length) &&
	reset_log &&
	faults "[{\"method\": \"POST\", \"path\": \"/apps/staging/releases\", \"status\": 500}]" &&
	expect_error 1 "no release was made (checked), so publishing again is safe" \
		slugc publish hello.tgz --app staging &&
	contains err "(id internal_server_error, HTTP 500" &&
	equal "$(count "POST /apps/staging/releases")" 1 &&
	equal "$(api "/apps/staging/releases" | jq length)" "$before"
'

test_expect_success 'an upload that keeps failing leaves no release' '
	before=$(api "/apps/staging/releases" | jq length) &&
	reset_log &&
	faults "[{\"method\": \"PUT\", \"path_prefix\": \"/blobs/\", \"status\": 503, \"times\": 10}]" &&
	expect_error 1 "nothing was released" slugc publish hello.tgz --app staging &&
	equal "$(count "POST /apps/staging/releases")" 0 &&
	equal "$(count "PUT /blobs/")" 5 &&
	equal "$(api "/apps/staging/releases" | jq length)" "$before" &&
	faults "[]"
'

test_expect_success 'a slug that does not match its manifest is refused before any request' '
	cp hello.tgz bad.tgz && cp hello.json bad.json &&
	printf "x" >>bad.tgz &&
	reset_log &&
	expect_error 1 "does not match its manifest" slugc publish bad.tgz --app staging &&
	test -z "$(newlog)"
'

test_expect_success 'a pending release is polled until it succeeds, or fails with exit 1' '
	platform POST config "{\"release_phase\": {\"pending_gets\": 2, \"outcome\": \"succeeded\"}}" >/dev/null &&
	reset_log &&
	expect_exit 0 slugc publish hello.tgz --app staging &&
	contains out "is pending (release phase)" && contains out "Released v" &&
	equal "$(count "GET /apps/staging/releases/")" 3 &&
	platform POST config "{\"release_phase\": {\"pending_gets\": 1, \"outcome\": \"failed\"}}" >/dev/null &&
	expect_error 1 "failed (its release phase command failed)" slugc publish hello.tgz --app staging &&
	platform POST config "{}" >/dev/null
'

test_expect_success 'garbage and huge answers fail clearly' '
	faults "[{\"method\": \"POST\", \"path\": \"/apps/staging/slugs\", \"action\": \"garbage\"}]" &&
	expect_error 1 "with a body that is not JSON" slugc publish hello.tgz --app staging &&
	faults "[{\"method\": \"GET\", \"path\": \"/apps/staging/releases\", \"action\": \"huge\", \"bytes\": 2147483648}]" &&
	expect_error 1 "the server answered with more than" slugc releases --app staging &&
	faults "[]"
'

test_expect_success 'releases: newest first, following Next-Range across pages' '
	slug=$(api /apps/staging/releases/1 | jq -r .slug.id) &&
	python3 - "$PLATFORM_URL" "$slug" <<-EOF &&
	import json, sys, urllib.request
	for i in range(205):
	    rq = urllib.request.Request(sys.argv[1] + "/apps/prod/releases", method="POST",
	        data=json.dumps({"slug": sys.argv[2], "description": "bulk %d" % i}).encode(),
	        headers={"Accept": "application/vnd.heroku+json; version=3",
	                 "Authorization": "Bearer test-token", "Content-Type": "application/json"})
	    urllib.request.urlopen(rq).read()
	EOF
	reset_log &&
	expect_exit 0 slugc releases --app prod --num 210 --json &&
	equal "$(jq length out)" 206 &&
	equal "$(jq ".[0].version" out)" 206 &&
	equal "$(jq ".[205].version" out)" 1 &&
	newlog | jq -r ".headers.range" >ranges &&
	equal "$(wc -l <ranges)" 2 &&
	equal "$(sed -n 1p ranges)" "version ..; order=desc, max=200" &&
	equal "$(sed -n 2p ranges)" "version ]7..; order=desc, max=200" &&
	expect_exit 0 slugc releases --app prod --num 3 &&
	equal "$(wc -l <out)" 5 &&
	equal "$(sed -n 1p out)" "=== prod Releases - Current: v206" &&
	equal "$(sed -n 2p out)" "" &&
	grep -Eq "^v206  bulk 204  [^ ]+@[^ ]+  [0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} \\+0000 \\(~ [0-9]+[smhd] ago\\)$" out
'

test_expect_success 'deploy from a git URL in one command' '
	mkdir -p srv && git_fixed clone -q --bare "$TRASH/repo" srv/hello.git &&
	start_git_http "$TRASH/srv" &&
	expect_exit 0 slugc deploy "http://127.0.0.1:$GIT_HTTP_PORT/hello.git" --app prod --json &&
	slug=$(json out "d[\"slug\"][\"id\"]") &&
	api "/apps/prod/slugs/$slug" >s.json &&
	equal "$(json s.json "d[\"commit\"]")" "$(git -C "$TRASH/repo" rev-parse HEAD)" &&
	equal "$(json s.json "d[\"checksum\"]")" "$(json hello.json "d[\"checksum\"]")" &&
	tmpdir_clean
'

test_expect_success 'deploy with git credentials in the URL, then from ~/.netrc (scanned below)' '
	start_git_http "$TRASH/srv" "deploy:git-s3cret-pw" &&
	expect_exit 0 slugc deploy "http://deploy:git-s3cret-pw@127.0.0.1:$GIT_HTTP_PORT/hello.git" \
		--app prod -v &&
	contains out "Fetching http://127.0.0.1:$GIT_HTTP_PORT/hello.git" &&
	printf "machine 127.0.0.1\n  login deploy\n  password git-s3cret-pw\n" >"$HOME/.netrc" &&
	expect_exit 0 slugc deploy "http://127.0.0.1:$GIT_HTTP_PORT/hello.git" --app prod -v &&
	rm "$HOME/.netrc" &&
	expect_exit 1 slugc deploy "http://deploy:git-s3cret-pw@127.0.0.1:$GIT_HTTP_PORT/nothere.git" \
		--app prod -v &&
	contains err "http://127.0.0.1:$GIT_HTTP_PORT/nothere.git"
'

test_expect_success 'the examples: deploy a directory, promote, and the CI pipelines'"'"' shape' '
	SLUGC="$SLUGC" expect_exit 0 bash "$EXAMPLES/deploy-directory.sh" "$STATIC" staging "from a directory" &&
	contains out "Released v" && contains out "from a directory" &&
	SLUGC="$SLUGC" expect_exit 0 bash "$EXAMPLES/promote.sh" staging prod &&
	api /apps/prod/releases -H "Range: version ..; order=desc, max=1" >newest.json &&
	api /apps/staging/releases -H "Range: version ..; order=desc, max=1" >staged.json &&
	equal "$(json newest.json "d[0][\"slug\"][\"id\"]")" "$(json staged.json "d[0][\"slug\"][\"id\"]")" &&
	ruby -ryaml - "$EXAMPLES/ci" <<-EOF
	dir = ARGV[0]
	gh = YAML.load_file(dir + "/github-actions.yml")
	deploy = gh["jobs"]["deploy"]
	raise "deploy must need test" unless deploy["needs"] == "test"
	runs = deploy["steps"].map { |s| s["run"].to_s }.join(" ")
	raise "no slugc deploy" unless runs.include?("slugc deploy") && !runs.include?("git push")
	raise "no token" unless deploy["steps"].last["env"]["HEROKU_API_KEY"]
	gl = YAML.load_file(dir + "/gitlab-ci.yml")
	raise "stages" unless gl["stages"] == ["test", "deploy"] && gl["deploy"]["stage"] == "deploy"
	raise "no slugc deploy" unless gl["deploy"]["script"].any? { |l| l.include?("slugc deploy") }
	EOF
'

test_expect_success 'usage errors exit 2' '
	expect_error 2 "missing --app" slugc publish hello.tgz &&
	expect_error 2 "is not an app name" slugc deploy . --app "Bad_Name" &&
	expect_error 2 "missing --to" slugc promote --from staging &&
	expect_error 2 "takes --from and --to, not --app" slugc promote --app x --from a --to b
'

test_expect_success 'no output of any command above holds a token or a blob signature' '
	expect_exit 0 slugc publish hello.tgz --app staging -v &&
	contains err "trace: http: PUT" && contains err "[REDACTED]" &&
	jq -r "select(.method == \"PUT\") | .query" "$LOG" | sed -n "s/.*Signature=\([^&]*\).*/\1/p" >sigs &&
	test "$(wc -l <sigs)" -gt 10 &&
	test "$(wc -l <"$TRASH/all-output")" -gt 50 &&
	for secret in test-token other-token git-s3cret-pw; do
		not_contains "$TRASH/all-output" "$secret" >/dev/null || { echo "$secret in the output"; exit 1; }
	done &&
	while read -r s; do
		dec=$(python3 -c "import sys, urllib.parse; print(urllib.parse.unquote(sys.argv[1]))" "$s") &&
		for v in "$s" "$dec" "${dec%%=*}"; do
			not_contains "$TRASH/all-output" "$v" >/dev/null || { echo "signature $v in the output"; exit 1; }
		done
	done <sigs
'

test_done
