#!/usr/bin/env bash
# --json: one JSON document on stdout, on success and on failure (the error),
# each validated against its schema in docs/schema/; the human log on stderr;
# a failed step's output shown once.
. "$(dirname "$0")/test-lib.sh"

SCHEMAS="$SLUGC_SOURCE_DIR/docs/schema"
python3 -c "import jsonschema" 2>/dev/null || skip_all "python3-jsonschema is not installed"
# valid SCHEMA: ./out is one JSON document SCHEMA accepts.
valid() {
	python3 "$TEST_LIB_DIR/lib/validate-json.py" "$SCHEMAS" "$1" out
}
# failed SCHEMA KIND STATUS: ./out is SCHEMA-valid and the error document of KIND.
failed() {
	valid "$1" && equal "$(jq -r .error.kind out)" "$2" && equal "$(jq -r .error.exit_status out)" "$3"
}

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }
start_platform || exit 99
STATIC="$SLUGC_SOURCE_DIR/tests/fixtures/apps/static"

test_expect_success 'every schema is a valid JSON Schema (2020-12)' '
	for f in "$SCHEMAS"/*.json; do
		python3 -c "import json,sys,jsonschema; jsonschema.Draft202012Validator.check_schema(json.load(open(sys.argv[1])))" "$f" || exit 1
	done
'

test_expect_success 'compile --json: the result on stdout, the build log on stderr' '
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --json -o hello.tgz &&
	valid compile.json && contains err "-----> Node.js app detected" && contains err "Resolved 20.x" &&
	not_contains out "----->"
'

test_expect_success 'compile --json failing: the error as JSON, the log still on stderr' '
	expect_exit 1 slugc compile no-such-dir --json && failed compile.json input 1 &&
	contains err "slugc compile: source" &&
	cp -r "$EXAMPLES/node-hello" broken &&
	python3 -c "import json; p=json.load(open(\"broken/package.json\")); p[\"scripts\"]={\"build\": \"echo about to fail; exit 3\"}; json.dump(p, open(\"broken/package.json\", \"w\"))" &&
	expect_exit 1 slugc compile broken --json -o b.tgz && failed compile.json input 1 &&
	contains err "about to fail" && not_contains err "last output" && not_contains out "about to fail" &&
	jq -r .error.message out | grep -q "failed with exit status 3$"
'

test_expect_success 'detect, inspect, resolve: success and failure match their schemas' '
	expect_exit 0 slugc detect "$EXAMPLES/node-hello" --json && valid detect.json &&
	expect_exit 1 slugc detect no-such-dir --json && failed detect.json input 1 &&
	expect_exit 0 slugc inspect hello.tgz --json && valid inspect.json &&
	echo "not a slug" >bad.tgz &&
	expect_exit 1 slugc inspect bad.tgz --json && valid inspect.json &&
	expect_exit 0 slugc resolve nodejs 20.x --json && valid resolve.json &&
	expect_exit 1 slugc resolve nodejs ">=99" --json && failed resolve.json input 1
'

test_expect_success 'verify --json: reproducible, and a rebuild that fails' '
	mkdir -p vapp && echo "web: true" >vapp/Procfile &&
	expect_exit 0 slugc compile vapp -o v.tgz -q &&
	expect_exit 0 slugc verify v.tgz --manifest v.json vapp --json && valid verify.json &&
	equal "$(jq .reproducible out)" true &&
	expect_exit 1 slugc verify v.tgz --manifest v.json no-such-dir --json && failed verify.json input 1
'

test_expect_success 'publish, deploy, promote, releases --json: success and API failures' '
	expect_exit 0 slugc publish hello.tgz --app staging --json && valid release.json &&
	contains err "-----> Releasing on staging" && not_contains out "----->" &&
	expect_exit 0 slugc deploy "$STATIC" --app staging --json && valid release.json &&
	expect_exit 0 slugc promote --from staging --to prod --json && valid release.json &&
	expect_exit 0 slugc releases --app staging --json && valid releases.json &&
	expect_exit 1 slugc releases --app no-such-app --json && failed releases.json api 1 &&
	expect_exit 1 slugc publish hello.tgz --app no-such-app --json && failed release.json api 1 &&
	(unset HEROKU_API_KEY; HOME="$TRASH" expect_exit 2 slugc promote --from staging --to prod --json) &&
	failed release.json usage 2
'

test_expect_success 'usage errors found while parsing options: JSON on stdout, the message on stderr' '
	expect_exit 2 slugc compile --json --no-such-option && failed compile.json usage 2 &&
	contains err "unknown option" && jq -r .error.message out | grep -q "no-such-option" &&
	expect_exit 2 slugc compile "$STATIC" --json -o && failed compile.json usage 2 &&
	contains err "needs a value" &&
	expect_exit 2 slugc compile -q -v --json "$STATIC" && failed compile.json usage 2 &&
	contains err "exclude each other" &&
	expect_exit 2 slugc detect --detect-typo --json && failed detect.json usage 2 &&
	expect_exit 2 slugc releases --json --ap staging && failed releases.json usage 2 &&
	contains err "did you mean" &&
	expect_exit 2 slugc cache ls --json --max-age 3 --all && failed cache-ls.json usage 2 &&
	: an option value that looks like --json is a value, not the flag &&
	expect_exit 2 slugc compile -o --json --no-such-option && not_contains out "{" &&
	: after -- it is an operand &&
	expect_exit 2 slugc detect --no-such-option -- --json && not_contains out "{"
'

test_done
