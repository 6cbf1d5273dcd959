#!/usr/bin/env bash
# Confinement: a compile (and inspect, and verify) writes nothing outside its
# work directory (TMPDIR), its cache and its output directory, and neither do
# the npm and node it runs. Each command runs in a mount namespace where every
# other mount, $HOME and the source included, is read-only (/dev and /proc
# stay as they are: /dev/null is needed), under strace, so that even a write a
# child tries and then quietly gives up on shows as EROFS. Needs root.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_LIB_DIR/lib/git-fixtures.sh"

if [ "$(id -u)" != 0 ]; then
	skip_all "needs root for a read-only mount namespace"
fi
if ! unshare -m --propagation private true 2>/dev/null; then
	skip_all "unshare -m is not permitted here (no CAP_SYS_ADMIN)"
fi

serve_node_mirror || exit 99
make_fixture_repos "$TRASH" >/dev/null 2>&1 || { echo "cannot build fixture repositories"; exit 99; }
start_git_daemon "$TRASH/srv" || exit 99
GIT_URL="git://127.0.0.1:$GIT_DAEMON_PORT/app.git"

# The only places a build may write (findmnt shows mount points resolved).
mkdir -p allowed/work allowed/cache allowed/out
WORK=$(realpath allowed/work) CACHE=$(realpath allowed/cache) OUT=$(realpath allowed/out)
export WORK CACHE OUT TRASH

# What strace watches: every system call that creates, changes or removes a path.
WRITES=open,openat,openat2,creat,mkdir,mkdirat,mknod,mknodat,rename,renameat,renameat2
WRITES=$WRITES,unlink,unlinkat,rmdir,link,linkat,symlink,symlinkat,truncate,chmod,fchmodat
WRITES=$WRITES,chown,lchown,fchownat,utime,utimes,utimensat,setxattr,lsetxattr,removexattr
export WRITES
STRACE=
command -v strace >/dev/null && STRACE=1
export STRACE
# LeakSanitizer cannot run under ptrace: in the sanitizer build the leak check is
# off here (every other test keeps it; t5008 runs these builds under valgrind).
if [ -n "$STRACE" ] && grep -qa __asan_init "$SLUGC"; then
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi

# confined CMD...: run CMD with TMPDIR=$WORK in a mount namespace where only $WORK,
# $CACHE and $OUT are writable; stdout in ./out, stderr in ./err, and the failed writes
# strace saw (any EROFS) in ./erofs. Its status is CMD's.
confined() {
	local got=0
	TMPDIR=$WORK unshare -m --propagation private bash -c '
		set -e
		for d in "$WORK" "$CACHE" "$OUT"; do
			mount --bind "$d" "$d"
		done
		while read -r target opts; do
			case $target in
			/proc | /proc/* | /dev | /dev/pts | "$WORK" | "$CACHE" | "$OUT") continue ;;
			esac
			case ,$opts, in
			*,rw,*) mount -o remount,bind,ro "$target" ;;
			esac
		done < <(findmnt -rn -o TARGET,OPTIONS)
		# The harness itself: the rest really is read-only now.
		for probe in "$TRASH/probe" "$HOME/probe" "$SLUGC_SOURCE_DIR/probe" /dev/shm/probe /root/probe; do
			if touch "$probe" 2>/dev/null; then
				echo "confined: $probe is writable in the namespace" >&2
				exit 98
			fi
		done
		if [ -z "$STRACE" ]; then
			exec "$@"
		fi
		exec strace -f -qq -Z -e trace="$WRITES" -o "|cat >&3" "$@"
	' confined "$@" >out 2>err 3>trace || got=$?
	grep -a "EROFS" trace >erofs || true
	if [ "$got" != 0 ] || [ -s erofs ]; then
		echo "confined: exit $got from: $*"
		echo "--- stdout"; cat out; echo "--- stderr"; cat err
		echo "--- writes refused outside the allowed directories"; cat erofs
		return 1
	fi
}

# work_clean: the build removed its work directory.
work_clean() {
	if [ -n "$(ls -A "$WORK")" ]; then
		echo "left in the work directory:"; ls -la "$WORK"
		return 1
	fi
}

test_expect_success 'a directory compile with a fresh cache writes only to work, cache and output' '
	confined "$SLUGC" compile "$EXAMPLES/node-hello" --mirror "$M" --cache-dir "$CACHE" \
		-o "$OUT/hello.tgz" &&
	contains out "Verified sha256" &&
	contains out "Unpacking node-v20.20.2-linux-x64.tar.gz into the cache" &&
	test -s "$OUT/hello.tgz" && test -s "$OUT/hello.json" &&
	work_clean
'

test_expect_success 'npm install and the build scripts it runs write only there, too' '
	confined "$SLUGC" compile "$SLUGC_SOURCE_DIR/tests/fixtures/apps/node-deps" --mirror "$M" \
		--cache-dir "$CACHE" -o "$OUT/deps.tgz" &&
	contains out "STEP build" &&
	slugtool names "$OUT/deps.tgz" >names &&
	contains names "./app/node_modules/greet" &&
	test -d "$CACHE/build" &&
	work_clean
'

test_expect_success 'a git remote compile (clone, submodule) writes only there' '
	confined "$SLUGC" compile "$GIT_URL" --cache-dir "$CACHE" -o "$OUT/git.tgz" &&
	contains out "Cloned into the cache:" &&
	ls "$CACHE"/git/*.git/HEAD &&
	slugtool names "$OUT/git.tgz" >names &&
	contains names "./app/vendor/lib/index.js" &&
	work_clean
'

test_expect_success 'inspect and verify of the results write only there' '
	confined "$SLUGC" inspect "$OUT/hello.tgz" &&
	contains out "layout     reproducible" &&
	confined "$SLUGC" inspect "$OUT/git.tgz" &&
	confined "$SLUGC" verify "$OUT/git.tgz" --manifest "$OUT/git.json" "$GIT_URL" --cache-dir "$CACHE" &&
	contains out "reproducible" &&
	work_clean
'

test_done
