"""``python -m benchmarks.bulk``: bulk scoring of a file beside the in-process limit.

Writes 100,000 reviews (the 50,000 labelled IMDB reviews, twice) as a CSV, then measures in
one run on the same texts:

- the limit: ``SentimentClassifier.predict`` in this process, texts already in memory, batches
  of 64 from two calling threads (the best configuration of ``python -m benchmarks`` (a)), no
  file reading or writing, on a seeded random sample of the same texts (20,000 by default, to
  keep the run short); measured before and after the bulk run, the better one counts;
- ``python -m app.score`` on the CSV (defaults: one worker process per core), end to end:
  reading, scoring, writing the parts, joining them, the rename; its peak memory.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks.harness.procstats import peak_rss_mb
from benchmarks.harness.workload import DEFAULT_DATA

BATCH = 64
THREADS = 2


def imdb_texts(data: Path, copies: int) -> list[str]:
    from training.fit.data import load_dataset

    dataset = load_dataset(data)
    return (dataset.train.texts + dataset.test.texts) * copies


def in_process_rate(texts: list[str], bundle: Path) -> tuple[float, float]:
    """Reviews per second of the model alone (THREADS threads taking batches of BATCH), and
    per second of CPU time it used."""
    from app.inference.pipeline import SentimentClassifier

    classifier = SentimentClassifier.from_bundle(bundle)
    classifier.warm_up()
    batches = iter(range(0, len(texts), BATCH))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                start = next(batches, None)
            if start is None:
                return
            classifier.predict(texts[start : start + BATCH])

    started, cpu_started = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = time.process_time() - cpu_started
    return len(texts) / (time.perf_counter() - started), len(texts) / cpu


def bulk_run(source: Path, output: Path, bundle: Path, engine: str) -> dict[str, float]:
    """Run python -m app.score; its rate and peak memory (sampled every 0.1 s)."""
    command = [sys.executable, "-m", "app.score", str(source), str(output)]
    command += ["--no-progress", "--bundle", str(bundle), "--engine", engine]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPOSITORY, stderr=subprocess.PIPE, text=True)
    root = psutil.Process(process.pid)
    peaks: dict[int, float] = {}
    cpu: dict[int, float] = {}
    tree_peak = 0.0
    while process.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
            tree_peak = max(tree_peak, sum(p.memory_info().rss for p in members) / 2**20)
            for member in members:
                peaks[member.pid] = peak_rss_mb(member.pid)
                times = member.cpu_times()
                cpu[member.pid] = times.user + times.system
        except (psutil.NoSuchProcess, FileNotFoundError):
            pass
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    _, errors = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"app.score failed:\n{errors}")
    return {
        "seconds": seconds,
        "peak_rss_tree_mb": tree_peak,
        "peak_rss_main_mb": peaks.get(process.pid, float("nan")),
        "peak_rss_worker_mb": max((v for k, v in peaks.items() if k != process.pid), default=0),
        "cpu_seconds_main": cpu.get(process.pid, float("nan")),
        "cpu_seconds_workers": sum(v for k, v in cpu.items() if k != process.pid),
    }


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--copies", type=int, default=2, help="times the 50,000 reviews repeat")
    parser.add_argument(
        "--limit-sample", type=int, default=20_000, help="texts the in-process limit runs on"
    )
    parser.add_argument(
        "--engine", choices=["local", "ray"], default="local", help="app.score's engine"
    )
    parser.add_argument("--out", type=Path, help="also write the figures here as JSON")
    return parser.parse_args()


def main() -> int:
    args = _parse_args()
    texts = imdb_texts(args.data, args.copies)
    sample = random.Random(0).sample(texts, min(args.limit_sample, len(texts)))
    with tempfile.TemporaryDirectory(prefix="bulk-") as folder:
        source, output = Path(folder) / "reviews.csv", Path(folder) / "scored.csv"
        with source.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(["id", "text"])
            writer.writerows(enumerate(texts))
        input_mb = source.stat().st_size / 2**20
        limit_before, limit_cpu_before = in_process_rate(sample, args.bundle)
        bulk = bulk_run(source, output, args.bundle, args.engine)
        limit_after, limit_cpu_after = in_process_rate(sample, args.bundle)
        with output.open(newline="", encoding="utf-8") as stream:
            written = sum(1 for _ in csv.DictReader(stream))
    if written != len(texts):
        raise SystemExit(f"app.score wrote {written} rows for {len(texts)} reviews")
    limit = max(limit_before, limit_after)
    rate = len(texts) / bulk["seconds"]
    # On a shared machine the wall-clock rates depend on the CPU other jobs leave; reviews per
    # CPU-second compare the work each way does.
    limit_cpu = max(limit_cpu_before, limit_cpu_after)
    rate_cpu = len(texts) / (bulk["cpu_seconds_main"] + bulk["cpu_seconds_workers"])
    result = {
        "reviews": len(texts),
        "input_mb": input_mb,
        "limit_reviews_per_s": [limit_before, limit_after],
        "bulk_reviews_per_s": rate,
        "ratio": rate / limit,
        "limit_reviews_per_cpu_s": [limit_cpu_before, limit_cpu_after],
        "bulk_reviews_per_cpu_s": rate_cpu,
        "cpu_ratio": rate_cpu / limit_cpu,
        **bulk,
    }
    print(  # noqa: T201
        f"{len(texts):,} reviews, {input_mb:.0f} MB of CSV, {psutil.cpu_count()} cores\n"
        f"in-process limit ({THREADS} threads, batches of {BATCH}, {len(sample):,} of the texts"
        " in memory):"
        f" {limit_before:,.0f} before / {limit_after:,.0f} after reviews/s\n"
        f"python -m app.score --engine {args.engine} (file to file, {bulk['seconds']:.1f} s):"
        f" {rate:,.0f} reviews/s"
        f" = {rate / limit:.2f} x the better limit\n"
        f"peak memory: {bulk['peak_rss_tree_mb']:.0f} MB for all its processes together"
        f" (main {bulk['peak_rss_main_mb']:.0f} MB, each worker at most"
        f" {bulk['peak_rss_worker_mb']:.0f} MB)\n"
        f"CPU: main process {bulk['cpu_seconds_main']:.1f} s (reading, writing),"
        f" worker processes {bulk['cpu_seconds_workers']:.1f} s (as last sampled)\n"
        f"per CPU-second: limit {limit_cpu_before:,.0f} / {limit_cpu_after:,.0f},"
        f" app.score {rate_cpu:,.0f} reviews = {rate_cpu / limit_cpu:.2f} x the better limit"
    )
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
