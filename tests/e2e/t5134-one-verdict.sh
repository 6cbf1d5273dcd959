#!/usr/bin/env bash
# One verifier, one verdict (issue 13, item 4): inspect, verify and run decide
# a slug's validity by the same code, so each hostile or odd slug below is
# refused by all three with the same one-line reason, or accepted by all three.
# run must leave nothing behind either way.
. "$(dirname "$0")/test-lib.sh"

# Slugs made by hand with Python's tarfile, as another tool or an attacker would.
python3 - <<'EOF' || exit 99
import io, tarfile

def add(t, name, typ=tarfile.REGTYPE, data=b"x\n", link="", mode=0o644):
    ti = tarfile.TarInfo(name); ti.type = typ; ti.mode = mode; ti.linkname = link
    ti.mtime = 315532800
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    if typ in (tarfile.CHRTYPE, tarfile.BLKTYPE):
        ti.devmajor, ti.devminor = 1, 3
    t.addfile(ti, io.BytesIO(data) if typ == tarfile.REGTYPE else None)

D, L, H = tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE
slugs = {
    # refused
    "dup-file": [("./app/", D), ("./app/a",), ("./app/a",)],
    "dup-dir": [("./app/", D), ("./app/d/", D), ("./app/d/", D)],
    "dup-root": [("./app/", D), ("./app/", D)],
    "dir-then-file": [("./app/", D), ("./app/x/", D), ("./app/x",)],
    "file-then-dir": [("./app/", D), ("./app/x",), ("./app/x/", D)],
    "file-beneath-file": [("./app/", D), ("./app/x",), ("./app/x/y",)],
    "implied-dir-then-file": [("./app/", D), ("./app/x/y",), ("./app/x",)],
    "link-beneath-then": [("./app/", D), ("./app/x/y",), ("./app/x", L, "y")],
    "git-dir": [("./app/", D), ("./app/.git/", D), ("./app/.git/config",)],
    "git-upper": [("./app/", D), ("./app/sub/.GIT/hooks/post-checkout",)],
    "absolute": [("./app/", D), ("/etc/evil",)],
    "dotdot": [("./app/", D), ("./app/../evil",)],
    "dot": [("./app/", D), ("./app/./x",)],
    "empty-component": [("./app/", D), ("./app//x",)],
    "outside-app": [("./app/", D), ("./etc/evil",)],
    "no-dot-slash": [("app/", D), ("app/x",)],
    "hardlink-out": [("./app/", D), ("./app/x", H, "/etc/passwd")],
    "hardlink-missing": [("./app/", D), ("./app/x", H, "./app/nope")],
    "hardlink-to-dir": [("./app/", D), ("./app/d/", D), ("./app/x", H, "./app/d")],
    "hardlink-to-symlink": [("./app/", D), ("./app/l", L, "a"), ("./app/a",), ("./app/sub/", D), ("./app/sub/x", H, "./app/l")],
    "chardev": [("./app/", D), ("./app/null", tarfile.CHRTYPE)],
    "blockdev": [("./app/", D), ("./app/sda", tarfile.BLKTYPE)],
    "fifo": [("./app/", D), ("./app/p", tarfile.FIFOTYPE)],
    "symlink-out": [("./app/", D), ("./app/passwd", L, "../../etc/passwd")],
    "symlink-empty": [("./app/", D), ("./app/l", L, "")],
    "root-file": [("./app",)],
    "root-symlink": [("./app", L, "/")],
    "long-name": [("./app/", D), ("./app/" + "n" * 256,)],
    "file-slash": [("./app/", D), ("./app/x/",)],  # libarchive calls it damaged
    "empty": [],
    # accepted
    "ok-plain": [("./app/", D), ("./app/Procfile",), ("./app/bin/", D), ("./app/bin/x",)],
    "ok-implied-dirs": [("./app/a/b/c",), ("./app/a/", D), ("./app/", D)],
    "ok-hardlink": [("./app/", D), ("./app/a",), ("./app/sub/", D), ("./app/sub/b", H, "./app/a")],
    "ok-links": [("./app/", D), ("./app/bin/", D), ("./app/bin/x",), ("./app/cur", L, "bin"), ("./app/abs", L, "/app/bin/x")],
    "ok-gitignore": [("./app/", D), ("./app/.gitignore",), ("./app/.github/", D), ("./app/.github/x",)],
}
for name, entries in slugs.items():
    with tarfile.open("s-%s.tgz" % name, "w:gz", format=tarfile.PAX_FORMAT) as t:
        for e in entries:
            if len(e) == 1:
                add(t, e[0])
            elif e[1] in (L, H):
                add(t, e[0], e[1], link=e[2], mode=0o777 if e[1] == L else 0o644)
            else:
                add(t, e[0], e[1], mode=0o755)
EOF

test_expect_success 'setup: a manifest and its source for verify' '
	slugc compile "$STATIC" -o static.tgz -q
'

# verdict SLUG: run the three commands on SLUG; each one's status and its error line
# without the "slugc CMD: " prefix go to SLUG.inspect, SLUG.run, SLUG.verify.
verdict() {
	local cmd
	for cmd in inspect run verify; do
		case $cmd in
		inspect) "$SLUGC" inspect "$1" >/dev/null 2>"$1.err" ;;
		run) "$SLUGC" run "$1" -- true >/dev/null 2>"$1.err" ;;
		verify) "$SLUGC" verify "$1" --manifest static.json "$STATIC" >/dev/null 2>"$1.err" ;;
		esac
		echo "$? $(sed "s/^slugc $cmd: //" "$1.err")" >"$1.$cmd"
	done
}

for slug in s-*.tgz; do
	name=${slug#s-}
	name=${name%.tgz}
	case $name in
	ok-*)
		test_expect_success "$name: accepted by inspect and run; verify gets to the rebuild" '
			verdict '"$slug"' &&
			equal "$(cat '"$slug"'.inspect)" "0 " && equal "$(cat '"$slug"'.run)" "0 " &&
			not_contains '"$slug"'.verify "failed verification" &&
			contains '"$slug"'.verify "not reproducible" && tmpdir_clean
		'
		;;
	*)
		test_expect_success "$name: refused by inspect, run and verify with the same line" '
			verdict '"$slug"' &&
			cat '"$slug"'.inspect && contains '"$slug"'.inspect "1 '"'"''"$slug"''"'"'" &&
			equal "$(cat '"$slug"'.run)" "$(cat '"$slug"'.inspect)" &&
			equal "$(cat '"$slug"'.verify)" "$(cat '"$slug"'.inspect)" &&
			tmpdir_clean
		'
		;;
	esac
done

test_done
