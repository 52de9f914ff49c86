"""``python -m benchmarks.settings_ab``: the service under two settings, side by side, in the
shapes that latency and throughput depend on.

Runs ``python -m app`` with the ``--a`` settings and with the ``--b`` settings (``SENTIMENT_*``
assignments) in turn, the order alternating each round (A, B, then B, A, ...) so that drift of a
shared machine's load falls on both alike. Each round loads each with, on loopback: one short
text at concurrency 1 and one review at concurrency 1 (p50: the latency an interactive user
sees), single reviews at concurrency 64 and 32-review requests at concurrency 8 (wrk, reviews/s),
and single reviews at a fixed rate (p50 and p99, the asyncio client). Prints each figure's mean
over the rounds for A and B and the ratio B / A, and writes the rows and the summary as JSON to
``--out``. For example: ``--a SENTIMENT_INLINE_ROWS=0 --b SENTIMENT_INLINE_ROWS=4``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from benchmarks.harness import alternating, loadgen
from benchmarks.harness.processes import benchmark_server
from benchmarks.harness.workload import bodies_files, from_dataset, request_bodies

# (figure, what it is, whether more is better)
FIGURES = [
    ("short_c1_p50_ms", "one short text, c=1, p50 ms", False),
    ("review_c1_p50_ms", "one review, c=1, p50 ms", False),
    ("review_c64_per_s", "single reviews, c=64, reviews/s", True),
    ("batch32_c8_per_s", "32-review requests, c=8, reviews/s", True),
    ("fixed_p50_ms", "single reviews at the fixed rate, p50 ms", False),
    ("fixed_p99_ms", "single reviews at the fixed rate, p99 ms", False),
]


def assignments(values: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings as an environment; only the service's ``SENTIMENT_*`` settings."""
    env = {}
    for value in values:
        name, equals, setting = value.partition("=")
        if not equals or not name.startswith("SENTIMENT_"):
            raise SystemExit(f"not a SENTIMENT_NAME=VALUE setting: {value!r}")
        env[name] = setting
    return env


def measure_round(
    port: int, files: dict[str, Path], reviews: list[str], args: Any
) -> dict[str, Any]:
    """One round's figures for the server listening on ``port``."""
    url = f"http://127.0.0.1:{port}/predict"
    loadgen.closed_loop(url, files["review"], 64, seconds=2)  # warm-up
    short = loadgen.closed_loop(url, files["short"], 1, args.seconds)
    review = loadgen.closed_loop(url, files["review"], 1, args.seconds)
    many = loadgen.closed_loop(url, files["review"], 64, args.seconds)
    batched = loadgen.closed_loop(url, files["batch32"], 8, args.seconds)
    bodies = request_bodies(reviews, 1)
    fixed = loadgen.open_loop("127.0.0.1", port, bodies, args.rate, args.seconds)
    return {
        "short_c1_p50_ms": short["p50_ms"],
        "review_c1_p50_ms": review["p50_ms"],
        "review_c64_per_s": many["requests_per_s"],
        "batch32_c8_per_s": batched["requests_per_s"] * 32,
        "fixed_p50_ms": fixed["p50_ms"],
        "fixed_p99_ms": fixed["p99_ms"],
        "errors": sum(load["errors"] for load in (short, review, many, batched, fixed)),
    }


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each figure's mean over the rounds for A and B, and B / A."""
    lines = []
    for figure, what, higher_is_better in FIGURES:
        a, b = (
            sum(row[figure] for row in rows if row["system"] == system)
            / sum(row["system"] == system for row in rows)
            for system in ("A", "B")
        )
        lines.append(
            {"figure": what, "A": a, "B": b, "B/A": b / a, "higher_is_better": higher_is_better}
        )
    return lines


def markdown(lines: list[dict[str, Any]], a: dict[str, str], b: dict[str, str]) -> str:
    table = [
        f"A: {' '.join(f'{k}={v}' for k, v in a.items())}; B: "
        f"{' '.join(f'{k}={v}' for k, v in b.items())} (means over the rounds)",
        "",
        "| figure | A | B | B / A |",
        "|---|---:|---:|---:|",
    ]
    for line in lines:
        table.append(
            f"| {line['figure']} | {line['A']:.2f} | {line['B']:.2f} | {line['B/A']:.3f} |"
        )
    return "\n".join(table)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.settings_ab", description=__doc__)
    parser.add_argument("--a", action="append", default=[], metavar="SENTIMENT_NAME=VALUE")
    parser.add_argument("--b", action="append", default=[], metavar="SENTIMENT_NAME=VALUE")
    parser.add_argument("--rate", type=float, default=600.0, help="the fixed rate, requests/s")
    args = alternating.arguments(parser, port=8768, rounds=3)
    systems = [("A", assignments(args.a)), ("B", assignments(args.b))]
    workload = from_dataset(args.data, args.bundle, args.reviews, args.seed)
    files = bodies_files(
        "settings-ab-",
        short=(workload.short, 1),
        review=(workload.reviews, 1),
        batch32=(workload.reviews, 32),
    )
    rows = []
    for number, (name, env) in alternating.in_turns(systems, args.rounds):
        with benchmark_server(name, alternating.APP, env, args.port, args.bundle.resolve()):
            row = measure_round(args.port, files, workload.reviews, args)
        rows.append({"system": name, "round": number + 1, **row})
        print(f"[settings-ab] {json.dumps(rows[-1])}", file=sys.stderr, flush=True)  # noqa: T201
    lines = summary(rows)
    print(markdown(lines, systems[0][1], systems[1][1]))  # noqa: T201
    if args.out is not None:
        args.out.write_text(json.dumps({"rows": rows, "summary": lines}, indent=2) + "\n")


if __name__ == "__main__":
    main()
