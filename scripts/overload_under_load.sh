#!/usr/bin/env bash
# Run the burst benchmark (1,500 requests of 32 reviews, 500 connections at once) N times in a
# row (default 10) while two CPU hogs (`yes`) hold the cores: every request must get a complete
# answer, 200 or 503 with Retry-After, with no reset and no connection closed without one.
# Prints one line per run and exits non-zero if any run failed (issue 23). Takes about a
# minute a run.
#   bash scripts/overload_under_load.sh [N] [OUT_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
yes > /dev/null & hog1=$!
yes > /dev/null & hog2=$!
trap 'kill $hog1 $hog2 2>/dev/null' EXIT
echo "commit $(git rev-parse --short HEAD), hogs $hog1 $hog2, results in $out"
failed=0
for i in $(seq 1 "$runs"); do
    mkdir -p "$out/run$i"
    .venv/bin/python -m benchmarks.burst --out "$out/run$i" > "$out/run$i/log" 2>&1
    status=$?
    [ "$status" -eq 0 ] || failed=$((failed + 1))
    echo "run $i: exit $status :: $(grep -o 'Outcomes: .*' "$out/run$i/burst.md" 2>/dev/null)"
done
echo "$((runs - failed)) of $runs runs passed"
[ "$failed" -eq 0 ]
