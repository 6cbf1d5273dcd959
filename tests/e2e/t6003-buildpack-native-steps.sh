#!/usr/bin/env bash
# Native steps in a buildpack list: slugc's own Node.js step followed by a
# classic buildpack that uses `node` from it, as a PHP buildpack would after
# heroku/nodejs; and a classic buildpack before a native step.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/buildpacks.sh"

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }

make_buildpack bp-usenode "echo UsesNode" '
	command -v node
	node -e "console.log(process.version)" >"$1/node-version.txt"
	echo "NODE_HOME=${NODE_HOME-unset}" >>"$1/node-version.txt"' \
	"printf 'default_process_types:\n  web: node other.js\n'"
make_buildpack bp-before "echo Before" 'echo before >"$1/before.txt"'
cp -r "$EXAMPLES/node-hello" app
rm -f app/Procfile

test_expect_success 'a native nodejs step, then a buildpack that uses node through its export' '
	expect_exit 0 slugc compile app --buildpack heroku/nodejs --buildpack ./bp-usenode -o n.tgz &&
	contains out "Node.js app detected (slugc'"'"'s nodejs step)" &&
	contains out "UsesNode app detected" &&
	mkdir n && tar -xzf n.tgz -C n &&
	grep -q "^v20\." n/app/node-version.txt &&
	grep -q "^NODE_HOME=/.*/app/.heroku/node$" n/app/node-version.txt &&
	equal "$(json n.json "d[\"process_types\"]")" "{\"web\": \"node other.js\"}" &&
	equal "$(json n.json "d[\"buildpack_provided_description\"]")" "UsesNode" &&
	equal "$(json n.json "[b[\"kind\"] for b in d[\"slugc\"][\"buildpacks\"]]")" "[\"native\", \"dir\"]" &&
	equal "$(json n.json "d[\"slugc\"][\"runtimes\"][0][\"name\"]")" "nodejs" &&
	test -x n/app/.heroku/node/bin/node && test -f n/app/.profile.d/nodejs.sh
'

test_expect_success 'a buildpack before a native step: the native step gives the process types' '
	expect_exit 0 slugc compile app --buildpack ./bp-before --buildpack nodejs -o b.tgz &&
	mkdir b && tar -xzf b.tgz -C b &&
	equal "$(cat b/app/before.txt)" "before" &&
	equal "$(json b.json "d[\"process_types\"]")" "{\"web\": \"npm start\"}" &&
	equal "$(json b.json "d[\"buildpack_provided_description\"]")" "Node.js"
'

test_expect_success 'config vars reach the native step but not the classic one' '
	mkdir env && echo "from-config" >env/MY_SETTING &&
	make_buildpack bp-peek "exit 0" "echo \"MY_SETTING=\${MY_SETTING-unset}\" >\"\$1/peek.txt\"" &&
	cp -r app app-p && echo "web: npm start" >app-p/Procfile &&
	expect_exit 0 slugc compile app-p --env-dir env --buildpack nodejs --buildpack ./bp-peek \
		-o c.tgz &&
	equal "$(tar -xzOf c.tgz ./app/peek.txt)" "MY_SETTING=unset"
'

test_done
