"""Run the behavioural suite through a classifier and count what passed.

``run_suite`` scores every distinct text of the suite in one ``predict`` call (a text's score
does not depend on its batch) and judges each case; ``SuiteResult`` gives the pass rate overall,
per capability and per test, and the failing cases.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from training.measure.behaviour.cases import NOT_STRONG_ADJECTIVE, build_cases
from training.measure.behaviour.checks import Case, Scored

GroupKey = TypeVar("GroupKey", bound=Hashable)


class Classifier(Protocol):
    """``app.inference.pipeline.SentimentClassifier`` or anything that predicts like it."""

    def predict(self, texts: Sequence[str]) -> Sequence[Scored]: ...


@dataclass(frozen=True)
class CaseResult:
    case: Case
    passed: bool
    observed: str


@dataclass(frozen=True)
class PassRate:
    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


@dataclass(frozen=True)
class SuiteResult:
    results: tuple[CaseResult, ...]

    @property
    def overall(self) -> PassRate:
        return _rate(self.results)

    def by_capability(self) -> dict[str, PassRate]:
        return _grouped(self.results, lambda result: result.case.capability)

    def by_test(self) -> dict[tuple[str, str, str], PassRate]:
        """(capability, test, kind) -> pass rate, in suite order."""
        return _grouped(
            self.results,
            lambda result: (result.case.capability, result.case.test, result.case.kind),
        )

    def test(self, name: str) -> tuple[CaseResult, ...]:
        return tuple(result for result in self.results if result.case.test == name)

    @property
    def failures(self) -> tuple[CaseResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    def summary(self) -> dict[str, Any]:
        """Pass rates as plain data (for JSON)."""
        return {
            "cases": self.overall.total,
            "overall": round(self.overall.rate, 4),
            "by_capability": {
                name: round(rate.rate, 4) for name, rate in self.by_capability().items()
            },
            NOT_STRONG_ADJECTIVE: round(_rate(self.test(NOT_STRONG_ADJECTIVE)).rate, 4),
        }

    def capability(self, name: str) -> tuple[CaseResult, ...]:
        return tuple(result for result in self.results if result.case.capability == name)


def run_suite(classifier: Classifier, cases: Sequence[Case] | None = None) -> SuiteResult:
    """Judge ``cases`` (default: the whole suite) on ``classifier``'s predictions."""
    cases = build_cases() if cases is None else cases
    texts = list(dict.fromkeys(text for case in cases for text in case.texts))
    predictions = dict(zip(texts, classifier.predict(texts), strict=True))
    results = []
    for case in cases:
        verdict = case.judge(predictions)
        results.append(CaseResult(case, verdict.passed, verdict.observed))
    return SuiteResult(tuple(results))


def _grouped(
    results: Sequence[CaseResult], key: Callable[[CaseResult], GroupKey]
) -> dict[GroupKey, PassRate]:
    groups: dict[GroupKey, list[CaseResult]] = {}
    for result in results:
        groups.setdefault(key(result), []).append(result)
    return {name: _rate(members) for name, members in groups.items()}


def _rate(results: Sequence[CaseResult]) -> PassRate:
    return PassRate(sum(result.passed for result in results), len(results))
