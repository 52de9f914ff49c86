"""What reading long texts whole and explaining cost, beside plain truncation, in one run.

    python -m benchmarks.long_text [--reviews 2000] [--seconds 2] [--rounds 3]

In process, on the shipped bundle and a seeded sample of real IMDB test reviews: reviews/s of
``SentimentClassifier.predict`` (truncate, the yardstick) and of ``ChunkedScorer`` (chunk)
on the same batches of 64, for reviews that fit the window, for short texts (<= 20 tokens)
and for reviews longer than the window; then milliseconds per review for ``/explain``'s
occlusion. Truncate and chunk are measured in alternating rounds (A B A B ...) so that load
from other work on the machine falls on both alike; the table shows the median round.
Writes ``benchmarks/results/long_text.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.inference.chunking import ChunkedScorer, ChunkPolicy, whole_token_ids
from app.inference.explain import Explainer
from app.inference.pipeline import SentimentClassifier
from benchmarks.workload import DEFAULT_BUNDLE, DEFAULT_DATA, ROOT, from_dataset

log = logging.getLogger("benchmarks")

BATCH = 64
Score = Callable[[Sequence[str]], object]


def reviews_per_second(score: Score, texts: list[str], seconds: float) -> float:
    batches = [texts[start : start + BATCH] for start in range(0, len(texts), BATCH)]
    done, began = 0, time.perf_counter()
    while True:
        for batch in batches:
            score(batch)
            done += len(batch)
            if time.perf_counter() - began >= seconds:
                return done / (time.perf_counter() - began)


def compare(
    truncate: Score, chunk: Score, texts: list[str], seconds: float, rounds: int
) -> dict[str, float]:
    truncated, chunked = [], []
    for _ in range(rounds):
        truncated.append(reviews_per_second(truncate, texts, seconds))
        chunked.append(reviews_per_second(chunk, texts, seconds))
    return {
        "texts": len(texts),
        "truncate": statistics.median(truncated),
        "chunk": statistics.median(chunked),
        "ratio": statistics.median(c / t for c, t in zip(chunked, truncated, strict=True)),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.long_text", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--explained", type=int, default=32, help="reviews explained")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    settings = Settings(bundle_path=args.bundle)
    classifier = SentimentClassifier.from_bundle(args.bundle)
    classifier.warm_up()
    policy = ChunkPolicy(settings.chunk_overlap, settings.chunk_pooling)
    chunked = ChunkedScorer(classifier, policy)
    workload = from_dataset(args.data, args.bundle, args.reviews, seed=0)
    window = classifier.manifest.max_length
    lengths = [len(ids) for ids in whole_token_ids(classifier, workload.reviews)]
    fitting = [t for t, n in zip(workload.reviews, lengths, strict=True) if n <= window]
    long = [t for t, n in zip(workload.reviews, lengths, strict=True) if n > window]

    rows: dict[str, Any] = {}
    for name, texts in (
        ("all sampled reviews (the IMDB mix)", workload.reviews),
        ("reviews that fit the window", fitting),
        ("short texts (<= 20 tokens)", workload.short),
        ("reviews longer than the window", long),
    ):
        log.info("measuring %s (%d texts)", name, len(texts))
        rows[name] = compare(classifier.predict, chunked, texts, args.seconds, args.rounds)
    explainer = Explainer(classifier, "truncate", policy)
    sample = fitting[: args.explained]
    began = time.perf_counter()
    for text in sample:
        explainer([text])
    explain_ms = 1000 * (time.perf_counter() - began) / max(1, len(sample))
    tokens = explainer.count_tokens(sample) / max(1, len(sample))

    lines = [
        f"In process, one thread, batches of {BATCH}, median of {args.rounds} alternating rounds"
        f" of {args.seconds:g} s (chunk: overlap {policy.overlap}, {policy.pooling});"
        f" {len(workload.reviews):,} seeded IMDB test reviews.",
        "",
        "| texts | count | truncate reviews/s | chunk reviews/s | chunk / truncate |",
        "|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['texts']:,} | {row['truncate']:,.0f} | {row['chunk']:,.0f} |"
            f" {row['ratio']:.2f} |"
        )
    lines += [
        "",
        f"`/explain` occlusion: {explain_ms:.0f} ms per review of the window's size"
        f" ({tokens:.0f} tokens on average, {len(sample)} reviews, one at a time).",
    ]
    print("\n".join(lines))  # noqa: T201  (a benchmark's report is its output)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "long_text.md").write_text("\n".join(lines) + "\n")
    results = {"rows": rows, "explain_ms_per_review": explain_ms, "explain_tokens": tokens}
    (args.out / "long_text.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
