#!/usr/bin/env bash
# slugc cache: ls says what each entry is (a description written when the
# entry is made; older entries have none), --json matches its schema, no
# credential ever shows; prune removes descriptions with their entries;
# import alone makes an --offline build of an exact version possible, and a
# range says what to import.
. "$(dirname "$0")/test-lib.sh"

serve_node_mirror || exit 99
SECRET=s3cret-mirror-passw0rd
AUTHED=${MIRROR_URL/http:\/\//http://builder:$SECRET@}
SCHEMAS="$SLUGC_SOURCE_DIR/docs/schema"
have_jsonschema() { python3 -c "import jsonschema" 2>/dev/null; }
valid() {
	! have_jsonschema || python3 "$TEST_LIB_DIR/lib/validate-json.py" "$SCHEMAS" "$1" out
}
# app DIR VERSION: a Node.js app asking for VERSION.
app() {
	mkdir -p "$1" &&
	printf '{ "name": "%s", "version": "1.0.0", "engines": { "node": "%s" } }\n' "$1" "$2" >"$1/package.json" &&
	echo "web: node -e 0" >"$1/Procfile"
}
C="$TRASH/c"

test_expect_success 'setup: a build through a mirror with credentials, and a git source' '
	app hello 20.20.2 &&
	expect_exit 0 slugc compile hello --mirror "nodejs=$AUTHED" --cache-dir "$C" -o hello.tgz -q &&
	git init -q --bare srv.git && git init -q wt && (cd wt && echo "web: true" >Procfile &&
		git add Procfile && git -c user.name=t -c user.email=t@e commit -qm one &&
		git push -q "$TRASH/srv.git" HEAD:main) && git -C srv.git symbolic-ref HEAD refs/heads/main &&
	expect_exit 0 slugc compile "file://$TRASH/srv.git" --cache-dir "$C" -o git.tgz -q
'

test_expect_success 'cache ls says what each entry is, with no credentials' '
	expect_exit 0 slugc cache ls --cache-dir "$C" &&
	grep -E "^  blob .* Node\.js 20\.20\.2 \(node-v20\.20\.2-linux-x64\.tar\.gz\)$" out &&
	grep -E "^  toolchain .* Node\.js 20\.20\.2, unpacked \(node-v20\.20\.2-linux-x64\.tar\.gz\)$" out &&
	contains out "index document $MIRROR_URL/index.json" &&
	contains out "index document $MIRROR_URL/v20.20.2/SHASUMS256.txt" &&
	contains out "build cache of $TRASH/hello" &&
	contains out "git mirror of file://$TRASH/srv.git" &&
	not_contains out "(no description)" && not_contains out "$SECRET" && not_contains out builder &&
	! grep -rqF "$SECRET" "$C"
'

test_expect_success 'cache ls --json: every entry, matching docs/schema/cache-ls.json' '
	expect_exit 0 slugc cache ls --json --cache-dir "$C" && valid cache-ls.json &&
	not_contains out "$SECRET" &&
	equal "$(jq -r "[.[] | select(.kind == \"blob\")][0].url" out)" "$MIRROR_URL/v20.20.2/node-v20.20.2-linux-x64.tar.gz" &&
	equal "$(jq -r "[.[] | select(.kind == \"blob\")][0].name" out)" "$NODE_TARBALL_SHA" &&
	equal "$(jq "[.[] | select(.description == null)] | length" out)" 0 &&
	equal "$(jq "[.[] | select(.size > 0 and .age_days == 0)] | length >= 4" out)" true &&
	equal "$(jq -r ".[0].last_used" out | cut -c1-4)" "$(date -u +%Y)" &&
	expect_exit 0 slugc cache ls --json --cache-dir "$TRASH/empty" && equal "$(cat out)" "[]" && valid cache-ls.json
'

test_expect_success 'entries of an older cache (no description) and deps records' '
	cp -r "$C" old && find old -name "*.json" -delete &&
	expect_exit 0 slugc cache ls --cache-dir "$TRASH/old" && contains out "(no description)" &&
	expect_exit 0 slugc cache ls --json --cache-dir "$TRASH/old" && valid cache-ls.json &&
	equal "$(jq "[.[] | select(.description != null)] | length" out)" 0 &&
	mkdir -p old/deps/0123abcd && echo "{\"description\": \"npm packages of hello\"}" >old/deps/0123abcd/record.json &&
	expect_exit 0 slugc cache ls --cache-dir "$TRASH/old" &&
	if grep -q "^  deps " out; then grep -E "^  deps .* npm packages of hello$" out; fi
'

test_expect_success 'prune removes the descriptions with their entries; --json is for ls and prune' '
	expect_exit 0 slugc cache prune --all --cache-dir "$C" &&
	grep -E "^freed [0-9.]+ [KMG]?B in $C: [0-9]+ entries, 0 abandoned leftovers$" out &&
	test -z "$(find "$C" -name "*.json")" &&
	expect_exit 0 slugc cache ls --cache-dir "$C" && contains out "(empty)" &&
	expect_exit 0 slugc cache prune --json --cache-dir "$C" && valid cache-prune.json &&
	equal "$(jq -c "[.freed, .entries, .leftovers, .leftovers_in_use]" out)" "[0,0,0,0]" &&
	expect_error 2 "--json is for '"'"'cache ls'"'"' and '"'"'cache prune'"'"' only" \
		slugc cache import --json hello.tgz --cache-dir "$C" &&
	equal "$(jq -r .error.kind out)" usage
'

# hold MODE LOCK: a process holding an flock (-s shared, -x exclusive) on LOCK, as a build
# writing a leftover does, until the test ends; its pid in $HELD.
hold() {
	rm -f "$TRASH/held"
	python3 -c "import fcntl, sys, time
f = open(sys.argv[2], \"a\")
fcntl.flock(f, fcntl.LOCK_SH if sys.argv[1] == \"-s\" else fcntl.LOCK_EX)
open(sys.argv[3], \"w\").write(\"held\")
time.sleep(600)" "$1" "$2" "$TRASH/held" &
	HELD=$!
	test_cleanup "kill $HELD"
	wait_for_file "$TRASH/held"
}

test_expect_success 'leftovers are no entries; prune removes the abandoned, keeps what a build holds' '
	L="$TRASH/left" && a=$(echo a | sha256sum | cut -c1-64) && b=$(echo b | sha256sum | cut -c1-64) &&
	mkdir -p "$L/toolchains/$a/bin" "$L/toolchains/$a.evicted-4242/bin" \
		"$L/toolchains/$a.tmp.unpack-Qx7Zp1" "$L/toolchains/$b.tmp/bin" \
		"$L/deps/.evicted-$a-Kp3Lm9/tree" "$L/deps/.new-$b-Zr8Tq2/tree" \
		"$L/git/$a.git" "$L/git/$b.git.tmp-Wq4Xe5/objects" &&
	for f in "$a/bin/node" "$a.evicted-4242/bin/node" "$b.tmp/bin/node"; do
		echo node >"$L/toolchains/$f" || exit 1
	done &&
	: an unpack of b under its exclusive lock, a save of b under its shared lock &&
	hold -x "$L/toolchains/$b.lock" && unpacker=$HELD &&
	hold -s "$L/deps/$b.lock" && saver=$HELD &&
	expect_exit 0 slugc cache ls --cache-dir "$L" &&
	equal "$(sed -n "/^leftovers/q;p" out | grep -c "^  toolchain ")" 1 &&
	! sed -n "/^leftovers/q;p" out | grep "^  deps " &&
	grep -E "^  toolchain .* $a.evicted-4242  an evicted toolchain, abandoned" out &&
	grep -E "^  toolchain .* $b.tmp  an unfinished unpack, in use by a running build" out &&
	grep -E "^  deps .* .new-$b-Zr8Tq2  an unfinished dependency cache entry, in use" out &&
	grep -E "^  git .* $b.git.tmp-Wq4Xe5  an unfinished mirror clone, abandoned" out &&
	equal "$(sed -n "/^leftovers/q;p" out | grep -c "^  git ")" 1 &&
	expect_exit 0 slugc cache ls --json --cache-dir "$L" && valid cache-ls.json &&
	equal "$(jq -c "[.[] | .name]" out)" "[\"$a.git\",\"$a\"]" &&
	expect_exit 0 slugc cache prune --json --cache-dir "$L" && valid cache-prune.json &&
	equal "$(jq -c "[.entries, .leftovers, .leftovers_in_use]" out)" "[0,4,2]" &&
	test -d "$L/git/$a.git" && test ! -e "$L/git/$b.git.tmp-Wq4Xe5" &&
	test -d "$L/toolchains/$a" && test -d "$L/toolchains/$b.tmp" && test -d "$L/deps/.new-$b-Zr8Tq2" &&
	test ! -e "$L/toolchains/$a.evicted-4242" && test ! -e "$L/toolchains/$a.tmp.unpack-Qx7Zp1" &&
	test ! -e "$L/deps/.evicted-$a-Kp3Lm9" &&
	: the builds are gone: what they left is abandoned &&
	kill "$unpacker" "$saver" && { wait "$unpacker" "$saver" 2>/dev/null; true; } &&
	expect_exit 0 slugc cache prune --cache-dir "$L" &&
	contains out ": 0 entries, 2 abandoned leftovers" && not_contains out kept &&
	equal "$(ls "$L/toolchains" | grep -v "\.lock$")" "$a" &&
	test -z "$(ls -A "$L/deps" | grep -v "\.lock$")"
'

test_expect_success 'import alone: --offline builds an exact version; the archive says what it is' '
	unset SLUGC_MIRROR_NODEJS &&
	app exact 18.20.4 &&
	expect_exit 0 slugc cache import "$NODE_MIRROR/v18.20.4/node-v18.20.4-linux-x64.tar.gz" --cache-dir "$TRASH/fresh" &&
	expect_exit 0 slugc compile exact --offline --cache-dir "$TRASH/fresh" -o exact.tgz &&
	contains out "Installing Node.js 18.20.4" &&
	contains err "using the imported node-v18.20.4-linux-x64.tar.gz" &&
	equal "$(jq -r ".slugc.runtimes[0].verified_by" exact.json)" "the digest of the archive imported with slugc cache import (offline, without the index)" &&
	equal "$(jq -r ".slugc.runtimes[0].url" exact.json)" "https://nodejs.org/dist/v18.20.4/node-v18.20.4-linux-x64.tar.gz" &&
	expect_exit 0 slugc cache ls --cache-dir "$TRASH/fresh" &&
	grep -E "^  blob .* node-v18\.20\.4-linux-x64\.tar\.gz, imported$" out
'

test_expect_success 'the same slug as an online build of that version' '
	app exact 18.20.4 &&
	expect_exit 0 slugc compile exact --mirror "nodejs=$MIRROR_URL" --cache-dir "$TRASH/online" -o online.tgz -q &&
	equal "$(sha online.tgz)" "$(sha exact.tgz)"
'

test_expect_success 'import --url of a mirror URL: --offline with that mirror' '
	app m 22.3.0 &&
	expect_exit 0 slugc cache import "$NODE_MIRROR/v22.3.0/node-v22.3.0-linux-x64.tar.gz" --cache-dir "$TRASH/m" \
		--url "$AUTHED/v22.3.0/node-v22.3.0-linux-x64.tar.gz" &&
	not_contains out "$SECRET" &&
	cp "$NODE_MIRROR/v22.3.0/node-v22.3.0-linux-x64.tar.gz" renamed.tar.gz &&
	expect_exit 0 slugc compile m --offline --mirror "nodejs=$AUTHED" --cache-dir "$TRASH/m" -o m.tgz -q &&
	expect_exit 0 slugc cache ls --cache-dir "$TRASH/m" && not_contains out "$SECRET" &&
	contains out "imported for $MIRROR_URL/v22.3.0/node-v22.3.0-linux-x64.tar.gz" &&
	! grep -rqF "$SECRET" "$TRASH/m"
'

test_expect_success 'a range, or an exact version nobody imported: the error says what to import' '
	app range 18.x &&
	expect_error 1 "'"'"'18.x'"'"' is a range, which only the index resolves; ask for an exact version" \
		slugc compile range --offline --cache-dir "$TRASH/fresh" -o r.tgz &&
	contains err "slugc cache import FILE" &&
	app other 18.19.0 &&
	expect_error 1 "nor an imported node-v18.19.0-linux-x64.tar.gz is in the cache: import the archive with '"'"'slugc cache import node-v18.19.0-linux-x64.tar.gz'"'"'" \
		slugc compile other --offline --cache-dir "$TRASH/fresh" -o o.tgz
'

test_expect_success 'Go: an imported go1.19.8 archive resolves offline; a line says what to import' '
	use_go_mirror || { echo "cannot build the Go mirror"; exit 1; }
	unset SLUGC_MIRROR_GO &&
	expect_exit 0 slugc cache import "$GO_MIRROR/go1.19.8.linux-amd64.tar.gz" --cache-dir "$TRASH/go" &&
	expect_exit 0 slugc resolve go go1.19.8 --offline --cache-dir "$TRASH/go" --json &&
	equal "$(jq -r .url out)" "https://dl.google.com/go/go1.19.8.linux-amd64.tar.gz" &&
	equal "$(jq -r .sha256 out)" "$(sha256sum "$GO_MIRROR/go1.19.8.linux-amd64.tar.gz" | cut -d" " -f1)" &&
	expect_error 1 "'"'"'1.19'"'"' names a line, which only the index resolves" \
		slugc resolve go 1.19 --offline --cache-dir "$TRASH/go"
'

test_done
