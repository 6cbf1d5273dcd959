#!/usr/bin/env bash
# The Node.js runtime is hard-linked from the cache's toolchain directory,
# not copied into each build (issue 18): warm and cold builds give the same
# bytes, the packer writes no hard-link entries, and a build step that
# writes into (or chmods) a runtime file in place gets the change in its own
# slug while the cache entry is evicted, so the next build is the cold one.
# Ruby is linked the same way, and its kept bundle is keyed by its settings.
. "$(dirname "$0")/test-lib.sh"

use_node_mirror || { echo "cannot build the Node.js mirror"; exit 99; }
use_ruby_mirror && use_ruby_app || { echo "cannot build the Ruby mirror"; exit 99; }

# app DIR POSTBUILD: node-hello with a heroku-postbuild script.
app() {
	mkdir "$1" && cp "$EXAMPLES/node-hello/"* "$1"/ &&
	python3 - "$1/package.json" "$2" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["scripts"]["heroku-postbuild"] = sys.argv[2]
	json.dump(d, open(sys.argv[1], "w"), indent=2)
	EOF
}

# member SLUG PATH: a file's content in a slug.
member() {
	tar -xzf "$1" -O "./app/$2"
}

# no_hardlink_entries SLUG: every member is a file, directory or symlink entry.
no_hardlink_entries() {
	python3 - "$1" <<-'EOF'
	import sys, tarfile
	with tarfile.open(sys.argv[1]) as t:
	    bad = [m.name for m in t if m.islnk() or not (m.isfile() or m.isdir() or m.issym())]
	if bad:
	    sys.exit("hard-link or special entries: %s" % bad[:5])
	EOF
}

TOOLCHAINS="$TRASH/cache/toolchains"
# The one toolchain file the app links as .heroku/node/bin/node.
cached_node() {
	ls -d "$TOOLCHAINS"/*/bin/node
}

# Outside the app (the same package.json for every build of it, so the same slug).
test_expect_success 'setup: the app reports the link count of its node binary' '
	app links "stat -c %h .heroku/node/bin/node >$TRASH/links.txt"
'

test_expect_success 'a cold build (empty cache) and a warm one give the same bytes' '
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cold-cache" -o cold.tgz &&
	contains out "Unpacking node-v20.20.2-linux-x64.tar.gz into the cache" &&
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cache" -o first.tgz &&
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cache" -o warm.tgz &&
	not_contains out "Unpacking" &&
	equal "$(sha first.tgz)" "$(sha cold.tgz)" &&
	equal "$(sha warm.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'the build linked the runtime: its node shared the cached inode' '
	equal "$(cat links.txt)" 2 &&
	equal "$(stat -c %h "$(cached_node)")" 1
'

test_expect_success 'the slug has no hard-link entries, and node keeps its mode' '
	no_hardlink_entries warm.tgz &&
	no_hardlink_entries cold.tgz &&
	tar -tvzf warm.tgz ./app/.heroku/node/bin/node | grep -q "^-rwxr-xr-x "
'

test_expect_success 'a step appending to a runtime file: its slug has it, the cache is not poisoned' '
	app append "echo poisoned >>.heroku/node/README.md" &&
	expect_exit 0 slugc compile append --cache-dir "$TRASH/cache" -o append.tgz &&
	contains err "a build step changed .heroku/node/README.md in place" &&
	contains err "now evicted" &&
	equal "$(member append.tgz .heroku/node/README.md | tail -n 1)" poisoned &&
	{ test -z "$(find "$TOOLCHAINS" -mindepth 1 -maxdepth 1 -type d)" || { ls -l "$TOOLCHAINS"; false; }; } &&
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cache" -o after-append.tgz &&
	contains out "Unpacking node-v20.20.2-linux-x64.tar.gz into the cache" &&
	not_contains err "in place" &&
	equal "$(sha after-append.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'a step chmod-ing a runtime file: its slug has it, the cache is not poisoned' '
	app chmod "chmod a-x .heroku/node/bin/node" &&
	expect_exit 0 slugc compile chmod --cache-dir "$TRASH/cache" -o chmod.tgz &&
	contains err "a build step changed .heroku/node/bin/node in place" &&
	tar -tvzf chmod.tgz ./app/.heroku/node/bin/node | grep -q "^-rw-r--r-- " &&
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cache" -o after-chmod.tgz &&
	contains out "Unpacking" &&
	test -x "$(cached_node)" &&
	equal "$(sha after-chmod.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'a failed build that wrote into the runtime still evicts it' '
	app failing "echo poisoned >>.heroku/node/README.md && exit 3" &&
	expect_exit 1 slugc compile failing --cache-dir "$TRASH/cache" -o failing.tgz &&
	contains err "a build step changed .heroku/node/README.md in place" &&
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cache" -o after-fail.tgz &&
	contains out "Unpacking" &&
	equal "$(sha after-fail.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'replacing a runtime file (not in place) leaves the cache alone' '
	app replace "cp .heroku/node/README.md r && echo mine >>r && mv r .heroku/node/README.md" &&
	expect_exit 0 slugc compile replace --cache-dir "$TRASH/cache" -o replace.tgz &&
	not_contains err "in place" &&
	equal "$(member replace.tgz .heroku/node/README.md | tail -n 1)" mine &&
	expect_exit 0 slugc compile links --cache-dir "$TRASH/cache" -o after-replace.tgz &&
	not_contains out "Unpacking" &&
	equal "$(sha after-replace.tgz)" "$(sha cold.tgz)"
'

test_expect_success 'Ruby is linked too; its kept bundle is keyed by the Bundler settings' '
	cp -r "$RUBY_APP" rb &&
	expect_exit 0 slugc compile rb --cache-dir "$TRASH/rcache" -o rb1.tgz &&
	expect_exit 0 slugc compile rb --cache-dir "$TRASH/rcache" -o rb2.tgz &&
	contains out "Restored vendor/bundle from the dependency cache" &&
	not_contains err "in place" &&
	equal "$(stat -c %h "$(ls -d "$TRASH"/rcache/toolchains/*/bin/ruby)")" 1 &&
	tar -tzf rb2.tgz "./app/vendor/ruby-$RUBY_V/bin/ruby" &&
	equal "$(sha rb2.tgz)" "$(sha rb1.tgz)" &&
	expect_exit 0 slugc compile rb --cache-dir "$TRASH/rcache" -e BUNDLE_JOBS=2 -o rb3.tgz &&
	not_contains out "Restored vendor/bundle" &&
	equal "$(sha rb3.tgz)" "$(sha rb1.tgz)"
'

test_expect_success 'a damaged cached bundle: a warning, a clean bundle install, the same bytes' '
	entries=$(grep -l "vendor/bundle" "$TRASH"/rcache/deps/*/record.json) &&
	test -n "$entries" &&
	for entry in $entries; do
		file=$(find "$(dirname "$entry")/tree" -type f -name "*.rb" | sort | head -1) &&
		test -n "$file" && echo "# changed" >>"$file" || return 1
	done &&
	expect_exit 0 slugc compile rb --cache-dir "$TRASH/rcache" -o rb4.tgz &&
	contains err "was damaged" && contains out "Installing rack" &&
	equal "$(sha rb4.tgz)" "$(sha rb1.tgz)" &&
	expect_exit 0 slugc compile rb --cache-dir "$TRASH/rcache" -o rb5.tgz &&
	contains out "Restored vendor/bundle from the dependency cache" &&
	equal "$(sha rb5.tgz)" "$(sha rb1.tgz)"
'

# A cache on another file system (tmpfs): link() fails with EXDEV and each file is copied.
SHM=$(mktemp -d /dev/shm/slugc-t8002.XXXXXX 2>/dev/null) && test_cleanup "rm -rf '$SHM'"
if [ -n "$SHM" ] && [ "$(stat -f -c %T "$SHM")" != "$(stat -f -c %T "$TRASH")" ]; then
	test_expect_success 'a cache on another file system: the runtime is copied, same bytes' '
		expect_exit 0 slugc compile links --cache-dir "$SHM/cache" -o shm.tgz &&
		expect_exit 0 slugc compile links --cache-dir "$SHM/cache" -o shm2.tgz &&
		equal "$(cat links.txt)" 1 &&
		not_contains err "in place" &&
		equal "$(sha shm2.tgz)" "$(sha cold.tgz)" &&
		equal "$(sha shm.tgz)" "$(sha cold.tgz)"
	'
else
	test_skip 'a cache on another file system' 'no tmpfs at /dev/shm'
fi

test_done
