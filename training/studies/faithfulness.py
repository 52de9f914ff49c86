"""Do the explanations point at the words the model relies on? A deletion test.

    python -m training.faithfulness --bundle models/imdb-sentiment \\
        --data ../shared/data/aclImdb_v1_labeled.tar.gz [--reviews 500] [--out DIR] [--update-card]

For a seeded sample of test reviews, the served explainer (``app.inference.explain``, reading
long reviews as the service does by default: truncated) weighs every token the model reads.
Then the review is scored again (a) without the 5 tokens that weigh most for its predicted
label and (b) without 5 tokens drawn at random (seeded). The "move" is how far the score goes
away from the predicted label. Faithful explanations move it more in (a) than in (b): on
average, and for most reviews (the target is at least 80%). Reviews with fewer than 10 tokens
are left out of the sample (deleting 5 of them says little).

Writes ``faithfulness.json`` and ``.md`` into ``--out`` (default: the bundle's report folder);
``--update-card`` also puts the figures into the bundle's model card.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from app.inference.chunking import ChunkPolicy
from app.inference.explain import Explainer
from app.inference.pipeline import SentimentClassifier, pad_rows
from training.fit.data import Split, load_dataset
from training.ship import measured

log = logging.getLogger("training")

DELETED = 5
MIN_TOKENS = 10
_BATCH = 16  # reviews explained per call: up to 16 x 501 rows


def measure(
    classifier: SentimentClassifier, test: Split, reviews: int = 500, seed: int = 42
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    explainer = Explainer(classifier, "truncate", ChunkPolicy(0, "mean"))
    manifest = classifier.manifest
    pad_id, labels, threshold = manifest.pad_id, manifest.labels, manifest.threshold
    top_moves: list[float] = []
    random_moves: list[float] = []
    margins_to_threshold: list[float] = []
    order = rng.permutation(len(test))
    for start in range(0, len(test), _BATCH):
        if len(top_moves) >= reviews:
            break
        texts = [test.texts[i] for i in order[start : start + _BATCH]]
        ids_read = classifier.encode(texts)
        rows: list[np.ndarray] = []
        signs: list[float] = []
        full_scores: list[float] = []
        for index, explanation in enumerate(explainer(texts)):
            length = int(ids_read.lengths[index])
            if length < MIN_TOKENS or len(top_moves) + len(signs) >= reviews:
                continue
            ids = ids_read.input_ids[index, :length]
            sign = 1.0 if explanation.prediction.label == labels[1] else -1.0
            weights = sign * np.array([token.weight for token in explanation.tokens])
            top = np.argsort(-weights, kind="stable")[:DELETED]
            random = rng.choice(length, size=DELETED, replace=False)
            rows += [np.delete(ids, top), np.delete(ids, random)]
            signs.append(sign)
            full_scores.append(explanation.prediction.score)
        if not rows:
            continue
        scores = classifier.forward_grouped(pad_rows(rows, pad_id)).reshape(-1, 2)
        for sign, full, (without_top, without_random) in zip(
            signs, full_scores, scores, strict=True
        ):
            margins_to_threshold.append(sign * (full - threshold))
            top_moves.append(sign * (full - float(without_top)))
            random_moves.append(sign * (full - float(without_random)))
        log.info("%d reviews explained", len(top_moves))
    top, random = np.array(top_moves), np.array(random_moves)
    # A move beyond the distance to the threshold flips the label.
    margins = np.array(margins_to_threshold)
    return {
        "reviews": len(top),
        "deleted_tokens": DELETED,
        "seed": seed,
        "long_text": "truncate",
        "mean_move_top": float(top.mean()) if len(top) else float("nan"),
        "mean_move_random": float(random.mean()) if len(top) else float("nan"),
        "share_top_moves_more": float(np.mean(top > random)) if len(top) else float("nan"),
        "median_move_top": float(np.median(top)) if len(top) else float("nan"),
        "median_move_random": float(np.median(random)) if len(top) else float("nan"),
        "share_label_flipped_top": float(np.mean(top > margins)) if len(top) else float("nan"),
        "share_label_flipped_random": float(np.mean(random > margins))
        if len(top)
        else float("nan"),
    }


def card_lines(figures: dict[str, Any]) -> list[str]:
    """The deletion test of explanations (``training.studies.faithfulness``) as Markdown lines."""
    deleted = figures["deleted_tokens"]
    return [
        f"Explanations (`POST /explain`, occlusion) on {figures['reviews']:,} test reviews"
        f" (seed {figures['seed']}, read as `{figures['long_text']}`): deleting the {deleted}"
        " tokens weighted most toward the predicted label moves the score away from it by"
        f" {figures['mean_move_top']:.4f} on average, deleting {deleted} random tokens by"
        f" {figures['mean_move_random']:.4f}; the top tokens move it more for"
        f" **{figures['share_top_moves_more']:.1%}** of the reviews (medians"
        f" {figures['median_move_top']:.4f} and {figures['median_move_random']:.4f}). Deleting"
        f" the top tokens flips the label of {figures['share_label_flipped_top']:.1%} of the"
        f" reviews, deleting random ones {figures['share_label_flipped_random']:.1%}.",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.faithfulness", description=__doc__)
    measured.add_options(parser)
    parser.add_argument("--reviews", type=int, default=500)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    classifier = SentimentClassifier.from_bundle(args.bundle)
    test = load_dataset(args.data, seed=args.seed).test
    figures = measure(classifier, test, args.reviews, args.seed)
    measured.publish(args, "faithfulness", figures, card_lines(figures))
    return 0
