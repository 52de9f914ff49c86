"""The benchmark's acceptance table holds the service to issue 22's targets, on rows shaped as
``python -m benchmarks`` writes them (figures made up here)."""

from __future__ import annotations

from typing import Any

import pytest

from benchmarks.harness.report import acceptance


def _rows(service_short_p50: float, plain_short_p50: float, p99: float) -> list[dict[str, Any]]:
    def row(system: str, config: str, rate: float, p50: float = 1.0) -> dict[str, Any]:
        return {
            "system": system, "config": config, "texts": "reviews", "reviews_per_s": rate,
            "p50_ms": p50, "p99_ms": 5 * p50, "start_to_ready_s": 2.0, "peak_rss_mb": 130.0,
            "errors": 0,
        }  # fmt: skip

    return [
        row("a", "reviews, batch 64", 2_000.0),
        row("b", "1 review, c=64", 1_800.0),
        row("b", "32 reviews, c=8", 2_000.0),
        row("b", "1 short text, c=1", 900.0, service_short_p50),
        row("d", "1 review, c=64", 600.0),
        row("d", "1 short text, c=1", 800.0, plain_short_p50),
        {**row("b-open-loop", "fixed", 900.0), "offered_per_s": 900.0, "p99_ms": p99},
    ]


def _line(lines: list[dict[str, Any]], starts: str) -> dict[str, Any]:
    return next(line for line in lines if line["line"].startswith(starts))


def test_the_throughput_lines_ask_for_issue_22s_ratios() -> None:
    lines = acceptance(_rows(0.5, 0.55, 8.0))
    single, batched = _line(lines, "(b)/(a), 1 review"), _line(lines, "(b)/(a), 32 reviews")
    assert (single["value"], single["target"], single["met"]) == (0.9, ">= 0.85", True)
    assert (batched["value"], batched["target"], batched["met"]) == (1.0, ">= 1.05", False)


@pytest.mark.parametrize(
    ("service", "plain", "met"),
    [(0.5, 0.55, True), (0.58, 0.55, False), (0.7, 0.9, False), (0.59, 0.9, True)],
)
def test_a_short_text_must_beat_both_the_plain_endpoint_and_0_6_ms(
    service: float, plain: float, met: bool
) -> None:
    line = _line(acceptance(_rows(service, plain, 8.0)), "p50 of one short text")
    assert line["met"] is met
    assert line["target"] == f"<= {min(plain, 0.6)}"


@pytest.mark.parametrize(("p99", "met"), [(9.5, True), (12.0, False)])
def test_the_p99_at_half_load_must_be_at_most_10_ms(p99: float, met: bool) -> None:
    assert _line(acceptance(_rows(0.5, 0.55, p99)), "p99 at 900")["met"] is met
