# test-lib.sh: the small library every end-to-end test sources.
#
#   . "$(dirname "$0")/test-lib.sh"
#   test_expect_success 'what it checks' '
#       slugc compile app -o s.tgz &&
#       test -f s.tgz
#   '
#   test_done
#
# Each script runs in its own scratch directory ($TRASH, removed at exit)
# with TMPDIR and HOME pointing inside it, so nothing leaks into the machine.
# A test body runs in a subshell with `set -e`; its output is shown only
# when it fails. Services a test starts register their cleanup with
# test_cleanup, which runs at exit whatever happened.

set -u
: "${SLUGC:?set SLUGC to the slugc binary (ctest does)}"
: "${SLUGC_SOURCE_DIR:?set SLUGC_SOURCE_DIR to the source tree (ctest does)}"

TEST_NAME=$(basename "$0" .sh)
TEST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/slugc-$TEST_NAME.XXXXXX")
EXAMPLES="$SLUGC_SOURCE_DIR/examples"
# A Procfile-only app: no runtime to install, for tests about packing and sources.
STATIC="$SLUGC_SOURCE_DIR/tests/fixtures/apps/static"
# Shared fixtures (runtime mirrors, npm packages): built once per build tree by ctest's
# setup tests, read by the test scripts (tests/lib/fixtures.sh, tests/lib/README.md).
: "${SLUGC_TEST_CACHE:=$SLUGC_SOURCE_DIR/build/test-cache}"
export TMPDIR="$TRASH/tmp" HOME="$TRASH/home"
mkdir -p "$TMPDIR" "$HOME"
unset SOURCE_DATE_EPOCH SLUGC_THREADS
export LC_ALL=C.UTF-8

test_count=0
test_failures=0
test_skipped=0

# test_cleanup CMD: run CMD (one line) at exit, last registered first. Kept in a file, so a
# service a test body starts (a subshell) is stopped too.
test_cleanup() {
	printf '%s\n' "$1" >>"$TRASH/.cleanups"
}

_run_cleanups() {
	local c
	if [ -f "$TRASH/.cleanups" ]; then
		while IFS= read -r c; do
			eval "$c" >/dev/null 2>&1 || true
		done < <(tac "$TRASH/.cleanups")
	fi
	chattr -R -i "$TRASH" 2>/dev/null
	chmod -R u+rwX "$TRASH" 2>/dev/null
	rm -rf "$TRASH"
}
trap _run_cleanups EXIT

cd "$TRASH" || exit 99

# A function: to background slugc and signal it, use "$SLUGC" directly, or $! is a subshell.
slugc() {
	"$SLUGC" "$@"
}

test_expect_success() {
	local desc=$1 body=$2 log="$TRASH/.test.log"
	test_count=$((test_count + 1))
	if (set -e; cd "$TRASH"; eval "$body") >"$log" 2>&1; then
		echo "ok $test_count - $desc"
	else
		test_failures=$((test_failures + 1))
		echo "not ok $test_count - $desc"
		sed 's/^/#   /' "$log"
	fi
}

# test_skip DESC REASON: a test this machine cannot run, reported as skipped.
test_skip() {
	test_count=$((test_count + 1))
	test_skipped=$((test_skipped + 1))
	echo "ok $test_count - $1 # skip $2"
}

# test_unprivileged DESC BODY: a test of permission bits, which root ignores.
test_unprivileged() {
	if [ "$(id -u)" = 0 ]; then
		test_skip "$1" "root ignores permission bits"
	else
		test_expect_success "$1" "$2"
	fi
}

# skip_all REASON: this machine can run none of the file's tests (ctest: skipped).
skip_all() {
	echo "1..0 # skip $1"
	exit 77
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failures" -gt 0 ]; then
		echo "# failed $test_failures of $test_count in $TEST_NAME"
		exit 1
	fi
	if [ "$test_skipped" -gt 0 ] && [ "$test_skipped" = "$test_count" ]; then
		exit 77
	fi
	exit 0
}

# --- services on loopback ---

# wait_for_file FILE: until a service writes its port file (10 s at most).
wait_for_file() {
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for $1"
	return 1
}

# free_port: a TCP port nobody listens on right now.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_git_daemon ROOT: git:// on loopback exporting ROOT; sets GIT_DAEMON_PORT.
start_git_daemon() {
	local root=$1 pidfile="$TRASH/git-daemon.pid" try
	for try in 1 2 3 4 5; do
		GIT_DAEMON_PORT=$(free_port)
		git daemon --reuseaddr --export-all --base-path="$root" --listen=127.0.0.1 \
			--port="$GIT_DAEMON_PORT" --pid-file="$pidfile" --detach "$root" && break
	done
	wait_for_file "$pidfile" || return 1
	test_cleanup "kill $(cat "$pidfile")"
	# git daemon writes its pid before it listens: wait for the port.
	for try in $(seq 1 50); do
		(exec 3<>/dev/tcp/127.0.0.1/$GIT_DAEMON_PORT) 2>/dev/null && return 0
		sleep 0.1
	done
	echo "git daemon did not start"
	return 1
}

# start_git_http ROOT [USER:PASSWORD [git-http.py options...]]: smart HTTP on loopback;
# sets GIT_HTTP_PORT, GIT_HTTP_LOG.
start_git_http() {
	local root=$1 auth=${2:-} portfile="$TRASH/git-http.$RANDOM.port"
	shift $(($# < 2 ? $# : 2))
	GIT_HTTP_LOG="$TRASH/git-http.$RANDOM.log"
	: >"$GIT_HTTP_LOG"
	python3 "$TEST_LIB_DIR/lib/git-http.py" --root "$root" --port-file "$portfile" \
		--log "$GIT_HTTP_LOG" ${auth:+--auth "$auth"} "$@" &
	test_cleanup "kill $!"
	wait_for_file "$portfile" || return 1
	GIT_HTTP_PORT=$(cat "$portfile")
}

# start_mirror ROOT: serve ROOT over HTTP on loopback (lib/mirror.py); sets MIRROR_URL,
# MIRROR_LOG (one line per request) and MIRROR_FAULTS (write fault rules there).
start_mirror() {
	local root=$1 portfile="$TRASH/mirror.$RANDOM.port"
	MIRROR_LOG="$TRASH/mirror.$RANDOM.log" MIRROR_FAULTS="$TRASH/mirror.$RANDOM.faults"
	: >"$MIRROR_LOG"
	echo "[]" >"$MIRROR_FAULTS"
	python3 "$TEST_LIB_DIR/lib/mirror.py" --root "$root" --port-file "$portfile" \
		--log "$MIRROR_LOG" --faults "$MIRROR_FAULTS" &
	test_cleanup "kill $!"
	wait_for_file "$portfile" || return 1
	MIRROR_URL="http://127.0.0.1:$(cat "$portfile")"
}

# start_platform [CONFIG]: the Platform API emulator (tests/platform/emulator.py) on
# loopback; exports HEROKU_API_URL and HEROKU_API_KEY=test-token (the default config:
# test-token may use staging and prod, other-token may use other); sets PLATFORM_URL and
# PLATFORM_STATE (requests.jsonl, blobs/). platform POST|GET PATH [JSON] talks to its
# control API (/__emulator/...).
start_platform() {
	local portfile="$TRASH/platform.$RANDOM.port"
	PLATFORM_STATE="$TRASH/platform.$RANDOM"
	python3 "$SLUGC_SOURCE_DIR/tests/platform/emulator.py" --port 0 --port-file "$portfile" \
		--state-dir "$PLATFORM_STATE" ${1:+--config "$1"} &
	test_cleanup "kill $!"
	wait_for_file "$portfile" || return 1
	PLATFORM_URL="http://127.0.0.1:$(cat "$portfile")"
	export HEROKU_API_URL="$PLATFORM_URL" HEROKU_API_KEY=test-token
}

platform() {
	curl -fsS -X "$1" ${3:+-H "Content-Type: application/json" --data "$3"} "$PLATFORM_URL/__emulator/$2"
}

# wait_for_http URL: until URL answers (10 s at most).
wait_for_http() {
	local i
	for i in $(seq 1 100); do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "nothing answered at $1"
	return 1
}

# --- shared fixtures: runtime mirrors built from this machine's runtimes (tests/lib/) ---

# shellcheck source=../lib/fixtures.sh
. "$SLUGC_SOURCE_DIR/tests/lib/fixtures.sh"

# build_mirror NAME: the shared fixture $SLUGC_TEST_CACHE/NAME (tests/lib/fixtures.sh). Under
# ctest its setup test fixture_NAME built it and this only checks it is there (the test says
# FIXTURES_REQUIRED NAME in tests/CMakeLists.txt); standalone, it is built under a lock.
build_mirror() {
	fixture_need "$1"
}

# use_node_mirror: compile gets Node.js from a file:// mirror in nodejs.org's layout
# (v20 as itself, relabelled copies as v16..v24); sets NODE_MIRROR to its directory.
use_node_mirror() {
	NODE_MIRROR=$(build_mirror node-mirror) || return 1
	export SLUGC_MIRROR_NODEJS="file://$NODE_MIRROR"
}

# serve_node_mirror: that mirror over HTTP (start_mirror); sets M (for --mirror),
# NODE_TARBALL (v20's archive, a path on the mirror) and NODE_TARBALL_SHA.
serve_node_mirror() {
	use_node_mirror || { echo "cannot build the Node.js mirror"; return 1; }
	unset SLUGC_MIRROR_NODEJS
	start_mirror "$NODE_MIRROR" || return 1
	M="nodejs=$MIRROR_URL"
	NODE_TARBALL=/v20.20.2/node-v20.20.2-linux-x64.tar.gz
	NODE_TARBALL_SHA=$(grep linux-x64.tar.gz "$NODE_MIRROR/v20.20.2/SHASUMS256.txt" | cut -d" " -f1)
}

# use_go_mirror: the same for Go (go.dev's JSON index + dl.google.com files; go1.19.8
# only); sets GO_MIRROR.
use_go_mirror() {
	GO_MIRROR=$(build_mirror go-mirror) || return 1
	export SLUGC_MIRROR_GO="file://$GO_MIRROR"
}

# use_ruby_mirror: the same for Ruby (Heroku's bucket layout, this machine's ruby for
# heroku-24); sets RUBY_MIRROR.
use_ruby_mirror() {
	RUBY_MIRROR=$(build_mirror ruby-mirror) || return 1
	export SLUGC_MIRROR_RUBY="file://$RUBY_MIRROR"
}

# use_ruby_app: RUBY_APP, examples/ruby-hello asking for the Ruby the mirror has (this
# machine's; tests/lib/make-ruby-app.sh), and RUBY_V, that version.
use_ruby_app() {
	RUBY_APP=$(build_mirror ruby-app) || return 1
	RUBY_V=$(sed -n 's/^ruby "\(.*\)"$/\1/p' "$RUBY_APP/Gemfile")
	[ -n "$RUBY_V" ] || { echo "no ruby line in $RUBY_APP/Gemfile"; return 1; }
}

# --- assertions (each prints why it failed) ---

# expect_exit STATUS CMD...: run CMD with stdout in ./out and stderr in ./err.
expect_exit() {
	local want=$1 got=0
	shift
	"$@" >out 2>err || got=$?
	if [ "$got" != "$want" ]; then
		echo "expected exit $want, got $got from: $*"
		echo "--- stdout"; cat out; echo "--- stderr"; cat err
		return 1
	fi
}

# expect_error STATUS NEEDLE CMD...: fails with exactly one error line on stderr
# ("slugc ...: message"), which contains NEEDLE; warnings (" !     ...") may precede it.
expect_error() {
	local want=$1 needle=$2
	shift 2
	expect_exit "$want" "$@" || return 1
	grep -v '^ !     ' err >err.lines || true
	if [ "$(wc -l <err.lines)" != 1 ] || ! grep -q '^slugc' err.lines; then
		echo "expected exactly one error line on stderr, got:"; cat err
		return 1
	fi
	contains err.lines "$needle"
}

contains() {
	if ! grep -qF -- "$2" "$1"; then
		echo "'$1' does not contain '$2':"; cat "$1"
		return 1
	fi
}

not_contains() {
	if grep -qF -- "$2" "$1"; then
		echo "'$1' unexpectedly contains '$2':"; cat "$1"
		return 1
	fi
}

equal() {
	if [ "$1" != "$2" ]; then
		echo "expected '$2', got '$1'"
		return 1
	fi
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

size_of() {
	stat -c %s "$1"
}

# slugtool SUBCOMMAND ARGS: the Python helper that reads slugs independently of slugc.
slugtool() {
	python3 "$TEST_LIB_DIR/lib/slugtool.py" "$@"
}

# json FILE EXPR: evaluate a Python expression over the document bound to `d`.
json() {
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print(v if isinstance(v,str) else json.dumps(v, sort_keys=True))' "$1" "$2"
}

# compile_refused NEEDLE ARGS...: `slugc compile ARGS` fails with one error line holding
# NEEDLE and leaves nothing: no slug or manifest, no temporary file, an empty TMPDIR.
compile_refused() {
	local needle=$1
	shift
	rm -rf outdir && mkdir outdir &&
	expect_error 1 "$needle" slugc compile "$@" -o outdir/s.tgz &&
	test ! -e outdir/s.tgz && test ! -e outdir/s.json &&
	no_temp_files outdir && tmpdir_clean
}

# no_temp_files DIR: no slugc temporaries were left in DIR.
no_temp_files() {
	local left
	left=$(find "$1" -maxdepth 1 -name '.*.tmp-*' 2>/dev/null)
	if [ -n "$left" ]; then
		echo "temporary files left in $1: $left"
		return 1
	fi
}

# tmpdir_clean: the build left nothing in $TMPDIR.
tmpdir_clean() {
	if [ -n "$(ls -A "$TMPDIR")" ]; then
		echo "left in TMPDIR:"; ls -la "$TMPDIR"
		return 1
	fi
}
