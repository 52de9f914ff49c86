"""The n-gram model: TF-IDF word uni- and bigrams + logistic regression.

Fitted on the training split it is the yardstick every bundle is compared with
(``training.measure.yardstick``); fitted on the fit rows only, it is one of the teachers whose
soft labels on unlabelled reviews the network can learn from
(``training.fit.teacher``, ``--teacher tfidf``). It is never part of a bundle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from training.fit.data import Split

_LINE_BREAK = re.compile(r"<br\s*/?>")


def clean(text: str) -> str:
    """Line breaks out, lower case: what every n-gram model here reads."""
    return _LINE_BREAK.sub(" ", text).lower()


def fit_ngram_model(train: Split, seed: int) -> Pipeline:
    """TF-IDF over word uni- and bigrams (seen in at least 2 reviews) + logistic regression."""
    model = make_pipeline(
        TfidfVectorizer(
            preprocessor=clean, ngram_range=(1, 2), min_df=2, max_df=0.95, sublinear_tf=True
        ),
        LogisticRegression(C=4.0, max_iter=1000, random_state=seed),
    )
    return model.fit(train.texts, train.labels)


def positive_scores(model: Pipeline, texts: Sequence[str]) -> np.ndarray:
    return model.predict_proba(list(texts))[:, 1].astype(np.float32)
