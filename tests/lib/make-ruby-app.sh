#!/usr/bin/env bash
# Usage: tests/lib/make-ruby-app.sh DEST
#
# examples/ruby-hello, asking for the Ruby that make-ruby-mirror.sh publishes
# from this machine. The example names Ruby 3.1.7 (Gemfile `ruby "3.1.7"`,
# Gemfile.lock `RUBY VERSION ruby 3.1.7p261`, `BUNDLED WITH 2.3.27`); the mirror
# holds whatever Debian's ruby3.1 is, and Debian's security update
# 3.1.7+really3.1.2 turned that back into 3.1.2, so the example resolves to a
# ruby-3.1.7.tgz the mirror does not have. This copy names the machine's Ruby
# (RUBY_VERSION and RUBY_PATCHLEVEL) and the Bundler its libruby ships as a
# default gem (what the mirror's bin/bundle runs, so Bundler does not try to
# download the locked one). With ruby 3.1.7 installed, DEST equals the example.
#
#   DEST/...     the example's files (Gemfile, Gemfile.lock, config.ru,
#                vendor/cache/*.gem), the three version lines rewritten
#
# Built beside DEST and renamed into place; prints one summary line.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

case ${1:-} in
-h | --help) mirror_help ;;
esac
[ $# -eq 1 ] || mirror_die "usage: $0 DEST"
dest=$1
src=$here/../../examples/ruby-hello
command -v ruby >/dev/null || mirror_die "ruby is not on PATH (apt-get install ruby)"

read -r version patchlevel bundler < <(env -u RUBYLIB -u RUBYOPT ruby -e '
b = Dir[File.join(Gem.default_specifications_dir, "bundler-*.gemspec")].map { |f| File.basename(f)[/bundler-(.*)\.gemspec/, 1] }.max_by { |v| Gem::Version.new(v) }
puts [RUBY_VERSION, RUBY_PATCHLEVEL, b || ""].join(" ")')
[ -n "$bundler" ] || mirror_die "this Ruby ships no default Bundler gem"

mirror_init "$dest"
cp -a -- "$src/." "$MIRROR_OUT/"
sed -i "s/^ruby \"[0-9.]*\"\$/ruby \"$version\"/" "$MIRROR_OUT/Gemfile"
sed -i -e "/^RUBY VERSION\$/{n;s/^   ruby .*/   ruby ${version}p$patchlevel/}" \
	-e "/^BUNDLED WITH\$/{n;s/^   .*/   $bundler/}" "$MIRROR_OUT/Gemfile.lock"
grep -qx "ruby \"$version\"" "$MIRROR_OUT/Gemfile" || mirror_die "could not set the Ruby version in Gemfile"
grep -qx "   ruby ${version}p$patchlevel" "$MIRROR_OUT/Gemfile.lock" ||
	mirror_die "could not set RUBY VERSION in Gemfile.lock"
grep -qx "   $bundler" "$MIRROR_OUT/Gemfile.lock" || mirror_die "could not set BUNDLED WITH in Gemfile.lock"
mirror_publish "$dest"
echo "ruby app: $dest: examples/ruby-hello for ruby $version (p$patchlevel), bundler $bundler"
