"""Postprocess: a text's probabilities -> its ``Prediction`` (label, score, scores).

A binary bundle gives the probability of ``labels[1]``: the label follows the threshold and
``score`` is that probability. A multiclass bundle gives a probability per label: the label is
the most probable one and ``score`` its probability. Both fill ``scores`` with every label's
probability (``app.inference.bundle`` has the contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.inference.bundle import Manifest


@dataclass(frozen=True)
class Prediction:
    label: str
    score: float
    tokens: int
    truncated: bool
    chunks: int | None = None  # windows scored, when a long text was read whole (chunking)
    # The probability of every label, in the manifest's order (binary: 1 - p and p).
    scores: dict[str, float] | None = None


def label_for(probability: float, labels: Sequence[str], threshold: float) -> str:
    """The label rule: the positive label (``labels[1]``) at or above the threshold, else the
    negative one (``labels[0]``)."""
    negative, positive = labels
    return positive if probability >= threshold else negative


def prediction_of(
    probabilities: np.ndarray | float,
    manifest: Manifest,
    tokens: int,
    truncated: bool,
    chunks: int | None = None,
) -> Prediction:
    """One text's prediction from its probabilities: for a binary bundle the probability of
    ``labels[1]`` (``score``; label by threshold), for a multiclass one a probability per label
    (label: the most probable, the first on a tie; ``score``: its probability)."""
    labels = manifest.labels
    if manifest.multiclass:
        values = [float(value) for value in np.asarray(probabilities).reshape(len(labels))]
        best = int(np.argmax(values))
        return Prediction(
            labels[best],
            values[best],
            tokens,
            truncated,
            chunks,
            dict(zip(labels, values, strict=True)),
        )
    probability = float(probabilities)
    negative, positive = labels
    return Prediction(
        label_for(probability, labels, manifest.threshold),
        probability,
        tokens,
        truncated,
        chunks,
        {negative: 1.0 - probability, positive: probability},
    )


def score_of(probabilities: np.ndarray | float, label_index: int | None) -> float:
    """The probability an explanation weighs: of ``labels[1]`` (binary: ``label_index`` None),
    or of the label at ``label_index`` (multiclass)."""
    if label_index is None:
        return float(probabilities)
    return float(np.asarray(probabilities)[label_index])
