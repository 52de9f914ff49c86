"""The shipped bundle passes the behavioural suite (issue 9): >= 85% overall and every case of
"not" + a strong adjective; and (issue 19) >= 85% of the everyday complaints and praise from
outside the movie domain, and >= 80% of the statements with no sentiment score within
0.35-0.65. Runs with onnxruntime only, in about a second."""

from __future__ import annotations

import pytest

from app.inference.pipeline import SentimentClassifier
from tests.inference.conftest import SHIPPED_BUNDLE
from training.measure.behaviour import NOT_STRONG_ADJECTIVE, SuiteResult, render_markdown, run_suite
from training.measure.behaviour.everyday import EVERYDAY, NO_SENTIMENT

REQUIRED_OVERALL_PASS_RATE = 0.85
REQUIRED_EVERYDAY_PASS_RATE = 0.85
REQUIRED_NO_SENTIMENT_PASS_RATE = 0.80


@pytest.fixture(scope="module")
def shipped_result() -> SuiteResult:
    return run_suite(SentimentClassifier.from_bundle(SHIPPED_BUNDLE))


def test_shipped_bundle_passes_85_percent_of_the_film_suite(shipped_result: SuiteResult) -> None:
    """Issue 9's line, on its cases: the everyday ones have their own lines below."""
    films = [r for r in shipped_result.results if r.case.capability not in (EVERYDAY, NO_SENTIMENT)]
    assert len(films) >= 236
    rate = sum(r.passed for r in films) / len(films)
    assert rate >= REQUIRED_OVERALL_PASS_RATE, render_markdown(shipped_result)


def test_shipped_bundle_reads_not_plus_a_strong_adjective(shipped_result: SuiteResult) -> None:
    failed = [
        f"{result.case.describe()}: {result.observed}"
        for result in shipped_result.test(NOT_STRONG_ADJECTIVE)
        if not result.passed
    ]
    assert not failed, "\n".join(failed)


# Issue 19 is open: the shipped 2.5.0 passes 58 of the 66 everyday cases (2.4.0: 58; 2.2.0: 40)
# but only 12 of the 24 statements with no sentiment (2.4.0: 10; 2.2.0: 11). strict: the day a
# shipped bundle passes, this test says so.
NOT_YET = pytest.mark.xfail(
    strict=True, reason="issue 19: the shipped 2.5.0 scores statements with no sentiment as polar"
)


@pytest.mark.parametrize(
    ("capability", "required", "at_least"),
    [
        pytest.param(EVERYDAY, REQUIRED_EVERYDAY_PASS_RATE, 60),
        pytest.param(NO_SENTIMENT, REQUIRED_NO_SENTIMENT_PASS_RATE, 20, marks=NOT_YET),
    ],
)
def test_shipped_bundle_reads_everyday_text(
    shipped_result: SuiteResult, capability: str, required: float, at_least: int
) -> None:
    results = shipped_result.capability(capability)
    assert len(results) >= at_least
    failed = [f"{r.case.describe()}: {r.observed}" for r in results if not r.passed]
    assert 1 - len(failed) / len(results) >= required, "\n".join(failed)
