"""``python -m benchmarks.metrics_cost``: what recording Prometheus metrics costs the service.

Runs ``python -m app`` with ``SENTIMENT_METRICS=true`` and ``=false`` in turn (on, off, off,
on, ... so that drift of a shared machine's load falls on both alike), loads each with single
IMDB test reviews at concurrency 64 (wrk, loopback) and prints the two side by side with the
ratio on / off; the target is >= 0.97. ``python -m benchmarks`` runs one round of it too.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchmarks.harness import alternating, report

CONCURRENCY = alternating.CONCURRENCY
TARGET = alternating.TARGET
SYSTEMS = {True: "b-metrics-on", False: "b-metrics-off"}


def measure(
    bundle: Path, bodies_file: Path, port: int, seconds: float, rounds: int
) -> list[dict[str, Any]]:
    """Rows of single reviews at concurrency 64, metrics on and off, ``rounds`` times each."""
    systems = [
        (SYSTEMS[on], {"SENTIMENT_METRICS": "true" if on else "false"}) for on in (True, False)
    ]
    return alternating.measure(
        systems,
        bundle,
        bodies_file,
        port,
        seconds,
        rounds,
        say=lambda row: _say(report.row_line(row)),
    )


def acceptance_line(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Metrics on / off in reviews per second (means over the rounds), and the target."""
    on, off = (SYSTEMS[True], "on"), (SYSTEMS[False], "off")
    return alternating.ratio_line(rows, "metrics on / off", on, off)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.metrics_cost", description=__doc__)
    args = alternating.arguments(parser, port=8766, rounds=2)
    _say(f"reading test reviews from {args.data}")
    bodies = alternating.single_review_bodies(args)
    rows = measure(args.bundle, bodies, args.port, args.seconds, args.rounds)
    line = acceptance_line(rows)
    alternating.report(rows, line, "system", args.out)


def _say(message: str) -> None:
    print(f"[metrics-cost] {message}", file=sys.stderr, flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
