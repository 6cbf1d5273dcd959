#!/usr/bin/env python3
"""Read and make slugs with Python's tarfile, independently of slugc.

  slugtool.py list SLUG            one line per entry: type mode uid gid uname gname mtime size name [-> link]
  slugtool.py names SLUG           entry names only, one per line (bytes, escaped)
  slugtool.py check-layout SLUG    the DESIGN.md layout rules; prints the first violation
  slugtool.py same-but-mtime A B   same entries, modes, contents and links; mtimes differ
  slugtool.py extract SLUG DIR     extract with tarfile's 'tar' filter when available
  slugtool.py hostile KIND OUT     write a hostile slug of a known KIND
  slugtool.py hostile-source KIND OUT   a hostile source tarball (no ./app/ root)
"""
import hashlib
import io
import sys
import tarfile


def open_slug(path):
    return tarfile.open(path, "r:gz")


def kind(m):
    if m.isdir():
        return "d"
    if m.issym():
        return "l"
    if m.islnk():
        return "h"
    if m.isreg():
        return "f"
    return "o"


def cmd_list(path):
    with open_slug(path) as t:
        for m in t:
            link = f" -> {m.linkname}" if m.issym() or m.islnk() else ""
            print(f"{kind(m)} {m.mode:04o} {m.uid} {m.gid} '{m.uname}' '{m.gname}' {m.mtime} {m.size} {m.name}{link}")


def raw_names(path):
    """Names as stored (bytes), with a trailing slash on directories."""
    out = []
    with tarfile.open(path, "r:gz", encoding="utf-8", errors="surrogateescape") as t:
        for m in t:
            name = m.name.encode("utf-8", "surrogateescape")
            if m.isdir() and not name.endswith(b"/"):
                name += b"/"
            if not name.startswith(b"./"):
                name = b"./" + name
            out.append((name, m))
    return out


def cmd_names(path):
    for name, _ in raw_names(path):
        print(name.decode("utf-8", "backslashreplace"))


def cmd_check_layout(path):
    entries = raw_names(path)
    problems = []
    if not entries or entries[0][0] != b"./app/":
        problems.append("first entry is not ./app/")
    names = [n for n, _ in entries]
    if names != sorted(names):
        for a, b in zip(names, names[1:]):
            if a >= b:
                problems.append(f"not sorted bytewise: {a!r} then {b!r}")
                break
    mtimes = {m.mtime for _, m in entries}
    if len(mtimes) != 1:
        problems.append(f"several mtimes: {sorted(mtimes)}")
    for name, m in entries:
        if not name.startswith(b"./app/"):
            problems.append(f"{name!r} is not under ./app/")
        if m.uid or m.gid or m.uname or m.gname:
            problems.append(f"{name!r} has owner {m.uid}/{m.gid} '{m.uname}'/'{m.gname}'")
        if m.isdir():
            want = 0o755
        elif m.issym():
            want = 0o777
        elif m.isreg():
            want = 0o755 if m.mode & 0o111 else 0o644
        else:
            problems.append(f"{name!r} is neither file, directory nor symlink")
            continue
        if m.mode != want:
            problems.append(f"{name!r} has mode {m.mode:o}, want {want:o}")
        for key in m.pax_headers:
            if key not in ("path", "linkpath", "hdrcharset", "size"):
                problems.append(f"{name!r} has pax header {key}")
        # Every directory precedes its contents.
    seen_dirs = {b"./app/"}
    for name, m in entries[1:]:
        parent = name.rstrip(b"/").rsplit(b"/", 1)[0] + b"/"
        if parent not in seen_dirs:
            problems.append(f"{name!r} comes before its directory {parent!r}")
        if m.isdir():
            seen_dirs.add(name)
    if problems:
        print(problems[0])
        return 1
    print(f"ok {len(entries)} entries, mtime {mtimes.pop()}")
    return 0


def digest_entries(path):
    out = []
    with open_slug(path) as t:
        for m in t:
            data = t.extractfile(m).read() if m.isreg() else b""
            out.append((m.name, kind(m), m.mode, m.uid, m.gid, m.linkname,
                        hashlib.sha256(data).hexdigest(), m.mtime))
    return out


def cmd_same_but_mtime(a, b):
    ea, eb = digest_entries(a), digest_entries(b)
    if [e[:-1] for e in ea] != [e[:-1] for e in eb]:
        print("entries differ beyond mtimes")
        return 1
    if {e[-1] for e in ea} == {e[-1] for e in eb}:
        print("mtimes are the same")
        return 1
    print("same entries, different mtimes")
    return 0


def cmd_extract(path, dest):
    with open_slug(path) as t:
        # 'tar' and not 'data': a slug may hold absolute links to /app.
        if hasattr(tarfile, "tar_filter"):
            t.extractall(dest, filter="tar")
        else:
            t.extractall(dest)
    return 0


def add(t, name, typ, data=b"", link="", mode=0o644):
    ti = tarfile.TarInfo(name)
    ti.type = typ
    ti.mode = mode
    ti.mtime = 315532800
    ti.linkname = link
    ti.size = len(data) if typ == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if typ == tarfile.REGTYPE else None)


def cmd_hostile(which, out):
    with tarfile.open(out, "w:gz", format=tarfile.PAX_FORMAT) as t:
        add(t, "./app/", tarfile.DIRTYPE, mode=0o755)
        if which == "outside":
            add(t, "./etc/cron.d/evil", tarfile.REGTYPE, b"* * * * * root sh\n")
        elif which == "dotdot":
            add(t, "./app/../../tmp/evil", tarfile.REGTYPE, b"x\n")
        elif which == "absolute":
            add(t, "/tmp/evil", tarfile.REGTYPE, b"x\n")
        elif which == "symlink-escape":
            add(t, "./app/passwd", tarfile.SYMTYPE, link="../../../etc/passwd", mode=0o777)
        elif which == "symlink-then-file":
            add(t, "./app/etc", tarfile.SYMTYPE, link="/etc", mode=0o777)
            add(t, "./app/etc/cron.d/evil", tarfile.REGTYPE, b"x\n")
        elif which == "file-beneath-link":
            add(t, "./app/data/", tarfile.DIRTYPE, mode=0o755)
            add(t, "./app/etc", tarfile.SYMTYPE, link="data", mode=0o777)
            add(t, "./app/etc/passwd", tarfile.REGTYPE, b"x\n")
        elif which == "device":
            add(t, "./app/null", tarfile.CHRTYPE)
        elif which == "hardlink-out":
            add(t, "./app/shadow", tarfile.LNKTYPE, link="/etc/shadow")
        else:
            raise SystemExit(f"unknown hostile kind {which}")
    return 0


def cmd_hostile_source(which, out):
    with tarfile.open(out, "w:gz") as t:
        add(t, "Procfile", tarfile.REGTYPE, b"web: x\n")
        if which == "dotdot":
            add(t, "../../escaped-dotdot", tarfile.REGTYPE, b"x")
        elif which == "absolute":
            add(t, "/tmp/escaped-absolute", tarfile.REGTYPE, b"x")
        elif which == "symlink-then-file":
            add(t, "up", tarfile.SYMTYPE, link="../..")
            add(t, "up/escaped-symlink", tarfile.REGTYPE, b"x")
        elif which == "hardlink-out":
            add(t, "pw", tarfile.LNKTYPE, link="/etc/passwd")
        elif which == "device":
            add(t, "null", tarfile.CHRTYPE)
        else:
            raise SystemExit(f"unknown hostile kind {which}")
    return 0


def main(argv):
    cmds = {
        "list": (cmd_list, 1), "names": (cmd_names, 1), "check-layout": (cmd_check_layout, 1),
        "same-but-mtime": (cmd_same_but_mtime, 2), "extract": (cmd_extract, 2),
        "hostile": (cmd_hostile, 2), "hostile-source": (cmd_hostile_source, 2),
    }
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    fn, _ = cmds[argv[1]]
    return fn(*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
