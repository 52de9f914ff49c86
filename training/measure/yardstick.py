"""The yardstick every bundle is compared with on the same split: the n-gram model
(``training.fit.ngram``) fitted on the training split and scored on the test split."""

from __future__ import annotations

import time
from typing import Any

from training.fit.data import Split
from training.fit.ngram import fit_ngram_model, positive_scores
from training.measure.metrics import binary_metrics


def tfidf_logistic_regression(train: Split, test: Split, seed: int) -> dict[str, Any]:
    """The yardstick: fit on the training split, score the test split; returns its metrics
    and fit time."""
    started = time.perf_counter()
    model = fit_ngram_model(train, seed)
    result = binary_metrics(test.labels, positive_scores(model, test.texts))
    result["fit_seconds"] = round(time.perf_counter() - started, 1)
    result["features"] = len(model[0].vocabulary_)
    return result
