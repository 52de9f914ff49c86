"""Score a classifier on a labelled split: metrics and the plots that go into the report."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only; no display on servers or in CI
import matplotlib.pyplot as plt
import numpy as np
from sklearn import metrics as skm

from app.inference.pipeline import SentimentClassifier
from training.fit.data import LABELS, Split

log = logging.getLogger(__name__)


def binary_metrics(
    labels: np.ndarray, scores: np.ndarray, threshold: float = 0.5
) -> dict[str, Any]:
    predicted = (scores >= threshold).astype(np.int64)
    tn, fp, fn, tp = skm.confusion_matrix(labels, predicted, labels=[0, 1]).ravel()
    return {
        "examples": len(labels),
        "accuracy": float(skm.accuracy_score(labels, predicted)),
        "precision": float(skm.precision_score(labels, predicted, zero_division=0)),
        "recall": float(skm.recall_score(labels, predicted, zero_division=0)),
        "f1": float(skm.f1_score(labels, predicted, zero_division=0)),
        "roc_auc": float(skm.roc_auc_score(labels, scores)),
        "confusion_matrix": {"tn": int(tn), "fp": int(fp), "fn": int(fn), "tp": int(tp)},
    }


def score_split(
    classifier: SentimentClassifier,
    split: Split,
    batch_size: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Probabilities for every text, through the serving pipeline: [n] of the positive label
    (two labels) or [n, labels] (more)."""
    parts = []
    for start in range(0, len(split), batch_size):
        texts = split.texts[start : start + batch_size]
        parts.append(served_probabilities(classifier, texts))
        if progress is not None:
            progress(start + len(texts), len(split))
    if not parts:
        return np.empty((0, *classifier.row_shape), dtype=np.float32)
    return np.concatenate(parts).astype(np.float32)


def served_probabilities(classifier: SentimentClassifier, texts: Sequence[str]) -> np.ndarray:
    """What the server says of each text: [n] probabilities of labels[1] (two labels), or
    [n, labels] (more)."""
    predictions = classifier.predict(texts)
    if not classifier.manifest.multiclass:
        return np.array([p.score for p in predictions], dtype=np.float32)
    labels = classifier.manifest.labels
    return np.array(
        [[(p.scores or {})[label] for label in labels] for p in predictions], dtype=np.float32
    )


def plot_history(history: Mapping[str, Sequence[float]], out_dir: Path) -> list[Path]:
    """Accuracy and loss per epoch, training vs validation, as the recipe draws them."""
    paths = []
    epochs = np.arange(1, len(history["loss"]) + 1)
    for key, title in (("accuracy", "Accuracy"), ("loss", "Loss")):
        figure, axes = plt.subplots(figsize=(6, 4))
        axes.plot(epochs, history[key], "o-", label="training")
        axes.plot(epochs, history[f"val_{key}"], "s-", label="validation")
        axes.set(title=f"{title} per epoch", xlabel="epoch", ylabel=key.lower())
        axes.set_xticks(epochs)
        axes.legend()
        axes.grid(alpha=0.3)
        paths.append(_save(figure, out_dir / f"{key}.png"))
    return paths


def plot_roc(labels: np.ndarray, scores: np.ndarray, out_dir: Path, auc: float) -> Path:
    false_positive, true_positive, _ = skm.roc_curve(labels, scores)
    figure, axes = plt.subplots(figsize=(5, 5))
    axes.plot(false_positive, true_positive, label=f"model (AUC = {auc:.4f})")
    axes.plot([0, 1], [0, 1], "--", color="grey", label="chance")
    axes.set(
        title="ROC curve, test split", xlabel="false positive rate", ylabel="true positive rate"
    )
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    return _save(figure, out_dir / "roc.png")


def plot_confusion(confusion: dict[str, int], out_dir: Path) -> Path:
    """The two-label confusion matrix, from its tn/fp/fn/tp counts."""
    matrix = np.array([[confusion["tn"], confusion["fp"]], [confusion["fn"], confusion["tp"]]])
    return plot_confusion_matrix(matrix, LABELS, out_dir)


def plot_confusion_matrix(matrix: np.ndarray, labels: Sequence[str], out_dir: Path) -> Path:
    """Rows: the true label; columns: the predicted one."""
    matrix = np.asarray(matrix)
    size = max(4.5, 1.2 * len(labels))
    figure, axes = plt.subplots(figsize=(size + 0.5, size))
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes)
    ticks = list(range(len(labels)))
    axes.set(
        title="Confusion matrix, test split",
        xlabel="predicted",
        ylabel="true",
        xticks=ticks,
        yticks=ticks,
        xticklabels=list(labels),
        yticklabels=list(labels),
    )
    for (row, column), count in np.ndenumerate(matrix):
        colour = "white" if count > matrix.max() / 2 else "black"
        axes.text(column, row, f"{count:,}", ha="center", va="center", color=colour)
    return _save(figure, out_dir / "confusion_matrix.png")


def _save(figure: plt.Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path
