#!/usr/bin/env bash
# slugc detect, and what detection feeds into compile: build order, the
# buildpack description, default process types under the Procfile.
. "$(dirname "$0")/test-lib.sh"
use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }
use_ruby_mirror || { echo "cannot build the Ruby mirror"; exit 99; }
use_ruby_app || { echo "cannot build the Ruby app"; exit 99; }
FIX="$SLUGC_SOURCE_DIR/tests/fixtures/detect"

test_expect_success 'one language per line' '
	expect_exit 0 slugc detect "$FIX/node-engines" && equal "$(cat out)" nodejs &&
	expect_exit 0 slugc detect "$FIX/ruby-rails" && equal "$(cat out)" ruby &&
	expect_exit 0 slugc detect "$FIX/go-mod" && equal "$(cat out)" go &&
	expect_exit 0 slugc detect "$FIX/python-pipenv" && equal "$(cat out)" python &&
	expect_exit 0 slugc detect "$FIX/procfile-only" && equal "$(cat out)" procfile &&
	expect_exit 0 slugc detect "$FIX/multi-rails-node" && equal "$(cat out | tr "\n" " ")" "nodejs ruby "
'

test_expect_success '--json gives requirement, source, package manager and default types' '
	expect_exit 0 slugc detect "$FIX/multi-rails-node" --json &&
	equal "$(json out "[l[\"name\"] for l in d[\"languages\"]]")" "[\"nodejs\", \"ruby\"]" &&
	equal "$(json out "d[\"languages\"][0][\"requirement\"]")" "20.x" &&
	equal "$(json out "d[\"languages\"][0][\"requirement_source\"]")" "package.json engines.node" &&
	equal "$(json out "d[\"languages\"][0][\"package_manager\"]")" "yarn" &&
	equal "$(json out "d[\"languages\"][1][\"requirement\"]")" "3.2.2" &&
	equal "$(json out "d[\"languages\"][1][\"framework\"]")" "Rails" &&
	equal "$(json out "d[\"languages\"][1][\"default_process_types\"][\"web\"]")" "bin/rails server -p \${PORT:-5000} -e \$RAILS_ENV"
'

test_expect_success 'nothing detected: exit 1 with Heroku'"'"'s wording' '
	expect_error 1 "No default language could be detected for this app" slugc detect "$FIX/nothing" &&
	contains err "package.json (Node.js)" && contains err "go.mod (Go)"
'

test_expect_success 'a broken file: exit 1 naming it' '
	expect_error 1 "package.json is not valid JSON (line 3" slugc detect "$FIX/node-malformed"
'

test_expect_success 'usage errors' '
	expect_error 2 "expected one DIR" slugc detect &&
	expect_error 1 "is not a directory" slugc detect "$FIX/node-engines/package.json"
'

test_expect_success 'compile: defaults when there is no Procfile, with a warning' '
	cp -r "$FIX/node-default" app &&
	expect_exit 0 slugc compile app -o s.tgz &&
	contains err "no Procfile; the slug uses the default process types" &&
	equal "$(json s.json "d[\"process_types\"]")" "{\"web\": \"npm start\"}" &&
	equal "$(json s.json "d[\"buildpack_provided_description\"]")" "Node.js"
'

test_expect_success 'compile: the Procfile wins over the defaults, which fill in the rest' '
	cp -r "$RUBY_APP" rack && echo "web: bundle exec rackup -p \$PORT" >rack/Procfile &&
	slugc compile rack -o r.tgz -q &&
	equal "$(json r.json "d[\"process_types\"][\"web\"]")" "bundle exec rackup -p \$PORT" &&
	equal "$(json r.json "d[\"process_types\"][\"console\"]")" "bundle exec irb" &&
	equal "$(json r.json "d[\"buildpack_provided_description\"]")" "Ruby/Rack" &&
	equal "$(json r.json "d[\"slugc\"][\"buildpacks\"]")" "[\"ruby\"]"
'

test_expect_success 'compile: several languages, primary last' '
	cp -r "$RUBY_APP" multi && cp "$EXAMPLES/node-hello/package.json" multi/ &&
	expect_exit 0 slugc compile multi -o m.tgz &&
	equal "$(json m.json "d[\"slugc\"][\"buildpacks\"]")" "[\"nodejs\", \"ruby\"]" &&
	equal "$(json m.json "d[\"buildpack_provided_description\"]")" "Ruby/Rack" &&
	equal "$(json m.json "[r[\"name\"] for r in d[\"slugc\"][\"runtimes\"]]")" "[\"nodejs\", \"ruby\"]" &&
	grep -n "app detected" out >order && equal "$(cut -d" " -f2 order | tr "\n" " ")" "Node.js Ruby/Rack " &&
	slugtool names m.tgz >names &&
	contains names "./app/.profile.d/nodejs.sh" && contains names "./app/.profile.d/ruby.sh"
'

test_expect_success 'compile: a Procfile-only app' '
	cp -r "$FIX/procfile-only" static &&
	slugc compile static -o p.tgz -q &&
	equal "$(json p.json "d[\"slugc\"][\"buildpacks\"]")" "[\"procfile\"]" &&
	equal "$(json p.json "d[\"process_types\"]")" "{\"web\": \"./bin/server\"}"
'

test_expect_success 'detection sees the tree after .slugignore, like Heroku'"'"'s buildpacks' '
	cp -r multi ign && printf "package.json\n" >ign/.slugignore &&
	slugc compile ign -o i.tgz -q &&
	equal "$(json i.json "d[\"slugc\"][\"buildpacks\"]")" "[\"ruby\"]"
'

test_done
