#!/usr/bin/env python3
"""Unpack benchmark: slugc run and slugc inspect against tar xzf.

    tests/bench/unpack-bench.py [--slugc build/slugc] [--runs 3] [--dir DIR]
                                [--counts 10000,100000,1000000]

For each count N it builds (once, cached in DIR) a slug of N small files: a
Procfile-only app ("web: true") whose files ("x\\n", 2 bytes each) lie in a
node_modules-like tree, pNN/lib/dNNNN/fNN.js, 50 files to a directory, compiled
with `slugc compile --max-entries`. Then, alternating the three commands in
every round so that they see the same cache and machine state, and taking the
median of --runs rounds, it measures:

    run       slugc run SLUG -- true   (verify + unpack into $TMPDIR, run
              `true` in it, remove the tree)
    inspect   slugc inspect SLUG       (verify only, nothing written)
    tar xzf   tar xzf SLUG -C EMPTY    (unpack only; removing it is timed
              apart, as "rm -rf", and not counted)

and prints wall time, CPU time (user + system), peak RSS and the ratios
against tar xzf. Everything is written under DIR: /dev/shm/slugc-unpack-bench
(tmpfs: no disk noise) when it has room, else $TMPDIR. CPU time is the number
to read on a shared machine: wall time there counts other processes too.

Nothing here is an assertion: the numbers go into docs/performance.md.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PER_DIR = 50


def timed(cmd, env=None):
    """(wall s, cpu s, peak RSS KiB) of a shell command, by GNU time around bash."""
    out = tempfile.NamedTemporaryFile(delete=False)
    out.close()
    full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", out.name, "bash", "-o", "pipefail",
            "-c", cmd]
    subprocess.run(full, check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    wall, user, system, rss = open(out.name).read().split()[-4:]
    os.unlink(out.name)
    return float(wall), float(user) + float(system), int(rss)


def make_slug(slugc, base, n, env):
    """DIR/slug-N.tgz: N small files plus a Procfile (cached)."""
    slug = os.path.join(base, f"slug-{n}.tgz")
    if os.path.exists(slug):
        return slug
    tree = os.path.join(base, f"tree-{n}")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    with open(os.path.join(tree, "Procfile"), "w") as f:
        f.write("web: true\n")
    print(f"building a slug of {n} files ...", flush=True)
    for d in range((n + PER_DIR - 1) // PER_DIR):
        sub = os.path.join(tree, f"p{d % 100:02d}", "lib", f"d{d // 100:05d}")
        os.makedirs(sub)
        for j in range(min(PER_DIR, n - d * PER_DIR)):
            with open(os.path.join(sub, f"f{j:02d}.js"), "w") as f:
                f.write("x\n")
    subprocess.run([slugc, "compile", tree, "-o", slug + ".part.tgz", "-q", "--max-entries",
                    str(2 * n + 1000)], check=True, env=env)
    os.rename(slug + ".part.tgz", slug)
    shutil.rmtree(tree)
    return slug


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--slugc", default=os.path.join(ROOT, "build", "slugc"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--counts", default="10000,100000,1000000")
    a = ap.parse_args()
    slugc = os.path.abspath(a.slugc)
    counts = [int(c) for c in a.counts.split(",")]
    base = a.dir
    if not base:
        shm = "/dev/shm"
        # Room for the largest tree twice over (4 KiB a file on tmpfs) and its slug.
        need = 2 * max(counts) * 4096 * 2
        if os.path.isdir(shm) and shutil.disk_usage(shm).free > need:
            base = os.path.join(shm, "slugc-unpack-bench")
        else:
            base = os.path.join(tempfile.gettempdir(), "slugc-unpack-bench")
    os.makedirs(base, exist_ok=True)
    env = dict(os.environ, TMPDIR=base)
    print(f"dir: {base}; {os.cpu_count()} cores; median of {a.runs}; "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"\n{'entries':>8} {'command':8} {'wall s':>8} {'cpu s':>8} {'RSS MiB':>8} "
          f"{'wall/tar':>9} {'cpu/tar':>8}")
    for n in counts:
        slug = make_slug(slugc, base, n, env)
        cap = str(2 * n + 1000)
        dest = os.path.join(base, "tar-out")
        tools = {
            "run": f"'{slugc}' run '{slug}' --max-entries {cap} -- true",
            "inspect": f"'{slugc}' inspect '{slug}' --max-entries {cap}",
            "tar xzf": f"tar xzf '{slug}' -C '{dest}'",
        }
        results = {name: [] for name in tools}
        results["rm -rf"] = []
        for _ in range(a.runs):
            for name, cmd in tools.items():
                shutil.rmtree(dest, ignore_errors=True)
                os.makedirs(dest)
                results[name].append(timed(cmd, env=env))
            results["rm -rf"].append(timed(f"rm -rf '{dest}'", env=env))
        tar_wall = statistics.median(r[0] for r in results["tar xzf"])
        tar_cpu = statistics.median(r[1] for r in results["tar xzf"])
        for name, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            rss = max(r[2] for r in runs) / 1024.0
            print(f"{n:8d} {name:8} {wall:8.2f} {cpu:8.2f} {rss:8.1f} {wall / tar_wall:8.2f}x "
                  f"{cpu / tar_cpu:7.2f}x", flush=True)
    leftovers = [e for e in os.listdir(base) if e.startswith("slugc-run-")]
    if leftovers:
        print(f"warning: slugc run left {leftovers} in {base}")


if __name__ == "__main__":
    sys.exit(main())
