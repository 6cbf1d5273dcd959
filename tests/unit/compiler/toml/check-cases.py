#!/usr/bin/env python3
"""Check cases.txt against Python's tomllib, an independent TOML 1.0 parser.

    check-cases.py cases.txt

Every "ok" case must parse with tomllib to the same leaves (strings
compared by value, other scalars by type); every "error" case must be
refused by tomllib too, except those refused only by slugc's own limits
(LIMIT_CASES). One known difference: slugc skips a UTF-8 byte order mark at
the start, which tomllib refuses (BOM_CASES).
"""
import re
import sys
import tomllib
import datetime

LIMIT_CASES = {"deep nesting"}
BOM_CASES = {"byte order mark and an empty document"}


def unescape(s):
    out = bytearray()
    i = 0
    b = s.encode()
    while i < len(b):
        c = b[i]
        if c != 0x5C or i + 1 == len(b):
            out.append(c)
            i += 1
            continue
        n = chr(b[i + 1])
        i += 2
        if n in "rtn0\\":
            out += {"r": b"\r", "t": b"\t", "n": b"\n", "0": b"\0", "\\": b"\\"}[n]
        elif n == "x" and re.match(rb"[0-9a-fA-F]{2}", b[i:i + 2]):
            out.append(int(b[i:i + 2], 16))
            i += 2
        else:
            out += b"\\" + n.encode()
    return bytes(out)


def cases(path):
    text = open(path, encoding="utf-8").read()
    cur = None
    for line in text.split("\n"):
        if line.startswith("=== "):
            cur = {"name": line[4:], "input": [], "section": None, "expect": []}
            yield cur
        elif cur is None:
            continue
        elif line.startswith("--- "):
            cur["section"] = line[4:]
        elif cur["section"]:
            if line:
                cur["expect"].append(unescape(line).decode())
        else:
            cur["input"].append(unescape(line))


def key(k):
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else '"' + k + '"'


def esc(s):
    out = []
    for ch in s.encode():
        c = chr(ch)
        if c in "\b\t\n\f\r\"\\":
            out.append("\\" + "btnfr\"\\"["\b\t\n\f\r\"\\".index(c)])
        elif ch < 0x20 or ch >= 0x7F:
            out.append("\\x%02x" % ch)
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def dump(v, path, out):
    if isinstance(v, dict):
        if path and not v:
            out.append(f"{path} table {{}}")
        for k, x in v.items():
            dump(x, (path + "." if path else "") + key(k), out)
    elif isinstance(v, list):
        if not v:
            out.append(f"{path} array []")
        for i, x in enumerate(v):
            dump(x, f"{path}[{i}]", out)
    elif isinstance(v, str):
        out.append(f"{path} string {esc(v)}")
    elif isinstance(v, bool):
        out.append(f"{path} boolean")
    elif isinstance(v, int):
        out.append(f"{path} integer")
    elif isinstance(v, float):
        out.append(f"{path} float")
    elif isinstance(v, (datetime.date, datetime.time)):
        out.append(f"{path} date-time")


def main():
    bad = 0
    for c in list(cases(sys.argv[1])):
        data = b"\n".join(c["input"])
        try:
            if c["name"] in BOM_CASES:
                data = data.removeprefix(b"\xef\xbb\xbf")
            doc = tomllib.loads(data.decode("utf-8"))
            err = None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            doc, err = None, e
        if c["section"] == "ok":
            if err:
                print(f"FAIL {c['name']}: tomllib refuses it: {err}")
                bad += 1
                continue
            got = []
            dump(doc, "", got)
            want = [re.sub(r"^(.*?) (integer|float|boolean|date-time) .*$", r"\1 \2", l)
                    for l in c["expect"]]
            if got != want:
                print(f"FAIL {c['name']}:\n  tomllib: {got}\n  cases:   {want}")
                bad += 1
        elif err is None and c["name"] not in LIMIT_CASES:
            print(f"FAIL {c['name']}: tomllib accepts it")
            bad += 1
    print("ok" if not bad else f"{bad} case(s) disagree with tomllib")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
