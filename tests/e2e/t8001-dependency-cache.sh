#!/usr/bin/env bash
# The dependency cache (runtimes/depcache.c, docs/performance.md): a Node.js app whose real
# npm dependencies come from the loopback registry stand-in (t3005's). A warm build restores
# node_modules instead of running npm ci and gives the cold build's bytes; a changed lockfile
# or config var misses; an app with a root install script is never cached; a damaged entry
# (a file changed, missing or added) is evicted, reinstalled, and the slug is the cold one.
. "$(dirname "$0")/test-lib.sh"

PKGS="$SLUGC_TEST_CACHE/npm-packages"
command -v npm >/dev/null || skip_all "no npm on this machine to write the lockfile"
[ -d "$PKGS" ] || { echo "no $PKGS: run the fixture_npm_packages test first (ctest does)"; exit 1; }
use_node_mirror || exit 1
export SLUGC_CACHE_DIR="$TRASH/cache"
SECRET=depcache-secret-value-7c1f0e

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

# compile_app DIR OUT [ARGS...]: compile with the app's usual config var; output in out/err.
compile_app() {
	local dir=$1 out=$2
	shift 2
	: >"$REGISTRY_LOG"
	expect_exit 0 "$SLUGC" compile "$dir" -o "$out" --env "API_TOKEN=$SECRET" "$@"
}
# fetched: the last compile downloaded a package (its app's npm cache was empty).
fetched() { grep -q "GET /slugc-util/-/" "$REGISTRY_LOG"; }

test_expect_success 'the app: npm dependencies with a lockfile, a build script' '
	mkdir app0 &&
	cat >app0/package.json <<-JSON &&
	{
	  "name": "depcache-app",
	  "version": "1.0.0",
	  "engines": {"node": "20.x"},
	  "dependencies": {"slugc-greet": "^1.0.0"},
	  "devDependencies": {"slugc-devtool": "1.0.0"},
	  "scripts": {"build": "node build.js", "start": "node index.js"}
	}
	JSON
	printf "registry=%s\n" "$REGISTRY_URL" >app0/.npmrc &&
	cat >app0/build.js <<-"JS" &&
	const { greet } = require("slugc-greet");
	require("fs").writeFileSync("built.txt", greet(require("fs").readFileSync("name.txt", "utf8").trim()) + "\n");
	JS
	echo world >app0/name.txt &&
	echo "web: node index.js" >app0/Procfile &&
	(cd app0 && HOME="$TRASH/npm-home" npm install --package-lock-only --no-audit --no-fund >../lock.log 2>&1) &&
	contains app0/package-lock.json "slugc-util-1.1.0.tgz"
'

test_expect_success 'cold build: a miss, npm ci runs, node_modules is saved' '
	compile_app app0 cold.tgz -v &&
	contains out "Dependency cache miss: no entry for this key yet" &&
	contains out "Installing node modules (package-lock.json)" &&
	contains out "Saved node_modules to the dependency cache" &&
	fetched &&
	contains err "trace: step npm ci: " &&
	contains err "trace: dependency cache: miss (no entry for this key yet)" &&
	tar -xzOf cold.tgz ./app/built.txt >built && contains built "HELLO WORLD!" &&
	slugtool names cold.tgz >names &&
	not_contains names "./app/node_modules/slugc-devtool/" &&
	ls "$SLUGC_CACHE_DIR"/deps >entries && equal "$(grep -vc lock entries)" 1
'

test_expect_success 'warm build: a hit, no npm ci, the same bytes' '
	compile_app app0 warm.tgz &&
	contains out "Restored node_modules from the dependency cache" &&
	not_contains out "Installing node modules" &&
	contains out "Running build (npm run build)" &&
	contains out "Pruning devDependencies" &&
	! fetched &&
	equal "$(sha warm.tgz)" "$(sha cold.tgz)"
'

test_expect_success '-v: where the seconds went, stage by stage and step by step, and the hit' '
	compile_app app0 v.tgz -v &&
	for s in source tree detect runtimes build release pack manifest; do
		contains err "trace: stage $s: " || exit 1
	done &&
	contains err "trace: step dependency cache restore: " &&
	contains err "trace: step npm run build: " &&
	contains err "trace: step npm prune --omit=dev: " &&
	contains err "trace: dependency cache: hit" &&
	sed -n "s/^trace: dependency cache key \([0-9a-f]*\)$/\1/p" err >key &&
	test -d "$SLUGC_CACHE_DIR/deps/$(cat key)/tree/slugc-util" &&
	equal "$(sha v.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'cache ls shows the entry with its description; no config value is stored' '
	expect_exit 0 "$SLUGC" cache ls &&
	grep -E "^ *deps " out >deps.line &&
	contains deps.line "$(cut -c1-12 key)" &&
	contains deps.line "npm node_modules, package-lock.json sha256:" &&
	json "$SLUGC_CACHE_DIR/deps/$(cat key)/record.json" "d[\"description\"]" >desc &&
	contains desc "npm node_modules, package-lock.json sha256:" &&
	contains desc "app depcache-app" &&
	! grep -rqF "$SECRET" "$SLUGC_CACHE_DIR"
'

test_expect_success 'app code changed: a hit, the build script runs on the new code, cold bytes' '
	cp -r app0 app1 &&
	echo heroku >app1/name.txt &&
	compile_app app1 code-warm.tgz &&
	contains out "Restored node_modules from the dependency cache" &&
	! fetched &&
	tar -xzOf code-warm.tgz ./app/built.txt >built && contains built "HELLO HEROKU!" &&
	compile_app app1 code-cold.tgz --cache-dir "$TRASH/other-cache" &&
	contains out "Dependency cache miss" &&
	equal "$(sha code-warm.tgz)" "$(sha code-cold.tgz)"
'

test_expect_success 'lockfile changed: a miss' '
	cp -r app0 app2 &&
	echo >>app2/package-lock.json &&
	compile_app app2 lock.tgz &&
	contains out "Dependency cache miss: no entry for this key yet" &&
	contains out "Installing node modules" &&
	fetched
'

test_expect_success 'config var changed: a miss' '
	: >"$REGISTRY_LOG" &&
	expect_exit 0 "$SLUGC" compile app0 -o env.tgz --env "API_TOKEN=$SECRET-2" &&
	contains out "Dependency cache miss: no entry for this key yet" &&
	contains out "Installing node modules"
'

test_expect_success 'a root postinstall script: never cached, and the reason is said' '
	cp -r app0 app3 &&
	sed -i "s/\"build\": \"node build.js\"/\"postinstall\": \"node build.js\"/" app3/package.json &&
	contains app3/package.json postinstall &&
	for i in 1 2; do
		compile_app app3 post$i.tgz &&
		contains out "Dependency cache not used: package.json has a '"'"'postinstall'"'"' script" &&
		contains out "Installing node modules" &&
		not_contains out "Saved node_modules" || exit 1
	done
'

# damaged HOW NEEDLE: damage the cold build's entry, then the next build warns, reinstalls,
# gives the cold bytes and stores a good entry again.
damaged() {
	local tree="$SLUGC_CACHE_DIR/deps/$(cat key)/tree"
	test -d "$tree" &&
	eval "$1" &&
	compile_app app0 damaged.tgz &&
	contains err "was damaged" &&
	contains err "$2" &&
	contains err "installing from scratch" &&
	contains out "Installing node modules" &&
	contains out "Saved node_modules to the dependency cache" &&
	equal "$(sha damaged.tgz)" "$(sha cold.tgz)" &&
	compile_app app0 again.tgz &&
	contains out "Restored node_modules from the dependency cache" &&
	equal "$(sha again.tgz)" "$(sha cold.tgz)"
}

test_expect_success 'a cached file changed: evicted, reinstalled, the cold bytes' '
	damaged "printf x >>\"\$tree/slugc-util/index.js\"" "slugc-util/index.js'"'"' differs from the record"
'

test_expect_success 'a cached file missing: evicted, reinstalled, the cold bytes' '
	damaged "rm \"\$tree/slugc-greet/package.json\"" "slugc-greet/package.json'"'"' is missing"
'

test_expect_success 'a file added to the cached tree: evicted, reinstalled, the cold bytes' '
	damaged "echo extra >\"\$tree/slugc-util/extra.js\"" "slugc-util/extra.js'"'"' is not in the record"
'

test_expect_success 'verify installs from scratch, and agrees with the warm slug' '
	: >"$REGISTRY_LOG" &&
	mkdir -p envd && printf %s "$SECRET" >envd/API_TOKEN &&
	expect_exit 0 "$SLUGC" verify warm.tgz --manifest warm.json app0 --env-dir envd -v &&
	contains err "trace: dependency cache: not used (slugc verify installs from scratch)" &&
	contains err "trace: step npm ci: "
'

# at_save CACHE OUT GDB-COMMANDS...: a cold build of app0 into CACHE under gdb, stopped where
# its save has made deps/.new-<key>-* and holds the entry's lock (depcache.c calls
# tree_copy_each() for nothing else on a miss), then the commands run; output in OUT.
at_save() {
	local cache=$1 out=$2
	shift 2
	local cmds=(-iex "set debuginfod enabled off" -ex "set pagination off" -ex "set confirm off"
		-ex "set disable-randomization off" -ex "break tree_copy_each" -ex run)
	for c in "$@"; do cmds+=(-ex "$c"); done
	# LeakSanitizer cannot run under ptrace: an ASan build is checked for leaks elsewhere.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 gdb -q -batch "${cmds[@]}" --args "$SLUGC" compile app0 -o "$TRASH/$out.tgz" \
		--env "API_TOKEN=$SECRET" --cache-dir "$cache" >"$out" 2>&1
}
leftovers() { ls -a "$1/deps" | grep "^\.new-\|^\.evicted-" || true; }

test_expect_success 'kill -9 during a save: the .new- leftover is no entry, and prune removes it' '
	command -v gdb >/dev/null || { echo "no gdb (bootstrap installs it)"; exit 1; }
	at_save "$TRASH/kc" killed kill &&
	contains killed "Breakpoint 1, " &&
	not_contains killed "Saved node_modules" &&
	leftovers "$TRASH/kc" >left && equal "$(wc -l <left)" 1 &&
	contains left ".new-$(cat key)-" &&
	test ! -e "$TRASH/kc/deps/$(cat key)" &&
	expect_exit 0 "$SLUGC" cache ls --cache-dir "$TRASH/kc" &&
	! sed -n "/^leftovers/q;p" out | grep "^  deps " &&
	grep -E "^  deps .* \.new-$(cat key)-.* an unfinished dependency cache entry, abandoned" out &&
	expect_exit 0 "$SLUGC" cache ls --json --cache-dir "$TRASH/kc" &&
	equal "$(jq "[.[] | select(.kind == \"deps\")] | length" out)" 0 &&
	expect_exit 0 "$SLUGC" cache prune --cache-dir "$TRASH/kc" &&
	contains out ": 0 entries, 1 abandoned leftover" &&
	test -z "$(leftovers "$TRASH/kc")" &&
	compile_app app0 after-kill.tgz --cache-dir "$TRASH/kc" &&
	contains out "Dependency cache miss: no entry for this key yet" &&
	contains out "Saved node_modules to the dependency cache" &&
	equal "$(sha after-kill.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'a concurrent prune leaves a live save'"'"'s .new- alone; the save completes' '
	at_save "$TRASH/lc" live "shell ls -a $TRASH/lc/deps >$TRASH/during" \
		"shell $SLUGC cache prune --all --json --cache-dir $TRASH/lc >$TRASH/prune.json" continue &&
	contains during ".new-$(cat key)-" &&
	equal "$(jq -c "[.leftovers, .leftovers_in_use]" prune.json)" "[0,1]" &&
	contains live "Saved node_modules to the dependency cache" &&
	test -z "$(leftovers "$TRASH/lc")" &&
	test -f "$TRASH/lc/deps/$(cat key)/record.json" &&
	compile_app app0 after-live.tgz --cache-dir "$TRASH/lc" &&
	contains out "Restored node_modules from the dependency cache" &&
	equal "$(sha after-live.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'prune removes deps entries not in use' '
	expect_exit 0 "$SLUGC" cache prune --all &&
	! ls "$SLUGC_CACHE_DIR"/deps/ | grep -v lock
'

test_done
