#!/usr/bin/env bash
# Go end to end: an HTTP mirror in go.dev's layout (JSON index with a sha256
# per file, built from this machine's Go), the toolchain used at build time
# only, reproducible binaries in ./app/bin, and the slug running with slugc run.
. "$(dirname "$0")/test-lib.sh"

use_go_mirror || { echo "cannot build the Go mirror"; exit 99; }
unset SLUGC_MIRROR_GO
# The mirror is only read: serve the shared copy rather than copying 134 MB.
start_mirror "$GO_MIRROR" || exit 99
M="go=$MIRROR_URL"
TARBALL=/go1.19.8.linux-amd64.tar.gz
downloads() { grep -c "^GET $TARBALL 20[06]" "$MIRROR_LOG"; }
INDEX_SHA=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["files"][0]["sha256"])' "$GO_MIRROR/index.json")

test_expect_success 'compile go-hello from an HTTP mirror, then run it' '
	expect_exit 0 slugc compile "$EXAMPLES/go-hello" --mirror "$M" -o hello.tgz &&
	contains out "Resolved go1.19 to go1.19.8" &&
	contains out "Verified sha256 $INDEX_SHA ($MIRROR_URL/index.json)" &&
	contains out "Detected main packages: example.com/go-hello" &&
	contains out "Running: go install example.com/go-hello" &&
	equal "$(downloads)" 1 &&
	equal "$(json hello.json "d[\"process_types\"][\"web\"]")" bin/go-hello &&
	equal "$(json hello.json "d[\"slugc\"][\"runtimes\"][0][\"sha256\"]")" "$INDEX_SHA" &&
	port=$(free_port) &&
	{ "$SLUGC" run hello.tgz web --port "$port" >run.log 2>&1 & pid=$!; } &&
	wait_for_http "http://127.0.0.1:$port/" &&
	equal "$(curl -fsS "http://127.0.0.1:$port/")" "Hello World" &&
	kill -INT $pid && { wait $pid || true; } &&
	contains run.log "Listening on $port"
'

test_expect_success 'the toolchain is used at build time only: the slug has the binary, no Go' '
	slugtool names hello.tgz >names &&
	contains names "./app/bin/go-hello" &&
	not_contains names "/go/bin/go" && not_contains names "/pkg/mod/" &&
	test "$(size_of hello.tgz)" -lt 10000000
'

test_expect_success 'a second compile downloads nothing and gives the same bytes' '
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc compile "$EXAMPLES/go-hello" --mirror "$M" -o again.tgz &&
	equal "$(downloads)" 0 &&
	equal "$(sha again.tgz)" "$(sha hello.tgz)"
'

test_expect_success 'the binary is reproducible from an empty cache in another directory' '
	cp -r "$EXAMPLES/go-hello" elsewhere &&
	expect_exit 0 slugc compile elsewhere --mirror "$M" --cache-dir "$TRASH/other-cache" -o elsewhere.tgz &&
	equal "$(sha elsewhere.tgz)" "$(sha hello.tgz)"
'

test_expect_success 'an install spec, a Procfile and a local module dependency' '
	mkdir -p multi/cmd/api multi/cmd/worker multi/greet &&
	printf "module example.com/multi\n\n// +heroku install ./cmd/...\n\ngo 1.19\n\nrequire example.com/greet v0.0.0\n\nreplace example.com/greet => ./greet\n" >multi/go.mod &&
	printf "module example.com/greet\n\ngo 1.19\n" >multi/greet/go.mod &&
	printf "package greet\n\nfunc Hello() string { return \"hello from greet\" }\n" >multi/greet/greet.go &&
	printf "package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/greet\"\n)\n\nfunc main() { fmt.Println(\"api:\", greet.Hello()) }\n" >multi/cmd/api/main.go &&
	printf "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"worker running\") }\n" >multi/cmd/worker/main.go &&
	printf "web: bin/api\nworker: bin/worker\n" >multi/Procfile &&
	expect_exit 0 slugc compile multi --mirror "$M" -o multi.tgz &&
	contains out "Running: go install ./cmd/..." &&
	slugtool names multi.tgz >names &&
	contains names "./app/bin/api" && contains names "./app/bin/worker" &&
	expect_exit 0 slugc run multi.tgz web && contains out "api: hello from greet" &&
	expect_exit 0 slugc run multi.tgz worker && contains out "worker running"
'

test_expect_success 'a compile error fails the build with the status and the compiler output' '
	cp -r "$EXAMPLES/go-hello" broken &&
	echo "func broken() { undefinedThing() }" >>broken/main.go &&
	expect_error 1 "the Go build failed: '"'"'go install example.com/go-hello'"'"' failed with exit status 2" \
		slugc compile broken --mirror "$M" -o broken.tgz &&
	contains out "undefined: undefinedThing" && not_contains err "undefinedThing" &&
	test ! -e broken.tgz && tmpdir_clean
'

test_expect_success 'resolve prints what compile would use' '
	expect_exit 0 slugc resolve go 1.19 --mirror "$M" &&
	contains out "go go1.19.8" &&
	contains out "url       $MIRROR_URL/go1.19.8.linux-amd64.tar.gz" &&
	contains out "sha256    $INDEX_SHA" &&
	SLUGC_MIRROR_GO=$MIRROR_URL expect_exit 0 slugc resolve go go1.19.8 --json &&
	equal "$(json out "d[\"version\"]")" go1.19.8
'

test_expect_success 'a Go line the index does not have fails clearly' '
	expect_error 1 "no Go release matches '"'"'1.99'"'"' for linux/amd64 in $MIRROR_URL/index.json (the newest there is go1.19.8)" \
		slugc resolve go 1.99 --mirror "$M" &&
	expect_error 1 "'"'"'1.x'"'"' is not a Go version" slugc resolve go 1.x --mirror "$M"
'

test_expect_success 'the real go.dev index format resolves (a 2020 capture)' '
	mkdir real && cp "$SLUGC_SOURCE_DIR/tests/fixtures/reference/go-dl-index.sample.json" real/index.json &&
	expect_error 1 "Go go1.13.7 is not on the mirror '"'"'file://$TRASH/real'"'"'" \
		slugc resolve go 1.13 --mirror "go=file://$TRASH/real" &&
	: >real/go1.13.7.linux-amd64.tar.gz && : >real/go1.12.16.linux-amd64.tar.gz &&
	expect_exit 0 slugc resolve go 1.13 --mirror "go=file://$TRASH/real" --json &&
	equal "$(json out "d[\"version\"]")" go1.13.7 &&
	equal "$(json out "d[\"url\"]")" "file://$TRASH/real/go1.13.7.linux-amd64.tar.gz" &&
	equal "$(json out "d[\"sha256\"]")" b3dd4bd781a0271b33168e627f7f43886b4c5d1c794a4015abf34e99c6526ca3 &&
	expect_exit 0 slugc resolve go go1.12.16 --mirror "go=file://$TRASH/real" &&
	contains out "go go1.12.16" &&
	expect_error 1 "no Go release matches '"'"'1.14'"'"' for linux/amd64 in file://$TRASH/real/index.json (the newest there is go1.13.7)" \
		slugc resolve go 1.14 --mirror "go=file://$TRASH/real"
'

test_done
