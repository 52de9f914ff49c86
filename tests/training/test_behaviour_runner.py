"""The behavioural suite's cases and runner, on stub classifiers whose behaviour is known, so the
logic is tested whatever model is shipped."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence

import pytest

from app.inference.pipeline import Prediction
from training.measure.behaviour import NOT_STRONG_ADJECTIVE, build_cases, render_markdown, run_suite
from training.measure.behaviour.checks import Expect, Label, Ordered, Same, Within
from training.measure.behaviour.perturb import exclaimed, typo, without_punctuation

CAPABILITIES = {
    "vocabulary",
    "negation",
    "contrast",
    "intensity",
    "invariance",
    "everyday",
    "no sentiment",
}
POSITIVE_WORDS = {"good", "great", "brilliant", "amazing", "excellent", "wonderful", "fantastic"}
NEGATIVE_WORDS = {"bad", "terrible", "awful", "horrible", "dreadful", "atrocious", "boring"}
NEGATORS = {"not", "isn't", "never", "no"}


class StubClassifier:
    """Scores each text with ``score_of``; counts its calls."""

    def __init__(self, score_of: Callable[[str], float]) -> None:
        self.score_of = score_of
        self.calls: list[list[str]] = []

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        self.calls.append(list(texts))
        scores = [self.score_of(text) for text in texts]
        return [
            Prediction("positive" if s >= 0.5 else "negative", s, len(t.split()), False)
            for s, t in zip(scores, texts, strict=True)
        ]


def lexicon_score(text: str, *, reads_negation: bool) -> float:
    """0.9 or 0.1 by the last sentiment word, flipped after a negator if ``reads_negation``."""
    score, negated = 0.5, False
    for word in re.findall(r"[a-z']+", text.lower()):
        negated = negated or (reads_negation and word in NEGATORS)
        if word in POSITIVE_WORDS | NEGATIVE_WORDS:
            positive = (word in POSITIVE_WORDS) != negated
            score = 0.9 if positive else 0.1
    return score


def test_the_suite_has_at_least_150_cases_over_every_capability() -> None:
    cases = build_cases()
    assert len(cases) >= 150
    assert {case.capability for case in cases} == CAPABILITIES
    strong = [case for case in cases if case.test == NOT_STRONG_ADJECTIVE]
    assert len(strong) == 30
    assert {case.label for case in strong if isinstance(case, Expect)} == {"positive", "negative"}


def test_the_suite_is_the_same_on_every_build() -> None:
    assert build_cases() == build_cases()


def test_every_case_is_well_formed() -> None:
    cases = build_cases()
    expected_texts = [case.text for case in cases if isinstance(case, Expect)]
    assert len(expected_texts) == len(set(expected_texts)), "an MFT text appears twice"
    for case in cases:
        assert all(text.strip() for text in case.texts)
        if isinstance(case, Same | Ordered):
            assert case.texts[0] != case.texts[1], case


def test_predict_is_called_once_with_each_distinct_text() -> None:
    classifier = StubClassifier(lambda text: 0.9)
    run_suite(classifier)
    (texts,) = classifier.calls
    assert len(texts) == len(set(texts))
    assert set(texts) == {text for case in build_cases() for text in case.texts}


def test_a_constant_classifier_passes_only_invariance_order_and_positive_labels() -> None:
    result = run_suite(StubClassifier(lambda text: 0.9))
    cases = build_cases()
    positive = sum(isinstance(c, Expect) and c.label == "positive" for c in cases)
    # Same and Ordered cases pass when nothing moves; Within (no sentiment) fails at 0.9.
    unlabelled = sum(isinstance(c, Same | Ordered) for c in cases)
    assert result.overall.passed == positive + unlabelled
    assert result.overall.total == len(cases)
    assert result.by_capability()["invariance"].rate == 1.0
    assert result.by_capability()["intensity"].rate == 1.0
    assert len(result.failures) == len(cases) - positive - unlabelled


def test_a_text_with_no_sentiment_must_score_near_one_half() -> None:
    cases = [c for c in build_cases() if isinstance(c, Within)]
    assert len(cases) >= 20
    halfway = run_suite(StubClassifier(lambda text: 0.5), cases)
    leaning = run_suite(StubClassifier(lambda text: 0.7), cases)
    assert halfway.overall.rate == 1.0 and leaning.overall.rate == 0.0


def test_a_bag_of_words_model_fails_every_not_strong_adjective_case() -> None:
    result = run_suite(StubClassifier(lambda text: lexicon_score(text, reads_negation=False)))
    assert all(not r.passed for r in result.test(NOT_STRONG_ADJECTIVE))
    assert result.by_test()[("vocabulary", "aspect + adjective", "MFT")].passed > 0


def test_a_model_that_reads_negation_passes_every_not_strong_adjective_case() -> None:
    result = run_suite(StubClassifier(lambda text: lexicon_score(text, reads_negation=True)))
    strong = result.test(NOT_STRONG_ADJECTIVE)
    assert strong and all(r.passed for r in strong)
    assert result.summary()[NOT_STRONG_ADJECTIVE] == 1.0


def test_invariance_fails_when_shouting_moves_the_score() -> None:
    result = run_suite(StubClassifier(lambda text: 0.6 if text.isupper() else 0.9))
    casing = [r for r in result.results if r.case.test == "casing"]
    upper = [r for r in casing if isinstance(r.case, Same) and r.case.perturbed.isupper()]
    assert upper and all(not r.passed for r in upper)
    assert all(r.passed for r in casing if r not in upper)
    assert "moved 0.300" in upper[0].observed


@pytest.mark.parametrize(
    ("direction", "weaker", "stronger", "passed"),
    [
        ("positive", 0.80, 0.95, True),
        ("positive", 0.95, 0.945, True),  # within the 0.01 slack
        ("positive", 0.95, 0.90, False),
        ("negative", 0.20, 0.05, True),
        ("negative", 0.05, 0.20, False),
    ],
)
def test_ordered_checks_direction(
    direction: Label, weaker: float, stronger: float, passed: bool
) -> None:
    case = Ordered("intensity", "t", "weak", "strong", direction)
    predictions = {
        "weak": Prediction("positive", weaker, 1, False),
        "strong": Prediction("positive", stronger, 1, False),
    }
    assert case.judge(predictions).passed is passed


def test_markdown_shows_rates_and_failing_cases() -> None:
    result = run_suite(StubClassifier(lambda text: lexicon_score(text, reads_negation=False)))
    markdown = render_markdown(result)
    overall = result.overall
    assert f"({overall.passed}/{overall.total})" in markdown
    assert "| negation | not + strong adjective | MFT | 30 | 0 | 0.0% |" in markdown
    assert "'This movie is not terrible at all.' -> positive | scored 0.100 (negative)" in markdown
    assert "Every case passed" not in markdown


def test_markdown_of_a_clean_run_says_so() -> None:
    cases = [Expect("vocabulary", "t", "Great.", "positive")]
    markdown = render_markdown(run_suite(StubClassifier(lambda text: 0.9), cases))
    assert "| vocabulary | 1 | 1 | 100.0% |" in markdown
    assert "Every case passed." in markdown


def test_typo_swaps_two_neighbouring_letters_of_one_word_deterministically() -> None:
    text = "The acting was wonderful."
    misspelt = typo(text, random.Random(3))
    assert misspelt == typo(text, random.Random(3))
    assert misspelt != text and sorted(misspelt) == sorted(text)
    changed = [i for i, (a, b) in enumerate(zip(text, misspelt, strict=True)) if a != b]
    assert len(changed) == 2 and changed[1] == changed[0] + 1
    with pytest.raises(ValueError, match="no word"):
        typo("A bad day.", random.Random(0))


def test_punctuation_edits() -> None:
    assert without_punctuation("Dull, predictable: isn't it?") == "Dull predictable isn't it"
    assert exclaimed("A superb cast.") == "A superb cast!!!"
