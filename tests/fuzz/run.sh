#!/usr/bin/env bash
# Run one libFuzzer target for a bounded time over a scratch copy of its seed
# corpus (so the repository's seeds stay as they are), and print the number
# of executions. A crash fails the run and leaves its input in
# $SLUGC_FUZZ_ARTIFACTS (default: build-fuzz/fuzz-artifacts), to be copied
# into tests/fuzz/regressions/<target>/ once fixed.
#   run.sh FUZZER SEED_DIR SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
name=$(basename "$fuzzer")
artifacts=${SLUGC_FUZZ_ARTIFACTS:-$(dirname "$fuzzer")/fuzz-artifacts}/$name
work=$(mktemp -d "${TMPDIR:-/tmp}/slugc-fuzz-$name.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts" "$work/corpus"
cp -r "$seeds"/. "$work/corpus/"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" "$work/corpus" >"$work/log" 2>&1 || {
	tail -n 40 "$work/log"
	echo "$name: crashed; the input is in $artifacts"
	exit 1
}
runs=$(awk '/stat::number_of_executed_units/ { print $2 }' "$work/log")
echo "$name: $runs executions in $seconds s, no crash"
