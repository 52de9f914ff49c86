"""Negation sentences: labels as negation implies, seeded, and none is a behavioural-suite case."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from tests.conftest import write_aclimdb_tree
from training.fit.augment import SUBJECTS, negation_sentences, polar_words
from training.fit.data import load_dataset
from training.fit.ngram import fit_ngram_model
from training.measure.behaviour.cases import build_cases

POSITIVE = ["wonderful", "superb", "moving"]
NEGATIVE = ["dull", "awful", "pointless"]


def _normalised(text: str) -> str:
    return re.sub(r"[^a-z ]", "", text.lower()).strip()


def test_labels_follow_negation() -> None:
    texts, labels = negation_sentences(POSITIVE, NEGATIVE, 10_000, seed=1)
    # per word and subject: asserted, "not", "not ... at all" in two forms each (positive);
    # asserted, "not ... at all" in two forms, "never" (negative): every sentence once at most
    assert len(texts) == len(labels) == (5 + 4) * len(SUBJECTS) * 3
    for text, label in zip(texts, labels, strict=True):
        words = set(_normalised(text).split())
        negated = bool(words & {"not", "never", "arent", "wasnt"})
        polar_positive = bool(words & set(POSITIVE))
        assert label == int(polar_positive != negated), text


def test_neither_at_all_nor_the_contraction_carries_the_label() -> None:
    texts, labels = negation_sentences(POSITIVE, NEGATIVE, 10_000, seed=1)
    for marker in (" at all.", " not ", "n't "):
        marked = [label for text, label in zip(texts, labels, strict=True) if marker in text]
        assert set(marked) == {0, 1}, marker


def test_sample_is_seeded_and_balanced() -> None:
    first, labels = negation_sentences(POSITIVE, NEGATIVE, 60, seed=3)
    again, _ = negation_sentences(POSITIVE, NEGATIVE, 60, seed=3)
    other, _ = negation_sentences(POSITIVE, NEGATIVE, 60, seed=4)
    assert first == again and first != other
    assert len(first) == 60 and abs(float(np.mean(labels)) - 0.5) < 0.1


def test_no_sentence_is_a_behavioural_case() -> None:
    suite = set()
    for case in build_cases():
        suite |= {_normalised(text) for text in case.texts}
    words = ["terrible", "awful", "horrible", "brilliant", "amazing", "excellent", "good", "bad"]
    texts, _ = negation_sentences(words, words, 10_000, seed=0)
    assert not suite & {_normalised(text) for text in texts}


def test_polar_words_come_from_the_teacher(tmp_path: Path) -> None:
    dataset = load_dataset(write_aclimdb_tree(tmp_path, per_class=100))
    teacher = fit_ngram_model(dataset.train, seed=0)
    positive, negative = polar_words(teacher, dataset.train.texts * 20)
    assert positive and negative and not set(positive) & set(negative)
    weights = dict(zip(teacher[0].get_feature_names_out(), teacher[-1].coef_[0], strict=True))
    assert min(weights[w] for w in positive) > max(weights[w] for w in negative)
