#!/usr/bin/env bash
# Classic buildpacks as Heroku runs them: bin/detect, bin/compile with its
# arguments and environment, export files, bin/release's YAML, the cache,
# and the same containment as native steps.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/buildpacks.sh"

mkdir -p app env
echo x >app/tool.marker
echo "s3cr3t-value" >env/API_TOKEN
echo "plain" >env/COLOR
marker_buildpack bp-tool tool

test_expect_success 'a marker buildpack: detect names the app, compile writes a binary' '
	expect_exit 0 slugc compile app --buildpack ./bp-tool -o s.tgz &&
	contains out "Buildpacks from --buildpack: ./bp-tool" &&
	contains out "tool app detected" &&
	contains out "       tool compiled" &&
	slugtool list s.tgz >list &&
	contains list "./app/bin/tool-tool" &&
	equal "$(json s.json "d[\"buildpack_provided_description\"]")" "tool" &&
	equal "$(json s.json "d[\"process_types\"]")" "{\"web\": \"tool-tool\"}" &&
	equal "$(json s.json "d[\"slugc\"][\"buildpacks\"][0][\"kind\"]")" "dir" &&
	equal "$(json s.json "d[\"slugc\"][\"buildpacks_from\"]")" "--buildpack" &&
	mkdir x && tar -xzf s.tgz -C x && equal "$(x/app/bin/tool-tool)" "tool tool"
'

test_expect_success 'the same source and buildpack give the same slug twice' '
	expect_exit 0 slugc compile app --buildpack ./bp-tool -o again.tgz &&
	equal "$(sha again.tgz)" "$(sha s.tgz)"
'

make_buildpack bp-env "exit 0" '
{
	echo "args=$# build=$1 cache=$2 env=$3"
	echo "BUILD_DIR=$BUILD_DIR CACHE_DIR=$CACHE_DIR ENV_DIR=$ENV_DIR"
	echo "STACK=$STACK"
	echo "SOURCE_VERSION=${SOURCE_VERSION-unset}"
	echo "API_TOKEN=${API_TOKEN-unset} COLOR=${COLOR-unset}"
	echo "envdir=$(cat "$3/COLOR" 2>/dev/null)"
	echo "pwd=$(pwd)"
	echo "home=$HOME"
} >"$1/seen.txt"' 'printf "default_process_types:\n  web: true\n"'

test_expect_success 'compile gets BUILD_DIR CACHE_DIR ENV_DIR; config vars only in ENV_DIR' '
	expect_exit 0 slugc compile app --buildpack ./bp-env --env-dir env --stack heroku-22 \
		-o e.tgz &&
	mkdir e && tar -xzf e.tgz -C e && cat e/app/seen.txt &&
	grep -q "^args=3 build=/.*/app cache=/.* env=/" e/app/seen.txt &&
	build=$(sed -n "s/^args=3 build=\([^ ]*\) .*/\1/p" e/app/seen.txt) &&
	cache=$(sed -n "s/.* cache=\([^ ]*\) .*/\1/p" e/app/seen.txt | head -1) &&
	contains e/app/seen.txt "BUILD_DIR=$build CACHE_DIR=$cache" &&
	contains e/app/seen.txt "STACK=heroku-22" &&
	contains e/app/seen.txt "API_TOKEN=unset COLOR=unset" &&
	contains e/app/seen.txt "envdir=plain" &&
	contains e/app/seen.txt "pwd=$build" &&
	not_contains out "s3cr3t-value" &&
	case "$cache" in "$HOME"/.cache/slugc/build/*/buildpacks/*) ;; *) false ;; esac
'

test_expect_success 'SOURCE_VERSION is the commit of a git source' '
	git init -q repo && cp app/tool.marker repo/ &&
	git -C repo add . && git -C repo -c user.name=t -c user.email=t@e commit -q -m one &&
	expect_exit 0 slugc compile repo --buildpack ./bp-env -o g.tgz &&
	mkdir g && tar -xzf g.tgz -C g &&
	contains g/app/seen.txt "SOURCE_VERSION=$(git -C repo rev-parse HEAD)"
'

make_buildpack bp-fail "echo Failing" 'echo "step one"; echo "it broke here" >&2; exit 3'

test_expect_success 'a failing compile fails the build with its exit status and last lines' '
	compile_refused "exit status 3" app --buildpack ./bp-fail &&
	contains err.lines "buildpack '"'"'./bp-fail'"'"' failed" &&
	contains out "step one" && contains out "it broke here" &&
	not_contains err.lines "it broke here" &&
	# With -q nothing was shown as it ran: the last lines join the error line.
	compile_refused "exit status 3" app -q --buildpack ./bp-fail &&
	contains err.lines "it broke here"
'

make_buildpack bp-release "exit 0" 'true' "cat <<'YAML'
---
addons:
  - heroku-postgresql:essential-0
config_vars:
  GREETING: \"it's here\"
  LANG: en_US.UTF-8
default_process_types:
  web: bin/server --port \$PORT
  worker: bin/worker
YAML"

test_expect_success 'bin/release: default_process_types, config_vars and addons' '
	expect_exit 0 slugc compile app --buildpack ./bp-release -o r.tgz &&
	equal "$(json r.json "d[\"process_types\"]")" \
		"{\"web\": \"bin/server --port \$PORT\", \"worker\": \"bin/worker\"}" &&
	equal "$(json r.json "d[\"slugc\"][\"config_vars\"]")" \
		"{\"GREETING\": \"it'"'"'s here\", \"LANG\": \"en_US.UTF-8\"}" &&
	equal "$(json r.json "d[\"slugc\"][\"addons\"]")" "[\"heroku-postgresql:essential-0\"]" &&
	grep -q "add-on .heroku-postgresql:essential-0" err &&
	mkdir r && tar -xzf r.tgz -C r &&
	equal "$(env -i sh -c ". r/app/.profile.d/000-buildpack-config-vars.sh; echo \"\$GREETING|\$LANG\"")" \
		"it'"'"'s here|en_US.UTF-8" &&
	equal "$(env -i LANG=C sh -c ". r/app/.profile.d/000-buildpack-config-vars.sh; echo \"\$LANG\"")" "C"
'

test_expect_success 'the Procfile wins over default_process_types' '
	cp -r app app-procfile && echo "web: ./run-me" >app-procfile/Procfile &&
	expect_exit 0 slugc compile app-procfile --buildpack ./bp-release -o p.tgz &&
	equal "$(json p.json "d[\"process_types\"]")" "{\"web\": \"./run-me\", \"worker\": \"bin/worker\"}"
'

make_buildpack bp-badyaml "exit 0" 'true' 'printf "default_process_types: [web, worker]\n"'

test_expect_success 'a bin/release that is not the expected YAML is an error naming it' '
	compile_refused "bp-badyaml bin/release'"'"' line 1 column 24: default_process_types must be a mapping" \
		app --buildpack ./bp-badyaml
'

marker_buildpack bp-first first
make_buildpack bp-second "echo Second" '
	first-tool >"$1/second-saw.txt"
	echo "export FROM_SECOND=yes" >"$(dirname "$0")/../export"' \
	"printf -- '---\ndefault_process_types:\n  worker: second\n'"
make_buildpack bp-third "echo Third" 'echo "FROM_SECOND=$FROM_SECOND" >"$1/third-saw.txt"'

test_expect_success 'several buildpacks run in order; each export reaches the next ones' '
	expect_exit 0 slugc compile app-procfile --buildpack ./bp-first --buildpack ./bp-second \
		--buildpack ./bp-third -o m.tgz &&
	mkdir m && tar -xzf m.tgz -C m &&
	equal "$(cat m/app/second-saw.txt)" "first tool" &&
	equal "$(cat m/app/third-saw.txt)" "FROM_SECOND=yes" &&
	equal "$(json m.json "d[\"buildpack_provided_description\"]")" "Third" &&
	equal "$(json m.json "[b[\"name\"] for b in d[\"slugc\"][\"buildpacks\"]]")" \
		"[\"bp-first\", \"bp-second\", \"bp-third\"]" &&
	# The last buildpack gives no default process types; the second one'"'"'s worker is ignored.
	equal "$(json m.json "d[\"process_types\"]")" "{\"web\": \"./run-me\"}"
'

test_expect_success 'the last buildpack gives the process types; earlier ones are ignored' '
	expect_exit 0 slugc compile app --buildpack ./bp-first --buildpack ./bp-second -o l.tgz &&
	equal "$(json l.json "d[\"process_types\"]")" "{\"worker\": \"second\"}"
'

make_buildpack bp-cache "exit 0" '
	n=$(cat "$2/count" 2>/dev/null || echo 0); n=$((n + 1)); echo $n >"$2/count"
	echo "build number $n"'

test_expect_success 'each buildpack has a cache dir per app, kept between builds' '
	echo "web: true" >app/Procfile &&
	expect_exit 0 slugc compile app --buildpack ./bp-cache -o c1.tgz &&
	contains out "build number 1" &&
	expect_exit 0 slugc compile app --buildpack ./bp-cache -o c2.tgz &&
	contains out "build number 2" &&
	expect_exit 0 slugc compile app --buildpack ./bp-cache --buildpack ./bp-env -o c3.tgz &&
	contains out "build number 3" &&
	cp -r app app2 &&
	expect_exit 0 slugc compile app2 --buildpack ./bp-cache -o c4.tgz &&
	contains out "build number 1"
'

make_buildpack bp-outside "exit 0" '
	echo outside >"$1/../outside.txt"
	echo home >"$HOME/home.txt"
	echo tmp >"${TMPDIR:-/tmp}/tmp.txt"
	echo cache >"$2/cache.txt"
	(sleep 301; echo late >"$1/late.txt") &
	echo started'

test_expect_success 'files outside BUILD_DIR stay out; leftover processes are killed' '
	expect_exit 0 slugc compile app --buildpack ./bp-outside -o o.tgz &&
	slugtool list o.tgz >olist &&
	not_contains olist outside.txt && not_contains olist home.txt &&
	not_contains olist tmp.txt && not_contains olist cache.txt &&
	! pgrep -u "$(id -u)" -f "sleep 301" &&
	tmpdir_clean
'

make_buildpack bp-slow "exit 0" 'echo "going to sleep"; sleep 600'

test_expect_success '--timeout stops a buildpack that takes too long' '
	compile_refused "did not finish within 10 seconds" app --buildpack ./bp-slow --timeout 10 &&
	contains out "going to sleep"
'

make_buildpack bp-nodetect "echo no >&2; exit 1" 'echo "ran anyway" >"$1/ran.txt"'

test_expect_success 'bin/detect failing is a warning: a buildpack named explicitly runs' '
	expect_exit 0 slugc compile app --buildpack ./bp-nodetect -o n.tgz &&
	contains err "bp-nodetect bin/detect does not recognise this app" &&
	slugtool list n.tgz | grep -q ran.txt
'

test_done
