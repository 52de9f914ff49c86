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
from typing import Any

from benchmarks.harness import procstats, scenario

ROUND_SECONDS = 30.0
MAX_GROWTH = 0.05


def main() -> int:
    args = scenario.parse_args("soak", __doc__, 8767, _add_options)
    rounds: list[dict[str, Any]] = []
    with scenario.service("soak", args, reviews_per_request=1) as service:
        capacity = service.capacity(connections=64)
        rate = capacity * args.load
        count = max(2, round(args.minutes * 60 / ROUND_SECONDS))
        for number in range(count):
            run = service.open_loop(rate, ROUND_SECONDS)
            rounds.append(
                {
                    "round": number + 1,
                    "answered_per_s": round(run["requests_per_s"], 1),
                    "p50_ms": round(run["p50_ms"], 2),
                    "p99_ms": round(run["p99_ms"], 2),
                    "errors": run["errors"],
                    "rss_mb": round(procstats.sample(service.process.pid).rss_mb, 1),
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
    return scenario.report(args.out, "soak", result, _markdown(result))


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


def _add_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--load", type=float, default=0.7, help="fraction of capacity")


if __name__ == "__main__":
    sys.exit(main())
