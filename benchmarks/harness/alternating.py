"""A/B measurement of ``python -m app`` in two (or more) configurations: single reviews at
concurrency 64, the configurations taken in turn and in alternating order each round (A, B, then
B, A, ...) so that drift of a shared machine's load falls on all of them alike."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

from app.paths import DEFAULT_BUNDLE
from benchmarks.harness import loadgen, procstats
from benchmarks.harness.processes import benchmark_server
from benchmarks.harness.workload import DEFAULT_DATA, bodies_files, from_dataset

T = TypeVar("T")
CONCURRENCY = 64
TARGET = 0.97  # the cost of a feature switched off, or of metrics on: within the noise
APP = [sys.executable, "-m", "app"]
# A name, the environment that configures it and, where not APP, the command that runs it.
System = tuple[str, dict[str, str]] | tuple[str, dict[str, str], list[str]]


def in_turns(systems: Sequence[T], rounds: int) -> Iterator[tuple[int, T]]:
    """(round, system): each system once a round, the order reversed every other round (A, B,
    then B, A, ...) so that drift of a shared machine's load falls on all of them alike."""
    for number in range(rounds):
        for system in systems if number % 2 == 0 else list(reversed(systems)):
            yield number, system


def measure(
    systems: Sequence[System],
    bundle: Path,
    bodies_file: Path,
    port: int,
    seconds: float,
    rounds: int,
    say: Callable[[dict[str, Any]], None] = lambda row: None,
) -> list[dict[str, Any]]:
    """Rows of single reviews at concurrency 64, each system ``rounds`` times."""
    rows = []
    for number, (name, env, *command) in in_turns(systems, rounds):
        with benchmark_server(name, command[0] if command else APP, env, port, bundle) as (
            process,
            start_to_ready,
        ):
            url = f"http://127.0.0.1:{port}/predict"
            loadgen.closed_loop(url, bodies_file, CONCURRENCY, seconds=2)  # warm-up
            before = procstats.sample(process.pid)
            load = loadgen.closed_loop(url, bodies_file, CONCURRENCY, seconds)
            after = procstats.sample(process.pid)
        rows.append(_row(name, number, load, after.cpu_seconds - before.cpu_seconds, after))
        rows[-1]["start_to_ready_s"] = start_to_ready
        say(rows[-1])
    return rows


def _row(name: str, number: int, load: dict[str, Any], cpu: float, after: Any) -> dict[str, Any]:
    return {
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
    }


def mean_rate(rows: list[dict[str, Any]], system: str) -> float:
    """Reviews per second of ``system``, the mean over its rounds."""
    values = [row["reviews_per_s"] for row in rows if row["system"] == system]
    return sum(values) / len(values)


def ratio_line(
    rows: list[dict[str, Any]], what: str, measured: tuple[str, str], yardstick: tuple[str, str]
) -> dict[str, Any]:
    """The acceptance line ``measured / yardstick >= 0.97`` in mean reviews per second; each
    of the two is (system, how the line calls it)."""
    rate, base = (mean_rate(rows, system) for system, _ in (measured, yardstick))
    ratio = rate / base
    return {
        "line": f"{what}, 1 review at c={CONCURRENCY}",
        "value": round(ratio, 3),
        "target": f">= {TARGET}",
        "met": ratio >= TARGET,
        "yardstick": f"{yardstick[1]} {base:.0f} reviews/s",
        "measured": f"{measured[1]} {rate:.0f} reviews/s",
    }


def arguments(parser: argparse.ArgumentParser, port: int, rounds: int) -> argparse.Namespace:
    """The options every A/B comparison takes, parsed."""
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews", type=int, default=2000, help="test reviews sampled")
    parser.add_argument("--seconds", type=float, default=10.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=rounds, help="measurements of each system")
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="write the rows and the ratio here as JSON")
    return parser.parse_args()


def single_review_bodies(args: argparse.Namespace) -> Path:
    """A file of request bodies, one sampled IMDB test review each."""
    workload = from_dataset(args.data, args.bundle, args.reviews, args.seed)
    return bodies_files("ab-", reviews=(workload.reviews, 1))["reviews"]


def report(
    rows: list[dict[str, Any]], line: dict[str, Any], heading: str, out: Path | None
) -> None:
    """Print the rounds and the acceptance line as a Markdown table (the first column headed
    ``heading``, holding each row's system), and write both as JSON to ``out`` if given."""
    table = [
        f"| {heading} | round | reviews/s | p50 ms | p99 ms | CPU s / 1k reviews | errors |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        table.append(
            f"| {row['system']} | {row['config']} | {row['reviews_per_s']:.0f} |"
            f" {row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['cpu_s_per_1k_reviews']:.2f} |"
            f" {row['errors']} |"
        )
    verdict = "met" if line["met"] else "NOT met"
    table += [
        "",
        f"{line['line']}: {line['measured']} / {line['yardstick']} = {line['value']}"
        f" (target {line['target']}: {verdict})",
    ]
    print("\n".join(table))  # noqa: T201
    if out is not None:
        out.write_text(json.dumps({"rows": rows, "acceptance": line}, indent=2) + "\n")
