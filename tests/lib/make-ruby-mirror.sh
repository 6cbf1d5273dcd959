#!/usr/bin/env bash
# Usage: tests/lib/make-ruby-mirror.sh DEST [STACK...]
#
# Builds an offline mirror of Heroku's Ruby binaries bucket
# (https://heroku-buildpack-ruby.s3.dualstack.us-east-1.amazonaws.com, what
# BUILDPACK_VENDOR_URL points at) from Debian's ruby on this machine:
#
#   DEST/<stack>/<arch>/ruby-<X.Y.Z>.tgz        heroku-24, heroku-26 (default heroku-24)
#   DEST/heroku-22/ruby-<X.Y.Z>.tgz             heroku-22 had no arch directory
#   ...and next to each, ruby-<X.Y.Z>-<first 7 hex of its sha256>.tgz, the
#   same bytes, as Heroku's builder has uploaded since 2024.
#
# <arch> is `dpkg --print-architecture` (amd64 here).  Heroku publishes no index
# and no checksums for these, so neither does this mirror.  The archive has NO
# top-level directory (bin/ruby at its root), as the buildpack untars it with
# --strip-components=0 into vendor/ruby-<X.Y.Z>.
#
# What is in the archive (X.Y = 3.1, arch triplet x86_64-linux-gnu here):
#   REAL (Debian's files, copied unchanged)
#     libexec/ruby3.1                       Debian's /usr/bin/ruby3.1 (ELF)
#     lib/x86_64-linux-gnu/libruby-3.1.so.3.1[.7]   libruby
#     lib/ruby/3.1.0/                       the standard library, incl. rubygems
#                                           3.3.x and bundler (libruby3.1's, not
#                                           the ruby-rubygems/ruby-bundler packages)
#     lib/x86_64-linux-gnu/ruby/3.1.0/      extensions (*.so), rbconfig.rb
#     lib/ruby/gems/3.1.0/                  default + bundled gems (bundler 2.3.x,
#                                           rake, minitest, ...)
#     include/ruby-3.1.0/...                only if ruby3.1-dev is installed
#   CHANGED
#     rbconfig.rb: ruby_install_name "ruby3.1" -> "ruby" (so Gem.ruby and
#       RbConfig.ruby are this package's bin/ruby, as in Heroku's build), and
#       sitedir/sitearchdir moved from /usr/local into the package.  Its prefix
#       is already computed from its own location (TOPDIR), so Gem.default_dir
#       etc. are inside the package without GEM_HOME/GEM_PATH being set.
#     Symlinks that pointed outside (rdoc's fonts/jquery) are copied or dropped.
#   WRAPPERS (not Heroku's; needed because Debian's ruby is not relocatable)
#     bin/ruby      sh script: prepends lib/x86_64-linux-gnu to LD_LIBRARY_PATH
#                   (the package's libruby) and lib/ruby/3.1.0 and
#                   lib/x86_64-linux-gnu/ruby/3.1.0 to RUBYLIB, then execs
#                   libexec/ruby3.1.  GEM_HOME/GEM_PATH are NOT set (the app's
#                   bundler sets them); the gem dirs come from rbconfig.rb.
#     bin/gem, bin/bundle, bin/bundler, bin/erb, bin/irb, bin/rake, bin/rdoc,
#     bin/ri, bin/racc, ...   Debian's /usr/bin/<tool>3.1 scripts with a
#                   3-line sh preamble that runs the rest with this bin/ruby
#                   (ruby -x).  There is no bin/rackup: as on Heroku, rackup
#                   comes from the app's rack gem, via bundler.
#     lib/ruby/3.1.0/rubygems/defaults/operating_system.rb   (slugc's, written
#                   here) removes the interpreter's compiled-in /usr load path
#                   entries, so nothing outside the package is loaded — in
#                   particular not Debian's vendor_ruby (ruby-rack etc.).
#   It still needs, from the machine: libc, libgmp, libcrypt, zlib, libssl,
#   libyaml, libffi, libgdbm, libreadline (Debian's libruby3.1 dependencies),
#   i.e. it runs on this Debian machine (bookworm), not on Heroku's Ubuntu.
#   `ruby --disable-gems` skips operating_system.rb and so still sees /usr's
#   library dirs after the package's.
#
# Verified before publishing: extracted to a temp dir and run with
# env -i PATH=/usr/bin:/bin: bin/ruby -e 'puts RUBY_VERSION', bin/gem --version,
# bin/bundle --version; and requiring json/openssl/psych/bundler loads files
# (and libruby) only from the package, Gem.default_dir and RbConfig.ruby are in
# the package, and Debian's rack is not visible.
#
# Deterministic (see mirror-lib.sh; gzip -n, or pigz -n if installed),
# idempotent; built beside DEST and renamed into place.  Prints one summary line.
# Needs: ruby (Debian's ruby3.1/libruby3.1), coreutils, GNU tar, gzip.
set -euo pipefail

here=$(cd "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=mirror-lib.sh source-path=SCRIPTDIR
. "$here/mirror-lib.sh"

case ${1:-} in
-h | --help) mirror_help ;;
esac
[ $# -ge 1 ] || mirror_die "usage: $0 DEST [STACK...]"
dest=$1
shift
stacks=("$@")
[ ${#stacks[@]} -gt 0 ] || stacks=(heroku-24)
start=$SECONDS

command -v ruby >/dev/null || mirror_die "ruby is not on PATH (apt-get install ruby)"
if command -v dpkg >/dev/null; then
	arch=$(dpkg --print-architecture)
else
	case $(uname -m) in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
fi

# Everything we need to know, from the interpreter itself (sets r_*).
r_prefix='' r_bindir='' r_install_name='' r_rubylibdir='' r_rubyarchdir='' r_gemdir=''
r_hdrdir='' r_archhdrdir='' r_ruby_version='' r_builtin_path=''
eval "$(env -u RUBYLIB -u RUBYOPT ruby --disable-gems -e '
require "rbconfig"
c = RbConfig::CONFIG
v = {
  "prefix" => c["prefix"], "bindir" => c["bindir"], "install_name" => c["ruby_install_name"],
  "rubylibdir" => c["rubylibdir"], "rubyarchdir" => c["rubyarchdir"],
  "gemdir" => File.join(c["rubylibprefix"], "gems", c["ruby_version"]),
  "hdrdir" => c["rubyhdrdir"], "archhdrdir" => c["rubyarchhdrdir"],
  "ruby_version" => RUBY_VERSION,
  "builtin_path" => $LOAD_PATH.join(":"),
}
v.each { |k, s| puts "r_#{k}=#{s.to_s.gsub(/[^\w\/.:+-]/) { |ch| "\\" + ch }}" }
')"
ruby_exe=$(readlink -f -- "$r_bindir/$r_install_name")
libruby=$(ldd "$ruby_exe" | awk '$1 ~ /^libruby/ { print $1 " " $3; exit }')
libruby_soname=${libruby%% *}
libruby_file=$(readlink -f -- "${libruby#* }")
[ -f "$libruby_file" ] || mirror_die "cannot find libruby of $ruby_exe"
for d in "$r_rubylibdir" "$r_rubyarchdir" "$r_gemdir"; do
	[ -d "$d" ] || mirror_die "missing $d"
	case $d in "$r_prefix"/*) ;; *) mirror_die "$d is not under the prefix $r_prefix" ;; esac
done
rel() { echo "${1#"$r_prefix"/}"; }
libdir_rel=$(dirname -- "$(rel "$r_rubyarchdir")")      # lib/x86_64-linux-gnu/ruby
libdir_rel=$(dirname -- "$libdir_rel")                 # lib/x86_64-linux-gnu
rubylib_rel="$(rel "$r_rubylibdir"):$(rel "$r_rubyarchdir")"
suffix=${r_install_name#ruby}

mirror_init "$dest"
pkg=$MIRROR_TMP/pkg
mkdir -p "$pkg/bin" "$pkg/libexec" "$pkg/$libdir_rel"

# --- real files ---------------------------------------------------------------
cp -p -- "$ruby_exe" "$pkg/libexec/$r_install_name"
cp -p -- "$libruby_file" "$pkg/$libdir_rel/"
[ "$libruby_soname" = "${libruby_file##*/}" ] ||
	ln -s "${libruby_file##*/}" "$pkg/$libdir_rel/$libruby_soname"
mirror_copy_tree "$r_rubylibdir" "$pkg/$(rel "$r_rubylibdir")"
mirror_copy_tree "$r_rubyarchdir" "$pkg/$(rel "$r_rubyarchdir")"
mirror_copy_tree "$r_gemdir" "$pkg/$(rel "$r_gemdir")"
for d in "$r_hdrdir" "$r_archhdrdir"; do
	case $d in "$r_prefix"/*) [ -d "$d" ] && mirror_copy_tree "$d" "$pkg/$(rel "$d")" ;; esac
done

# --- rbconfig.rb: Heroku-like install name, site dirs inside the package ------
rbconfig=$pkg/$(rel "$r_rubyarchdir")/rbconfig.rb
[ -f "$rbconfig" ] || mirror_die "no rbconfig.rb in $r_rubyarchdir"
grep -q 'TOPDIR = File.dirname(__FILE__).chomp!' "$rbconfig" ||
	mirror_die "rbconfig.rb does not compute its prefix from its location: not relocatable"
sed -i \
	-e "s|^\(  CONFIG\[\"ruby_install_name\"\] = \)\"\$(RUBY_BASE_NAME)$suffix\"|\1\"\$(RUBY_BASE_NAME)\"|" \
	-e "s|^\(  CONFIG\[\"RUBY_INSTALL_NAME\"\] = \)\"\$(RUBY_BASE_NAME)$suffix\"|\1\"\$(RUBY_BASE_NAME)\"|" \
	-e 's|^\(  CONFIG\["sitedir"\] = \)".*"$|\1"$(rubylibprefix)/site_ruby"|' \
	-e 's|^\(  CONFIG\["sitearchdir"\] = \)".*"$|\1"$(sitelibdir)/$(sitearch)"|' \
	"$rbconfig"
grep -q '^  CONFIG\["ruby_install_name"\] = "$(RUBY_BASE_NAME)"$' "$rbconfig" ||
	mirror_die "could not patch ruby_install_name in rbconfig.rb"

# --- operating_system.rb: drop the compiled-in /usr load path -----------------
osrb=$pkg/$(rel "$r_rubylibdir")/rubygems/defaults/operating_system.rb
mkdir -p "$(dirname -- "$osrb")"
{
	echo "# Written by slugc's tests/lib/make-ruby-mirror.sh; not part of Ruby."
	echo "# This package's interpreter is Debian's, whose compiled-in \$LOAD_PATH points"
	echo "# into /usr.  bin/ruby puts the package's library dirs first (RUBYLIB); this"
	echo "# removes the compiled-in entries, so that only the package is loaded, as with"
	echo "# a relocatable build."
	echo "["
	tr ':' '\n' <<<"$r_builtin_path" | sed 's/.*/  "&",/'
	echo "].each { |dir| \$LOAD_PATH.delete(dir) }"
} >"$osrb"

# --- wrappers -------------------------------------------------------------------
cat >"$pkg/bin/ruby" <<EOF
#!/bin/sh
# Written by slugc's tests/lib/make-ruby-mirror.sh; not Heroku's bin/ruby.
# Debian's ruby is not relocatable: run the real interpreter (libexec/$r_install_name)
# with this package's libruby and library directories first.
self=\$(readlink -f -- "\$0" 2>/dev/null) || self=\$0
root=\${self%/bin/*}
lib=\$root/$libdir_rel
case ":\${LD_LIBRARY_PATH:-}:" in
*":\$lib:"*) ;;
*) LD_LIBRARY_PATH=\$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}; export LD_LIBRARY_PATH ;;
esac
rl="\$root/${rubylib_rel//:/:\$root/}"
case ":\${RUBYLIB:-}:" in
*":\$rl:"*) ;;
*) RUBYLIB=\$rl\${RUBYLIB:+:\$RUBYLIB}; export RUBYLIB ;;
esac
exec "\$root/libexec/$r_install_name" "\$@"
EOF
chmod 755 "$pkg/bin/ruby"

tools=()
if [ -n "$suffix" ]; then
	for f in "$r_bindir"/*"$suffix"; do
		[ "$f" = "$r_bindir/$r_install_name" ] && continue
		tools+=("$(basename -- "$f" "$suffix")")
	done
else
	tools=(bundle bundler erb gem irb racc rake rdoc ri)
fi
made=()
for t in "${tools[@]}"; do
	src=$r_bindir/$t$suffix
	[ -f "$src" ] || continue
	head -n 1 "$src" | grep -q "^#!.*ruby" || continue
	{
		echo '#!/bin/sh'
		echo "# slugc test mirror: Debian's $src run with this package's bin/ruby."
		echo 'self=$(readlink -f -- "$0" 2>/dev/null) || self=$0'
		echo 'exec "${self%/*}/ruby" -x "$self" "$@"'
		echo '#!ruby'
		tail -n +2 "$src"
	} >"$pkg/bin/$t"
	chmod 755 "$pkg/bin/$t"
	made+=("$t")
done
for t in gem bundle; do
	[ -x "$pkg/bin/$t" ] || mirror_die "no $t$suffix script in $r_bindir to wrap"
done

# --- archive + verify -------------------------------------------------------
tgz=$MIRROR_TMP/ruby.tgz
mapfile -t top < <(cd "$pkg" && ls -A | sort)
mirror_tgz "$tgz" "$pkg" "${top[@]}"
rm -rf "$pkg"

check=$MIRROR_TMP/check
mkdir -p "$check/home"
tar -xzf "$tgz" -C "$check"
run() { env -i PATH=/usr/bin:/bin HOME="$check/home" LANG=C.UTF-8 "$@"; }
got=$(run "$check/bin/ruby" -e 'puts RUBY_VERSION')
[ "$got" = "$r_ruby_version" ] || mirror_die "extracted bin/ruby printed '$got', expected $r_ruby_version"
gem_v=$(run "$check/bin/gem" --version) || mirror_die "extracted bin/gem does not run"
bundle_v=$(run "$check/bin/bundle" --version) || mirror_die "extracted bin/bundle does not run"
[[ $bundle_v == "Bundler version "* ]] || mirror_die "bin/bundle --version printed '$bundle_v'"
run "$check/bin/ruby" -e '
root = File.realpath(ARGV[0]); roots = [root, ARGV[0]]
inside = ->(f) { roots.any? { |r| f.start_with?(r + "/") } }
require "json"; require "openssl"; require "psych"; require "bundler"; require "rubygems/package"
bad = $LOADED_FEATURES.select { |f| f.include?("/") && !inside.(f) }
abort "loaded from outside the package: #{bad.first(5).join(", ")}" unless bad.empty?
lib = File.read("/proc/self/maps")[%r{/\S*libruby\S*}]
abort "libruby is #{lib}, not the package one" unless inside.(lib)
abort "Gem.default_dir is #{Gem.default_dir}" unless inside.(Gem.default_dir)
abort "RbConfig.ruby is #{RbConfig.ruby}" unless RbConfig.ruby == File.join(ARGV[0], "bin", "ruby") || RbConfig.ruby == File.join(root, "bin", "ruby")
abort "Gem.ruby is #{Gem.ruby}" unless inside.(Gem.ruby)
begin
  require "rack"
  abort "a rack outside the package is visible (#{$LOADED_FEATURES.grep(/rack/).first})"
rescue LoadError
end
' "$check" || mirror_die "the extracted ruby is not self-contained"
rm -rf "$check"

sha=$(sha256sum "$tgz" | cut -d' ' -f1)
paths=()
for stack in "${stacks[@]}"; do
	[[ $stack =~ ^[a-z0-9][a-z0-9.-]*$ ]] || mirror_die "bad stack name $stack"
	if [ "$stack" = heroku-22 ]; then d=$MIRROR_OUT/$stack; else d=$MIRROR_OUT/$stack/$arch; fi
	mkdir -p "$d"
	cp -- "$tgz" "$d/ruby-$r_ruby_version.tgz"
	cp -- "$tgz" "$d/ruby-$r_ruby_version-${sha:0:7}.tgz"
	paths+=("${d#"$MIRROR_OUT"/}/ruby-$r_ruby_version.tgz")
done
size=$(mirror_human "$tgz")
rm -f "$tgz"

mirror_publish "$dest"
echo "ruby mirror: $dest: ${paths[*]} (ruby $r_ruby_version, rubygems $gem_v, ${bundle_v#Bundler version } bundler;" \
	"wrapped: ${made[*]} ruby), $size each, sha256 ${sha:0:12}…, $((SECONDS - start))s"
