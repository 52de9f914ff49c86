"""preprocess -> forward -> postprocess on the shipped bundle."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from app.inference.pipeline import SentimentClassifier
from tests.inference.conftest import SHIPPED_BUNDLE

POSITIVE = (
    "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling."
)
NEGATIVE = "This was the worst film I have ever seen. Boring, badly acted and far too long."


@pytest.fixture(scope="module")
def classifier() -> SentimentClassifier:
    return SentimentClassifier.from_bundle(SHIPPED_BUNDLE)


def test_recipe_samples_are_scored_confidently(classifier: SentimentClassifier) -> None:
    positive, negative = classifier.predict([POSITIVE, NEGATIVE])
    assert positive.label == "positive" and positive.score >= 0.9
    assert negative.label == "negative" and negative.score <= 0.1
    assert positive.tokens == 16 and not positive.truncated  # 14 words, "!" and "."


def test_score_is_independent_of_batch_and_padding(classifier: SentimentClassifier) -> None:
    texts = [POSITIVE, "", NEGATIVE * 30, "ok", "Not bad at all.<br />Quite good!", "😀 שלום"]
    batched = np.array([p.score for p in classifier.predict(texts)])
    alone = np.array([classifier.predict([text])[0].score for text in texts])
    reversed_batch = np.array([p.score for p in classifier.predict(texts[::-1])])[::-1]
    np.testing.assert_allclose(batched, alone, atol=1e-6, rtol=0)
    np.testing.assert_allclose(reversed_batch, alone, atol=1e-6, rtol=0)


def test_long_text_is_truncated_at_max_length(classifier: SentimentClassifier) -> None:
    (prediction,) = classifier.predict([NEGATIVE * 100])
    assert prediction.truncated and prediction.tokens == classifier.manifest.max_length


def test_empty_batch_and_empty_text(classifier: SentimentClassifier) -> None:
    assert classifier.predict([]) == []
    (empty,) = classifier.predict([""])
    assert empty.tokens == 0 and 0.0 <= empty.score <= 1.0


def test_serving_code_never_imports_tensorflow() -> None:
    code = (
        "import sys; from app.inference.pipeline import SentimentClassifier;"
        f"SentimentClassifier.from_bundle(__import__('pathlib').Path({str(SHIPPED_BUNDLE)!r}))"
        ".predict(['fine']);"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf2onnx')];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
