#!/usr/bin/env bash
# A Node.js app whose real npm dependencies come from a loopback registry stand-in
# (tests/e2e/lib/npm-registry.py serving tarballs made by `npm pack`: the npm_packages
# CTest fixture), compiled with the host's CA trust settings set, then run with slugc
# run answering HTTP.
. "$(dirname "$0")/test-lib.sh"

PKGS="$SLUGC_TEST_CACHE/npm-packages"
command -v npm >/dev/null || skip_all "no npm on this machine to write the lockfile"
[ -d "$PKGS" ] || { echo "no $PKGS: run the fixture_npm_packages test first (ctest does)"; exit 1; }
use_node_mirror || exit 1

# The registry stand-in on loopback.
start_registry() {
	local portfile="$TRASH/registry.port"
	REGISTRY_LOG="$TRASH/registry.log"
	: >"$REGISTRY_LOG"
	python3 "$TEST_LIB_DIR/lib/npm-registry.py" --root "$PKGS" --port-file "$portfile" \
		--log "$REGISTRY_LOG" &
	test_cleanup "kill $!"
	wait_for_file "$portfile" || return 1
	REGISTRY_URL="http://127.0.0.1:$(cat "$portfile")/"
}
start_registry || exit 1

# The host's CA bundle (a TLS-intercepting proxy's CA lives there), under every name tools read.
CA=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
CADIR=${SSL_CERT_DIR:-/etc/ssl/certs}

test_expect_success 'the app and its lockfile, resolved against the registry stand-in' '
	mkdir app &&
	cat >app/package.json <<-JSON &&
	{
	  "name": "registry-app",
	  "version": "1.0.0",
	  "engines": {"node": "20.x"},
	  "dependencies": {"slugc-greet": "^1.0.0"},
	  "devDependencies": {"slugc-devtool": "1.0.0"},
	  "scripts": {"heroku-prebuild": "node dump-ca.js", "start": "node index.js"}
	}
	JSON
	printf "registry=%s\n" "$REGISTRY_URL" >app/.npmrc &&
	cat >app/dump-ca.js <<-"JS" &&
	const names = ["SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE",
	  "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE", "PIP_CERT", "npm_config_cafile", "npm_config_store_dir"];
	require("fs").writeFileSync("ca-env.txt", names.map((n) => n + "=" + (process.env[n] || "")).join("\n") + "\n");
	JS
	cat >app/index.js <<-"JS" &&
	const { greet } = require("slugc-greet");
	require("http").createServer((q, s) => s.end(greet("world"))).listen(process.env.PORT, () =>
	  console.log("Listening on " + process.env.PORT));
	JS
	(cd app && HOME="$TRASH/npm-home" npm install --package-lock-only --no-audit --no-fund >../lock.log 2>&1) &&
	contains app/package-lock.json "slugc-util-1.1.0.tgz"
'

test_expect_success 'compile with the host CA settings: npm ci from the registry, pruned, no store-dir warning' '
	: >"$REGISTRY_LOG" &&
	expect_exit 0 env SSL_CERT_FILE="$CA" SSL_CERT_DIR="$CADIR" NODE_EXTRA_CA_CERTS="$CA" \
		CURL_CA_BUNDLE="$CA" GIT_SSL_CAINFO="$CA" REQUESTS_CA_BUNDLE="$CA" PIP_CERT="$CA" \
		npm_config_cafile="$CA" "$SLUGC" compile app -o app.tgz &&
	contains out "Installing node modules (package-lock.json)" &&
	not_contains out "Unknown env config" &&
	not_contains out "store-dir" &&
	contains "$REGISTRY_LOG" "GET /slugc-greet/-/slugc-greet-1.0.0.tgz 200" &&
	contains "$REGISTRY_LOG" "GET /slugc-util/-/slugc-util-1.1.0.tgz 200" &&
	slugtool names app.tgz >names &&
	contains names "./app/node_modules/slugc-greet/index.js" &&
	contains names "./app/node_modules/slugc-util/index.js" &&
	not_contains names "./app/node_modules/slugc-devtool/" &&
	contains names "./app/.profile.d/WEB_CONCURRENCY.sh" &&
	tar -xzOf app.tgz ./app/ca-env.txt >ca-env.txt &&
	for v in SSL_CERT_FILE NODE_EXTRA_CA_CERTS CURL_CA_BUNDLE GIT_SSL_CAINFO REQUESTS_CA_BUNDLE \
		PIP_CERT npm_config_cafile; do contains ca-env.txt "$v=$CA" || exit 1; done &&
	contains ca-env.txt "SSL_CERT_DIR=$CADIR" &&
	grep -qx "npm_config_store_dir=" ca-env.txt
'

test_expect_success 'WEB_CONCURRENCY.sh follows the buildpack: memory / WEB_MEMORY, 2048 MB above 16 GB' '
	tar -xzOf app.tgz ./app/.profile.d/WEB_CONCURRENCY.sh >wc.sh &&
	equal "$(MEMORY_AVAILABLE=512 bash -c ". ./wc.sh; echo \$WEB_CONCURRENCY")" 1 &&
	equal "$(MEMORY_AVAILABLE=2560 bash -c ". ./wc.sh; echo \$WEB_CONCURRENCY \$WEB_CONCURRENCY_SET_BY")" "5 heroku/nodejs" &&
	equal "$(MEMORY_AVAILABLE=32768 bash -c ". ./wc.sh; echo \$WEB_CONCURRENCY \$WEB_MEMORY")" "16 2048" &&
	equal "$(MEMORY_AVAILABLE=2560 WEB_CONCURRENCY=3 bash -c ". ./wc.sh; echo \$WEB_CONCURRENCY")" 3
'

test_expect_success 'slugc run answers HTTP with the installed dependencies' '
	port=$(free_port) &&
	{ "$SLUGC" run app.tgz web --port "$port" >run.log 2>&1 & pid=$!; } &&
	test_cleanup "kill $pid" &&
	wait_for_http "http://127.0.0.1:$port/" &&
	equal "$(curl -fsS "http://127.0.0.1:$port/")" "HELLO WORLD!" &&
	kill -INT $pid && { wait $pid || true; } &&
	contains run.log "Listening on $port"
'

test_done
