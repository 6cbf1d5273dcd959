#!/usr/bin/env bash
# Node.js runtimes end to end: an HTTP mirror in nodejs.org's layout (built
# from this machine's Node.js), verified downloads into the cache, Heroku's
# build steps, and the slug running with slugc run.
. "$(dirname "$0")/test-lib.sh"

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }
unset SLUGC_MIRROR_NODEJS
cp -r "$NODE_MIRROR" "$TRASH/dist"
start_mirror "$TRASH/dist" || exit 99
M="nodejs=$MIRROR_URL"
TARBALL=/v20.20.2/node-v20.20.2-linux-x64.tar.gz
downloads() { grep -c "^GET $TARBALL 20[06]" "$MIRROR_LOG"; }

test_expect_success 'compile node-hello from an HTTP mirror, then run it' '
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --mirror "$M" -o hello.tgz &&
	contains out "Resolved 20.x to 20.20.2" &&
	contains out "Verified sha256" &&
	equal "$(downloads)" 1 &&
	port=$(free_port) &&
	{ "$SLUGC" run hello.tgz web --port "$port" >run.log 2>&1 & pid=$!; } &&
	wait_for_http "http://127.0.0.1:$port/" &&
	equal "$(curl -fsS "http://127.0.0.1:$port/")" "Hello World" &&
	kill -INT $pid && { wait $pid || true; } &&
	contains run.log "Listening on $port" &&
	! kill -0 $pid 2>/dev/null
'

test_expect_success 'run cleans up after itself' '
	test -z "$(ls -A "$TMPDIR" | grep slugc-run)"
'

test_expect_success 'a second compile downloads nothing' '
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc compile "$EXAMPLES/node-hello" --mirror "$M" -o again.tgz &&
	contains out "Using node-v20.20.2-linux-x64.tar.gz from the cache" &&
	equal "$(downloads)" 0 &&
	equal "$(sha again.tgz)" "$(sha hello.tgz)"
'

test_expect_success 'engines.node 18.x resolves to the newest 18 in the index' '
	mkdir n18 && cp "$EXAMPLES/node-hello/"* n18/ &&
	sed -i "s/\"20.x\"/\"18.x\"/" n18/package.json &&
	expect_exit 0 slugc compile n18 --mirror "$M" -o n18.tgz &&
	contains out "Resolved 18.x to 18.20.4" &&
	equal "$(json n18.json "d[\"slugc\"][\"runtimes\"][0][\"version\"]")" 18.20.4
'

test_expect_success 'engines.node >=99 fails clearly, naming the range and the index' '
	mkdir n99 && cp "$EXAMPLES/node-hello/"* n99/ &&
	sed -i "s/\"20.x\"/\">=99\"/" n99/package.json &&
	expect_error 1 "no Node.js release matches '"'"'>=99'"'"' in $MIRROR_URL/index.json (the newest there is v24.1.0)" \
		slugc compile n99 --mirror "$M" -o n99.tgz &&
	test ! -e n99.tgz
'

test_expect_success 'resolve prints what compile would use' '
	expect_exit 0 slugc resolve nodejs 18.x --mirror "$M" &&
	contains out "nodejs 18.20.4" &&
	contains out "url       $MIRROR_URL/v18.20.4/node-v18.20.4-linux-x64.tar.gz" &&
	contains out "sha256    $(grep linux-x64.tar.gz dist/v18.20.4/SHASUMS256.txt | cut -d" " -f1)" &&
	expect_exit 0 slugc resolve nodejs --mirror "$M" --json &&
	equal "$(json out "d[\"version\"]")" 24.1.0 &&
	SLUGC_MIRROR_NODEJS=$MIRROR_URL expect_exit 0 slugc resolve node "^22" &&
	contains out "nodejs 22.3.0"
'

test_expect_success 'a pin must agree with the published checksum' '
	zero=0000000000000000000000000000000000000000000000000000000000000000 &&
	expect_error 1 "the pin given with --runtime-sha256 says node-v18.20.4-linux-x64.tar.gz has sha256 $zero, but $MIRROR_URL/v18.20.4/SHASUMS256.txt says" \
		slugc resolve nodejs 18.x --mirror "$M" --runtime-sha256 nodejs=$zero &&
	good=$(grep linux-x64.tar.gz dist/v18.20.4/SHASUMS256.txt | cut -d" " -f1) &&
	expect_exit 0 slugc resolve nodejs 18.x --mirror "$M" --runtime-sha256 node=$good &&
	contains out "sha256    $good"
'

test_expect_success 'the LTS ceiling, and NODEJS_ALLOW_WIDE_RANGE' '
	sed "s/\"lts_major\": 24/\"lts_major\": 22/" "$SLUGC_SOURCE_DIR/detectors/defaults.json" >defaults.json &&
	SLUGC_DEFAULTS=$TRASH/defaults.json expect_exit 0 slugc resolve nodejs ">=18" --mirror "$M" &&
	contains out "nodejs 22.3.0" && contains err "also matches Node.js 22, the LTS line" &&
	contains err "is a wide range" &&
	NODEJS_ALLOW_WIDE_RANGE=true SLUGC_DEFAULTS=$TRASH/defaults.json expect_exit 0 slugc resolve nodejs ">=18" --mirror "$M" &&
	contains out "nodejs 24.1.0"
'

test_expect_success 'a corrupted tarball fails naming both digests; the cache is unchanged' '
	rm -rf "$HOME/.cache/slugc" &&
	good=$(grep linux-x64.tar.gz dist/v22.3.0/SHASUMS256.txt | cut -d" " -f1) &&
	echo "[{\"path\": \"/v22.3.0/node-v22.3.0-linux-x64.tar.gz\", \"action\": \"corrupt\", \"offset\": 5000, \"times\": -1}]" >"$MIRROR_FAULTS" &&
	mkdir n22 && cp "$EXAMPLES/node-hello/"* n22/ && sed -i "s/\"20.x\"/\"22.x\"/" n22/package.json &&
	expect_error 1 "but $MIRROR_URL/v22.3.0/SHASUMS256.txt says $good; deleted it" slugc compile n22 --mirror "$M" -o n22.tgz &&
	contains err "the download of '"'"'$MIRROR_URL/v22.3.0/node-v22.3.0-linux-x64.tar.gz'"'"' has sha256" &&
	test -z "$(ls -A "$HOME/.cache/slugc/blobs/sha256" 2>/dev/null)" &&
	test -z "$(ls "$HOME/.cache/slugc/tmp" | grep -v "\.lock$")" &&
	test ! -e n22.tgz && echo "[]" >"$MIRROR_FAULTS"
'

test_expect_success 'a connection dropped mid-download is retried and resumed' '
	: >"$MIRROR_LOG" &&
	echo "[{\"path\": \"/v22.3.0/node-v22.3.0-linux-x64.tar.gz\", \"action\": \"drop_after\", \"bytes\": 1000000, \"id\": \"drop\"}]" >"$MIRROR_FAULTS" &&
	expect_exit 0 slugc compile n22 --mirror "$M" -o n22.tgz &&
	grep "^GET /v22.3.0/node-v22.3.0-linux-x64.tar.gz" "$MIRROR_LOG" >gets &&
	equal "$(wc -l <gets)" 2 &&
	grep -q " 206 .* bytes=1000000-$" gets &&
	echo "[]" >"$MIRROR_FAULTS"
'

test_expect_success 'two concurrent compiles sharing a cache: both succeed, one download' '
	: >"$MIRROR_LOG" &&
	mkdir n16 && cp "$EXAMPLES/node-hello/"* n16/ && sed -i "s/\"20.x\"/\"16.x\"/" n16/package.json &&
	{ "$SLUGC" compile n16 --mirror "$M" --cache-dir "$TRASH/shared" -o c1.tgz >c1.out 2>&1 & p1=$!; } &&
	{ "$SLUGC" compile n16 --mirror "$M" --cache-dir "$TRASH/shared" -o c2.tgz >c2.out 2>&1 & p2=$!; } &&
	wait $p1 && wait $p2 &&
	equal "$(grep -c "^GET /v16.20.2/node-v16.20.2-linux-x64.tar.gz" "$MIRROR_LOG")" 1 &&
	equal "$(sha c1.tgz)" "$(sha c2.tgz)"
'

test_expect_success '--offline: the cache serves; a missing runtime names the file to import' '
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc compile n16 --mirror "$M" --cache-dir "$TRASH/shared" --offline -o off.tgz &&
	equal "$(wc -l <"$MIRROR_LOG")" 0 &&
	expect_error 1 "--offline, and the Node.js index '"'"'$MIRROR_URL/index.json'"'"' is not in the cache: '"'"'16.x'"'"' is a range" \
		slugc compile n16 --mirror "$M" --cache-dir "$TRASH/empty" --offline -o x.tgz &&
	slugc resolve nodejs 18.x --mirror "$M" --cache-dir "$TRASH/half" >/dev/null &&
	expect_error 1 "Node.js 18.20.4 is not in the cache: import node-v18.20.4-linux-x64.tar.gz (sha256" \
		slugc compile n18 --mirror "$M" --cache-dir "$TRASH/half" --offline -o x.tgz
'

test_expect_success 'cache import makes an offline build possible' '
	expect_exit 0 slugc cache import dist/v18.20.4/node-v18.20.4-linux-x64.tar.gz --cache-dir "$TRASH/half" \
		--sha256 "$(grep linux-x64.tar.gz dist/v18.20.4/SHASUMS256.txt | cut -d" " -f1)" &&
	expect_exit 0 slugc compile n18 --mirror "$M" --cache-dir "$TRASH/half" --offline -o n18-offline.tgz &&
	equal "$(sha n18-offline.tgz)" "$(sha n18.tgz)" &&
	expect_error 1 "not imported" slugc cache import dist/v18.20.4/SHASUMS256.txt --cache-dir "$TRASH/half" --sha256 0000000000000000000000000000000000000000000000000000000000000000
'

test_expect_success 'cache ls and prune' '
	expect_exit 0 slugc cache ls --cache-dir "$TRASH/shared" &&
	contains out "blob" && contains out "index" && contains out "build" &&
	expect_exit 0 slugc cache prune --cache-dir "$TRASH/shared" &&
	contains out "freed 0 B" &&
	expect_exit 0 slugc cache prune --all --cache-dir "$TRASH/shared" &&
	test -z "$(ls -A "$TRASH/shared/blobs/sha256")"
'

test_expect_success 'prune --all during a build leaves that build'"'"'s app cache alone' '
	mkdir pruner &&
	cat >pruner/package.json <<-EOF &&
	{ "name": "pruner", "version": "1.0.0", "engines": { "node": "20.x" },
	  "scripts": { "heroku-prebuild": "$SLUGC cache prune --all --cache-dir $TRASH/pc" } }
	EOF
	echo "web: node -e 0" >pruner/Procfile &&
	expect_exit 0 slugc compile pruner --mirror "$M" --cache-dir "$TRASH/pc" -o p1.tgz &&
	key=$(ls "$TRASH/pc/build" | grep -v "\.lock$" | grep -v "\.json$") && test -n "$key" &&
	echo keep >"$TRASH/pc/build/$key/marker" &&
	expect_exit 0 slugc compile pruner --mirror "$M" --cache-dir "$TRASH/pc" -o p2.tgz &&
	contains out "freed" &&
	test -f "$TRASH/pc/build/$key/marker" &&
	expect_exit 0 slugc cache prune --all --cache-dir "$TRASH/pc" &&
	test ! -e "$TRASH/pc/build/$key"
'

test_expect_success 'dependencies: installed, built with dev dependencies, dev dependencies pruned' '
	cp -r "$SLUGC_SOURCE_DIR/tests/fixtures/apps/node-deps" deps-app &&
	mkdir env && echo "hello from config" >env/GREETING && printf "s3cr3t-value\n" >env/SECRET_API_TOKEN &&
	expect_exit 0 slugc compile deps-app --mirror "$M" --env-dir env -o deps.tgz &&
	slugtool names deps.tgz >names &&
	contains names "./app/node_modules/greet" && not_contains names "./app/node_modules/devtool" &&
	tar xzf deps.tgz ./app/dist/built.txt -O | grep -q "built by devtool" &&
	grep -E "^ +STEP " out >steps && equal "$(tr -s " \n" " " <steps)" " STEP prebuild STEP build STEP cleanup " &&
	contains out "config var GREETING=hello from config" &&
	not_contains out "s3cr3t-value"
'

test_expect_success 'an app that is built is copied first, .slugignore applied before the build' '
	cp -r "$SLUGC_SOURCE_DIR/tests/fixtures/apps/node-deps" ign-app &&
	mkdir ign-app/docs && echo manual >ign-app/docs/manual.txt &&
	printf "docs/\n" >ign-app/.slugignore &&
	expect_exit 0 slugc compile ign-app --mirror "$M" -o ign.tgz &&
	contains out "Copying source from ign-app" && contains out "Removed 1 path" &&
	slugtool names ign.tgz >names &&
	not_contains names "./app/docs/" && contains names "./app/node_modules/greet" &&
	test -f ign-app/docs/manual.txt && test ! -e ign-app/node_modules
'

test_expect_success 'the built app runs with its dependency' '
	port=$(free_port) &&
	{ "$SLUGC" run deps.tgz --port "$port" >run2.log 2>&1 & pid=$!; } &&
	wait_for_http "http://127.0.0.1:$port/" &&
	equal "$(curl -fsS "http://127.0.0.1:$port/")" "Hello World" &&
	kill $pid && { wait $pid || true; }
'

test_expect_success 'a failing build step fails the build with its status; its output shown once (with -q, in the error)' '
	cp -r "$EXAMPLES/node-hello" broken &&
	python3 -c "import json,sys; p=json.load(open(\"broken/package.json\")); p[\"scripts\"][\"build\"]=\"echo about to fail; exit 3\"; json.dump(p,open(\"broken/package.json\",\"w\"))" &&
	expect_error 1 "the Node.js build failed: '"'"'npm run build'"'"' failed with exit status 3" \
		slugc compile broken --mirror "$M" -o broken.tgz &&
	contains out "about to fail" && not_contains err "about to fail" &&
	test ! -e broken.tgz && tmpdir_clean &&
	expect_error 1 "failed with exit status 3; last output: " \
		slugc compile broken --mirror "$M" -o broken.tgz -q &&
	contains err.lines "| about to fail" && test ! -s out
'

test_expect_success 'slugc run: commands, exit statuses, unknown types' '
	expect_exit 0 slugc run hello.tgz -- "echo \$HOME; node --version" &&
	grep -q "/app$" out && grep -q "^v20" out &&
	expect_exit 7 slugc run hello.tgz -- exit 7 &&
	expect_error 1 "no process type '"'"'worker'"'"' in hello.json (it has: web)" slugc run hello.tgz worker &&
	expect_error 2 "missing SLUG.tgz" slugc run
'

test_done
