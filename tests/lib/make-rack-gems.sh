#!/usr/bin/env bash
# Usage: tests/lib/make-rack-gems.sh DEST
#
# Produces in DEST the .gem files a Rack "hello world" needs, so that an app
# with them in vendor/cache installs with `bundle install --local` OFFLINE
# (rubygems.org is unreachable here, so `gem fetch` is impossible):
#
#   DEST/rack-<ver>.gem       from Debian's ruby-rack    (2.2.x on bookworm)
#   DEST/webrick-<ver>.gem    from Debian's ruby-webrick (rack 2's rackup needs a
#                             server; webrick is no longer a default gem in Ruby 3)
#   DEST/rackup-<ver>.gem     only with rack >= 3, where rackup is a separate gem
#                             (from Debian's ruby-rackup; not in bookworm)
#   ...plus any non-default runtime dependency of those, found the same way.
#
# How: Debian installs each gem's complete tree (lib/, bin/, ...) under
# /usr/share/rubygems-integration/all/gems/<name>-<ver>/ with a stub gemspec
# (its `files` lists only the executables).  This script copies that tree,
# loads the installed gemspec, sets `files` to everything in the tree, and
# packs it with RubyGems' own Gem::Package.build (SOURCE_DATE_EPOCH fixed, so
# the .gem is byte-identical on every run).  The result is a valid .gem with
# the real code, name, version, dependencies and executables — but it is a
# REBUILD: Debian's copy (with Debian's patches, without the upstream
# README/CHANGELOG/SPEC files), so its sha256 differs from rubygems.org's.
# Bundler 2.3's Gemfile.lock records no checksums, so a lockfile made with
# these gems is an ordinary one.
#
# Verified before publishing: a throwaway app with Gemfile `gem "rack"` (+ the
# others), the .gem files in vendor/cache, `bundle install --local` into a temp
# BUNDLE_PATH with Debian's rubygems-integration hidden
# (DEBIAN_DISABLE_RUBYGEMS_INTEGRATION=1, so the installed ruby-rack cannot
# satisfy it), then `bundle exec ruby` serving "Hello World" through
# Rack::MockRequest and loading webrick's Rack handler.
#
# Needs: ruby, ruby-bundler (or Ruby's default bundler), ruby-rack, ruby-webrick.
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
start=$SECONDS
command -v ruby >/dev/null || mirror_die "ruby is not on PATH (apt-get install ruby)"
command -v bundle >/dev/null || mirror_die "bundle is not on PATH (apt-get install ruby-bundler)"

mirror_init "$dest"
export SOURCE_DATE_EPOCH=$MIRROR_MTIME

# Which gems: rack, rackup if rack >= 3, webrick unless it is a default gem,
# and their runtime dependencies that are not default gems.  One line each:
# "<name> <version> <gem dir> <installed gemspec>".
list=$(env -u GEM_HOME -u GEM_PATH ruby -e '
def spec(name, req = Gem::Requirement.default)
  Gem::Specification.find_by_name(name, req)
rescue Gem::MissingSpecError
  abort "#{name} (#{req}) is not installed: apt-get install ruby-#{name}"
end
want = [["rack", Gem::Requirement.default]]
want << ["rackup", Gem::Requirement.default] if spec("rack").version >= Gem::Version.new("3")
want << ["webrick", Gem::Requirement.default]
seen = {}
until want.empty?
  name, req = want.shift
  next if seen[name]
  s = spec(name, req)
  seen[name] = true
  next if s.default_gem?
  puts [s.name, s.version, s.full_gem_path, s.loaded_from].join(" ")
  s.runtime_dependencies.each { |d| want << [d.name, d.requirement] }
end
')
[ -n "$list" ] || mirror_die "found no gems to build"

stage=$MIRROR_TMP/stage
mkdir -p "$stage"
gems=()
while read -r name version dir spec; do
	src=$stage/$name-$version
	mirror_copy_tree "$dir" "$src"
	(cd "$src" && ruby -e '
require "rubygems/package"
spec = Gem::Specification.load(ARGV[0]) or abort "cannot load #{ARGV[0]}"
spec.files = Dir.glob("**/*", File::FNM_DOTMATCH, base: ".").select { |f| File.file?(f) }.sort
missing = spec.executables.map { |e| File.join(spec.bindir, e) } - spec.files
abort "#{spec.name}: executables missing from #{Dir.pwd}: #{missing.join(", ")}" unless missing.empty?
spec.signing_key = nil
spec.cert_chain = []
Gem::DefaultUserInteraction.ui = Gem::SilentUI.new
Gem::Package.build(spec)
' "$spec") || mirror_die "could not build $name-$version.gem"
	mv "$src/$name-$version.gem" "$MIRROR_OUT/"
	gems+=("$name $version")
done <<<"$list"

# --- verify: offline bundle install from vendor/cache --------------------------
app=$MIRROR_TMP/app
mkdir -p "$app/vendor/cache" "$app/home"
cp "$MIRROR_OUT"/*.gem "$app/vendor/cache/"
{
	echo 'source "https://rubygems.org"'
	for g in "${gems[@]}"; do echo "gem \"${g% *}\""; done
} >"$app/Gemfile"
cat >"$app/config.ru" <<'EOF'
run ->(env) { [200, { "Content-Type" => "text/plain" }, ["Hello World\n"]] }
EOF
benv() {
	env -i PATH=/usr/bin:/bin HOME="$app/home" LANG=C.UTF-8 \
		DEBIAN_DISABLE_RUBYGEMS_INTEGRATION=1 BUNDLE_PATH="$app/bundle" \
		BUNDLE_APP_CONFIG="$app/.bundle" BUNDLE_GEMFILE="$app/Gemfile" "$@"
}
(cd "$app" && benv bundle install --local --quiet) >"$MIRROR_TMP/bundle.log" 2>&1 ||
	{ cat "$MIRROR_TMP/bundle.log" >&2; mirror_die "bundle install --local failed with the rebuilt gems"; }
got=$(cd "$app" && benv bundle exec ruby -e '
require "rack"; require "rack/mock"
app, _ = Rack::Builder.parse_file("config.ru")
body = Rack::MockRequest.new(app).get("/").body
abort "rack loaded from #{$LOADED_FEATURES.grep(%r{/rack\.rb\z}).first}" unless $LOADED_FEATURES.grep(%r{/rack\.rb\z}).first.start_with?(ARGV[0])
require "rack/handler/webrick"
print body
' "$app/bundle") || mirror_die "bundle exec could not run the Rack app"
[ "$got" = "Hello World" ] || mirror_die "the Rack app answered '$got'"

mirror_publish "$dest"
(cd "$dest" && echo "rack gems: $dest: $(ls -- *.gem | tr '\n' ' ')(rebuilt from Debian packages;" \
	"verified offline bundle install --local), $((SECONDS - start))s")
