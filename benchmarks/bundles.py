"""``python -m benchmarks.bundles --baseline DIR --candidate DIR``: two bundles' serving cost side
by side, in one run on one machine.

Both bundles are loaded as the service loads them (``SentimentClassifier``, onnxruntime with one
intra-op thread, length-ordered groups of 4 rows per ``session.run``) and score the same real
IMDB test reviews in batches of 64 (what the service's batcher takes at most), tokenization
included, from one calling thread and from two (the service's two worker processes on two
cores). They take turns batch by batch: each batch is scored by one bundle and straight away
by the other, who goes first alternating, so that a slow spell of a shared machine falls on
both within a fraction of a second. Each side's reviews/s is its reviews over the time spent
in its own calls; its CPU seconds per 1,000 reviews come from the calling threads' CPU clocks,
which a busy machine disturbs less than wall time. ``--repeats`` rounds per setting; the table
gives the medians and the ratio candidate / baseline (issue 9 asks for >= 0.9).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from app.paths import REPOSITORY
from benchmarks.harness.workload import DEFAULT_DATA, Workload, from_dataset

SIDES = ("baseline", "candidate")
BATCH_SIZE = 64  # the service's SENTIMENT_MAX_BATCH_SIZE
ORT_THREADS = 1  # the service's SENTIMENT_ONNX_INTRA_OP_THREADS

Predict = Callable[[Sequence[str]], object]


@dataclass
class Tally:
    """What one calling thread did with one bundle."""

    reviews: int = 0
    wall_s: float = 0.0
    cpu_s: float = 0.0


@dataclass(frozen=True)
class Round:
    """One round of one setting: each side's reviews/s and CPU seconds per 1,000 reviews."""

    callers: int
    reviews_per_s: dict[str, float]
    cpu_s_per_1k: dict[str, float]

    @property
    def ratio(self) -> float:
        return self.reviews_per_s["candidate"] / self.reviews_per_s["baseline"]


def measure_round(
    predicts: dict[str, Predict], batches: list[list[str]], callers: int, seconds: float
) -> Round:
    """``callers`` threads, each scoring successive batches with both bundles in turn."""
    tallies = {side: [Tally() for _ in range(callers)] for side in SIDES}
    deadline = time.perf_counter() + seconds

    def call(number: int) -> None:
        for turn, batch in enumerate(islice(cycle(batches), number, None, callers)):
            if turn > 0 and time.perf_counter() >= deadline:
                return
            for side in SIDES if turn % 2 == 0 else SIDES[::-1]:
                wall, cpu = time.perf_counter(), time.thread_time()
                predicts[side](batch)
                tally = tallies[side][number]
                tally.cpu_s += time.thread_time() - cpu
                tally.wall_s += time.perf_counter() - wall
                tally.reviews += len(batch)

    threads = [threading.Thread(target=call, args=(number,)) for number in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Round(
        callers=callers,
        # each thread's rate on the side, added up: the side's rate at this concurrency
        reviews_per_s={
            side: sum(t.reviews / t.wall_s for t in tallies[side] if t.wall_s) for side in SIDES
        },
        cpu_s_per_1k={
            side: 1000 * sum(t.cpu_s for t in tallies[side]) / sum(t.reviews for t in tallies[side])
            for side in SIDES
        },
    )


def summarise(rounds: list[Round]) -> list[dict[str, Any]]:
    """Per setting, the medians over its rounds and the ratios candidate / baseline."""
    rows = []
    for callers in dict.fromkeys(r.callers for r in rounds):
        mine = [r for r in rounds if r.callers == callers]
        rate = {side: statistics.median(r.reviews_per_s[side] for r in mine) for side in SIDES}
        cpu = {side: statistics.median(r.cpu_s_per_1k[side] for r in mine) for side in SIDES}
        rows.append(
            {
                "callers": callers,
                "reviews_per_s": rate,
                "cpu_s_per_1k": cpu,
                "ratio": statistics.median(r.ratio for r in mine),
                "ratio_range": [min(r.ratio for r in mine), max(r.ratio for r in mine)],
                "cpu_ratio": cpu["baseline"] / cpu["candidate"],
            }
        )
    return rows


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Two bundles side by side: in-process reviews/s",
        "",
        _how_measured(result),
        "",
        *_bundles_table(result["bundles"]),
        "",
        *_rounds_table(result["summary"]),
    ]
    return "\n".join(lines) + "\n"


def _how_measured(result: dict[str, Any]) -> str:
    settings = result["settings"]
    return (
        f"{settings['reviews']} test texts of `{settings.get('texts', 'IMDB')}` in batches of"
        f" {BATCH_SIZE}, tokenization"
        f" included; onnxruntime {ORT_THREADS} intra-op thread, {settings['forward_batch_size']}"
        " rows per session.run; the bundles alternate batch by batch;"
        f" {settings['repeats']} round(s) of {settings['seconds']} s per setting, medians."
        f" Machine: {result['machine']}."
    )


def _bundles_table(bundles: dict[str, dict[str, Any]]) -> list[str]:
    return [
        "| side | bundle | version | size MB |",
        "|---|---|---|---:|",
        *(
            f"| {side} | `{bundle['path']}` | {bundle['version']} | {bundle['size_mb']:.1f} |"
            for side, bundle in bundles.items()
        ),
    ]


def _rounds_table(summary: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| calling threads | baseline reviews/s | candidate reviews/s | candidate / baseline"
        " (rounds' range) | baseline CPU s / 1k reviews | candidate CPU s / 1k reviews"
        " | reviews per CPU second, candidate / baseline |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in summary:
        rate, cpu, (low, high) = row["reviews_per_s"], row["cpu_s_per_1k"], row["ratio_range"]
        lines.append(
            f"| {row['callers']} | {rate['baseline']:.1f} | {rate['candidate']:.1f} |"
            f" **{row['ratio']:.3f}** ({low:.3f}-{high:.3f}) | {cpu['baseline']:.2f} |"
            f" {cpu['candidate']:.2f} | {row['cpu_ratio']:.3f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    from app.inference.pipeline import SentimentClassifier

    args = _parse_args(argv)
    workload = _workload(args)
    batches = [
        workload.reviews[start : start + BATCH_SIZE]
        for start in range(0, len(workload.reviews), BATCH_SIZE)
    ]
    predicts: dict[str, Predict] = {}
    for side in SIDES:
        classifier = SentimentClassifier.from_bundle(
            getattr(args, side), intra_op_threads=ORT_THREADS
        )
        classifier.warm_up()
        predicts[side] = classifier.predict
    measure_round(predicts, batches[:2], callers=1, seconds=0)  # first calls off the record
    rounds = []
    for repeat in range(args.repeats):
        for callers in args.callers:
            rounds.append(measure_round(predicts, batches, callers, args.seconds))
            rate = rounds[-1].reviews_per_s
            _say(f"round {repeat + 1}, {callers} caller(s): baseline {rate['baseline']:.1f},"
                 f" candidate {rate['candidate']:.1f} reviews/s")  # fmt: skip
    result = {
        "machine": _machine(),
        "settings": {
            "reviews": len(workload.reviews),
            "texts": str(args.workload or args.data),
            "repeats": args.repeats,
            "seconds": args.seconds,
            "batch_size": BATCH_SIZE,
            "ort_threads": ORT_THREADS,
            "forward_batch_size": classifier.forward_batch_size,
        },
        "bundles": {side: _describe(getattr(args, side)) for side in SIDES},
        "rounds": [{**asdict(r), "ratio": r.ratio} for r in rounds],
        "summary": summarise(rounds),
    }
    table = markdown(result)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bundles.md").write_text(table)
    (args.out / "bundles.json").write_text(json.dumps(result, indent=2) + "\n")
    print(table)  # noqa: T201 - the command's output
    _say(f"wrote {args.out / 'bundles.md'} and {args.out / 'bundles.json'}")
    return 0


def _workload(args: argparse.Namespace) -> Workload:
    if args.workload is not None:
        return Workload.load(args.workload)
    _say(f"reading {args.reviews} test reviews from {args.data}")
    return from_dataset(args.data, args.baseline, args.reviews, args.seed)


def _describe(bundle: Path) -> dict[str, Any]:
    manifest = json.loads((bundle / "manifest.json").read_text())
    size = sum(path.stat().st_size for path in bundle.rglob("*") if path.is_file())
    return {
        "path": str(bundle),
        "name": manifest["name"],
        "version": manifest["version"],
        "size_mb": size / 1e6,
    }


def _machine() -> str:
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load} at the start, {time.strftime('%Y-%m-%d')}"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bundles", description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True, help="bundle folder (A)")
    parser.add_argument("--candidate", type=Path, required=True, help="bundle folder (B)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds per setting")
    parser.add_argument("--seconds", type=float, default=10.0, help="per round")
    parser.add_argument("--callers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews", type=int, default=2000, help="test reviews sampled")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workload", type=Path, help="a workload JSON file to use instead of sampling --data"
    )
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    args = parser.parse_args(argv)
    for side in SIDES:
        if not (getattr(args, side) / "manifest.json").is_file():
            parser.error(f"--{side} {getattr(args, side)}: no manifest.json, not a bundle folder")
    if args.repeats < 1 or min(args.callers) < 1:
        parser.error("--repeats and --callers must be at least 1")
    return args


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)  # noqa: T201


if __name__ == "__main__":
    raise SystemExit(main())
