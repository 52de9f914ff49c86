"""The yardstick every bundle is compared with on the same split: the n-gram model
(``training.fit.ngram``) fitted on the training split and scored on the test split."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from training.fit.data import LABELS, Split
from training.fit.ngram import fit_ngram_model, positive_scores
from training.measure.classes import class_metrics, multiclass_metrics
from training.measure.metrics import binary_metrics


def tfidf_logistic_regression(
    train: Split, test: Split, seed: int, labels: Sequence[str] = LABELS
) -> dict[str, Any]:
    """The yardstick: fit on the training split, score the test split; returns its metrics
    (with macro-F1 and each label's figures) and fit time."""
    started = time.perf_counter()
    model = fit_ngram_model(train, seed)
    if len(labels) == 2:
        scores = positive_scores(model, test.texts)
        result = binary_metrics(test.labels, scores)
        per_label = class_metrics(test.labels, (scores >= 0.5).astype(np.int64), labels)
        result.update(macro_f1=per_label["macro_f1"], per_label=per_label["per_label"])
    else:
        result = multiclass_metrics(test.labels, model.predict_proba(test.texts), labels)
    result["fit_seconds"] = round(time.perf_counter() - started, 1)
    result["features"] = len(model[0].vocabulary_)
    return result
