"""Per-label figures for any number of labels: class balance is in the data's description; here
precision, recall and F1 of each label, their unweighted mean (macro-F1, which a model that
ignores a rare label cannot hide behind accuracy), and the confusion matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn import metrics as skm


def class_metrics(
    labels: np.ndarray, predicted: np.ndarray, names: Sequence[str]
) -> dict[str, Any]:
    """Accuracy, macro-F1, each label's precision/recall/F1/support and the confusion matrix
    (rows: true label, columns: predicted), for label indices into ``names``."""
    indices = list(range(len(names)))
    precision, recall, f1, support = skm.precision_recall_fscore_support(
        labels, predicted, labels=indices, zero_division=0
    )
    per_label = {
        name: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, name in enumerate(names)
    }
    confusion = skm.confusion_matrix(labels, predicted, labels=indices)
    return {
        "examples": len(labels),
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "macro_f1": float(np.mean(f1)),
        "per_label": per_label,
        "confusion": {"labels": list(names), "matrix": confusion.astype(int).tolist()},
    }


def multiclass_metrics(
    labels: np.ndarray, probabilities: np.ndarray, names: Sequence[str]
) -> dict[str, Any]:
    """``class_metrics`` of the most probable label, with the log-loss of the probabilities."""
    result = class_metrics(labels, np.argmax(probabilities, axis=1), names)
    clipped = np.clip(probabilities, 1e-7, 1.0)
    result["log_loss"] = float(skm.log_loss(labels, clipped, labels=list(range(len(names)))))
    return result
