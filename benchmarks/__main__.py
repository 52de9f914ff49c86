"""``python -m benchmarks``: the service beside its yardsticks, in one run on one machine.

(a) in-process onnxruntime on the bundle (the limit), (b) the service under load from another
process, (c) the recipe's Keras ``model.predict`` in process and behind FastAPI, (d) a plain
FastAPI endpoint calling the same ONNX pipeline per request, (e) the same FastAPI endpoint with no
model at all (the HTTP floor, two workers as the service has). Prints a Markdown table and the
acceptance ratios, and writes ``results.md`` and ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks import metrics_cost
from benchmarks.harness import loadgen, procstats, report
from benchmarks.harness.processes import benchmark_server
from benchmarks.harness.workload import (
    DEFAULT_DATA,
    Workload,
    from_dataset,
    request_bodies,
    write_bodies,
)


@dataclass(frozen=True)
class Shape:
    """A request shape: which texts, how many per request, how many clients at once."""

    name: str
    texts: str  # "reviews" or "short"
    per_request: int
    concurrency: int


SHAPES = [
    Shape("1 review, c=1", "reviews", 1, 1),
    Shape("1 review, c=16", "reviews", 1, 16),
    Shape("1 review, c=64", "reviews", 1, 64),
    Shape("32 reviews, c=8", "reviews", 32, 8),
    Shape("1 short text, c=1", "short", 1, 1),
    Shape("1 short text, c=64", "short", 1, 64),
]


def main() -> None:
    args = _parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    workload = _workload(args, scratch)
    bodies = _bodies_files(workload, scratch)
    settings = {key: str(value) for key, value in vars(args).items()}
    results: dict[str, Any] = {"machine": _machine(), "settings": settings, "rows": []}
    rows: list[dict[str, Any]] = results["rows"]
    if "a" in args.systems:
        _say("(a) in-process onnxruntime on the bundle, tokenization included")
        for texts, batch_size, threads, callers in _inprocess_grid():
            row = _inprocess(
                sys.executable, "onnx", args, scratch, texts, batch_size, threads, callers
            )
            config = f"{texts}, batch {batch_size}, {callers} caller(s) x {threads} ORT thread(s)"
            _add(rows, {"system": "a", "config": config, "texts": texts, **row})
    _measure_servers(args, scratch, bodies, rows)
    if "b" in args.systems:
        _say("(b) the service with metrics on and off, side by side")
        single = bodies[next(s for s in SHAPES if s.name == "1 review, c=64")]
        rows += metrics_cost.measure(args.bundle, single, args.port, args.seconds, rounds=1)
    if not set("abd") <= set(args.systems):
        _say(f"partial run ({args.systems}): no acceptance table")
        (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
        for row in rows:
            print(report.row_line(row))  # noqa: T201
        return
    _report(args, workload, results)


def _measure_servers(
    args: argparse.Namespace, scratch: Path, bodies: dict[Shape, Path], rows: list[dict[str, Any]]
) -> None:
    """(b), (d) and (c) under each load shape; (c)'s Keras model first in process."""
    python = sys.executable
    systems: dict[str, tuple[str, list[str], dict[str, str]]] = {
        "b": ("the service (dynamic batching)", [python, "-m", "app"], {}),
        "d": ("plain FastAPI + onnxruntime, one session.run per request",
              [python, "-m", "uvicorn", "benchmarks.servers.plain_onnx:app"], {}),
        "e": ("the HTTP floor: the same FastAPI endpoint with no model, 2 workers",
              [python, "-m", "uvicorn", "benchmarks.servers.http_floor:app", "--workers", "2"],
              {}),
    }  # fmt: skip
    systems = {key: value for key, value in systems.items() if key in args.systems}
    if "c" in args.systems:
        systems["c"] = (
            "recipe: FastAPI + Keras model.predict",
            [python, "-m", "uvicorn", "benchmarks.servers.keras_predict:app"],
            {"BENCH_KERAS_MODEL": str(args.keras_model)},
        )
        _say("(c) in-process Keras model.predict")
        for texts, batch_size in (("reviews", 1), ("reviews", 32), ("short", 1)):
            row = _inprocess(python, "keras", args, scratch, texts, batch_size, 1, 1)
            config = f"{texts}, batch {batch_size}"
            _add(rows, {"system": "c-inprocess", "config": config, "texts": texts, **row})
    for system, (title, command, env) in systems.items():
        _say(f"({system}) {title}")
        for shape in SHAPES:
            row = _serve_and_load(system, command, env, args, shape, bodies[shape])
            _add(rows, {"system": system, "config": shape.name, **vars(shape), **row})


def _report(args: argparse.Namespace, workload: Workload, results: dict[str, Any]) -> None:
    """(b) at a fixed rate, then the acceptance table: printed and written to ``args.out``."""
    rows: list[dict[str, Any]] = results["rows"]
    _say("(b) the service at a fixed rate of half its best single-review throughput")
    best = max(
        r["requests_per_s"] for r in rows if r["system"] == "b" and r.get("per_request") == 1
        and r.get("texts") == "reviews"
    )  # fmt: skip
    _add(rows, _open_loop_row(sys.executable, args, workload, rate=best / 2))
    results["acceptance"] = [*report.acceptance(rows), metrics_cost.acceptance_line(rows)]
    markdown = report.markdown(results)
    out = args.out
    (out / "results.md").write_text(markdown)
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(markdown)  # noqa: T201
    _say(f"wrote {out / 'results.md'} and {out / 'results.json'}")


def _add(rows: list[dict[str, Any]], row: dict[str, Any]) -> None:
    rows.append(row)
    _say(report.row_line(row))


def _inprocess_grid() -> list[tuple[str, int, int, int]]:
    """(texts, batch size, onnxruntime threads, calling threads)."""
    grid = [("reviews", size, 1, callers) for callers in (1, 2) for size in (1, 8, 32, 64)]
    grid += [("reviews", size, 2, 1) for size in (8, 64)]
    return [*grid, ("short", 1, 1, 2), ("short", 64, 1, 2)]


def _inprocess(
    python: str,
    kind: str,
    args: argparse.Namespace,
    scratch: Path,
    texts: str,
    batch_size: int,
    threads: int,
    callers: int,
) -> dict[str, Any]:
    command = [
        python, "-m", "benchmarks.inprocess", kind, "--bundle", str(args.bundle),
        "--workload", str(scratch / "workload.json"), "--texts", texts,
        "--batch-size", str(batch_size), "--threads", str(threads), "--callers", str(callers),
        "--seconds", str(args.seconds),
    ]  # fmt: skip
    if kind == "keras":
        command += ["--keras-model", str(args.keras_model)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, env=env, cwd=REPOSITORY
    )
    result: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return result


def _serve_and_load(
    system: str,
    command: list[str],
    env: dict[str, str],
    args: argparse.Namespace,
    shape: Shape,
    bodies_file: Path,
) -> dict[str, Any]:
    with benchmark_server(system, command, env, args.port, args.bundle) as (
        process,
        start_to_ready,
    ):
        url = f"http://127.0.0.1:{args.port}/predict"
        loadgen.closed_loop(url, bodies_file, shape.concurrency, seconds=2)  # warm-up
        before = procstats.sample(process.pid)
        load = loadgen.closed_loop(url, bodies_file, shape.concurrency, args.seconds)
        after = procstats.sample(process.pid)
    reviews = load["requests"] * shape.per_request
    return {
        **load,
        "reviews_per_s": load["requests_per_s"] * shape.per_request,
        "cpu_s_per_1k_reviews": (after.cpu_seconds - before.cpu_seconds) / max(reviews, 1) * 1000,
        "peak_rss_mb": after.peak_rss_mb,
        "total_peak_rss_mb": after.total_peak_rss_mb,
        "processes": after.processes,
        "start_to_ready_s": start_to_ready,
    }


def _open_loop_row(
    python: str, args: argparse.Namespace, workload: Workload, rate: float
) -> dict[str, Any]:
    command = [python, "-m", "app"]
    bodies = request_bodies(workload.reviews, 1)
    with benchmark_server("b", command, {}, args.port, args.bundle) as (process, start_to_ready):
        loadgen.open_loop("127.0.0.1", args.port, bodies, rate, seconds=2)  # warm-up
        before = procstats.sample(process.pid)
        load = loadgen.open_loop("127.0.0.1", args.port, bodies, rate, args.seconds)
        del load["samples"], load["statuses"]
        after = procstats.sample(process.pid)
    reviews = load["requests"]
    return {
        "system": "b-open-loop",
        "config": f"1 review at a fixed {rate:.0f} requests/s (half the best)",
        "texts": "reviews",
        "per_request": 1,
        **load,
        "reviews_per_s": load["requests_per_s"],
        "cpu_s_per_1k_reviews": (after.cpu_seconds - before.cpu_seconds) / max(reviews, 1) * 1000,
        "peak_rss_mb": after.peak_rss_mb,
        "total_peak_rss_mb": after.total_peak_rss_mb,
        "processes": after.processes,
        "start_to_ready_s": start_to_ready,
    }


def _workload(args: argparse.Namespace, scratch: Path) -> Workload:
    _say(f"reading test reviews from {args.data}")
    workload = from_dataset(args.data, args.bundle, args.reviews, args.seed)
    workload.save(scratch / "workload.json")
    return workload


def _bodies_files(workload: Workload, scratch: Path) -> dict[Shape, Path]:
    files = {}
    for shape in SHAPES:
        path = scratch / f"bodies-{shape.texts}-{shape.per_request}.jsonl"
        files[shape] = write_bodies(
            path, request_bodies(workload.texts(shape.texts), shape.per_request)
        )
    return files


def _machine() -> dict[str, Any]:
    import platform

    import onnxruntime

    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "onnxruntime": onnxruntime.__version__,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "load_average_at_start": os.getloadavg(),
    }


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument(
        "--keras-model", type=Path, default=REPOSITORY / "runs" / "imdb-sentiment" / "model.keras",
        help="the trained Keras model of the bundle, for the recipe yardstick (c)",
    )  # fmt: skip
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews", type=int, default=2000, help="test reviews sampled")
    parser.add_argument("--seconds", type=float, default=10.0, help="per configuration")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--systems",
        default="abcde",
        help="which of a, b, c, d, e to measure (default: all; the acceptance table needs a, b, d)",
    )
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    args = parser.parse_args()
    if "c" in args.systems and not args.keras_model.is_file():
        parser.error(f"{args.keras_model} not found: train first, or leave out c (--systems abd)")
    return args


def _say(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)  # noqa: T201


if __name__ == "__main__":
    main()
