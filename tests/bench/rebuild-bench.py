#!/usr/bin/env python3
"""Rebuild benchmark: slugc compile of a real npm app, cold and warm, against tar | pigz.

    tests/bench/rebuild-bench.py [--slugc build/slugc] [--runs 5] [--dir DIR]
                                 [--node-mirror DIR] [--keep-going]

Builds (once, cached in DIR/fixture) a real Express app: package.json with
express, react, react-dom, lodash, moment, aws-sdk, compression, morgan,
winston, axios, jsonwebtoken, pg, ejs, cors, helmet, dotenv and uuid, webpack
and typescript as dev dependencies (about 280 packages, 80 of them dev), its
package-lock.json written by npm against the real registry, a Procfile, web.js
and a `build` script (node build.js renders a page with react-dom/server into
dist/). Two more lockfiles are made from it: one dependency added (chalk) and
one removed (moment). Every tarball those three lockfiles name is fetched once
from the npm registry into DIR/fixture/store (integrity checked). Only this
step needs the internet (through the proxy: SSL_CERT_FILE / NODE_EXTRA_CA_CERTS).

Each run then serves the store from a loopback registry stand-in
(tests/e2e/lib/npm-registry.py on 127.0.0.1, stopped at the end), points the
build's npm at it (config var npm_config_registry; the lockfile's registry.npmjs.org
URLs are mapped onto it by npm's replace-registry-host), and takes Node.js from
a file:// mirror (SLUGC_MIRROR_NODEJS): --node-mirror, else the tests'
node-mirror fixture ($SLUGC_TEST_CACHE/node-mirror, default build/test-cache; built
with tests/lib/fixtures.sh setup node-mirror when absent). The measured builds never touch
the internet; the registry's log shows what each one fetched.

After one untimed build that warms the cache (its slug, unpacked, is the tree
the peers pack), every round runs, in this order, with GNU time around each:

    code-change  web.js edited (a new line, never seen before), warm cache
    warm         nothing changed since code-change's build, warm cache
    cold         the same source, an empty cache dir
    lockfile     package.json + package-lock.json with a dependency added (rounds
                 1, 3, ...) or removed (rounds 2, 4, ...), from a copy of the warm cache
                 (restored afterwards, so no round sees another's lockfile)
    pigz -6      tar --sort=name ... -cf - SLUGTREE | pigz -6 -n
    gzip -6      tar --sort=name ... -cf - SLUGTREE | gzip -6 -n

and prints the median of --runs rounds (default 5): wall time, CPU time (user +
system of every process), peak RSS of the largest single process, and the
ratios warm/pigz, code-change/pigz and lockfile/cold. code-change, warm and
cold build the same source in a round: their slugs' sha256 must agree (checked
and printed every round; --keep-going carries on after a mismatch). Last, one
warm build with -v: when slugc prints stage timings ("stage NAME: S s"), a
per-stage breakdown.

DIR defaults to /dev/shm/slugc-rebuild-bench (tmpfs), else $TMPDIR. Nothing
here is an assertion of speed; the numbers go into docs/performance.md,
"Rebuilds".
"""
import argparse
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
REGISTRY = "https://registry.npmjs.org/"
TAR = ["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
       "--mtime=@315532800", "--format=gnu"]
DEPENDENCIES = {
    "express": "4.21.2", "react": "18.3.1", "react-dom": "18.3.1", "lodash": "4.17.21",
    "moment": "2.30.1", "aws-sdk": "2.1692.0", "compression": "1.7.5", "morgan": "1.10.0",
    "winston": "3.19.0", "axios": "1.21.1", "jsonwebtoken": "9.0.3", "pg": "8.23.1",
    "ejs": "3.1.10", "cors": "2.8.6", "helmet": "7.2.0", "dotenv": "16.6.1", "uuid": "9.0.1",
}
DEV_DEPENDENCIES = {"webpack": "5.96.1", "typescript": "5.6.3"}
ADDED = "chalk@4.1.2"    # the lockfile-change round's added dependency
REMOVED = "moment"       # and its removed one
WEB_JS = """const express = require("express");
const compression = require("compression");
const morgan = require("morgan");
const path = require("path");

const app = express();
app.use(compression());
app.use(morgan("tiny"));
app.use(express.static(path.join(__dirname, "dist")));
app.get("/health", (req, res) => res.json({ ok: true }));
app.listen(process.env.PORT || 3000, () => console.log("Listening on " + (process.env.PORT || 3000)));
"""
BUILD_JS = """// The app's build step: render the front page with React into dist/ (deterministic).
const fs = require("fs");
const React = require("react");
const { renderToStaticMarkup } = require("react-dom/server");
const _ = require("lodash");

const items = _.range(1, 201).map((i) => React.createElement("li", { key: i }, "item " + i));
const page = React.createElement("html", null,
  React.createElement("body", null, React.createElement("h1", null, "rebuild-bench"),
    React.createElement("ul", null, items)));
fs.mkdirSync("dist", { recursive: true });
fs.writeFileSync("dist/index.html", "<!doctype html>" + renderToStaticMarkup(page) + "\\n");
"""


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def timed(cmd, cwd=None, env=None, log=None):
    """(wall s, cpu s, peak RSS KiB) of a shell pipeline, by GNU time around bash."""
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name, "bash", "-o", "pipefail",
            "-c", cmd]
    with open(log or os.devnull, "w") as lf:
        r = subprocess.run(full, cwd=cwd, env=env, stdout=lf, stderr=subprocess.STDOUT)
    text = open(out.name).read()
    os.unlink(out.name)
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {cmd}" + (f"\n  see {log}" if log else ""))
    wall, user, system, rss = text.split()[-4:]
    return float(wall), float(user) + float(system), int(rss)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# ---- the fixture: the app, its lockfiles, the package store (built once) ----

def npm(args, cwd, cache):
    """npm against the real registry, writing lockfiles with resolved URLs."""
    sh("npm " + args + " --package-lock-only --ignore-scripts --no-audit --no-fund "
       "--loglevel=error --omit-lockfile-registry-resolved=false "
       f"--registry {REGISTRY} --cache '{cache}'", cwd=cwd, stdout=subprocess.DEVNULL)


def lock_packages(lockfile):
    """{(name, version): (resolved, integrity)} of a lockfile v2/v3's registry packages."""
    pkgs = {}
    for key, p in json.load(open(lockfile))["packages"].items():
        if not key or p.get("link"):
            continue
        name = p.get("name") or key.rsplit("node_modules/", 1)[-1]
        resolved = p.get("resolved") or (REGISTRY + "%s/-/%s-%s.tgz"
                                         % (name, name.split("/")[-1], p["version"]))
        pkgs[(name, p["version"])] = (resolved, p["integrity"])
    return pkgs


def fetch(url, integrity, dest, context):
    algo, _, digest = integrity.split()[0].partition("-")
    for attempt in range(4):
        try:
            with urllib.request.urlopen(url, timeout=60, context=context) as r:
                data = r.read()
            break
        except OSError:
            if attempt == 3:
                raise
            time.sleep(2 * (attempt + 1))
    if base64.b64encode(hashlib.new(algo, data).digest()).decode() != digest:
        raise SystemExit(f"{url}: integrity mismatch")
    with open(dest + ".tmp", "wb") as f:
        f.write(data)
    os.rename(dest + ".tmp", dest)


def fixture(base):
    """DIR/fixture: app/ (base), lock-added/, lock-removed/, store/ (cached)."""
    fx = os.path.join(base, "fixture")
    if os.path.exists(os.path.join(fx, "done")):
        return fx
    shutil.rmtree(fx, ignore_errors=True)
    app = os.path.join(fx, "app")
    cache = os.path.join(base, "npm-cache")
    os.makedirs(app)
    pkg = {"name": "rebuild-bench-app", "version": "1.0.0", "private": True,
           "engines": {"node": "20.x"},
           "scripts": {"build": "node build.js", "start": "node web.js"},
           "dependencies": DEPENDENCIES, "devDependencies": DEV_DEPENDENCIES}
    write(os.path.join(app, "package.json"), json.dumps(pkg, indent=2) + "\n")
    write(os.path.join(app, "Procfile"), "web: node web.js\n")
    write(os.path.join(app, "web.js"), WEB_JS)
    write(os.path.join(app, "build.js"), BUILD_JS)
    print("writing the fixture's lockfiles against the npm registry ...", flush=True)
    npm("install", app, cache)
    for variant, args in (("added", "install --save-exact " + ADDED),
                          ("removed", "uninstall " + REMOVED)):
        d = os.path.join(fx, "lock-" + variant)
        os.makedirs(d)
        for f in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(app, f), d)
        npm(args, d, cache)
    pkgs = {}
    for d in ("app", "lock-added", "lock-removed"):
        pkgs.update(lock_packages(os.path.join(fx, d, "package-lock.json")))
    store = os.path.join(fx, "store")
    os.makedirs(store)
    print(f"fetching {len(pkgs)} package tarballs into {store} ...", flush=True)
    cafile = os.environ.get("SSL_CERT_FILE") or os.environ.get("NODE_EXTRA_CA_CERTS")
    context = ssl.create_default_context(cafile=cafile if cafile and os.path.isfile(cafile)
                                         else None)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        jobs = [pool.submit(fetch, url, integ,
                            os.path.join(store, "%s-%s.tgz" % (name.replace("/", "+"), ver)),
                            context)
                for (name, ver), (url, integ) in sorted(pkgs.items())]
        for j in jobs:
            j.result()
    open(os.path.join(fx, "done"), "w").close()
    return fx


def node_mirror(arg):
    if arg:
        return os.path.abspath(arg)
    cache = os.environ.get("SLUGC_TEST_CACHE", os.path.join(ROOT, "build", "test-cache"))
    mirror = os.path.join(cache, "node-mirror")
    # A mirror that is there is used as it is: the fixture's key names the checkout it was
    # built from, and a benchmark has no business rebuilding the tests' copy under them.
    if not os.path.exists(os.path.join(mirror, "index.json")):
        sh(f"bash '{ROOT}/tests/lib/fixtures.sh' setup node-mirror",
           env=dict(os.environ, SLUGC_TEST_CACHE=cache))
    return mirror


# ---- the loopback registry ----

def start_registry(store, run):
    port_file = os.path.join(run, "registry.port")
    log = os.path.join(run, "registry.log")
    open(log, "w").close()
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "tests", "e2e", "lib",
                                                          "npm-registry.py"),
                             "--root", store, "--port-file", port_file, "--log", log])
    deadline = time.monotonic() + 120
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise SystemExit("the registry stand-in did not start")
        time.sleep(0.1)
    return proc, "http://127.0.0.1:%s/" % open(port_file).read().strip(), log


def log_lines(log, since):
    with open(log) as f:
        lines = f.readlines()
    return lines[since:], len(lines)


def tree_stats(tree):
    files = size = 0
    for dirpath, _, names in os.walk(tree):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                size += os.path.getsize(p)
    return files, size


def stages(text):
    """[(stage, seconds)] from -v's "stage NAME: S s" lines, if slugc prints them, and
    the other trace lines that carry a time (steps, cache hits and misses), as they are."""
    st, other = [], []
    for line in text.splitlines():
        m = re.search(r"\bstage ([\w./-]+): ([0-9.]+) s\b", line)
        if m:
            st.append((m.group(1), float(m.group(2))))
        elif line.startswith("trace:") and re.search(r"[0-9] ?m?s\b|\bcache\b", line):
            other.append(line[len("trace:"):].strip())
    return st, other


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slugc", default=os.path.join(ROOT, "build", "slugc"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="/dev/shm/slugc-rebuild-bench" if os.path.isdir("/dev/shm")
                    else os.path.join(tempfile.gettempdir(), "slugc-rebuild-bench"))
    ap.add_argument("--node-mirror", help="a Node.js mirror directory in nodejs.org's layout "
                    "(default: the tests' node-mirror fixture)")
    ap.add_argument("--keep-going", action="store_true",
                    help="carry on when cold and warm slugs differ")
    a = ap.parse_args()
    slugc = os.path.abspath(a.slugc)
    if not os.access(slugc, os.X_OK):
        raise SystemExit(f"no slugc at {slugc} (--slugc)")
    os.makedirs(a.dir, exist_ok=True)
    fx = fixture(a.dir)
    mirror = node_mirror(a.node_mirror)

    run = os.path.join(a.dir, "run")
    shutil.rmtree(run, ignore_errors=True)
    app = os.path.join(run, "app")
    out = os.path.join(run, "out")
    logs = os.path.join(run, "logs")
    tmp = os.path.join(run, "tmp")
    warm_cache = os.path.join(run, "cache-warm")
    cold_cache = os.path.join(run, "cache-cold")
    saved_cache = os.path.join(run, "cache-warm.saved")
    slugtree = os.path.join(run, "slugtree")
    for d in (out, logs, tmp):
        os.makedirs(d)
    shutil.copytree(os.path.join(fx, "app"), app)
    base_files = {f: open(os.path.join(fx, "app", f)).read()
                  for f in ("package.json", "package-lock.json")}

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SLUGC_") and k != "SOURCE_DATE_EPOCH"}
    env.update(TMPDIR=tmp, SLUGC_MIRROR_NODEJS="file://" + mirror)

    registry, url, reglog = start_registry(os.path.join(fx, "store"), run)
    try:
        def compile_cmd(cache, output, verbose=False):
            return (f"'{slugc}' compile '{app}' -o '{out}/{output}' --cache-dir '{cache}' "
                    f"-e npm_config_registry={url} " + ("-v" if verbose else "-q"))

        seen = 0
        print(f"registry stand-in: {url} ({len(os.listdir(os.path.join(fx, 'store')))} "
              f"tarballs); Node.js mirror: {mirror}", flush=True)
        first = timed(compile_cmd(warm_cache, "first.tgz"), env=env,
                      log=os.path.join(logs, "first.log"))
        lines, seen = log_lines(reglog, seen)
        tarballs = sum(1 for ln in lines if "/-/" in ln and ln.rstrip().endswith(" 200"))
        bad = [ln.strip() for ln in lines if not ln.rstrip().endswith(" 200")]
        sh(f"mkdir -p '{slugtree}' && tar -xzf '{out}/first.tgz' -C '{slugtree}'")
        files, size = tree_stats(slugtree)
        nm = os.path.join(slugtree, "app", "node_modules", ".package-lock.json")
        installed = (len([k for k in json.load(open(nm))["packages"] if k])
                     if os.path.exists(nm) else 0)
        print(f"first build (cache empty): {first[0]:.2f} s; the registry answered {tarballs} "
              f"tarball requests" + (f", and {len(bad)} others with errors: {bad[:3]}" if bad else ""))
        print(f"slug: {os.path.getsize(os.path.join(out, 'first.tgz'))} bytes, {files} files, "
              f"{size / 1048576:.1f} MiB unpacked, {installed} packages in node_modules; "
              f"{os.cpu_count()} cores; median of {a.runs}", flush=True)

        names = ["code-change", "warm", "cold", "lockfile", "pigz -6", "gzip -6"]
        results = {n: [] for n in names}
        fetched = {n: [] for n in ("code-change", "warm", "cold", "lockfile")}
        mismatches = 0
        for r in range(a.runs):
            def build(name, cache, output, rnd=r):
                nonlocal seen
                t = timed(compile_cmd(cache, output), env=env,
                          log=os.path.join(logs, f"{name}-{rnd}.log"))
                lines, seen = log_lines(reglog, seen)
                fetched[name].append(sum(1 for ln in lines if "/-/" in ln))
                results[name].append(t)

            with open(os.path.join(app, "web.js"), "a") as f:
                f.write(f"// edit {r + 1}\n")
            build("code-change", warm_cache, "code.tgz")
            build("warm", warm_cache, "warm.tgz")
            shutil.rmtree(cold_cache, ignore_errors=True)
            build("cold", cold_cache, "cold.tgz")

            variant = "added" if r % 2 == 0 else "removed"
            sh(f"cp -a '{warm_cache}' '{saved_cache}'")
            for f in base_files:
                shutil.copy(os.path.join(fx, "lock-" + variant, f), os.path.join(app, f))
            try:
                build("lockfile", warm_cache, "lock.tgz")
            finally:
                for f, text in base_files.items():
                    write(os.path.join(app, f), text)
                shutil.rmtree(warm_cache)
                os.rename(saved_cache, warm_cache)

            for name, prog in (("pigz -6", "pigz"), ("gzip -6", "gzip")):
                results[name].append(timed(
                    f"{' '.join(TAR)} -cf - -C '{slugtree}' . | {prog} -6 -n > '{out}/{prog}.tgz'",
                    env=env))

            digests = {n: sha256(os.path.join(out, n + ".tgz")) for n in ("cold", "warm", "code")}
            same = len(set(digests.values())) == 1
            print(f"round {r + 1}: lockfile {variant}; slugs cold {digests['cold'][:16]} "
                  f"warm {digests['warm'][:16]} code-change {digests['code'][:16]}: "
                  + ("identical" if same else "DIFFERENT"), flush=True)
            if not same:
                mismatches += 1
                if not a.keep_going:
                    raise SystemExit("cold and warm slugs differ: the logs are in " + logs)

        med = {n: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v),
                   max(x[2] for x in v) / 1024.0) for n, v in results.items()}
        print(f"\n{'build':12} {'wall s':>8} {'cpu s':>8} {'RSS MiB':>8} {'fetched':>8}")
        for n in names:
            w, c, rss = med[n]
            f = f"{statistics.median(fetched[n]):8.0f}" if n in fetched else f"{'':8}"
            print(f"{n:12} {w:8.2f} {c:8.2f} {rss:8.1f} {f}")
        print("(RSS: the largest single process; for compile that is usually npm's node. "
              "fetched: tarballs the registry stand-in served, median)")
        pigz = med["pigz -6"][0]
        print(f"\nwarm / pigz -6         {med['warm'][0] / pigz:6.2f}x   (goal <= 1.5x)")
        print(f"code-change / pigz -6  {med['code-change'][0] / pigz:6.2f}x   (goal <= 2x)")
        print(f"lockfile / cold        {med['lockfile'][0] / med['cold'][0]:6.2f}x   (goal <= 1x)")
        print(f"cold / pigz -6         {med['cold'][0] / pigz:6.2f}x")
        print(f"cold and warm slugs identical in {a.runs - mismatches} of {a.runs} rounds")

        r = subprocess.run(compile_cmd(warm_cache, "verbose.tgz", verbose=True), shell=True,
                           env=env, capture_output=True, text=True)
        write(os.path.join(logs, "verbose.log"), r.stdout + r.stderr)
        st, other = stages(r.stdout + r.stderr)
        if st:
            total = sum(s for _, s in st)
            print("\nwarm build, by stage (slugc -v, one run):")
            for name, s in st:
                print(f"  {name:12} {s:7.3f} s  {100 * s / total:5.1f}%")
        for line in other[:40]:
            print("  " + line)
        return 1 if mismatches else 0
    finally:
        registry.terminate()
        registry.wait()


if __name__ == "__main__":
    sys.exit(main())
