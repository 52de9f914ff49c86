"""The suite's result as a Markdown section for the model card (and the CLI)."""

from __future__ import annotations

from training.measure.behaviour.cases import NOT_STRONG_ADJECTIVE
from training.measure.behaviour.checks import INVARIANCE_TOLERANCE, ORDER_TOLERANCE
from training.measure.behaviour.everyday import NEUTRAL_RANGE
from training.measure.behaviour.runner import CaseResult, PassRate, SuiteResult

FAILURES_SHOWN_PER_TEST = 3


def render_markdown(result: SuiteResult) -> str:
    overall = result.overall
    strong = result.test(NOT_STRONG_ADJECTIVE)
    strong_passed = sum(case.passed for case in strong)
    lines = [
        "## Behavioural tests",
        "",
        f"{overall.total} short sentences written for this suite (none from the dataset), in the"
        " style of CheckList (Ribeiro et al. 2020), cases in `training/behaviour/cases.py`."
        ' **MFT**: the text must get the expected label; a negated negative ("not terrible at'
        ' all") is expected positive, a negated positive negative. **INV**: a copy with a typo,'
        " other casing or punctuation, or another name must score within"
        f" {INVARIANCE_TOLERANCE}. **DIR**: the stronger phrasing must not score less extreme"
        f" than the weaker one (slack {ORDER_TOLERANCE}). **everyday**: complaints and praise"
        " about products, service and travel (`training/behaviour/everyday.py`), and statements"
        f" with **no sentiment**, whose positive score must lie in {NEUTRAL_RANGE[0]:.2f}-"
        f"{NEUTRAL_RANGE[1]:.2f}.",
        "",
        f"Overall **{_percent(overall)}** ({overall.passed}/{overall.total});"
        f' "{NOT_STRONG_ADJECTIVE}": {strong_passed}/{len(strong)}.',
        "",
        "| capability | cases | passed | pass rate |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {rate.total} | {rate.passed} | {_percent(rate)} |"
        for name, rate in result.by_capability().items()
    ]
    lines += [
        "",
        "| capability | test | type | cases | passed | pass rate |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {capability} | {test} | {kind} | {rate.total} | {rate.passed} | {_percent(rate)} |"
        for (capability, test, kind), rate in result.by_test().items()
    ]
    lines += _failures(result.failures)
    return "\n".join(lines) + "\n"


def _failures(failures: tuple[CaseResult, ...]) -> list[str]:
    if not failures:
        return ["", "Every case passed."]
    lines = [
        "",
        f"Failing cases ({len(failures)}; at most {FAILURES_SHOWN_PER_TEST} per test shown):",
        "",
        "| test | case | model |",
        "|---|---|---|",
    ]
    shown: dict[str, int] = {}
    for failure in failures:
        test = failure.case.test
        shown[test] = shown.get(test, 0) + 1
        if shown[test] <= FAILURES_SHOWN_PER_TEST:
            case = failure.case.describe().replace("|", "\\|")
            lines.append(f"| {test} | {case} | {failure.observed} |")
    return lines


def _percent(rate: PassRate) -> str:
    return f"{rate.rate:.1%}"
