#!/usr/bin/env bash
# The burst benchmark (1,500 requests of 32 reviews, 500 connections at once) N times in a
# row (default 10) beside two CPU hogs, through scripts/test_under_load.sh: every request must
# get a complete answer, 200 or 503 with Retry-After, with no reset and no connection closed
# without one (issue 23). About a minute a run; each run's log holds its outcomes.
#   bash scripts/overload_under_load.sh [N] [LOG_DIR]
cd "$(dirname "$0")/.." || exit 1
UNDER_LOAD_COMMAND=".venv/bin/python -m benchmarks.burst --out $(mktemp -d)" \
    exec bash scripts/test_under_load.sh "$@"
