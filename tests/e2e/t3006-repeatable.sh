#!/usr/bin/env bash
# Repeatable builds: the manifest records what a rebuild needs (each runtime's mirror
# without credentials, the env dir and its config var names, the defaults file's digest),
# so `slugc verify` repeats a build made with --mirror and --env-dir with no flags; and a
# runtime missing from a mirror is named, with how to add it.
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 1

test_expect_success 'compile through an HTTP mirror with config vars' '
	mkdir app env &&
	printf "{\"name\":\"rep\",\"engines\":{\"node\":\"20.x\"},\"scripts\":{\"build\":\"node build.js\",\"start\":\"node index.js\"}}\n" >app/package.json &&
	printf "require(\"fs\").writeFileSync(\"greeting.txt\", process.env.GREETING + \"\\\\n\");\n" >app/build.js &&
	printf "console.log(\"hi\");\n" >app/index.js &&
	git -C app init -q && git -C app add -A &&
	git -C app -c user.name=t -c user.email=t@example.com commit -qm app &&
	printf "hello from config" >env/GREETING &&
	printf "s3cret-value" >env/API_TOKEN &&
	expect_exit 0 slugc compile app --mirror "$M" --env-dir env -o s.tgz &&
	equal "$(tar -xzOf s.tgz ./app/greeting.txt)" "hello from config" &&
	equal "$(json s.json "d[\"slugc\"][\"runtimes\"][0][\"mirror\"]")" "$MIRROR_URL" &&
	equal "$(json s.json "d[\"slugc\"][\"rebuild\"][\"config_vars\"]")" "[\"API_TOKEN\", \"GREETING\"]" &&
	equal "$(json s.json "d[\"slugc\"][\"rebuild\"][\"env_dir\"]")" "$TRASH/env" &&
	test -n "$(json s.json "d[\"slugc\"][\"rebuild\"][\"defaults_sha256\"]")" &&
	not_contains s.json "s3cret-value" && not_contains s.json "hello from config"
'

test_expect_success 'verify repeats it with no flags: the recorded mirror and env dir' '
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc verify s.tgz --manifest s.json app --cache-dir "$TRASH/fresh-cache" &&
	contains out "reproducible:" &&
	contains "$MIRROR_LOG" "/index.json"
'

test_expect_success 'verify --env-dir overrides the recorded directory; other values do not reproduce' '
	mkdir other && printf "another greeting" >other/GREETING && printf "x" >other/API_TOKEN &&
	expect_exit 1 slugc verify s.tgz --manifest s.json app --env-dir other &&
	contains err "not reproducible" &&
	mkdir fewer && printf "hello from config" >fewer/GREETING &&
	expect_error 1 "config var '"'"'API_TOKEN'"'"', which '"'"'s.json'"'"' records, is not in '"'"'fewer'"'"'" \
		slugc verify s.tgz --manifest s.json app --env-dir fewer
'

test_expect_success 'verify --mirror overrides the recorded mirror' '
	expect_error 1 "cannot rebuild" slugc verify s.tgz --manifest s.json app \
		--mirror nodejs=http://127.0.0.1:9/nothing
'

test_expect_success 'a version missing from the mirror: resolve says so and how to add it' '
	cp -r "$NODE_MIRROR" partial && rm partial/v18.20.4/node-v18.20.4-linux-x64.tar.gz &&
	start_mirror "$TRASH/partial" &&
	expect_error 1 "Node.js 18.20.4 is not on the mirror '"'"'$MIRROR_URL'"'"'" \
		slugc resolve nodejs 18.x --mirror "nodejs=$MIRROR_URL" &&
	contains err "HTTP 404" && contains err "slugc cache import node-v18.20.4-linux-x64.tar.gz --url" &&
	expect_error 1 "Node.js 18.20.4 is not on the mirror" \
		slugc resolve nodejs 18.x --mirror "nodejs=file://$TRASH/partial" &&
	expect_exit 0 slugc resolve nodejs 20.x --mirror "nodejs=$MIRROR_URL" &&
	expect_exit 0 slugc resolve nodejs latest --mirror "nodejs=$MIRROR_URL" &&
	contains out "nodejs 24.1.0" &&
	printf "{\"name\":\"old\",\"engines\":{\"node\":\"18.x\"}}\n" >old.json && mkdir old &&
	mv old.json old/package.json &&
	compile_refused "Node.js 18.20.4 is not on the mirror '"'"'$MIRROR_URL'"'"'" old --mirror "nodejs=$MIRROR_URL"
'

test_done
