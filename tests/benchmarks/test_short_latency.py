"""The short-text latency comparison judges medians against issue 22's target: the plain
endpoint's median p50, and never above 0.6 ms."""

from __future__ import annotations

import pytest

from benchmarks.short_latency import verdict


@pytest.mark.parametrize(
    ("service", "plain", "target", "met"),
    [
        ([0.5, 0.9, 0.55], [0.58, 0.6, 0.59], 0.59, True),  # median 0.55 against 0.59
        ([1.0, 1.05, 3.0], [1.1, 1.2, 1.0], 0.6, False),  # beats the plain one, not 0.6 ms
        ([0.5, 0.7, 0.56], [0.52, 0.5, 0.55], 0.52, False),  # under 0.6 ms, not the plain one
    ],
)
def test_the_service_must_beat_both_the_plain_endpoints_median_and_0_6_ms(
    service: list[float], plain: list[float], target: float, met: bool
) -> None:
    result = verdict(
        {"service": service, "service, no inline batches": [2.0], "plain endpoint (d)": plain}
    )
    assert result["target_ms"] == pytest.approx(target)
    assert result["met"] is met
