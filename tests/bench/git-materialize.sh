#!/usr/bin/env bash
# Benchmark: materialise one commit of a repository with ~10,000 files.
#
#   slugc   the source stage of `slugc compile REPO` (libgit2: object database
#           straight into the build directory), as reported by -v
#   git     `git clone --depth 1 file://REPO DEST`, which includes the checkout
#
# Alternating runs, median of 5 (RUNS=N to change). The repository is built
# once (deterministic contents) and kept in $SLUGC_BENCH_DIR (default
# build/bench). Both tools write into $BENCH_TMP (default $TMPDIR or /tmp);
# BENCH_TMP=/dev/shm measures the programs rather than the file system.
# Usage: tests/bench/git-materialize.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
slugc="$build/slugc"
bench=${SLUGC_BENCH_DIR:-$build/bench}/git-materialize
runs=${RUNS:-5}
repo="$bench/repo"

if [ ! -d "$repo/.git" ]; then
	echo "building a 10,000-file repository in $repo ..."
	rm -rf "$repo" && mkdir -p "$repo"
	python3 - "$repo" <<-\PY
	import os, random, sys
	root = sys.argv[1]
	rng = random.Random(42)
	words = ["slug", "dyno", "build", "release", "process", "web", "worker", "config",
	         "module", "export", "function", "return", "const", "let", "async", "await"]
	for i in range(10000):
	    d = os.path.join(root, f"pkg{i % 400:03d}", f"lib{i % 7}")
	    os.makedirs(d, exist_ok=True)
	    n = int(rng.expovariate(1 / 3000)) + 100
	    text = " ".join(rng.choice(words) for _ in range(n // 6))
	    with open(os.path.join(d, f"file{i:05d}.js"), "w") as f:
	        f.write(text[:n])
	with open(os.path.join(root, "Procfile"), "w") as f:
	    f.write("web: node index.js\n")
	PY
	git -C "$repo" init -q && git -C "$repo" add . &&
		GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@b GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@b \
		git -C "$repo" -c gc.auto=0 commit -qm bench && git -C "$repo" gc -q --force
fi

files=$(git -C "$repo" ls-files | wc -l)
bytes=$(cd "$repo" && git ls-files -z | xargs -0 cat | wc -c)
tmp=$(mktemp -d "${BENCH_TMP:-${TMPDIR:-/tmp}}/slugc-bench.XXXXXX")
export TMPDIR="$tmp"
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

: >"$tmp/slugc" && : >"$tmp/slugc-total" && : >"$tmp/git"
for i in $(seq 1 "$runs"); do
	t0=$(now)
	"$slugc" compile "$repo" -o "$tmp/s.tgz" -v --cache-dir "$tmp/cache" >"$tmp/log" 2>&1
	t1=$(now)
	awk '/trace: stage source:/ { print $4 }' "$tmp/log" >>"$tmp/slugc"
	awk "BEGIN { print $t1 - $t0 }" >>"$tmp/slugc-total"

	t0=$(now)
	git clone -q --depth 1 "file://$repo" "$tmp/clone"
	t1=$(now)
	awk "BEGIN { print $t1 - $t0 }" >>"$tmp/git"
	rm -rf "$tmp/clone"
done

s=$(median <"$tmp/slugc") total=$(median <"$tmp/slugc-total") g=$(median <"$tmp/git")
printf "repository: %s files, %s bytes at one commit; median of %s alternating runs; writing to %s\n" \
	"$files" "$bytes" "$runs" "$(df --output=fstype "$tmp" | tail -1)"
printf "%-46s %8.3f s\n" "slugc source stage (materialise from the ODB)" "$s"
printf "%-46s %8.3f s\n" "git clone --depth 1 file:// (with checkout)" "$g"
printf "%-46s %8.3f s\n" "slugc compile, whole (materialise + pack)" "$total"
printf "ratio git / slugc materialise: %.2fx\n" "$(awk "BEGIN { print $g / $s }")"
