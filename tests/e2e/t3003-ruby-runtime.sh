#!/usr/bin/env bash
# Ruby end to end: an HTTP mirror in the layout of Heroku's Ruby bucket
# (built from this machine's Ruby), trust on first use and pins (Heroku
# publishes no checksums), bundle install in deployment mode, and the Rack
# app running with slugc run.
. "$(dirname "$0")/test-lib.sh"

use_ruby_mirror || { echo "cannot build the Ruby mirror"; exit 99; }
use_ruby_app || { echo "cannot build the Ruby app"; exit 99; }
unset SLUGC_MIRROR_RUBY
cp -r "$RUBY_MIRROR" "$TRASH/bucket"
start_mirror "$TRASH/bucket" || exit 99
M="ruby=$MIRROR_URL"
TARBALL=/heroku-24/amd64/ruby-$RUBY_V.tgz
RUBY_SHA=$(sha256sum "bucket$TARBALL" | cut -d" " -f1)
downloads() { grep -c "^GET $TARBALL 20[06]" "$MIRROR_LOG"; }

test_expect_success 'compile ruby-hello from an HTTP mirror: first use records the digest' '
	expect_exit 0 slugc compile "$RUBY_APP" --mirror "$M" -o hello.tgz &&
	contains out "Downloading $MIRROR_URL$TARBALL" &&
	contains out "Recorded sha256 $RUBY_SHA (trust on first use" &&
	contains out "Installing rack 2.2.22" &&
	contains out "Gems in the groups '"'"'development'"'"' and '"'"'test'"'"' were not installed" &&
	not_contains out "Don'"'"'t run Bundler as root" &&
	equal "$(downloads)" 1 &&
	equal "$(json hello.json "d[\"slugc\"][\"runtimes\"][0][\"sha256\"]")" "$RUBY_SHA" &&
	equal "$(json hello.json "d[\"slugc\"][\"runtimes\"][0][\"verified_by\"]")" \
		"trust on first use: first download, digest recorded" &&
	slugtool names hello.tgz >names &&
	contains names "./app/vendor/ruby-$RUBY_V/bin/ruby" &&
	contains names "./app/vendor/bundle/ruby/3.1.0/gems/rack-2.2.22/lib/rack.rb" &&
	contains names "./app/.profile.d/ruby.sh"
'

test_expect_success 'the Rack app runs with the packaged Ruby and gems' '
	port=$(free_port) &&
	{ "$SLUGC" run hello.tgz web --port "$port" >run.log 2>&1 & pid=$!; } &&
	wait_for_http "http://127.0.0.1:$port/" &&
	equal "$(curl -fsS "http://127.0.0.1:$port/")" "Hello World" &&
	kill -INT $pid && { wait $pid || true; } &&
	expect_exit 0 slugc run hello.tgz -- "command -v ruby; ruby -e \"puts RUBY_VERSION\"" &&
	grep -q "/app/vendor/ruby-$RUBY_V/bin/ruby$" out && grep -qx "$RUBY_V" out
'

test_expect_success 'a second compile: no download, the recorded digest, the kept bundle, same bytes' '
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc compile "$RUBY_APP" --mirror "$M" -o again.tgz &&
	equal "$(downloads)" 0 &&
	contains out "Restored vendor/bundle from the dependency cache" &&
	not_contains out "Installing rack" && not_contains out "bundle install" &&
	equal "$(json again.json "d[\"slugc\"][\"runtimes\"][0][\"verified_by\"]")" \
		"the digest recorded on first use" &&
	equal "$(sha again.tgz)" "$(sha hello.tgz)"
'

test_expect_success 'a changed file at the same URL is refused once a digest is recorded' '
	expect_exit 0 slugc cache prune --all &&
	cp "bucket$TARBALL" original.tgz &&
	printf "\\0" >>"bucket$TARBALL" &&
	changed=$(sha256sum "bucket$TARBALL" | cut -d" " -f1) &&
	expect_error 1 "the download of '"'"'$MIRROR_URL$TARBALL'"'"' has sha256 $changed, but the digest recorded on first use says $RUBY_SHA; deleted it" \
		slugc compile "$RUBY_APP" --mirror "$M" -o changed.tgz &&
	test ! -e changed.tgz &&
	test -z "$(ls -A "$HOME/.cache/slugc/blobs/sha256")"
'

test_expect_success 'forgetting the record (cache prune --tofu) trusts the new file' '
	expect_exit 0 slugc cache prune --all --tofu &&
	expect_exit 0 slugc resolve ruby "$RUBY_V" --mirror "$M" &&
	contains out "trust on first use" &&
	cp original.tgz "bucket$TARBALL"
'

test_expect_success '--runtime-sha256 pins the digest: a wrong pin fails, naming both' '
	wrong=0000000000000000000000000000000000000000000000000000000000000000 &&
	expect_error 1 "has sha256 $RUBY_SHA, but the pin given with --runtime-sha256 says $wrong" \
		slugc compile "$RUBY_APP" --mirror "$M" --runtime-sha256 "ruby=$wrong" -o pinned.tgz &&
	expect_exit 0 slugc compile "$RUBY_APP" --mirror "$M" --runtime-sha256 "ruby=$RUBY_SHA" -o pinned.tgz &&
	contains out "Verified sha256 $RUBY_SHA (the pin given with --runtime-sha256)" &&
	expect_error 2 "--runtime-sha256 ruby=xyz is not 64 lowercase hex digits" \
		slugc compile "$RUBY_APP" --runtime-sha256 ruby=xyz
'

test_expect_success 'an inventory.toml in the app pins it, through the mirror' '
	cp -r "$RUBY_APP" inv-app &&
	cat >inv-app/inventory.toml <<-EOF &&
	# Heroku libherokubuildpack inventory format
	[[artifacts]]
	version = "$RUBY_V"
	os = "linux"
	arch = "amd64"
	url = "https://heroku-buildpack-ruby.s3.dualstack.us-east-1.amazonaws.com$TARBALL"
	checksum = "sha256:$RUBY_SHA"
	EOF
	expect_exit 0 slugc compile inv-app --mirror "$M" --cache-dir "$TRASH/c2" -o inv.tgz &&
	contains out "Verified sha256 $RUBY_SHA (the pin in the app'"'"'s inventory.toml)" &&
	sed -i "s/sha256:$RUBY_SHA/sha256:$(echo "$RUBY_SHA" | tr 0-9a-f 1-9a-f0)/" inv-app/inventory.toml &&
	expect_error 1 "the pin in the app'"'"'s inventory.toml says" \
		slugc compile inv-app --mirror "$M" --cache-dir "$TRASH/c3" -o inv2.tgz &&
	expect_exit 0 slugc resolve ruby "$RUBY_V" --mirror "$M" --inventory inv-app/inventory.toml &&
	contains out "the pin in inv-app/inventory.toml"
'

test_expect_success 'resolve follows the stack layout; inexact versions fail clearly' '
	expect_exit 0 slugc resolve ruby "$RUBY_V" --mirror "$M" --stack heroku-22 &&
	contains out "url       $MIRROR_URL/heroku-22/ruby-$RUBY_V.tgz" &&
	expect_error 1 "Ruby '"'"'3.1'"'"' is not an exact version" slugc resolve ruby 3.1 --mirror "$M"
'

test_expect_success 'a gem that cannot be installed fails the build; its output shown once' '
	cp -r "$RUBY_APP" broken &&
	# The Gemfile names a gem its lockfile does not (deployment mode refuses the change).
	echo "gem \"not-a-real-gem-xyz\"" >>broken/Gemfile &&
	expect_error 1 "the Ruby build failed: '"'"'bundle install --local'"'"' failed with exit status" \
		slugc compile broken --mirror "$M" -o broken.tgz &&
	contains out "not-a-real-gem-xyz" && not_contains err "not-a-real-gem-xyz" &&
	test ! -e broken.tgz && tmpdir_clean
'

test_done
