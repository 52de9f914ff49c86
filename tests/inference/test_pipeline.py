"""preprocess -> forward -> postprocess on the shipped bundle."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from app.inference.pipeline import SentimentClassifier, label_for
from tests.conftest import SHIPPED_BUNDLE

POSITIVE = (
    "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling."
)
NEGATIVE = "This was the worst film I have ever seen. Boring, badly acted and far too long."


def test_recipe_samples_are_scored_confidently(classifier: SentimentClassifier) -> None:
    positive, negative = classifier.predict([POSITIVE, NEGATIVE])
    assert positive.label == "positive" and positive.score >= 0.9
    assert negative.label == "negative" and negative.score <= 0.1
    assert positive.tokens == 16 and not positive.truncated  # 14 words, "!" and "."


def test_the_label_is_positive_from_the_threshold_on() -> None:
    labels = ["negative", "positive"]
    assert label_for(0.5, labels, 0.5) == "positive"
    assert label_for(0.4999, labels, 0.5) == "negative"
    assert label_for(0.7, labels, 0.8) == "negative" and label_for(0.8, labels, 0.8) == "positive"


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


@pytest.mark.parametrize("forward_batch_size", [1, 3, 64])
def test_length_grouped_micro_batches_change_no_score(
    classifier: SentimentClassifier, forward_batch_size: int
) -> None:
    """predict orders rows by length and runs them a few at a time; every score is still the
    one the text gets alone, in the caller's order."""
    import random

    from tests.conftest import synthetic_reviews

    rng = random.Random(3)
    texts = [text[: rng.randint(0, len(text))] for text, _ in synthetic_reviews(23, seed=5)]
    texts += ["", NEGATIVE * 40, POSITIVE]
    grouped = SentimentClassifier(
        classifier.manifest,
        classifier.tokenizer,
        classifier.session,
        classifier.bundle_dir,
        forward_batch_size=forward_batch_size,
    )
    alone = np.array([classifier.predict([text])[0].score for text in texts])
    together = grouped.predict(texts)
    np.testing.assert_allclose([p.score for p in together], alone, atol=1e-6, rtol=0)
    assert [p.tokens for p in together] == [classifier.predict([t])[0].tokens for t in texts]


def test_forward_batch_size_must_be_positive(classifier: SentimentClassifier) -> None:
    with pytest.raises(ValueError, match="forward_batch_size"):
        SentimentClassifier(
            classifier.manifest,
            classifier.tokenizer,
            classifier.session,
            classifier.bundle_dir,
            forward_batch_size=0,
        )
