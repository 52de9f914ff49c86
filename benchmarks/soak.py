"""``python -m benchmarks.soak``: the service at about 70% of capacity for a long while.

Measures capacity (single reviews, 64 closed-loop clients), then sends single reviews at 70%
of it, at a fixed rate, in 30-second rounds for ``--minutes``; after each round it samples the
resident memory of the service's processes. Passes with 0 errors and a resident-memory
growth under 5% from the end of the first round (the warm-up) to the end. Prints and writes
``soak.md`` and ``soak.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

from benchmarks import loadgen
from benchmarks.server_process import ROOT, ServerProcess
from benchmarks.workload import (
    DEFAULT_BUNDLE,
    DEFAULT_DATA,
    from_dataset,
    request_bodies,
    write_bodies,
)

ROUND_SECONDS = 30.0
MAX_GROWTH = 0.05


def main() -> int:
    args = _parse_args()
    workload = from_dataset(args.data, args.bundle, 2000, 0)
    bodies = request_bodies(workload.reviews, 1)
    bodies_file = write_bodies(Path(tempfile.mkdtemp()) / "bodies-1.jsonl", bodies)
    host, port = "127.0.0.1", args.port
    rounds: list[dict[str, Any]] = []
    with ServerProcess("soak", [sys.executable, "-m", "app"], {}, port, args.bundle) as (
        process,
        _ready,
    ):
        url = f"http://{host}:{port}/predict"
        loadgen.closed_loop(url, bodies_file, 64, 2)
        capacity = loadgen.closed_loop(url, bodies_file, 64, 5)["requests_per_s"]
        rate = capacity * args.load
        count = max(2, round(args.minutes * 60 / ROUND_SECONDS))
        for number in range(count):
            run = loadgen.open_loop(host, port, bodies, rate, ROUND_SECONDS)
            rounds.append(
                {
                    "round": number + 1,
                    "answered_per_s": round(run["requests_per_s"], 1),
                    "p50_ms": round(run["p50_ms"], 2),
                    "p99_ms": round(run["p99_ms"], 2),
                    "errors": run["errors"],
                    "rss_mb": round(_rss_mb(process.pid), 1),
                }
            )
            print(json.dumps(rounds[-1]), file=sys.stderr, flush=True)  # noqa: T201
    warm, last = rounds[0]["rss_mb"], rounds[-1]["rss_mb"]
    growth = (last - warm) / warm
    errors = sum(r["errors"] for r in rounds)
    result = {
        "capacity_requests_per_s": round(capacity, 1),
        "offered_per_s": round(rate, 1),
        "minutes": round(count * ROUND_SECONDS / 60, 1),
        "requests": round(sum(r["answered_per_s"] for r in rounds) * ROUND_SECONDS),
        "errors": errors,
        "rss_after_warm_up_mb": warm,
        "rss_at_end_mb": last,
        "rss_growth": round(growth, 4),
        "rounds": rounds,
        "passed": errors == 0 and growth < MAX_GROWTH,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    markdown = _markdown(result)
    (args.out / "soak.md").write_text(markdown)
    print(markdown)  # noqa: T201
    return 0 if result["passed"] else 1


def _rss_mb(pid: int) -> float:
    """Resident memory of the service: the supervisor and all its worker processes."""
    root = psutil.Process(pid)
    return sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]) / 2**20


def _markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Soak",
        "",
        f"{result['minutes']} min at {result['offered_per_s']} requests/s of one review"
        f" (70% of the measured capacity, {result['capacity_requests_per_s']}/s):"
        f" {result['requests']} requests, {result['errors']} errors. Resident memory of all"
        f" service processes {result['rss_after_warm_up_mb']} MB after the first round,"
        f" {result['rss_at_end_mb']} MB at the end: growth {result['rss_growth']:.2%}"
        f" (limit {MAX_GROWTH:.0%}).",
        "",
        "| round | answered/s | p50 ms | p99 ms | errors | RSS MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rounds"]:
        lines.append(
            f"| {r['round']} | {r['answered_per_s']} | {r['p50_ms']} | {r['p99_ms']} |"
            f" {r['errors']} | {r['rss_mb']} |"
        )
    lines += ["", f"**{'passed' if result['passed'] else 'FAILED'}**"]
    return "\n".join(lines) + "\n"


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.7, help="fraction of capacity")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
