"""``python -m benchmarks.metrics_cost``: what recording Prometheus metrics costs the service.

Runs ``python -m app`` with ``SENTIMENT_METRICS=true`` and ``=false`` in turn (on, off, off,
on, ... so that drift of a shared machine's load falls on both alike), loads each with single
IMDB test reviews at concurrency 64 (wrk, loopback) and prints the two side by side with the
ratio on / off; the target is >= 0.97. ``python -m benchmarks`` runs one round of it too.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.paths import DEFAULT_BUNDLE
from benchmarks.harness import loadgen, procstats, report
from benchmarks.harness.processes import benchmark_server
from benchmarks.harness.workload import DEFAULT_DATA, from_dataset, request_bodies, write_bodies

CONCURRENCY = 64
TARGET = 0.97
SYSTEMS = {True: "b-metrics-on", False: "b-metrics-off"}


def measure(
    bundle: Path, bodies_file: Path, port: int, seconds: float, rounds: int
) -> list[dict[str, Any]]:
    """Rows of single reviews at concurrency 64, metrics on and off, ``rounds`` times each."""
    rows = []
    for number in range(rounds):
        for metrics in (True, False) if number % 2 == 0 else (False, True):
            env = {"SENTIMENT_METRICS": "true" if metrics else "false"}
            command = [sys.executable, "-m", "app"]
            name = SYSTEMS[metrics]
            with benchmark_server(name, command, env, port, bundle) as (process, start_to_ready):
                url = f"http://127.0.0.1:{port}/predict"
                loadgen.closed_loop(url, bodies_file, CONCURRENCY, seconds=2)  # warm-up
                before = procstats.sample(process.pid)
                load = loadgen.closed_loop(url, bodies_file, CONCURRENCY, seconds)
                after = procstats.sample(process.pid)
            cpu = after.cpu_seconds - before.cpu_seconds
            rows.append(
                {
                    "system": name,
                    "config": f"1 review, c={CONCURRENCY}, round {number + 1}",
                    "texts": "reviews",
                    "per_request": 1,
                    "concurrency": CONCURRENCY,
                    **load,
                    "reviews_per_s": load["requests_per_s"],
                    "cpu_s_per_1k_reviews": cpu / max(load["requests"], 1) * 1000,
                    "peak_rss_mb": after.peak_rss_mb,
                    "total_peak_rss_mb": after.total_peak_rss_mb,
                    "processes": after.processes,
                    "start_to_ready_s": start_to_ready,
                }
            )
            _say(report.row_line(rows[-1]))
    return rows


def acceptance_line(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics on / off in reviews per second (means over the rounds), and the target."""

    def mean(system: str) -> float:
        values = [row["reviews_per_s"] for row in rows if row["system"] == system]
        return sum(values) / len(values)

    on, off = mean(SYSTEMS[True]), mean(SYSTEMS[False])
    ratio = on / off
    return {
        "line": f"metrics on / off, 1 review at c={CONCURRENCY}",
        "value": round(ratio, 3),
        "target": f">= {TARGET}",
        "met": ratio >= TARGET,
        "yardstick": f"off {off:.0f} reviews/s",
        "measured": f"on {on:.0f} reviews/s",
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.metrics_cost", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews", type=int, default=2000, help="test reviews sampled")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=2, help="on and off measurements each")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the rows and the ratio here as JSON")
    args = parser.parse_args()
    _say(f"reading test reviews from {args.data}")
    workload = from_dataset(args.data, args.bundle, args.reviews, args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="metrics-cost-"))
    bodies = write_bodies(scratch / "bodies.jsonl", request_bodies(workload.reviews, 1))
    rows = measure(args.bundle, bodies, args.port, args.seconds, args.rounds)
    line = acceptance_line(rows)
    table = [
        "| metrics | round | reviews/s | p50 ms | p99 ms | CPU s / 1k reviews | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        table.append(
            f"| {'on' if row['system'] == SYSTEMS[True] else 'off'} | {row['config']} |"
            f" {row['reviews_per_s']:.0f} | {row['p50_ms']:.2f} | {row['p99_ms']:.2f} |"
            f" {row['cpu_s_per_1k_reviews']:.2f} | {row['errors']} |"
        )
    table.append("")
    table.append(
        f"{line['line']}: {line['measured']} / {line['yardstick']} = {line['value']}"
        f" (target {line['target']}: {'met' if line['met'] else 'NOT met'})"
    )
    print("\n".join(table))  # noqa: T201
    if args.out is not None:
        args.out.write_text(json.dumps({"rows": rows, "acceptance": line}, indent=2) + "\n")


def _say(message: str) -> None:
    print(f"[metrics-cost] {message}", file=sys.stderr, flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
