#!/usr/bin/env bash
# Run README's test command N times in a row (default 10) while two CPU hogs (`yes`) hold the
# cores: tests that wait on clocks rather than events fail here first. Prints one line per
# run (exit status, seconds, the run's summary line) and exits non-zero if any run failed.
# UNDER_LOAD_COMMAND runs another command instead (scripts/overload_under_load.sh does).
#   bash scripts/test_under_load.sh [N] [LOG_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
logs=${2:-$(mktemp -d)}
mkdir -p "$logs"
yes > /dev/null & hog1=$!
yes > /dev/null & hog2=$!
trap 'kill $hog1 $hog2 2>/dev/null' EXIT
echo "commit $(git rev-parse --short HEAD), hogs $hog1 $hog2, logs in $logs"
failed=0
for i in $(seq 1 "$runs"); do
    start=$(date +%s)
    timeout 2400 ${UNDER_LOAD_COMMAND:-make test} > "$logs/run$i.log" 2>&1
    status=$?
    [ "$status" -eq 0 ] || failed=$((failed + 1))
    hogs=$(ps -o pid= -p "$hog1,$hog2" | wc -l)
    summary=$(grep -iE "passed|failed" "$logs/run$i.log" | tail -1)
    echo "run $i: exit $status, $(( $(date +%s) - start )) s, $hogs hogs alive, load $(cut -d' ' -f1-3 /proc/loadavg) :: $summary"
done
echo "$((runs - failed)) of $runs runs passed"
[ "$failed" -eq 0 ]
