#!/usr/bin/env python3
"""doc-check.py SLUGC SOURCE_DIR examples|flags

examples: every `slugc ...` command line in README.md, docs/*.md, examples/
  (Markdown code blocks and *.sh/*.yml) and the man page's EXAMPLES section
  must parse: the same words with `--help --help` appended exit 0 (slugc's
  parser stops at --help after checking every option before it, so an
  unknown, abbreviated or misspelt option, or a bad value, fails).
  Examples that need the real Heroku or network are still parse-checked.
flags: every option a command takes (from `slugc completion bash`, which
  probes each command's parser) appears in the man page and in the README
  table's row for that command, and every option those name is one a
  command takes. ALLOWED lists what the docs may name that is not slugc's.

Extend EXTRA_FILES or ALLOWED below when the docs grow."""
import pathlib
import re
import shlex
import subprocess
import sys

SLUGC, SRC, MODE = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
EXTRA_FILES = []
# Options other tools take, named in slugc's docs for comparison or setup.
ALLOWED = {"--install", "--prefix", "--test-dir", "--output-on-failure", "--build", "--levels",
           "--threads-check", "--big", "--local", "--env", "--worktree", "--json"}

def doc_files():
    files = [SRC / "README.md", *sorted((SRC / "docs").glob("*.md"))]
    files += sorted(p for p in (SRC / "examples").rglob("*")
                    if p.suffix in (".md", ".sh", ".yml", ".yaml") and p.is_file())
    return files + [SRC / f for f in EXTRA_FILES]

def man_examples():
    text = (SRC / "docs" / "slugc.1").read_text()
    sec = text.split(".SH EXAMPLES", 1)[1].split(".SH ", 1)[0]
    for line in sec.splitlines():
        if line.startswith("."):
            continue
        yield line.replace("\\-", "-").replace("\\(aq", "'")

def md_code_lines(path):
    text = path.read_text()
    if path.suffix != ".md":
        yield from text.splitlines()
        return
    fence = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fence = not fence
            continue
        if fence or line.startswith("    "):
            yield line.strip()

def commands(line):
    """The slugc invocations in one shell line, as word lists."""
    line = re.sub(r"^\$ ", "", line.strip())
    try:
        lex = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
        lex.whitespace_split = True
        lex.commenters = "#"
        words = list(lex)
    except ValueError:
        return
    cur = None
    for w in words + [";"]:
        if w in (";", "&&", "||", "|", "&", "(", ")", "<", ">", ">>"):
            if cur:
                yield cur
            cur = None
        elif cur is not None:
            cur.append(w)
        elif re.fullmatch(r"(\S*/)?slugc|\$SLUGC|\$\{SLUGC\}|\"\$SLUGC\"", w):
            cur = []

def check_examples():
    bad, n = [], 0
    sources = [(p, l) for p in doc_files() for l in md_code_lines(p)]
    sources += [(SRC / "docs/slugc.1", l) for l in man_examples()]
    for path, line in sources:
        for words in commands(line):
            if not words or not re.fullmatch(r"[a-z]+", words[0]) or words[0] == "help":
                continue
            n += 1
            # Before a "--" (run's COMMAND), which ends slugc's options.
            cut = words.index("--") if "--" in words else len(words)
            argv = [SLUGC, *words[:cut], "--help", "--help", *words[cut:]]
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                bad.append(f"{path.relative_to(SRC)}: slugc {' '.join(words)}: {r.stderr.strip()}")
    print(f"{n} examples parsed")
    return bad

def check_flags():
    bash = subprocess.run([SLUGC, "completion", "bash"], capture_output=True, text=True,
                          check=True).stdout
    opts = {m[0]: set(re.findall(r"--[a-z0-9-]+", m[1]))
            for m in re.findall(r'^\t([a-z]+)\) opts="([^"]*)"', bash, re.M)}
    every = set().union(*opts.values())
    fish = subprocess.run([SLUGC, "completion", "fish"], capture_output=True, text=True,
                          check=True).stdout
    short = {(m[0], "--" + m[1]): "-" + m[2] for m in
             re.findall(r"__fish_seen_subcommand_from (\w+)' -l ([a-z0-9-]+) -s (\w)", fish)}
    man = (SRC / "docs" / "slugc.1").read_text().replace("\\-", "-")
    readme = (SRC / "README.md").read_text()
    rows = {m[0]: m[1] for m in re.findall(r"^\| `slugc ([a-z]+)((?:[^|\\]|\\.)*)", readme, re.M)}
    bad = []
    for cmd, names in sorted(opts.items()):
        row = rows.get(cmd)
        if row is None:
            bad.append(f"README.md: no table row for 'slugc {cmd}'")
        for o in sorted(names - {"--help"}):
            if o not in man:
                bad.append(f"docs/slugc.1: {cmd}'s {o} is not documented")
            # deploy's row says "[compile options]".
            in_row = row is not None and (re.search(re.escape(o) + r"(?![a-z0-9-])", row) or
                                          re.search(re.escape(short.get((cmd, o), "--")) + r"(?![a-z0-9-])", row))
            if row is not None and not in_row and not (cmd == "deploy" and o in opts["compile"]):
                bad.append(f"README.md: the 'slugc {cmd}' row lacks {o}")
        if row is not None:
            for o in set(re.findall(r"--[a-z0-9-]+", row)) - names - {"--help", "--version"}:
                bad.append(f"README.md: the 'slugc {cmd}' row names {o}, which {cmd} does not take")
    for o in sorted(set(re.findall(r"(?<![a-z0-9-])--[a-z][a-z0-9-]+", man)) - every - ALLOWED
                    - {"--version"}):
        bad.append(f"docs/slugc.1 names {o}, which no command takes")
    print(f"{sum(map(len, opts.values()))} options checked")
    return bad

bad = check_examples() if MODE == "examples" else check_flags()
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
