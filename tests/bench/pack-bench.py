#!/usr/bin/env python3
"""Pack benchmark: slugc against tar | gzip, tar | pigz and git archive | gzip.

    tests/bench/pack-bench.py [--slugc build/slugc] [--runs 5] [--dir DIR]
                              [--levels] [--threads-check] [--big] [--recompile]

Builds (once, cached in DIR/fixture) a realistic app tree: a real dependency
set installed from the npm registry (express, react, react-dom, typescript,
webpack, aws-sdk, lodash, moment; about 200 MB in 9,000 files) plus a
Procfile. package.json is left out of the tree that is packed, so slugc
detects a Procfile-only app and the measurement is the pack itself: walk,
tar framing, compression and SHA-256, with no runtime or npm step.

Then, alternating the tools in every round so that they see the same cache
and machine state, and taking the median of --runs rounds, it measures:

    slugc      slugc compile TREE -o OUT.tgz (level 6, all cores)
    gzip -6    tar --sort=name ... -cf - TREE | gzip -6 -n
    pigz -6    tar --sort=name ... -cf - TREE | pigz -6 -n
    git+gzip   git archive HEAD | gzip -6 -n   (TREE committed to a repo)

and prints wall time, CPU time (user + system, all processes), peak RSS of
the largest process and output size, with ratios against slugc. DIR defaults
to /dev/shm/slugc-bench (tmpfs: no disk noise), else $TMPDIR.

--levels        slugc at levels 1..9: size against gzip -6 and wall time
--threads-check slugc with 1, 2 and 8 threads: the sha256 must not change
--big           a tree ten times larger (ten copies of node_modules): RSS
--recompile     examples/node-hello compiled twice with a warm cache (needs
                a Node.js mirror: SLUGC_MIRROR_NODEJS, as the tests make),
                against packing its built tree alone

Nothing here is an assertion: the numbers go into docs/performance.md.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PACKAGES = ["express@4.21.2", "react@18.3.1", "react-dom@18.3.1", "typescript@5.6.3",
            "webpack@5.96.1", "aws-sdk@2.1692.0", "lodash@4.17.21", "moment@2.30.1"]
TAR = ["tar", "--sort=name", "--owner=0", "--group=0", "--numeric-owner",
       "--mtime=@315532800", "--format=gnu"]


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, **kw)


def timed(cmd, cwd=None, env=None):
    """(wall s, cpu s, peak RSS KiB) of a shell pipeline, by GNU time around bash."""
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name, "bash", "-o", "pipefail",
            "-c", cmd]
    subprocess.run(full, check=True, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall, user, system, rss = open(out.name).read().split()[-4:]
    os.unlink(out.name)
    return float(wall), float(user) + float(system), int(rss)


def fixture(base):
    """DIR/fixture/tree: node_modules from the npm registry + a Procfile (cached)."""
    fx = os.path.join(base, "fixture")
    tree = os.path.join(fx, "tree")
    stamp = os.path.join(fx, "done")
    if os.path.exists(stamp):
        return tree
    shutil.rmtree(fx, ignore_errors=True)
    work = os.path.join(fx, "npm")
    os.makedirs(work)
    with open(os.path.join(work, "package.json"), "w") as f:
        json.dump({"name": "bench", "version": "1.0.0", "private": True}, f)
    print("installing the fixture's dependencies from the npm registry ...", flush=True)
    sh("npm install --no-audit --no-fund --loglevel=error --cache " +
       os.path.join(base, "npm-cache") + " " + " ".join(PACKAGES), cwd=work,
       stdout=subprocess.DEVNULL)
    os.makedirs(tree)
    shutil.move(os.path.join(work, "node_modules"), os.path.join(tree, "node_modules"))
    with open(os.path.join(tree, "Procfile"), "w") as f:
        f.write("web: node node_modules/.bin/webpack --version\n")
    shutil.rmtree(work)
    open(stamp, "w").close()
    return tree


def git_repo(base, tree):
    """A repository holding the tree, for git archive (cached)."""
    repo = os.path.join(base, "fixture", "repo.git")
    if os.path.exists(os.path.join(repo, "done")):
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    env = dict(os.environ, GIT_DIR=repo, GIT_WORK_TREE=tree, GIT_AUTHOR_NAME="b",
               GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="b",
               GIT_COMMITTER_EMAIL="b@example.com")
    sh("git init -q --bare " + repo)
    sh("git add -A -f . && git commit -q -m bench", cwd=tree, env=env)
    open(os.path.join(repo, "done"), "w").close()
    return repo


def tree_stats(tree):
    files = size = 0
    for dirpath, _, names in os.walk(tree):
        for n in names:
            p = os.path.join(dirpath, n)
            if os.path.isfile(p) and not os.path.islink(p):
                files += 1
                size += os.path.getsize(p)
    return files, size


def human(n):
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{n} B"
        n /= 1024.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slugc", default=os.path.join(ROOT, "build", "slugc"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--dir", default="/dev/shm/slugc-bench" if os.path.isdir("/dev/shm")
                    else os.path.join(tempfile.gettempdir(), "slugc-bench"))
    ap.add_argument("--levels", action="store_true")
    ap.add_argument("--threads-check", action="store_true")
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--recompile", action="store_true")
    ap.add_argument("--no-git", action="store_true", help="leave out git archive | gzip")
    a = ap.parse_args()
    slugc = os.path.abspath(a.slugc)
    os.makedirs(a.dir, exist_ok=True)
    tree = fixture(a.dir)
    files, size = tree_stats(tree)
    out = os.path.join(a.dir, "out")
    os.makedirs(out, exist_ok=True)
    nproc = os.cpu_count()
    print(f"tree: {tree}: {files} files, {human(size)}; {nproc} cores; median of {a.runs}")

    tools = {
        "slugc": f"'{slugc}' compile '{tree}' -o '{out}/slugc.tgz' -q",
        "gzip -6": f"{' '.join(TAR)} -cf - -C '{tree}' . | gzip -6 -n > '{out}/gzip.tgz'",
        "pigz -6": f"{' '.join(TAR)} -cf - -C '{tree}' . | pigz -6 -n > '{out}/pigz.tgz'",
    }
    outputs = {"slugc": "slugc.tgz", "gzip -6": "gzip.tgz", "pigz -6": "pigz.tgz"}
    if not a.no_git:
        repo = git_repo(a.dir, tree)
        tools["git+gzip"] = f"git --git-dir='{repo}' archive HEAD | gzip -6 -n > '{out}/git.tgz'"
        outputs["git+gzip"] = "git.tgz"
    if not shutil.which("pigz"):
        del tools["pigz -6"]
    results = {name: [] for name in tools}
    env = dict(os.environ, TMPDIR=a.dir)
    for _ in range(a.runs):
        for name, cmd in tools.items():
            results[name].append(timed(cmd, env=env))
    base = None
    print(f"\n{'tool':10} {'wall s':>8} {'cpu s':>8} {'RSS MiB':>8} {'size':>12} "
          f"{'wall/slugc':>11} {'size/gzip-6':>12}")
    gz = os.path.getsize(os.path.join(out, "gzip.tgz"))
    for name, runs in results.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs) / 1024.0
        sz = os.path.getsize(os.path.join(out, outputs[name]))
        if base is None:
            base = wall
        print(f"{name:10} {wall:8.2f} {cpu:8.2f} {rss:8.1f} {sz:12d} {wall / base:10.2f}x "
              f"{sz / gz:11.4f}x")
    print("(RSS: the largest process of the command; for pipelines that is tar, gzip or pigz alone)")

    if a.levels:
        print("\nslugc levels (one run each):")
        for lvl in range(1, 10):
            w, c, r = timed(f"'{slugc}' compile '{tree}' -o '{out}/l.tgz' -q --level {lvl}", env=env)
            sz = os.path.getsize(os.path.join(out, "l.tgz"))
            print(f"  level {lvl}: {w:6.2f} s wall, {c:6.2f} s cpu, {sz} bytes, {sz / gz:.4f}x gzip -6")

    if a.threads_check:
        print("\nslugc threads (the bytes must not change):")
        for j in (1, 2, 8):
            w, _, _ = timed(f"'{slugc}' compile '{tree}' -o '{out}/j.tgz' -q -j {j}", env=env)
            digest = subprocess.run(["sha256sum", os.path.join(out, "j.tgz")], check=True,
                                    capture_output=True, text=True).stdout.split()[0]
            print(f"  -j {j}: {w:6.2f} s  sha256 {digest}")

    if a.big:
        big = os.path.join(a.dir, "big")
        if not os.path.exists(os.path.join(big, "Procfile")):
            shutil.rmtree(big, ignore_errors=True)
            os.makedirs(big)
            for i in range(10):
                sh(f"cp -a '{tree}/node_modules' '{big}/nm{i}'")
            shutil.copy(os.path.join(tree, "Procfile"), big)
        bf, bs = tree_stats(big)
        w, c, r = timed(f"'{slugc}' compile '{big}' -o '{out}/big.tgz' -q", env=env)
        print(f"\nten times larger ({bf} files, {human(bs)}): {w:.2f} s wall, peak RSS {r / 1024:.1f} MiB, "
              f"{os.path.getsize(os.path.join(out, 'big.tgz'))} bytes")

    if a.recompile:
        app = os.path.join(ROOT, "examples", "node-hello")
        cache = os.path.join(a.dir, "recompile-cache")
        cmd = f"'{slugc}' compile '{app}' -o '{out}/hello.tgz' -q --cache-dir '{cache}'"
        timed(cmd, env=env)  # warm the runtime and npm caches
        walls = [timed(cmd, env=env)[0] for _ in range(a.runs)]
        # The built tree alone: unpack the slug and pack it as a Procfile-only app.
        built = os.path.join(a.dir, "hello-built")
        shutil.rmtree(built, ignore_errors=True)
        os.makedirs(built)
        sh(f"tar -xzf '{out}/hello.tgz' -C '{built}'")
        app_tree = os.path.join(built, "app")
        for name in ("package.json", "package-lock.json"):
            p = os.path.join(app_tree, name)
            if os.path.exists(p):
                os.rename(p, p + ".bench")
        packs = [timed(f"'{slugc}' compile '{app_tree}' -o '{out}/hp.tgz' -q", env=env)[0]
                 for _ in range(a.runs)]
        rw, pw = statistics.median(walls), statistics.median(packs)
        print(f"\nnode-hello: no-change recompile {rw:.2f} s, packing its tree alone {pw:.2f} s: "
              f"{rw / pw:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
