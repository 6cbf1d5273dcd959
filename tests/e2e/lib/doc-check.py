#!/usr/bin/env python3
"""doc-check.py SLUGC SOURCE_DIR parse|run|list|flags

Every `slugc ...` command example in README.md, docs/*.md, examples/
(Markdown code blocks, fenced or indented, and *.sh/*.yml) and the man page's
EXAMPLES section: `$ ` prompts stripped, `\\` continuations joined, comments
and output lines ignored; also lines that run an examples/*.sh script.

parse: each slugc invocation must parse: the same words with `--help --help`
  appended exit 0 (slugc's parser stops at --help after checking every option
  before it, so an unknown, abbreviated or misspelt option, or a bad value,
  fails).
run: parse, then run every example in document order as a shell command in
  $DOC_WORK (t0008-docs.sh sets up that directory, the mirrors, the Platform
  API emulator, git servers and a registry on loopback, and exports what
  SUBST names), after the substitutions in SUBST; a `slugc run` of a web
  process must answer HTTP on its port and is then stopped. PARSE_ONLY lists
  what cannot run here, with the reason. An example is expected to fail when
  the next line of its block is an error line (`slugc CMD: ...`) or it is in
  EXPECT_FAIL. Failures name the file and line.
list: print the examples with their file and line.
flags: every option a command takes (from `slugc completion bash`, which
  probes each command's parser) appears in the man page and in the README
  table's row for that command, and every option those name is one a
  command takes. ALLOWED lists what the docs may name that is not slugc's."""
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

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

def man_blocks():
    """The man page's EXAMPLES as one block of (line number, text)."""
    lines = (SRC / "docs" / "slugc.1").read_text().splitlines()
    start = lines.index(".SH EXAMPLES")
    block = []
    for i in range(start + 1, len(lines)):
        if lines[i].startswith(".SH "):
            break
        if not lines[i].startswith("."):
            block.append((i + 1, lines[i].replace("\\-", "-").replace("\\(aq", "'")
                          .replace("\\e", "\\")))
    yield block

def code_blocks(path):
    """Blocks of (line number, text): fenced or indented Markdown code, or a whole file."""
    text = path.read_text().splitlines()
    if path.suffix != ".md":
        yield [(i + 1, l) for i, l in enumerate(text)]
        return
    block, fence = [], False
    for i, line in enumerate(text):
        if line.lstrip().startswith("```"):
            if fence:
                yield block
                block = []
            fence = not fence
        elif fence or (line.startswith("    ") and line.strip()):
            block.append((i + 1, line.strip() if not fence else line))
        elif block and not line.strip() and not fence:
            continue
        elif block:
            yield block
            block = []
    if block:
        yield block

def shell_lines(block):
    """(first line number, command text) with continuations joined, `$ ` and YAML's
    `run:` / `- ` stripped."""
    out, cur, first = [], "", None
    for n, line in block:
        s = line.strip()
        if first is None:
            first = n
            s = re.sub(r"^(\$ |- |run: )", "", s)
        if s.endswith("\\"):
            cur += s[:-1].rstrip() + " "
            continue
        out.append((first, cur + s))
        cur, first = "", None
    if first is not None:
        out.append((first, cur))
    return out

SLUGC_WORD = r"(\S*/)?slugc|\$SLUGC|\$\{SLUGC\}"

def words_of(line):
    try:
        lex = shlex.shlex(line, posix=True, punctuation_chars=";&|<>()")
        lex.whitespace_split = True
        lex.commenters = "#"
        return list(lex)
    except ValueError:
        return None

def commands(line):
    """The slugc invocations in one shell line, as word lists (without env prefixes)."""
    words = words_of(line)
    if words is None:
        return
    cur = None
    for w in words + [";"]:
        if w in (";", "&&", "||", "|", "&", "(", ")", "<", ">", ">>"):
            if cur:
                yield cur
            cur = None
        elif cur is not None:
            cur.append(w)
        elif re.fullmatch(SLUGC_WORD, w):
            cur = []

def slugc_commands():
    bash = subprocess.run([SLUGC, "completion", "bash"], capture_output=True, text=True,
                          check=True).stdout
    return set(re.findall(r"^\t([a-z]+)\) opts=", bash, re.M))

def examples():
    """Every example: dict(file, line, text, invocations, fails)."""
    cmds = slugc_commands()
    found = []
    blocks = [(p, b) for p in doc_files() for b in code_blocks(p)]
    blocks += [(SRC / "docs/slugc.1", b) for b in man_blocks()]
    for path, block in blocks:
        if path.suffix == ".sh":  # scripts run as a whole, from the lines naming them
            continue
        lines = shell_lines(block)
        for k, (n, text) in enumerate(lines):
            inv = [w for w in commands(text) if w and w[0] in cmds]
            script = re.search(r"(^|\s)examples/[a-z-]+\.sh\b", text)
            if not inv and not script:
                continue
            nxt = lines[k + 1][1] if k + 1 < len(lines) else ""
            fails = bool(re.match(r"slugc [a-z]+: ", nxt))
            found.append(dict(file=str(path.relative_to(SRC)), line=n, text=text,
                              invocations=inv, fails=fails))
    return found

def parse_check(ex):
    """Errors of each slugc invocation in EX with --help --help."""
    bad = []
    for words in ex["invocations"]:
        # Before a "--" (run's COMMAND), which ends slugc's options.
        cut = words.index("--") if "--" in words else len(words)
        argv = [SLUGC, *words[:cut], "--help", "--help", *words[cut:]]
        r = subprocess.run(argv, capture_output=True, text=True)
        if r.returncode != 0:
            bad.append(f"{ex['file']}:{ex['line']}: slugc {' '.join(words)}: does not parse: "
                       f"{r.stderr.strip()}")
    return bad

# Placeholders in the docs and what they become here (t0008-docs.sh exports the
# $DOC_* values). (regex, replacement, why); {NAME} is $DOC_NAME.
SUBST = [
    (r"https://deploy:\$TOKEN@git\.example\.com/org/", "http://deploy:$TOKEN@{GIT_AUTH}/",
     "a git server on loopback that wants deploy:$TOKEN"),
    (r"https://\$GITHUB_TOKEN@github\.com/org/", "http://$GITHUB_TOKEN@{GIT_TOKEN}/",
     "a git server on loopback that wants the token as user name"),
    (r"https://git\.example\.com/org/", "http://{GIT_OPEN}/", "a git server on loopback"),
    (r"registry\.example\.com", "{REGISTRY}", "docker-registry on loopback"),
    (r"https://pypi\.example\.internal/simple/", "{PY_INDEX}", "a PEP 503 index on loopback"),
    (r"file:///tmp/go-mirror", "file://{MIRROR_go}", "the fixture mirror"),
    (r"file:///tmp/ruby-mirror", "file://{MIRROR_ruby}", "the fixture mirror"),
    (r"file:///tmp/python-mirror", "file://{MIRROR_python}", "the fixture mirror"),
    (r"file:///srv/mirror/node", "file://{MIRROR_node}", "the fixture mirror"),
    (r"\$\{\{ vars\.HEROKU_APP \}\}", "$HEROKU_APP", "GitHub's variable: the environment"),
    (r"compile path/to/app --mirror python=", "compile path/to/python-app --mirror python=",
     "path/to/app is the Node.js app elsewhere"),
    # The mirror fixtures hold the runtimes of this machine (tests/lib/make-*-mirror.sh):
    (r"resolve go 1\.22", "resolve go 1.19", "the Go mirror has go1.19.8 only"),
    (r"resolve ruby 3\.3\.9", "resolve ruby {RUBY_V}", "the Ruby mirror has Debian's Ruby"),
    (r"resolve python 3\.13", "resolve python {PY_MINOR}", "the Python mirror has Debian's"),
    (r"<hex>", "{NODE22_SHA}", "the sha256 of the file imported"),
    (r"--port [0-9]+", "--port {PORT}", "a free port"),
    (r"^\./bootstrap && ", "", "slugc is built already"),
]
# What cannot run here: (regex, why). Still parse-checked.
PARSE_ONLY = [
    (r"--buildpack https://github\.com/", "a buildpack on GitHub (Heroku's: not copied here)"),
    (r"--base heroku/heroku:24|compile .* --image ",
     "the base is Docker Hub's heroku/heroku:24 (compile --image's default)"),
]
# Examples that are documented to fail: (file, regex, why).
EXPECT_FAIL = []

def substitute(text):
    for rx, rep, _ in SUBST:
        if not re.search(rx, text):
            continue
        rep = re.sub(r"\{([A-Za-z0-9_]+)\}", lambda m: os.environ["DOC_" + m[1]].replace("\\", "\\\\"),
                     rep)
        text = re.sub(rx, rep, text)
    return text

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def is_server(ex):
    """A `slugc run SLUG [web]` with no command: a web process that runs until stopped."""
    for w in ex["invocations"]:
        if w[0] == "run" and "--" not in w:
            args = [a for i, a in enumerate(w[1:], 1)
                    if not a.startswith("-") and not (w[i - 1] in ("--port", "--manifest",
                    "--env-dir", "--max-unpacked", "--max-entries"))]
            if len(args) < 2 or args[1] == "web":
                return True
    return False

def stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

def run_one(ex, log, timeout=400):
    """None if EX did what its docs say, else why not."""
    port = free_port()
    os.environ["DOC_PORT"] = str(port)
    text = substitute(ex["text"])
    server = is_server(ex)
    if server and "--port" not in text:
        text = re.sub(r"(slugc run \S+( web)?)", rf"\1 --port {port}", text)
    log.write(f"\n=== {ex['file']}:{ex['line']}: {text}\n")
    log.flush()
    t0 = time.monotonic()
    proc = subprocess.Popen(["bash", "-c", text], cwd=os.environ["DOC_WORK"], stdout=log,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        if server:
            while proc.poll() is None and time.monotonic() - t0 < timeout:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                        body = r.read(200)
                    log.write(f"--- answered on port {port}: {body!r}\n")
                    return None
                except urllib.error.HTTPError as e:  # an answer all the same
                    log.write(f"--- answered on port {port}: HTTP {e.code}\n")
                    return None
                except (OSError, urllib.error.URLError):
                    time.sleep(0.2)
            if proc.poll() is None:
                return f"nothing answered on port {port} in {timeout} s"
            return f"exited {proc.returncode} before answering on port {port}"
        try:
            rc = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return f"still running after {timeout} s"
    finally:
        stop(proc)
        log.write(f"--- {time.monotonic() - t0:.1f} s\n")
    expect_fail = ex["fails"] or any(f == ex["file"] and re.search(rx, ex["text"])
                                     for f, rx, _ in EXPECT_FAIL)
    if expect_fail and rc == 0:
        return "exited 0, but the docs show it failing"
    if not expect_fail and rc != 0:
        return f"exited {rc}"
    return None

def restore(work):
    """The slug most examples start from, app.tgz and app.json, as it was."""
    pristine = os.environ.get("DOC_PRISTINE")
    for f in ("app.tgz", "app.json") if pristine else ():
        shutil.copyfile(os.path.join(pristine, f), os.path.join(work, f + ".tmp"))
        os.replace(os.path.join(work, f + ".tmp"), os.path.join(work, f))

def check_examples(run):
    exs = examples()
    if os.environ.get("DOC_ONLY"):  # FILE:LINE regex, to debug some examples
        exs = [ex for ex in exs if re.search(os.environ["DOC_ONLY"], f"{ex['file']}:{ex['line']}")]
    bad = [b for ex in exs for b in parse_check(ex)]
    ran = parsed = 0
    parse_only = list(PARSE_ONLY)
    if "DOC_REGISTRY" not in os.environ:
        parse_only.append((r"registry\.example\.com|--base oci:",
                           "no docker-registry, umoci or skopeo on this machine"))
    if run:
        with open(os.environ.get("DOC_LOG", "doc-examples.log"), "a") as log:
            last = None
            for ex in exs:
                if ex["file"] != last:
                    restore(os.environ["DOC_WORK"])
                    last = ex["file"]
                why = next((why for rx, why in parse_only if re.search(rx, ex["text"])), None)
                if why:
                    parsed += 1
                    print(f"parse-checked only: {ex['file']}:{ex['line']}: {ex['text']} ({why})")
                    continue
                ran += 1
                log.flush()
                start = log.tell()
                t0 = time.monotonic()
                err = run_one(ex, log)
                print(f"ran {ex['file']}:{ex['line']} ({time.monotonic() - t0:.1f} s)")
                if err:
                    log.flush()
                    with open(log.name, errors="replace") as f:
                        f.seek(start)
                        tail = f.read().splitlines()[-12:]
                    bad.append(f"{ex['file']}:{ex['line']}: {ex['text']}: {err}\n    " +
                               "\n    ".join(tail))
    else:
        parsed = len(exs)
    print(f"{len(exs)} examples: {ran} run, {parsed} parse-checked only")
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

if MODE == "list":
    for ex in examples():
        print(f"{ex['file']}:{ex['line']}: {ex['text']}{'  [fails]' if ex['fails'] else ''}")
    sys.exit(0)
bad = check_flags() if MODE == "flags" else check_examples(MODE == "run")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
