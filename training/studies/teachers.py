"""Compare the teachers on k-fold cross-validation of a training split (the test split is not
read): the figures behind --teacher nb."""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import StratifiedKFold

from training.fit.config import TEACHERS, Teacher
from training.fit.data import DEFAULT_DATA, Split, load_dataset
from training.fit.ngram import positive_scores
from training.fit.teacher import DESCRIPTIONS, fit_teacher


def cross_validate(split: Split, kinds: Sequence[Teacher], folds: int, seed: int) -> dict[str, Any]:
    """Accuracy of each kind of teacher on ``folds``-fold stratified cross-validation of
    ``split``: each fold fitted on the others, the same folds for every kind."""
    texts = np.array(split.texts, dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    results: dict[str, Any] = {}
    for kind in kinds:
        accuracies = []
        started = time.perf_counter()
        for fit_rows, held_out in splitter.split(texts, split.labels):
            teacher = fit_teacher(kind, split.take(fit_rows), seed)
            scores = positive_scores(teacher, list(texts[held_out]))
            accuracies.append(float(np.mean((scores >= 0.5) == split.labels[held_out])))
        results[kind] = {
            "accuracy": float(np.mean(accuracies)),
            "folds": accuracies,
            "seconds_per_fit": round((time.perf_counter() - started) / folds, 1),
        }
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m training.teacher", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    train = load_dataset(args.data).train
    results = cross_validate(train, TEACHERS, args.folds, args.seed)
    print(f"{args.folds}-fold cross-validation on {len(train):,} training reviews")  # noqa: T201
    print("| teacher | accuracy | folds | seconds per fit |")  # noqa: T201
    print("|---|---|---|---|")  # noqa: T201
    for kind in TEACHERS:
        result = results[kind]
        folds = " ".join(f"{accuracy:.4f}" for accuracy in result["folds"])
        print(  # noqa: T201 - the command's output
            f"| {kind}: {DESCRIPTIONS[kind]} | {result['accuracy']:.4f} | {folds}"
            f" | {result['seconds_per_fit']} |"
        )
    return 0
