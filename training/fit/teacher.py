"""The teacher: an n-gram model fitted on the fit rows whose soft labels on unlabelled reviews the
network learns from (``distillation_reviews``), and whose most polar words the negation sentences
use. It is never part of a bundle.

Two kinds (``TrainConfig.teacher``):

- ``tfidf``: the yardstick's own recipe (``training.fit.ngram``), TF-IDF word 1-2 grams + logistic
  regression.
- ``nb``: NBSVM-style (Wang & Manning 2012), with logistic regression: binary word 1-3 grams,
  each scaled by its naive Bayes log-count ratio. On 5-fold cross-validation of the training split
  it is right one point more often than ``tfidf`` (91.5% against 90.5%;
  ``training.studies.teachers`` measures it).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from training.fit.config import TEACHERS, Teacher
from training.fit.data import Split
from training.fit.ngram import clean, fit_ngram_model

DESCRIPTIONS: Mapping[Teacher, str] = {
    "tfidf": "TF-IDF word 1-2 grams + logistic regression",
    "nb": "NBSVM-style naive-Bayes-scaled binary word 1-3 grams + logistic regression",
}
# Words, single characters included ("a", "i"), and "!" / "?", which carry sentiment.
_TOKEN_PATTERN = r"(?u)\b\w+\b|[!?]"
_NB_SMOOTHING = 1.0  # added to each feature's count in each class
_NB_C = 0.1  # inverse regularisation, chosen by cross-validation on the training split


class NaiveBayesScaling(TransformerMixin, BaseEstimator):
    """Scales each binary feature by log(P(feature | positive) / P(feature | negative))."""

    def fit(self, features: sparse.spmatrix, labels: np.ndarray) -> NaiveBayesScaling:
        labels = np.asarray(labels)
        positive = np.asarray(features[labels == 1].sum(axis=0)).ravel() + _NB_SMOOTHING
        negative = np.asarray(features[labels == 0].sum(axis=0)).ravel() + _NB_SMOOTHING
        self.ratio_ = np.log((positive / positive.sum()) / (negative / negative.sum()))
        return self

    def transform(self, features: sparse.spmatrix) -> sparse.csr_matrix:
        return sparse.csr_matrix(features.multiply(self.ratio_))


def fit_teacher(kind: Teacher, split: Split, seed: int) -> Pipeline:
    if kind == "tfidf":
        return fit_ngram_model(split, seed)
    if kind != "nb":
        raise ValueError(f"teacher must be one of {TEACHERS}, got {kind!r}")
    model = make_pipeline(
        CountVectorizer(
            preprocessor=clean, ngram_range=(1, 3), binary=True, token_pattern=_TOKEN_PATTERN
        ),
        NaiveBayesScaling(),
        LogisticRegression(C=_NB_C, solver="liblinear", dual=True, max_iter=2000),
    )
    return model.fit(split.texts, split.labels)


def feature_weights(teacher: Pipeline) -> tuple[Mapping[str, int], np.ndarray]:
    """The teacher's vocabulary and each feature's weight toward *positive* in its decision
    (the classifier's coefficient times any scaling in between)."""
    weights: np.ndarray = np.asarray(teacher[-1].coef_[0], dtype=np.float64)
    for step in teacher[1:-1]:
        scale: Any = getattr(step, "ratio_", None)
        if scale is not None:
            weights = weights * scale
    return teacher[0].vocabulary_, weights
