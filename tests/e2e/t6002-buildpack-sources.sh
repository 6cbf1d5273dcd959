#!/usr/bin/env bash
# Where buildpacks come from: git URLs at #ref (a loopback git server), .tgz
# URLs over loopback HTTP, and the lists --buildpack, BUILDPACK_URL,
# .buildpacks and app.json, in that order; slugc buildpacks; verify reusing
# the recorded commits and digests.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/buildpacks.sh"

g() { git -c user.name=t -c user.email=t@example.com -c init.defaultBranch=main "$@"; }

# A buildpack in a repository: v1 writes version.txt "one", the next commit "two".
mkdir -p srv www app
make_buildpack bp-src "echo Versioned" 'echo one >"$1/version.txt"' \
	"printf 'default_process_types:\n  web: cat version.txt\n'"
g init -q bp-src && g -C bp-src add . && g -C bp-src commit -q -m one && g -C bp-src tag v1
V1=$(git -C bp-src rev-parse HEAD)
sed -i 's/echo one/echo two/' bp-src/bin/compile
g -C bp-src commit -q -am two
V2=$(git -C bp-src rev-parse HEAD)
g clone -q --bare bp-src srv/bp.git
start_git_daemon "$TRASH/srv" || exit 99
GIT_URL="git://127.0.0.1:$GIT_DAEMON_PORT/bp.git"

# The same buildpack as a .tgz, as Heroku's buildpack registry serves them (no top directory).
tar -czf www/bp.tgz -C bp-src bin
TGZ_SHA=$(sha www/bp.tgz)
# A buildpack whose output depends on its build cache: it counts the builds that used it.
make_buildpack bp-count "echo Counting" \
	'n=$(cat "$2/count" 2>/dev/null || echo 0); echo $((n + 1)) >"$2/count"; cp "$2/count" "$1/count.txt"' \
	"printf -- '---\\ndefault_process_types:\\n  web: cat count.txt\\n'"
tar -czf www/count.tgz -C bp-count bin
start_mirror "$TRASH/www" || exit 99
TGZ_URL="$MIRROR_URL/bp.tgz"

echo "hello" >app/index.txt

test_expect_success 'a git buildpack at #v1 (a tag) runs that commit, recorded in the manifest' '
	expect_exit 0 slugc compile app --buildpack "$GIT_URL#v1" -o v1.tgz &&
	contains out "bp at $V1 from #v1" &&
	equal "$(tar -xzOf v1.tgz ./app/version.txt)" "one" &&
	equal "$(json v1.json "d[\"slugc\"][\"buildpacks\"][0][\"commit\"]")" "$V1" &&
	equal "$(json v1.json "d[\"slugc\"][\"buildpacks\"][0][\"kind\"]")" "git" &&
	equal "$(json v1.json "d[\"slugc\"][\"buildpacks\"][0][\"ref\"]")" "$GIT_URL#v1"
'

test_expect_success 'a git buildpack at a commit, and at its default branch' '
	expect_exit 0 slugc compile app --buildpack "$GIT_URL#$V1" -o c1.tgz &&
	equal "$(tar -xzOf c1.tgz ./app/version.txt)" "one" &&
	equal "$(sha c1.tgz)" "$(sha v1.tgz)" &&
	expect_exit 0 slugc compile app --buildpack "$GIT_URL" -o head.tgz &&
	equal "$(tar -xzOf head.tgz ./app/version.txt)" "two" &&
	equal "$(json head.json "d[\"slugc\"][\"buildpacks\"][0][\"commit\"]")" "$V2"
'

test_expect_success 'an unknown #ref fails naming the buildpack' '
	compile_refused "buildpack '"'"'$GIT_URL#nope'"'"'" app --buildpack "$GIT_URL#nope"
'

test_expect_success 'verify rebuilds with the recorded commit after the branch moved' '
	(cd bp-src && sed -i "s/echo two/echo three/" bin/compile && g commit -q -am three &&
	 g push -q "$TRASH/srv/bp.git" main) &&
	expect_exit 0 slugc verify head.tgz --manifest head.json app &&
	contains out "reproducible"
'

test_expect_success 'a .tgz buildpack over HTTP; its sha256 is recorded' '
	expect_exit 0 slugc compile app --buildpack "$TGZ_URL" -o t.tgz &&
	equal "$(tar -xzOf t.tgz ./app/version.txt)" "two" &&
	equal "$(json t.json "d[\"slugc\"][\"buildpacks\"][0][\"sha256\"]")" "$TGZ_SHA" &&
	grep -q "^GET /bp.tgz 200" "$MIRROR_LOG" &&
	expect_exit 0 slugc compile app --buildpack "$TGZ_URL#sha256=$TGZ_SHA" -o t2.tgz &&
	equal "$(sha t2.tgz)" "$(sha t.tgz)" &&
	expect_exit 0 slugc verify t.tgz --manifest t.json app
'

test_expect_success 'verify rebuilds without the build caches earlier builds left' '
	expect_exit 0 slugc compile app --buildpack "$MIRROR_URL/count.tgz" -o c1.tgz --cache-dir "$TRASH/cc" &&
	equal "$(tar -xzOf c1.tgz ./app/count.txt)" 1 &&
	expect_exit 0 slugc compile app --buildpack "$MIRROR_URL/count.tgz" -o c2.tgz --cache-dir "$TRASH/cc" &&
	equal "$(tar -xzOf c2.tgz ./app/count.txt)" 2 &&
	expect_exit 0 slugc verify c1.tgz --manifest c1.json app --cache-dir "$TRASH/cc" &&
	contains out "reproducible" &&
	equal "$(cat cc/build/*/buildpacks/*/count)" 2 &&
	test -z "$(ls -A "$TMPDIR" | grep slugc-verify)"
'

test_expect_success 'a .tgz that does not match its #sha256 pin is refused' '
	bad=0000000000000000000000000000000000000000000000000000000000000000 &&
	compile_refused "the archive'"'"'s sha256 is $TGZ_SHA, not the pinned $bad" \
		app --buildpack "$TGZ_URL#sha256=$bad"
'

marker_buildpack bp-a alpha
marker_buildpack bp-b beta
mkdir env-bp && echo "$TRASH/bp-b" >env-bp/BUILDPACK_URL
printf '# the app picks\n%s\n\n' "$GIT_URL#v1" >dotfile
printf '{"name": "x", "buildpacks": [{"url": "%s"}]}\n' "$TGZ_URL" >appjson

test_expect_success '.buildpacks selects, and says so' '
	cp -r app a1 && cp dotfile a1/.buildpacks && cp appjson a1/app.json &&
	expect_exit 0 slugc compile a1 -o a1.tgz &&
	contains out "Buildpacks from .buildpacks: $GIT_URL#v1" &&
	equal "$(tar -xzOf a1.tgz ./app/version.txt)" "one" &&
	equal "$(json a1.json "d[\"slugc\"][\"buildpacks_from\"]")" ".buildpacks"
'

test_expect_success 'app.json buildpacks select when there is no .buildpacks' '
	cp -r app a2 && cp appjson a2/app.json &&
	expect_exit 0 slugc compile a2 -o a2.tgz &&
	contains out "Buildpacks from app.json: $TGZ_URL" &&
	equal "$(json a2.json "d[\"slugc\"][\"buildpacks_from\"]")" "app.json"
'

test_expect_success 'a broken app.json is ignored with a warning; detection builds the app' '
	cp -r app a5 && echo "{ not json" >a5/app.json && echo "web: cat index.txt" >a5/Procfile &&
	expect_exit 0 slugc compile a5 -o a5.tgz &&
	contains err "app.json ignored" &&
	equal "$(json a5.json "d[\"slugc\"][\"buildpacks\"]")" "[\"procfile\"]"
'

test_expect_success 'BUILDPACK_URL beats the app'"'"'s files; --buildpack beats everything' '
	touch a1/beta.marker a1/alpha.marker &&
	expect_exit 0 slugc compile a1 --env-dir env-bp -o a3.tgz &&
	contains out "Buildpacks from the BUILDPACK_URL config var: $TRASH/bp-b" &&
	slugtool list a3.tgz | grep -q "bin/beta-tool" &&
	expect_exit 0 slugc compile a1 --env-dir env-bp --buildpack ./bp-a -o a4.tgz &&
	contains out "Buildpacks from --buildpack: ./bp-a" &&
	slugtool list a4.tgz | grep -q "bin/alpha-tool"
'

test_expect_success 'slugc buildpacks prints the list and where it comes from' '
	expect_exit 0 slugc buildpacks a1 &&
	equal "$(cat out)" "# from .buildpacks
$GIT_URL#v1	git" &&
	expect_exit 0 slugc buildpacks a1 --env-dir env-bp --json &&
	equal "$(json out "d[\"from\"]")" "the BUILDPACK_URL config var" &&
	equal "$(json out "d[\"buildpacks\"][0][\"kind\"]")" "dir" &&
	expect_exit 0 slugc buildpacks "$EXAMPLES/node-hello" &&
	equal "$(cat out)" "# from detection
nodejs	native" &&
	expect_exit 0 slugc buildpacks app --buildpack heroku/nodejs --buildpack "$TGZ_URL" &&
	equal "$(cat out)" "# from --buildpack
heroku/nodejs	native
$TGZ_URL	tgz"
'

test_expect_success 'bad lists fail with one line naming the file, line or entry' '
	cp -r app b1 && printf "%s\n/usr/lib/buildpack\n" "$GIT_URL" >b1/.buildpacks &&
	compile_refused "'"'"'.buildpacks'"'"' line 2: '"'"'/usr/lib/buildpack'"'"' is not a URL" b1 &&
	cp -r app b2 && echo "heroku/php" >b2/.buildpacks &&
	compile_refused "heroku/php.tgz" b2 &&
	cp -r app b3 && echo "# nothing" >b3/.buildpacks &&
	compile_refused "'"'"'.buildpacks'"'"' names no buildpack" b3 &&
	cp -r app b4 && echo "{\"buildpacks\": [\"heroku/nodejs\"]}" >b4/app.json &&
	compile_refused "'"'"'app.json'"'"' buildpacks[0] must be an object" b4 &&
	expect_error 2 "the buildpack '"'"'./nowhere'"'"' is not a directory" \
		slugc compile app --buildpack ./nowhere -o x.tgz
'

test_expect_success 'a built-in name for an app not of that language fails before anything runs' '
	compile_refused "this is not a nodejs app" app --buildpack nodejs
'

test_done
