"""Occlusion explanations: offsets into the text, weights that are real score differences,
deterministic and independent of batch mates."""

from __future__ import annotations

import numpy as np
import pytest

from app.inference.chunking import ChunkedScorer, ChunkPolicy, whole_token_ids
from app.inference.explain import Explainer
from app.inference.pipeline import SentimentClassifier

MIXED = "The plot was dull, but the acting was superb."
POLICY = ChunkPolicy(100, "mean")
FULL = "\uff26\uff35\uff2c\uff2c"  # "FULL" in full-width letters (NFKC folds them)


def test_tokens_index_the_original_text(classifier: SentimentClassifier) -> None:
    text = f"Café 😀 {FULL}<br />Great!  It's the BEST film...ever."
    (explanation,) = Explainer(classifier, "truncate", POLICY)([text])
    assert [t.text for t in explanation.tokens][:5] == ["Café", "😀", FULL, "Great", "!"]
    for token in explanation.tokens:
        assert text[token.start : token.end] == token.text
    assert explanation.prediction.tokens == len(explanation.tokens)


def test_a_weight_is_the_score_minus_the_score_without_the_token(
    classifier: SentimentClassifier,
) -> None:
    (explanation,) = Explainer(classifier, "truncate", POLICY)([MIXED])
    ids = classifier.encode([MIXED]).input_ids[0]
    full = classifier.forward(ids[None, :])[0]
    assert explanation.prediction.score == pytest.approx(full, abs=1e-6)
    for position, token in enumerate(explanation.tokens):
        without = classifier.forward(np.delete(ids, position)[None, :])[0]
        assert token.weight == pytest.approx(full - without, abs=1e-6)
    weights = {token.text: token.weight for token in explanation.tokens}
    assert weights["dull"] < 0 < weights["superb"]
    assert min(weights.values()) == weights["dull"]


def test_explanations_are_deterministic_and_ignore_batch_mates(
    classifier: SentimentClassifier,
) -> None:
    explainer = Explainer(classifier, "truncate", POLICY)
    others = ["Awful.", "good " * 30, "", "A fine, moving film with a weak ending."]
    (alone,) = explainer([MIXED])
    again = explainer([MIXED])[0]
    together = explainer([*others, MIXED])[-1]
    for other in (again, together):
        assert [t.text for t in other.tokens] == [t.text for t in alone.tokens]
        np.testing.assert_allclose(
            [t.weight for t in other.tokens], [t.weight for t in alone.tokens], atol=1e-6, rtol=0
        )


def test_truncation_explains_the_window_read(classifier: SentimentClassifier) -> None:
    text = "great " * 600
    explainer = Explainer(classifier, "truncate", POLICY)
    (explanation,) = explainer([text])
    assert len(explanation.tokens) == 500 and explanation.prediction.truncated
    assert explainer.count_tokens([text, MIXED]) == 500 + 11


def test_chunked_explanations_cover_every_token(classifier: SentimentClassifier) -> None:
    text = "dull boring plot . " * 40 + "but a superb ending . " * 10
    small = SentimentClassifier(
        classifier.manifest.model_copy(update={"max_length": 60}),
        classifier.tokenizer,
        classifier.session,
        classifier.bundle_dir,
    )
    explainer = Explainer(small, "chunk", POLICY.__class__(20, "mean"))
    (explanation,) = explainer([text])
    (ids,) = whole_token_ids(small, [text])
    assert len(explanation.tokens) == len(ids) == explainer.count_tokens([text]) > 60
    expected = ChunkedScorer(small, ChunkPolicy(20, "mean"))([text])[0]
    assert explanation.prediction.score == pytest.approx(expected.score, abs=1e-6)
    assert explanation.prediction.chunks == expected.chunks and expected.chunks > 2
    last = explanation.tokens[-2]  # "ending", read only by the last window
    assert last.text == "ending" and last.weight != 0


def test_empty_and_unknown_texts(classifier: SentimentClassifier) -> None:
    empty, unknown = Explainer(classifier, "truncate", POLICY)(["", "zzzqqq"])
    assert empty.tokens == [] and empty.prediction.tokens == 0
    assert [t.text for t in unknown.tokens] == ["zzzqqq"]
