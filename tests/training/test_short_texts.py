"""Short training texts: review crops keep their review's label, everyday sentences have the
targets their kind implies, both are seeded, and no everyday sentence is a behavioural case."""

from __future__ import annotations

import re

import numpy as np
import pytest

from training.fit.crops import MAX_SENTENCES, review_crops, sentences_of
from training.fit.everyday import COMPLAINTS, NEUTRAL_TARGET, PRAISE, STATEMENTS, everyday_sentences
from training.fit.everyday.facts import plain_statements
from training.measure.behaviour.cases import build_cases

REVIEWS = [
    "A wonderful film.<br /><br />The cast is superb! I laughed a lot. Go and see it.",
    "Dull. The plot makes no sense? The ending is awful. Avoid it.",
    "One sentence without an end",
]
LABELS = np.array([1, 0, 1])


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def test_sentences_split_at_ends_and_line_breaks() -> None:
    assert sentences_of(REVIEWS[0]) == [
        "A wonderful film.",
        "The cast is superb!",
        "I laughed a lot.",
        "Go and see it.",
    ]
    assert sentences_of(REVIEWS[2]) == [REVIEWS[2]]


def test_crops_are_consecutive_sentences_of_their_review_with_its_label() -> None:
    crops, targets = review_crops(REVIEWS, LABELS, 300, seed=0)
    assert len(crops) == len(targets) == 300
    for crop, target in zip(crops, targets, strict=True):
        owners = [
            i for i, review in enumerate(REVIEWS) if crop in review.replace("<br /><br />", " ")
        ]
        assert owners, crop
        assert {int(LABELS[i]) for i in owners} == {int(target)}
        assert 1 <= len(sentences_of(crop)) <= MAX_SENTENCES


def test_smoothing_pulls_crop_targets_toward_one_half() -> None:
    crops, targets = review_crops(REVIEWS, LABELS, 100, seed=0, smoothing=0.2)
    plain, labels = review_crops(REVIEWS, LABELS, 100, seed=0)
    assert crops == plain
    assert np.allclose(targets, np.where(labels == 1, 0.9, 0.1))


def test_crops_are_seeded() -> None:
    assert review_crops(REVIEWS, LABELS, 50, seed=1)[0] == review_crops(REVIEWS, LABELS, 50, 1)[0]
    assert review_crops(REVIEWS, LABELS, 50, seed=1)[0] != review_crops(REVIEWS, LABELS, 50, 2)[0]


def test_nothing_to_crop_is_an_error() -> None:
    with pytest.raises(ValueError, match="no reviews"):
        review_crops([], np.array([], dtype=np.int64), 5, seed=0)


def test_everyday_targets_follow_their_kind() -> None:
    texts, targets = everyday_sentences(3_000, seed=0)
    assert len(texts) == len(targets) == 3_000
    counts = {value: int(np.sum(targets == value)) for value in (0.0, 1.0, NEUTRAL_TARGET)}
    assert set(np.unique(targets)) == {0.0, 1.0, NEUTRAL_TARGET}
    assert all(900 <= count <= 1_100 for count in counts.values()), counts
    by_text = dict(zip(texts, targets, strict=True))
    for whole, target in ((COMPLAINTS, 0.0), (PRAISE, 1.0), (STATEMENTS, NEUTRAL_TARGET)):
        assert all(by_text.get(text, target) == target for text in whole)


def test_everyday_sentences_are_seeded() -> None:
    assert everyday_sentences(100, seed=3)[0] == everyday_sentences(100, seed=3)[0]
    assert everyday_sentences(100, seed=3)[0] != everyday_sentences(100, seed=4)[0]


def test_no_everyday_sentence_is_a_behavioural_case() -> None:
    suite = {_normalised(text) for case in build_cases() for text in case.texts}
    texts, _ = everyday_sentences(50_000, seed=0)
    assert not suite & {_normalised(text) for text in texts}


def test_plain_statements_are_seeded_varied_and_not_behavioural_cases() -> None:
    texts = plain_statements(20_000, seed=0)
    assert len(texts) == 20_000
    assert plain_statements(50, seed=1) == plain_statements(50, seed=1)
    assert plain_statements(50, seed=1) != plain_statements(50, seed=2)
    assert len(set(texts)) > 10_000  # composed, not a list learnt by heart
    assert all(text[0].isupper() and text.endswith(".") for text in texts)
    # numbers ignored: a case with another number is the same case
    suite = {_normalised(text) for case in build_cases() for text in case.texts}
    assert not suite & {_normalised(text) for text in texts}
