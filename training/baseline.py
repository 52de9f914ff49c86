"""The yardstick on the same split: TF-IDF word uni- and bigrams + logistic regression."""

from __future__ import annotations

import re
import time
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from training.data import Split
from training.evaluate import binary_metrics

_LINE_BREAK = re.compile(r"<br\s*/?>")


def _clean(text: str) -> str:
    return _LINE_BREAK.sub(" ", text).lower()


def tfidf_logistic_regression(train: Split, test: Split, seed: int) -> dict[str, Any]:
    """Fit on the training split, score the test split; returns its metrics and fit time."""
    started = time.perf_counter()
    vectorizer = TfidfVectorizer(
        preprocessor=_clean, ngram_range=(1, 2), min_df=2, max_df=0.95, sublinear_tf=True
    )
    features = vectorizer.fit_transform(train.texts)
    classifier = LogisticRegression(C=4.0, max_iter=1000, random_state=seed)
    classifier.fit(features, train.labels)
    scores = classifier.predict_proba(vectorizer.transform(test.texts))[:, 1]
    result = binary_metrics(test.labels, scores)
    result["fit_seconds"] = round(time.perf_counter() - started, 1)
    result["features"] = len(vectorizer.vocabulary_)
    return result
