#!/usr/bin/env python3
"""Heroku-parity conformance suite: app trees written from a table, checked
against what Heroku's classic buildpacks decide (docs/detection.md).

    run.py CASES SLUGC WORKDIR [--mirror LANG=URL]... [--filter SUBSTRING]

CASES is a table file of cases:

    === name: what the case checks
    file PATH            the following lines, up to the next directive, are
    ...                  the file's contents (a trailing newline is added)
    empty PATH           an empty file
    --- expect
    lang NAME            the next detected language (in build order)
    requirement R | pm P | framework F | fact K=V | note TEXT
    type NAME=COMMAND    default process types of that language: when any is
    no-types             given, the language has exactly those (or none)
    resolve VERSION      `slugc resolve LANG REQUIREMENT` against the mirrors
    detect-error TEXT    `slugc detect` fails with TEXT
    compile              compile the tree (mirrors, --offline never), then:
    process NAME=COMMAND the slug's process types (exactly those given)
    profile FILE...      its .profile.d files (exactly those)
    slug-has PATH        an entry of the slug (./app/PATH)
    compile-error TEXT   the compile fails with TEXT

Prints TAP; exits 1 when a case fails.
"""
import json
import os
import shutil
import subprocess
import sys
import tarfile


def parse(path):
    cases, case, mode, fname = [], None, None, None
    for raw in open(path, encoding="utf-8").read().split("\n"):
        if raw.startswith("=== "):
            case = {"name": raw[4:], "files": {}, "expect": []}
            cases.append(case)
            mode, fname = "files", None
        elif case is None or (raw.startswith("#") and mode != "body"):
            continue
        elif raw == "--- expect":
            mode, fname = "expect", None
        elif mode in ("files", "body") and raw.startswith("file "):
            fname = raw[5:]
            case["files"][fname] = []
            mode = "body"
        elif mode in ("files", "body") and raw.startswith("empty "):
            case["files"][raw[6:]] = None
            mode, fname = "files", None
        elif mode == "body":
            case["files"][fname].append(raw)
        elif mode == "expect" and raw.strip():
            case["expect"].append(raw)
    return cases


def write_tree(root, files):
    for name, lines in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            if lines is not None:
                while lines and lines[-1] == "":
                    lines = lines[:-1]
                f.write("\n".join(lines) + "\n")


def run(argv, env=None):
    p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)
    return p.returncode, p.stdout, p.stderr


class Check:
    def __init__(self, name):
        self.name, self.problems = name, []

    def want(self, ok, what):
        if not ok:
            self.problems.append(what)


def check_case(case, slugc, work, mirrors):
    c = Check(case["name"])
    app = os.path.join(work, "app")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(app)
    write_tree(app, case["files"])
    mirror_args = [a for m in mirrors for a in ("--mirror", m)]
    env = dict(os.environ)

    expect = case["expect"]
    detect_error = [e[len("detect-error "):] for e in expect if e.startswith("detect-error ")]
    rc, out, err = run([slugc, "detect", app, "--json"], env)
    if detect_error:
        c.want(rc != 0 and detect_error[0] in err, "detect should fail with '%s'; got %d: %s" %
               (detect_error[0], rc, err.strip()))
        return c
    if rc != 0:
        c.want(False, "slugc detect failed: " + err.strip())
        return c
    langs = json.loads(out)["languages"]
    current, index, types_given, types_seen = None, -1, {}, {}
    slug = manifest = None

    def compiled():
        nonlocal slug, manifest
        if slug is None:
            slug = os.path.join(work, "slug.tgz")
            rc, out, err = run([slugc, "compile", app, "-o", slug, "--cache-dir",
                                os.environ["SLUGC_CONFORMANCE_CACHE"]] + mirror_args, env)
            manifest = (rc, out, err)
        return manifest

    for line in expect:
        key, _, value = line.partition(" ")
        if key == "lang":
            index += 1
            current = langs[index] if index < len(langs) else None
            c.want(current is not None and current["name"] == value,
                   "language %d is %s, want %s" % (index + 1, current and current["name"], value))
            if current is None:
                return c
        elif key in ("requirement", "pm", "framework"):
            field = {"pm": "package_manager"}.get(key, key)
            c.want(current.get(field) == value, "%s: %s is %r, want %r" %
                   (current["name"], key, current.get(field), value))
        elif key == "fact":
            k, _, v = value.partition("=")
            c.want(current["facts"].get(k) == v, "%s: fact %s is %r, want %r" %
                   (current["name"], k, current["facts"].get(k), v))
        elif key == "note":
            c.want(any(value in n for n in current["notes"]), "%s: no note contains %r: %r" %
                   (current["name"], value, current["notes"]))
        elif key in ("type", "no-types"):
            types = types_given.setdefault(index, {})
            if key == "type":
                n, _, cmd = value.partition("=")
                types[n] = cmd
            types_seen[index] = current["default_process_types"]
        elif key == "resolve":
            rc, out, err = run([slugc, "resolve", current["name"], current["requirement"],
                                "--json"] + mirror_args, env)
            got = json.loads(out)["version"] if rc == 0 else "error: " + err.strip()
            for m in mirrors:
                if m.startswith(current["name"] + "="):
                    value = value.replace("MIRROR", m.split("=", 1)[1])
            c.want(got == value, "resolve %s %s gives %s, want %s" %
                   (current["name"], current["requirement"], got, value))
        elif key == "compile":
            rc, out, err = compiled()
            if not any(e.startswith("compile-error ") for e in expect):
                c.want(rc == 0, "compile failed: " + err.strip() + "\n" + out[-2000:])
        elif key == "compile-error":
            rc, out, err = compiled()
            c.want(rc != 0 and value in err, "compile should fail with %r; got %d: %s" %
                   (value, rc, err.strip()))
        elif key in ("process", "profile", "slug-has"):
            if slug is None or not os.path.exists(slug):
                c.want(False, "%s: no slug" % key)
                continue
            with tarfile.open(slug) as t:
                names = t.getnames()
            doc = json.load(open(os.path.join(work, "slug.json")))
            if key == "process":
                n, _, cmd = value.partition("=")
                want = dict(l.split(" ", 1)[1].split("=", 1) for l in expect if l.startswith("process "))
                c.want(doc["process_types"] == want, "slug process types %r, want %r" %
                       (doc["process_types"], want))
            elif key == "profile":
                got = sorted(n[len("./app/.profile.d/"):] for n in names
                             if n.startswith("./app/.profile.d/") and n != "./app/.profile.d/")
                c.want(got == sorted(value.split()), ".profile.d holds %r, want %r" %
                       (got, sorted(value.split())))
            else:
                c.want("./app/" + value in names, "the slug has no ./app/%s" % value)
        else:
            c.want(False, "unknown expectation %r" % line)
    for i, want in types_given.items():
        c.want(types_seen[i] == want, "%s: default process types %r, want %r" %
               (langs[i]["name"], types_seen[i], want))
    if index + 1 != len(langs):
        c.want(False, "detected %r, the case names %d" % ([l["name"] for l in langs], index + 1))
    return c


def main():
    args = sys.argv[1:]
    mirrors, filt = [], None
    while "--mirror" in args:
        i = args.index("--mirror")
        mirrors.append(args[i + 1])
        del args[i:i + 2]
    if "--filter" in args:
        i = args.index("--filter")
        filt = args[i + 1]
        del args[i:i + 2]
    cases_path, slugc, work = args
    cases = [c for c in parse(cases_path) if not filt or filt in c["name"]]
    failed = 0
    for n, case in enumerate(cases, 1):
        c = check_case(case, slugc, os.path.join(work, "case"), mirrors)
        if c.problems:
            failed += 1
            print("not ok %d - %s" % (n, c.name))
            for p in c.problems:
                for l in p.split("\n"):
                    print("#   " + l)
        else:
            print("ok %d - %s" % (n, c.name))
        sys.stdout.flush()
    print("1..%d" % len(cases))
    if failed:
        print("# failed %d of %d" % (failed, len(cases)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
