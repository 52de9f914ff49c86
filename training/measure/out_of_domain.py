"""Text that is not an IMDB review: how a binary bundle does on the ``ood/`` sets.

The sets (``../shared/data/ood/``, never committed) are Amazon book and DVD reviews and airline
tweets; a binary model is scored on the tweets' positive and negative rows only, which are 80%
negative, so balanced accuracy is reported beside accuracy. They are for validation: nothing is
trained on them and no threshold or temperature is fitted on them. Each bundle is scored with its
own threshold, through the serving code, exactly as the server would answer.

``training.studies.out_of_domain`` (``python -m training out-of-domain``) compares bundles on them
beside two yardsticks; the exporter scores every new bundle on them.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn import metrics as skm

from training.fit.calibration import expected_calibration_error
from training.fit.data import DEFAULT_OOD_DIR, Split

log = logging.getLogger(__name__)

# name -> file; each a CSV with text,label columns.
OOD_FILES = {
    "amazon_books": "amazon_books.csv",
    "amazon_dvd": "amazon_dvd.csv",
    "airline_tweets": "airline_tweets.csv",
}
_BINARY_LABELS = {"negative": 0, "positive": 1}

Scorer = Callable[[Sequence[str]], np.ndarray]  # texts -> probability of positive


def available(ood_dir: Path = DEFAULT_OOD_DIR) -> bool:
    return all((ood_dir / name).is_file() for name in OOD_FILES.values())


def load_binary_sets(ood_dir: Path = DEFAULT_OOD_DIR) -> dict[str, Split]:
    """Every set's positive and negative rows (the tweets' neutral rows are left out)."""
    sets = {}
    for name, file in OOD_FILES.items():
        texts, labels = [], []
        with (ood_dir / file).open(encoding="utf-8", newline="") as stream:
            for row in csv.DictReader(stream):
                label = _BINARY_LABELS.get(row["label"].strip().lower())
                if label is not None:
                    texts.append(row["text"])
                    labels.append(label)
        sets[name] = Split(texts, np.array(labels, dtype=np.int64))
    return sets


def set_metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = (scores >= threshold).astype(np.int64)
    return {
        "examples": len(labels),
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(labels, predicted)),
        "roc_auc": float(skm.roc_auc_score(labels, scores)),
        "ece": expected_calibration_error(labels, scores),
        "positive_rate": float(predicted.mean()),
    }


def evaluate(score: Scorer, sets: Mapping[str, Split], threshold: float = 0.5) -> dict[str, Any]:
    """Metrics of one scorer on every set, and the mean accuracy over the sets."""
    scores = {name: score(data.texts) for name, data in sets.items()}
    return evaluate_scores(scores, sets, threshold)


def evaluate_scores(
    scores: Mapping[str, np.ndarray], sets: Mapping[str, Split], threshold: float = 0.5
) -> dict[str, Any]:
    """``evaluate`` of scores already computed, by set name."""
    result: dict[str, Any] = {
        name: set_metrics(data.labels, scores[name], threshold) for name, data in sets.items()
    }
    result["mean_accuracy"] = float(np.mean([result[name]["accuracy"] for name in sets]))
    return result


def summary(result: Mapping[str, Any]) -> dict[str, Any]:
    """The figures a trial records: per set accuracy, balanced accuracy, ROC-AUC and ECE."""
    keys = ("accuracy", "balanced_accuracy", "roc_auc", "ece")
    compact: dict[str, Any] = {
        name: {key: round(result[name][key], 4) for key in keys} for name in OOD_FILES
    }
    compact["mean_accuracy"] = round(result["mean_accuracy"], 4)
    return compact


def classifier_scorer(classifier: Any, batch_size: int = 256) -> Scorer:
    """Positive probabilities through ``SentimentClassifier.predict`` (the serving path)."""

    def score(texts: Sequence[str]) -> np.ndarray:
        scores = np.empty(len(texts), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            chunk = texts[start : start + batch_size]
            scores[start : start + len(chunk)] = [p.score for p in classifier.predict(chunk)]
        return scores

    return score
