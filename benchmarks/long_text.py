"""What reading long texts whole and explaining cost, beside plain truncation, in one run.

    python -m benchmarks.long_text [--reviews 2000] [--seconds 3]

In process, on the shipped bundle and a seeded sample of real IMDB test reviews: reviews/s of
``SentimentClassifier.predict`` (truncate, the yardstick) and of ``ChunkedScorer`` (chunk)
on the same batches of 64, for the sampled mix, reviews that fit the window, short texts
(<= 20 tokens) and reviews longer than the window; then milliseconds per review for
``/explain``'s occlusion. Truncate and chunk take turns batch by batch, and the figure is
reviews per CPU second of this process, so that load from other work on a shared machine
falls on both alike.
Writes ``benchmarks/results/long_text.md`` and ``.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.inference.chunking import ChunkedScorer, served_policy, whole_token_ids
from app.inference.explain import Explainer
from app.inference.pipeline import SentimentClassifier
from app.paths import DEFAULT_BUNDLE, REPOSITORY
from benchmarks.harness.workload import DEFAULT_DATA, from_dataset

log = logging.getLogger("benchmarks")

BATCH = 64
Score = Callable[[Sequence[str]], object]


def compare(truncate: Score, chunk: Score, texts: list[str], seconds: float) -> dict[str, float]:
    """Reviews per CPU second of each way on the same batches, taking turns batch by batch
    (truncate, chunk, truncate, ...) for about ``seconds`` of wall time each."""
    batches = [texts[start : start + BATCH] for start in range(0, len(texts), BATCH)]
    cpu = {"truncate": 0.0, "chunk": 0.0}
    wall = {"truncate": 0.0, "chunk": 0.0}
    done = 0
    while wall["truncate"] < seconds or done == 0:
        for batch in batches:
            for name, score in (("truncate", truncate), ("chunk", chunk)):
                began_cpu, began_wall = time.process_time(), time.perf_counter()
                score(batch)
                cpu[name] += time.process_time() - began_cpu
                wall[name] += time.perf_counter() - began_wall
            done += len(batch)
    return {
        "texts": len(texts),
        "scored": done,
        "truncate": done / cpu["truncate"],
        "chunk": done / cpu["chunk"],
        "ratio": cpu["truncate"] / cpu["chunk"],
        "truncate_wall": done / wall["truncate"],
        "chunk_wall": done / wall["chunk"],
    }


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.long_text", description=__doc__)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--explained", type=int, default=32, help="reviews explained")
    parser.add_argument("--out", type=Path, default=REPOSITORY / "benchmarks" / "results")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    settings = Settings(bundle_path=args.bundle)
    classifier = SentimentClassifier.from_bundle(args.bundle)
    classifier.warm_up()
    # As the service chunks this model: its settings where set, else the bundle's own choice.
    policy = served_policy(classifier.manifest, settings.chunk_overlap, settings.chunk_pooling)
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
        rows[name] = compare(classifier.predict, chunked, texts, args.seconds)
    explainer = Explainer(classifier, "truncate", policy)
    sample = fitting[: args.explained]
    began = time.perf_counter()
    for text in sample:
        explainer([text])
    explain_ms = 1000 * (time.perf_counter() - began) / max(1, len(sample))
    tokens = explainer.count_tokens(sample) / max(1, len(sample))

    lines = [
        f"In process, one thread, batches of {BATCH} scored both ways in turn, for about"
        f" {args.seconds:g} s of truncation per row (chunk: overlap {policy.overlap},"
        f" {policy.pooling}); {len(workload.reviews):,} seeded IMDB test reviews. Reviews per"
        " CPU second (what a shared machine's noise disturbs least; wall-clock in brackets).",
        "",
        "| texts | count | truncate reviews/CPU s | chunk reviews/CPU s | chunk / truncate |",
        "|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        lines.append(
            f"| {name} | {row['texts']:,} | {row['truncate']:,.0f} ({row['truncate_wall']:,.0f})"
            f" | {row['chunk']:,.0f} ({row['chunk_wall']:,.0f}) | {row['ratio']:.2f} |"
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
