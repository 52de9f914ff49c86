"""Short training texts: review crops keep their review's label (or mix in the teacher's score
of the crop), everyday sentences have the targets their kind implies, both are seeded, and no
everyday sentence is a behavioural case."""

from __future__ import annotations

import re

import numpy as np
import pytest

from training.fit.config import TrainConfig
from training.fit.crops import MAX_SENTENCES, review_crops, sentences_of
from training.fit.data import Split
from training.fit.everyday import COMPLAINTS, NEUTRAL_TARGET, PRAISE, STATEMENTS, everyday_sentences
from training.fit.everyday.facts import plain_statements
from training.fit.rows import _short_texts
from training.measure.behaviour.cases import build_cases
from training.measure.out_of_domain_card import short_text_lines

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


class _ScoresByWord:
    """A stand-in teacher: 0.9 for a text with "superb", 0.1 with "awful", else 0.5."""

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        positive = [0.9 if "superb" in t else 0.1 if "awful" in t else 0.5 for t in texts]
        return np.column_stack([1 - np.array(positive), positive])


@pytest.mark.parametrize("share", [0.5, 1.0])
def test_the_teacher_share_mixes_its_score_of_each_crop_into_the_target(share: float) -> None:
    config = TrainConfig(review_crops=200, review_crop_teacher=share, negation_sentences=10)
    crops, targets = _short_texts(config, Split(REVIEWS, LABELS), _ScoresByWord())["review_crops"]
    plain_crops, labels = review_crops(REVIEWS, LABELS, 200, config.seed)
    assert crops == plain_crops and targets.dtype == np.float32
    teacher = _ScoresByWord().predict_proba(crops)[:, 1]
    np.testing.assert_allclose(targets, (1 - share) * labels + share * teacher, rtol=1e-6)
    neutral = [i for i, crop in enumerate(crops) if teacher[i] == 0.5]
    assert neutral and all(abs(targets[i] - 0.5) <= (1 - share) / 2 + 1e-6 for i in neutral)


def test_a_teacher_share_needs_a_teacher_and_a_share() -> None:
    with pytest.raises(ValueError, match="needs the teacher"):
        TrainConfig(review_crops=10, review_crop_teacher=0.5)
    with pytest.raises(ValueError, match="review_crop_teacher must be in"):
        TrainConfig(review_crop_teacher=1.5, distillation_reviews=10)


def test_the_card_says_how_crop_targets_were_made() -> None:
    metrics = {"short_texts": {"review_crops": 20_000, "everyday_sentences": 90}}
    plain = short_text_lines(metrics, {"review_crop_teacher": 0.0})
    assert "20,000 crops" in plain[0] and "teacher" not in plain[0] and len(plain) == 2
    taught = short_text_lines(metrics, {"review_crop_teacher": 1.0})
    assert "0% its review's label and 100% the n-gram teacher's score" in taught[0]
    assert short_text_lines({"short_texts": {"everyday_sentences": 9}}, {"review_crop_teacher": 1})
