"""The settings A/B takes only the service's settings and averages each figure over rounds."""

from __future__ import annotations

import pytest

from benchmarks import settings_ab


def test_settings_are_sentiment_assignments() -> None:
    assert settings_ab.assignments(["SENTIMENT_INLINE_ROWS=0", "SENTIMENT_X=a=b"]) == {
        "SENTIMENT_INLINE_ROWS": "0",
        "SENTIMENT_X": "a=b",
    }
    for wrong in ("SENTIMENT_INLINE_ROWS", "PATH=/tmp"):
        with pytest.raises(SystemExit, match="not a SENTIMENT_NAME=VALUE"):
            settings_ab.assignments([wrong])


def test_each_figure_is_the_mean_over_rounds_and_b_over_a() -> None:
    figures = [name for name, _what, _higher in settings_ab.FIGURES]
    rows = [
        {"system": "A", **dict.fromkeys(figures, 2.0)},
        {"system": "B", **dict.fromkeys(figures, 1.0)},
        {"system": "B", **dict.fromkeys(figures, 2.0)},
        {"system": "A", **dict.fromkeys(figures, 4.0)},
    ]
    lines = settings_ab.summary(rows)
    assert [line["figure"] for line in lines] == [what for _n, what, _h in settings_ab.FIGURES]
    assert all((line["A"], line["B"], line["B/A"]) == (3.0, 1.5, 0.5) for line in lines)
    assert "| one short text, c=1, p50 ms | 3.00 | 1.50 | 0.500 |" in settings_ab.markdown(
        lines, {"SENTIMENT_INLINE_ROWS": "0"}, {"SENTIMENT_INLINE_ROWS": "4"}
    )
