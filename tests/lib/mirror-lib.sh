# shellcheck shell=bash
# Shared helpers for tests/lib/make-*-mirror.sh and make-rack-gems.sh.
# Source it; do not run it.  Functions:
#
#   mirror_init DEST          make a temp dir beside DEST ($MIRROR_TMP, removed
#                             on exit) and $MIRROR_OUT (= $MIRROR_TMP/out), the
#                             tree to build; set umask 022 and LC_ALL=C
#   mirror_publish DEST       replace DEST by $MIRROR_OUT (rename, never a
#                             half-built DEST)
#   mirror_tgz OUT DIR NAME.. reproducible tar.gz of NAME.. (relative to DIR)
#   mirror_copy_tree SRC DST  cp -a SRC to DST, then replace every symlink that
#                             points outside SRC by a copy of its target
#                             (dangling ones are dropped), so DST is self-contained
#   mirror_gzip_cmd [LEVEL]   the compressor used (pigz -n if present, else gzip -n)
#   mirror_human FILE|DIR     size as "123M"
#   mirror_help               print the running script's header comment (its
#                             --help) and exit
#
# Reproducibility: every archive is written with GNU tar --sort=name,
# --owner=0 --group=0 --numeric-owner, --mtime=@$MIRROR_MTIME, --format=gnu,
# piped to "gzip -n" (or "pigz -n", whose output is also deterministic and
# independent of the thread count, but differs from gzip's).  MIRROR_MTIME
# defaults to $SOURCE_DATE_EPOCH, else 1704067200 (2024-01-01T00:00:00Z).
# SLUGC_MIRROR_GZIP=gzip forces gzip even when pigz is installed.

MIRROR_MTIME=${MIRROR_MTIME:-${SOURCE_DATE_EPOCH:-1704067200}}

mirror_help() {
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
}

mirror_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

mirror_init() {
	local dest=$1 parent base
	umask 022
	export LC_ALL=C
	[ -n "$dest" ] || mirror_die "no destination directory given"
	parent=$(dirname -- "$dest")
	base=$(basename -- "$dest")
	mkdir -p -- "$parent"
	MIRROR_TMP=$(mktemp -d "$parent/.$base.tmp.XXXXXX")
	MIRROR_OUT=$MIRROR_TMP/out
	mkdir "$MIRROR_OUT"
	# shellcheck disable=SC2064
	trap "rm -rf -- '$MIRROR_TMP'" EXIT
}

mirror_publish() {
	local dest=$1
	chmod 755 "$MIRROR_OUT"
	if [ -e "$dest" ] || [ -L "$dest" ]; then
		mv -- "$dest" "$MIRROR_TMP/old"
	fi
	mv -- "$MIRROR_OUT" "$dest"
}

mirror_gzip_cmd() {
	local level=${1:-6}
	if [ "${SLUGC_MIRROR_GZIP:-}" != gzip ] && command -v pigz >/dev/null 2>&1; then
		echo "pigz -n -$level"
	else
		echo "gzip -n -$level"
	fi
}

# mirror_tgz OUT DIR NAME... ; MIRROR_GZIP_LEVEL (default 6) picks the level.
mirror_tgz() {
	local out=$1 dir=$2 gz
	shift 2
	gz=$(mirror_gzip_cmd "${MIRROR_GZIP_LEVEL:-6}")
	tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime="@$MIRROR_MTIME" --format=gnu -cf - -- "$@" | $gz >"$out"
}

mirror_copy_tree() {
	local src=$1 dst=$2 realsrc realdst link rel target want pass=0 changed
	realsrc=$(readlink -f -- "$src")
	mkdir -p -- "$dst"
	realdst=$(readlink -f -- "$dst")
	cp -a -- "$src/." "$dst/"
	while :; do
		changed=0
		pass=$((pass + 1))
		[ "$pass" -le 20 ] || mirror_die "symlink loop while copying $src"
		while IFS= read -r -d '' link; do
			rel=${link#"$dst"/}
			# Resolve through the original tree, so links inside
			# directories that were themselves links resolve as they do
			# in the source.
			target=$(readlink -f -- "$src/$rel") || target=
			case $target in
			"$realsrc" | "$realsrc"/*)
				# Stays inside: make sure it resolves to the same
				# place inside the copy (absolute or escaping link
				# text would not).
				want=$realdst${target#"$realsrc"}
				if [ "$(readlink -f -- "$link")" != "$want" ]; then
					ln -sfn -- "$(realpath -m --relative-to="$(dirname -- "$link")" -- "$want")" "$link"
					changed=1
				fi
				continue ;;
			esac
			rm -f -- "$link"
			if [ -n "$target" ] && [ -e "$target" ]; then
				cp -a -- "$target" "$link"
			else
				echo "${0##*/}: dropping dangling symlink $rel" >&2
			fi
			changed=1
		done < <(find "$dst" -type l -print0)
		[ "$changed" = 1 ] || break
	done
}

mirror_human() {
	du -sh --apparent-size -- "$1" | cut -f1
}
