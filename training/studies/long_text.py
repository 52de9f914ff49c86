"""Reviews longer than the model's window: truncation, head + tail, or pooled windows?

    python -m training.long_text --bundle models/imdb-sentiment \\
        --data ../shared/data/aclImdb_v1_labeled.tar.gz [--out DIR] [--update-card]

1. Choose on validation (the training split's seeded hold-out, as the bundle was trained):
   among window overlaps and pooling rules (``app.inference.chunking``), the pair with the
   best accuracy on validation reviews longer than the window (ties: fewer windows).
2. Report on the test reviews longer than the window, scored through the served pipeline:
   accuracy with truncation (the first window, what the model was trained on), head + tail
   (the first 128 and the last ``window - 128`` tokens as one row, after Sun et al. 2019), and
   chunking with the chosen pair, beside the cost in windows per review.

Writes ``long_text.json`` and ``long_text.md`` into ``--out`` (default: the bundle's report
folder); ``--update-card`` also puts the figures into the bundle's model card.
"""

from __future__ import annotations

import argparse
import itertools
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.inference import chunking
from app.inference.pipeline import SentimentClassifier, pad_rows
from training.fit.data import Split, load_dataset, validation_split
from training.ship import measured

log = logging.getLogger("training")

HEAD_TOKENS = 128  # head + tail: the split Sun et al. (2019) found best for long IMDB reviews
OVERLAP_FRACTIONS = (0.0, 0.25, 0.5, 0.75)  # of the window; the grid searched on validation
_BATCH = 256


def window_probabilities(
    classifier: SentimentClassifier, token_ids: Sequence[np.ndarray], overlap: int
) -> list[np.ndarray]:
    """Each review's window probabilities at this overlap."""
    window = classifier.manifest.max_length
    rows: list[np.ndarray] = []
    counts = []
    for ids in token_ids:
        spans = chunking.window_spans(len(ids), window, overlap)
        rows.extend(ids[start:end] for start, end in spans)
        counts.append(len(spans))
    probabilities = _forward(classifier, rows)
    bounds = np.cumsum([0, *counts])
    return [probabilities[a:b] for a, b in itertools.pairwise(bounds)]


def _forward(classifier: SentimentClassifier, rows: Sequence[np.ndarray]) -> np.ndarray:
    pad_id = classifier.manifest.pad_id
    parts = [
        classifier.forward_grouped(pad_rows(rows[start : start + _BATCH], pad_id))
        for start in range(0, len(rows), _BATCH)
    ]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def _accuracy(scores: Sequence[float] | np.ndarray, labels: np.ndarray, threshold: float) -> float:
    return float(np.mean((np.asarray(scores) >= threshold) == (labels == 1)))


def long_reviews(classifier: SentimentClassifier, split: Split) -> tuple[Split, list[np.ndarray]]:
    """The reviews of ``split`` longer than the window, and all their token ids."""
    window = classifier.manifest.max_length
    kept, ids_kept = [], []
    for start in range(0, len(split), _BATCH):
        for offset, ids in enumerate(
            chunking.whole_token_ids(classifier, split.texts[start : start + _BATCH])
        ):
            if len(ids) > window:
                kept.append(start + offset)
                ids_kept.append(ids)
    return split.take(np.asarray(kept, dtype=np.int64)), ids_kept


def choose_policy(classifier: SentimentClassifier, validation: Split) -> dict[str, Any]:
    """Validation accuracy of every overlap x pooling pair on reviews longer than the window,
    and the chosen pair (best accuracy; ties: fewer windows, then the grid's order)."""
    window, threshold = classifier.manifest.max_length, classifier.manifest.threshold
    reviews, token_ids = long_reviews(classifier, validation)
    grid: list[dict[str, Any]] = []
    for fraction in OVERLAP_FRACTIONS:
        overlap = int(window * fraction)
        per_review = window_probabilities(classifier, token_ids, overlap)
        windows = float(np.mean([len(p) for p in per_review])) if per_review else 0.0
        for rule in chunking.POOLING_RULES:
            scores = [chunking.pool(p, rule) for p in per_review]
            accuracy = _accuracy(scores, reviews.labels, threshold) if scores else float("nan")
            grid.append(
                {"overlap": overlap, "pooling": rule, "accuracy": accuracy, "windows": windows}
            )
    scored = [row for row in grid if not np.isnan(row["accuracy"])]
    best = max(scored, key=lambda row: (row["accuracy"], -row["windows"])) if scored else None
    return {
        "reviews": len(reviews),
        "total_reviews": len(validation),
        "grid": grid,
        "chosen": None
        if best is None
        else {"overlap": best["overlap"], "pooling": best["pooling"]},
    }


def head_and_tail(ids: np.ndarray, window: int) -> np.ndarray:
    return np.concatenate([ids[:HEAD_TOKENS], ids[len(ids) - (window - HEAD_TOKENS) :]])


def compare_readings(
    classifier: SentimentClassifier, split: Split, policy: chunking.ChunkPolicy
) -> dict[str, Any]:
    """Accuracy on the reviews of ``split`` longer than the window, read three ways: truncated
    (as the model was trained), head + tail, and chunked with ``policy``."""
    manifest = classifier.manifest
    window, threshold = manifest.max_length, manifest.threshold
    reviews, token_ids = long_reviews(classifier, split)
    if not len(reviews):
        return {"reviews": 0, "total_reviews": len(split)}
    kept = slice(None, window) if manifest.truncation == "first" else slice(-window, None)
    truncate = _forward(classifier, [ids[kept] for ids in token_ids])
    both_ends = _forward(classifier, [head_and_tail(ids, window) for ids in token_ids])
    chunked = [
        prediction.score
        for start in range(0, len(reviews), _BATCH)
        for prediction in chunking.ChunkedScorer(classifier, policy)(
            reviews.texts[start : start + _BATCH]
        )
    ]
    windows = [len(chunking.window_spans(len(ids), window, policy.overlap)) for ids in token_ids]
    return {
        "reviews": len(reviews),
        "total_reviews": len(split),
        "tokens_median": float(np.median([len(ids) for ids in token_ids])),
        "accuracy": {
            "truncate": _accuracy(truncate, reviews.labels, threshold),
            "head_tail": _accuracy(both_ends, reviews.labels, threshold),
            "chunk": _accuracy(chunked, reviews.labels, threshold),
        },
        "windows_per_review": float(np.mean(windows)),
        "policy": {"overlap": policy.overlap, "pooling": policy.pooling},
    }


def measure(classifier: SentimentClassifier, validation: Split, test: Split) -> dict[str, Any]:
    """Choose the chunking policy on validation, compare the readings there (what decides the
    service's default), then report them on test."""
    choice = choose_policy(classifier, validation)
    log.info("validation: %d long reviews, chosen %s", choice["reviews"], choice["chosen"])
    chosen = choice["chosen"] or {"overlap": 0, "pooling": "mean"}
    policy = chunking.ChunkPolicy(chosen["overlap"], chosen["pooling"])
    test_accuracy = classifier.manifest.metrics.get("test", {}).get("accuracy")
    return {
        "window": classifier.manifest.max_length,
        "head_tokens": HEAD_TOKENS,
        "truncation": classifier.manifest.truncation,
        "validation": choice,
        "validation_readings": compare_readings(classifier, validation, policy),
        "test": compare_readings(classifier, test, policy),
        "test_accuracy_truncated": test_accuracy,
    }


def manifest_chunking(figures: dict[str, Any]) -> dict[str, Any] | None:
    """The manifest's ``chunking``: the overlap and pooling chosen on validation, which the
    service then chunks this model's texts with unless its settings say otherwise (None when
    no validation review was longer than the window: nothing was chosen)."""
    validation = figures["validation"]
    if validation["chosen"] is None:
        return None
    accuracy = next(
        row["accuracy"]
        for row in validation["grid"]
        if (row["overlap"], row["pooling"])
        == (validation["chosen"]["overlap"], validation["chosen"]["pooling"])
    )
    return {
        "chunking": {
            **validation["chosen"],
            "chosen_on": f"accuracy {accuracy:.4f} on the {validation['reviews']} validation"
            " reviews longer than the window (python -m training long-text)",
        }
    }


def card_lines(figures: dict[str, Any]) -> list[str]:
    """The long-review comparison (``training.studies.long_text``) as Markdown lines."""
    window, validation, test = figures["window"], figures["validation"], figures["test"]
    lines = [
        f"Reviews longer than the model's window of {window} tokens: {test['reviews']:,} of"
        f" {test['total_reviews']:,} test reviews and {validation['reviews']:,} of"
        f" {validation['total_reviews']:,} validation reviews.",
    ]
    if not test["reviews"] or validation["chosen"] is None:
        return [*lines, "", "Too few long reviews to compare the readings."]
    chosen, readings = validation["chosen"], figures["validation_readings"]
    lines += [
        "",
        f"Chunking chosen on validation: overlap {chosen['overlap']} tokens, pooling"
        f" `{chosen['pooling']}`. With `--update-card` it is recorded in the manifest"
        " (`chunking`), and the service chunks this model's texts so unless its settings"
        " `SENTIMENT_CHUNK_OVERLAP` or `SENTIMENT_CHUNK_POOLING` say otherwise:",
        "",
        "| overlap | pooling | validation accuracy (long reviews) | windows per review |",
        "|---|---|---|---|",
    ]
    for row in validation["grid"]:
        lines.append(
            f"| {row['overlap']} | {row['pooling']} | {row['accuracy']:.4f} |"
            f" {row['windows']:.2f} |"
        )
    head = figures["head_tokens"]
    names = {
        "truncate": f"truncate (the {figures['truncation']} {window} tokens, as trained)",
        "head_tail": f"head + tail ({head} + {window - head} tokens)",
        "chunk": f"chunk (overlap {chosen['overlap']}, {chosen['pooling']};"
        f" {test['windows_per_review']:.2f} windows per review)",
    }
    lines += [
        "",
        f"Accuracy on reviews longer than the window (test: {test['reviews']:,}, median"
        f" {test['tokens_median']:.0f} tokens):",
        "",
        "| reading | validation (long reviews) | test (long reviews) |",
        "|---|---|---|",
    ]
    for key, name in names.items():
        lines.append(f"| {name} | {readings['accuracy'][key]:.4f} | {test['accuracy'][key]:.4f} |")
    overall = figures.get("test_accuracy_truncated")
    if overall is not None:
        gain = (test["accuracy"]["chunk"] - test["accuracy"]["truncate"]) * test["reviews"]
        chunked = overall + gain / test["total_reviews"]
        lines += [
            "",
            "Shorter reviews score the same either way, so on the whole test split chunking"
            f" would move accuracy from {overall:.4f} to {chunked:.4f}.",
        ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.long_text", description=__doc__)
    measured.add_options(parser)
    args = parser.parse_args(argv)
    classifier = SentimentClassifier.from_bundle(args.bundle)
    config = classifier.manifest.config
    dataset = load_dataset(args.data, seed=config.get("seed", 42))
    _, validation = validation_split(
        dataset.train, config.get("validation_fraction", 0.1), config.get("seed", 42)
    )
    figures = measure(classifier, validation, dataset.test)
    measured.publish(args, "long_text", figures, card_lines(figures), manifest_chunking(figures))
    return 0
