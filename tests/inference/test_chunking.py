"""Long texts read whole: windows, pooling, and scores that ignore batch mates."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from app.inference import chunking
from app.inference.bundle import MANIFEST_FILE, BundleError, ChunkReading
from app.inference.chunking import (
    FALLBACK_POLICY,
    POOLING_RULES,
    ChunkedScorer,
    ChunkPolicy,
    Tokenized,
    pool,
    served_policy,
    whole_token_ids,
    window_spans,
    windowed,
)
from app.inference.pipeline import SentimentClassifier
from tests.conftest import synthetic_reviews

BAD_THEN_GOOD = "dull boring awful plot . " * 130 + "but the ending was superb and moving . " * 40


def with_batch_size(classifier: SentimentClassifier, size: int) -> SentimentClassifier:
    return SentimentClassifier(
        classifier.manifest,
        classifier.tokenizer,
        classifier.session,
        classifier.bundle_dir,
        forward_batch_size=size,
    )


def test_a_text_within_the_window_is_one_span() -> None:
    assert window_spans(0, 500, 100) == [(0, 0)]
    assert window_spans(500, 500, 100) == [(0, 500)]


@pytest.mark.parametrize(("tokens", "overlap"), [(501, 0), (1234, 0), (1234, 250), (2000, 499)])
def test_long_texts_are_covered_by_full_overlapping_windows(tokens: int, overlap: int) -> None:
    spans = window_spans(tokens, 500, overlap)
    assert all(end - start == 500 for start, end in spans)
    assert spans[0][0] == 0 and spans[-1][1] == tokens
    covered = np.zeros(tokens, dtype=bool)
    for start, end in spans:
        covered[start:end] = True
    assert covered.all()
    starts = [start for start, _ in spans]
    assert all(b - a == 500 - overlap for a, b in itertools.pairwise(starts[:-1]))
    assert 0 < starts[-1] - starts[-2] <= 500 - overlap


def test_pooling_rules() -> None:
    probabilities = np.array([0.9, 0.2, 0.6], dtype=np.float32)
    assert pool(probabilities, "mean") == pytest.approx(0.5666667, abs=1e-6)
    logits = np.log(probabilities / (1 - probabilities))
    assert pool(probabilities, "logit_mean") == pytest.approx(1 / (1 + np.exp(-logits.mean())))
    assert pool(probabilities, "max_confidence") == pytest.approx(0.9)
    for rule in POOLING_RULES:
        assert pool(np.array([0.3], dtype=np.float32), rule) == np.float32(0.3)


def test_the_overlap_must_be_below_the_window() -> None:
    ChunkPolicy(499, "mean").check(500)
    with pytest.raises(ValueError, match="below the model's window"):
        ChunkPolicy(500, "mean").check(500)


def test_short_texts_score_as_without_chunking(classifier: SentimentClassifier) -> None:
    texts = [text for text, _ in synthetic_reviews(12, seed=2)] + ["", "!!!"]
    chunked = ChunkedScorer(classifier, ChunkPolicy(250, "mean"))(texts)
    truncated = classifier.predict(texts)
    np.testing.assert_allclose(
        [p.score for p in chunked], [p.score for p in truncated], atol=1e-6, rtol=0
    )
    assert [p.chunks for p in chunked] == [1] * len(texts)
    assert [p.tokens for p in chunked] == [p.tokens for p in truncated]


@pytest.mark.parametrize("rule", POOLING_RULES)
def test_a_long_text_is_its_windows_pooled(classifier: SentimentClassifier, rule: str) -> None:
    policy = ChunkPolicy(100, rule)  # type: ignore[arg-type]
    (prediction,) = ChunkedScorer(classifier, policy)([BAD_THEN_GOOD])
    (ids,) = whole_token_ids(classifier, [BAD_THEN_GOOD])
    spans = window_spans(len(ids), 500, 100)
    alone = np.array([classifier.forward(ids[None, start:end])[0] for start, end in spans])
    assert prediction.chunks == len(spans) == 3
    assert prediction.tokens == len(ids) > 500 and prediction.truncated is False
    assert prediction.score == pytest.approx(pool(alone, policy.pooling), abs=1e-6)
    # The verdict at the end is read: the windows disagree, so pooling has work to do.
    assert alone.min() < 0.5 < alone.max()


@pytest.mark.parametrize("forward_batch_size", [1, 3, 64])
def test_a_chunked_score_does_not_depend_on_its_batch_mates(
    classifier: SentimentClassifier, forward_batch_size: int
) -> None:
    policy = ChunkPolicy(250, "mean")
    texts = [
        BAD_THEN_GOOD,
        "great " * 1700,
        *[text for text, _ in synthetic_reviews(9, seed=8)],
        BAD_THEN_GOOD[:3000],
        "",
    ]
    alone = [ChunkedScorer(classifier, policy)([text])[0] for text in texts]
    together = ChunkedScorer(with_batch_size(classifier, forward_batch_size), policy)(texts)
    reversed_together = ChunkedScorer(classifier, policy)(texts[::-1])[::-1]
    for batch in (together, reversed_together):
        np.testing.assert_allclose(
            [p.score for p in batch], [p.score for p in alone], atol=1e-6, rtol=0
        )
        assert [p.chunks for p in batch] == [p.chunks for p in alone]
    assert max(p.chunks or 0 for p in alone) > 3


def test_equal_scorers_are_one_model_to_the_batcher(classifier: SentimentClassifier) -> None:
    policy = ChunkPolicy(250, "mean")
    assert ChunkedScorer(classifier, policy) == ChunkedScorer(classifier, ChunkPolicy(250, "mean"))
    assert ChunkedScorer(classifier, policy) != ChunkedScorer(classifier, ChunkPolicy(0, "mean"))
    assert ChunkedScorer(classifier, policy) != classifier.predict


def test_texts_tokenized_to_count_their_windows_are_not_tokenized_again(
    classifier: SentimentClassifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Admission counts a long text's windows by tokenizing it (``windowed``); the scorer then
    reads those ids instead of tokenizing the text a second time, with the same scores."""
    policy = ChunkPolicy(100, "mean")
    texts = [BAD_THEN_GOOD, "short and sweet", "great " * 1700]
    rows, counts = windowed(classifier, texts, policy.overlap)
    assert [type(row) for row in rows] == [Tokenized, str, Tokenized]
    assert counts[1] == 1 and counts[0] == 3 and counts[2] > 3
    tokenized: list[int] = []

    def counting(classifier: SentimentClassifier, texts: Sequence[str]) -> list[np.ndarray]:
        tokenized.append(len(texts))
        return whole_token_ids(classifier, texts)

    monkeypatch.setattr(chunking, "whole_token_ids", counting)
    once = ChunkedScorer(classifier, policy)(rows)
    assert tokenized == [1]  # only the short text
    plain = ChunkedScorer(classifier, policy)(texts)
    assert tokenized == [1, 3]
    np.testing.assert_array_equal([p.score for p in once], [p.score for p in plain])
    assert [p.chunks for p in once] == counts == [p.chunks for p in plain]
    assert [p.tokens for p in once] == [p.tokens for p in plain]


def test_the_served_policy_is_the_setting_else_the_bundles_choice_else_the_fallback(
    classifier: SentimentClassifier,
) -> None:
    unchosen = classifier.manifest.model_copy(update={"chunking": None})
    chosen = classifier.manifest.model_copy(
        update={"chunking": ChunkReading(overlap=250, pooling="logit_mean")}
    )
    assert served_policy(unchosen, None, None) == FALLBACK_POLICY
    assert served_policy(chosen, None, None) == ChunkPolicy(250, "logit_mean")
    assert served_policy(chosen, 100, None) == ChunkPolicy(100, "logit_mean")
    assert served_policy(chosen, None, "mean") == ChunkPolicy(250, "mean")
    assert served_policy(unchosen, 0, "mean") == ChunkPolicy(0, "mean")


def test_a_manifest_whose_choice_the_window_cannot_hold_is_refused(bundle_copy: Path) -> None:
    path = bundle_copy / MANIFEST_FILE
    manifest = json.loads(path.read_text())
    manifest["chunking"] = {"overlap": manifest["max_length"], "pooling": "mean"}
    path.write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"chunking\.overlap 500 must be below max_length 500"):
        SentimentClassifier.from_bundle(bundle_copy)
    manifest["chunking"] = {"overlap": 10, "pooling": "median"}
    path.write_text(json.dumps(manifest))
    with pytest.raises(BundleError, match=r"chunking\.pooling"):
        SentimentClassifier.from_bundle(bundle_copy)
