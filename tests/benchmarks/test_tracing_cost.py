"""The tracing-cost benchmark compares what it claims to compare: the baseline server imports the
service from the baseline's checkout, and the ratio is this tree's rate over the baseline's."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from benchmarks import tracing_cost

ROOT = Path(__file__).resolve().parents[2]


def test_the_baseline_check_accepts_a_tree_the_service_is_imported_from() -> None:
    tracing_cost.check_imports_from(ROOT, [sys.executable, "-P"], {"PYTHONPATH": str(ROOT)})


def test_the_baseline_check_refuses_a_tree_the_service_is_not_imported_from(
    tmp_path: Path,
) -> None:
    with pytest.raises(SystemExit, match="not the checkout"):
        tracing_cost.check_imports_from(tmp_path, [sys.executable, "-P"], {})


def test_the_ratio_is_tracing_off_over_the_baseline_averaged_over_rounds() -> None:
    rows = [
        {"system": tracing_cost.OFF, "reviews_per_s": 900.0},
        {"system": tracing_cost.BASELINE, "reviews_per_s": 1000.0},
        {"system": tracing_cost.OFF, "reviews_per_s": 1000.0},
        {"system": tracing_cost.BASELINE, "reviews_per_s": 1000.0},
    ]
    line = tracing_cost.acceptance_line(rows, "abc1234")
    assert line["value"] == 0.95 and line["met"] is False
    assert "abc1234" in line["line"]
