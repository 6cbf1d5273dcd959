#!/usr/bin/env bash
# A changed Gemfile.lock fetches only the gems the app's build cache does not
# have (issue 18): Bundler's downloads are kept per gem source in the app's
# build cache and put back before `bundle install`. Asserted from the gem
# server's access log; the slug is a cold build's bytes every time, also
# when a reused gem is of a group Bundler does not install, and a damaged
# kept gem is downloaded again.
. "$(dirname "$0")/test-lib.sh"

use_ruby_mirror && use_ruby_app || { echo "cannot build the Ruby mirror"; exit 99; }
command -v gem >/dev/null || skip_all "no gem command to index the gem server"

# A static gem server on loopback (RubyGems' full index: Bundler asks for the
# compact index and the dependency API first, gets 404s, then reads
# specs.4.8.gz): the example's rack and webrick, and slugc-tiny 1.0.0 and 1.0.1.
mkdir -p srv/gems && cp "$RUBY_APP"/vendor/cache/*.gem srv/gems/ || exit 99
for v in 1.0.0 1.0.1; do
	mkdir -p "tiny-$v/lib" && echo "module SlugcTiny; VERSION = \"$v\"; end" >"tiny-$v/lib/slugc_tiny.rb" &&
	(cd "tiny-$v" && ruby -rrubygems/package -e '
		s = Gem::Specification.new do |s|
		  s.name = "slugc-tiny"; s.version = ARGV[0]; s.summary = "t"; s.authors = ["t"]
		  s.license = "MIT"; s.files = ["lib/slugc_tiny.rb"]
		end
		Gem::DefaultUserInteraction.ui = Gem::SilentUI.new
		Gem::Package.build(s)' "$v") && mv "tiny-$v/slugc-tiny-$v.gem" srv/gems/ || exit 99
done
gem generate_index --quiet -d srv >/dev/null || exit 99
start_mirror "$TRASH/srv" || exit 99
RACK=$(sed -n 's/^    rack (\(.*\))$/\1/p' "$RUBY_APP/Gemfile.lock")
WEBRICK=$(sed -n 's/^    webrick (\(.*\))$/\1/p' "$RUBY_APP/Gemfile.lock")
LOCK_RUBY=$(sed -n '/^RUBY VERSION$/{n;p}' "$RUBY_APP/Gemfile.lock")
LOCK_BUNDLER=$(sed -n '/^BUNDLED WITH$/{n;p}' "$RUBY_APP/Gemfile.lock")

# app DIR [TINY [GROUP]]: rack and webrick from the gem server, and slugc-tiny TINY
# (in GROUP) when given; Gemfile and Gemfile.lock as `bundle lock` writes them.
app() {
	local dir=$1 tiny=${2:-} group=${3:-}
	mkdir -p "$dir" && cp "$RUBY_APP/config.ru" "$dir/" &&
	{
		echo "source \"$MIRROR_URL\""
		echo "ruby \"$RUBY_V\""
		echo 'gem "rack", "~> 2.2"'
		echo 'gem "webrick", "~> 1.8"'
		[ -z "$tiny" ] || echo "gem \"slugc-tiny\", \"$tiny\"${group:+, group: :$group}"
	} >"$dir/Gemfile" &&
	{
		printf 'GEM\n  remote: %s/\n  specs:\n    rack (%s)\n' "$MIRROR_URL" "$RACK"
		[ -z "$tiny" ] || printf '    slugc-tiny (%s)\n' "$tiny"
		printf '    webrick (%s)\n\nPLATFORMS\n  x86_64-linux\n\n' "$WEBRICK"
		printf 'DEPENDENCIES\n  rack (~> 2.2)\n'
		[ -z "$tiny" ] || printf '  slugc-tiny (= %s)\n' "$tiny"
		printf '  webrick (~> 1.8)\n\nRUBY VERSION\n%s\n\nBUNDLED WITH\n%s\n' "$LOCK_RUBY" "$LOCK_BUNDLER"
	} >"$dir/Gemfile.lock"
}

# fetched: the gem files the server sent since the log was emptied, sorted, on one line.
fetched() {
	grep -o '^GET /gems/[^ ]*\.gem 200' "$MIRROR_LOG" | sed 's|^GET /gems/||; s| 200$||' | sort | tr '\n' ' '
}

# build NAME [slugc options]: compile ./app with the warm cache into NAME.tgz, logging afresh.
build() {
	local name=$1
	shift
	: >"$MIRROR_LOG"
	expect_exit 0 slugc compile app --cache-dir "$TRASH/cache" -o "$name.tgz" "$@"
}

# cold NAME: ./app with an empty cache (a copy elsewhere, so the app cache is a new one too).
cold() {
	rm -rf "cold-$1" "cold-cache-$1" && cp -r app "cold-$1" &&
	: >"$MIRROR_LOG" &&
	expect_exit 0 slugc compile "cold-$1" --cache-dir "$TRASH/cold-cache-$1" -o "cold-$1.tgz"
}

test_expect_success 'a first build fetches every gem and keeps them in the app cache' '
	app app &&
	build v1 &&
	equal "$(fetched)" "rack-$RACK.gem webrick-$WEBRICK.gem " &&
	not_contains out "gem downloads from the build cache" &&
	test -n "$(find cache/build -path "*/gem-downloads/*/rack-$RACK.gem")" &&
	cold v1 && equal "$(sha v1.tgz)" "$(sha cold-v1.tgz)"
'

test_expect_success 'a gem added to the lockfile: only it is fetched; the slug is a cold build'"'"'s' '
	rm -rf app && app app 1.0.0 &&
	build v2 &&
	contains out "Reusing 2 of 3 gem downloads from the build cache (sha256 verified)" &&
	equal "$(fetched)" "slugc-tiny-1.0.0.gem " &&
	contains out "Installing rack $RACK" &&
	cold v2 &&
	equal "$(fetched)" "rack-$RACK.gem slugc-tiny-1.0.0.gem webrick-$WEBRICK.gem " &&
	equal "$(sha v2.tgz)" "$(sha cold-v2.tgz)"
'

test_expect_success 'a gem bumped in the lockfile: only its new version is fetched' '
	rm -rf app && app app 1.0.1 &&
	build v3 &&
	equal "$(fetched)" "slugc-tiny-1.0.1.gem " &&
	cold v3 && equal "$(sha v3.tgz)" "$(sha cold-v3.tgz)" &&
	tar -tzf v3.tgz | grep -q "vendor/bundle/ruby/.*/cache/slugc-tiny-1.0.1.gem$"
'

test_expect_success 'a kept gem of a group not installed leaves nothing in the slug' '
	rm -rf app && app app 1.0.1 test &&
	build v4 &&
	equal "$(fetched)" "" &&
	contains out "Reusing 3 of 3 gem downloads" &&
	contains out "were not installed" &&
	not_contains out "Installing slugc-tiny" &&
	! tar -tzf v4.tgz | grep -q slugc-tiny &&
	cold v4 && equal "$(sha v4.tgz)" "$(sha cold-v4.tgz)"
'

test_expect_success 'a damaged kept gem: a warning, downloaded again, the same bytes' '
	kept=$(find cache/build -path "*/gem-downloads/*/rack-$RACK.gem") &&
	test -n "$kept" &&
	printf "\\0" >>"$kept" &&
	rm -rf app && app app 1.0.1 &&
	build v5 -e BUNDLE_JOBS=2 &&
	contains err "the cached download of rack-$RACK.gem was damaged" &&
	equal "$(fetched)" "rack-$RACK.gem " &&
	equal "$(sha v5.tgz)" "$(sha cold-v3.tgz)" &&
	build v6 -e BUNDLE_JOBS=3 &&
	equal "$(fetched)" "" && not_contains err "damaged" &&
	equal "$(sha v6.tgz)" "$(sha cold-v3.tgz)"
'

test_expect_success 'the gem downloads are neither in the slug nor named after credentials' '
	! tar -tzf v6.tgz | grep -q gem-downloads &&
	rm -rf app && app app 1.0.0 &&
	sed -i "s|http://|http://slugc-user:s3cr3t-t0ken@|" app/Gemfile app/Gemfile.lock &&
	build v7 -e BUNDLE_JOBS=2 &&
	equal "$(fetched)" "" &&
	test -z "$(grep -rl s3cr3t-t0ken cache || true)" &&
	test -z "$(find cache -name "*s3cr3t*")" &&
	test -n "$(find cache -path "*/gem-downloads/*/slugc-tiny-1.0.0.gem")" &&
	test -z "$(find cache -path "*/gem-downloads*" -name "*slugc-user*")"
'

test_done
