"""The teacher: an n-gram model fitted on the fit rows whose soft labels on unlabelled reviews the
network learns from (``distillation_reviews``), and whose most polar words the negation sentences
use. It is never part of a bundle.

With ``TrainConfig.teacher_bundle``, a model trained before (a bundle, scored with onnxruntime as
served) labels the same reviews too, and the network learns from the mean of the two teachers'
probabilities (``mean_scores``): the n-gram model reads a review's words and phrases, the bundle
reads it in order; they err on different reviews, so their mean is right more often than
either.

Two kinds (``TrainConfig.teacher``):

- ``tfidf``: the yardstick's own recipe (``training.fit.ngram``), TF-IDF word 1-2 grams + logistic
  regression.
- ``nb``: NBSVM-style (Wang & Manning 2012), with logistic regression: binary word 1-3 grams,
  each scaled by its naive Bayes log-count ratio. On 5-fold cross-validation of the training split
  it is right one point more often than ``tfidf`` (91.5% against 90.5%;
  ``training.studies.teachers`` measures it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from app.inference.pipeline import SentimentClassifier
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


_BUNDLE_BATCH = 64


def teacher_bundle(bundle: Path, threads: int = 2) -> SentimentClassifier:
    """A bundle loaded and verified as the service loads it, to score texts as a teacher."""
    classifier = SentimentClassifier.from_bundle(bundle, intra_op_threads=threads)
    if classifier.manifest.multiclass:
        raise ValueError(f"{bundle}: a teacher bundle must have two labels")
    return classifier


def bundle_scores(classifier: SentimentClassifier, texts: Sequence[str]) -> np.ndarray:
    """The bundle's positive probability for each text, as the service computes it (a text
    longer than the bundle's ``max_length`` is truncated, not chunked: the network sees it that
    way). ``training.measure.metrics.score_split`` does the same for a split, a layer up."""
    scores = [
        prediction.score
        for start in range(0, len(texts), _BUNDLE_BATCH)
        for prediction in classifier.predict(texts[start : start + _BUNDLE_BATCH])
    ]
    return np.asarray(scores, dtype=np.float32)


def mean_scores(*scores: np.ndarray) -> np.ndarray:
    """The teachers' mean probability of positive, row by row."""
    return np.mean(np.stack(scores), axis=0).astype(np.float32)
