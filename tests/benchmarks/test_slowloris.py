"""The slowloris benchmark's verdict: normal clients keep their share of throughput with no
errors, and the server closed slow connections within its timeout plus the allowed slack."""

from __future__ import annotations

from benchmarks.slowloris import _judge

UNLOADED = {"requests_per_s": 900.0, "p99_ms": 50.0, "errors": 0}
LOADED = {"requests_per_s": 800.0, "p99_ms": 100.0, "errors": 0}


def test_a_connection_past_timeout_plus_slack_fails_the_run() -> None:
    lifetimes = [3.1, 3.2, 4.05]
    assert not _judge(UNLOADED, LOADED, lifetimes, timeout=3.0)["passed"]  # default slack 1 s
    assert _judge(UNLOADED, LOADED, lifetimes, timeout=3.0, slack=2.0)["passed"]


def test_no_closed_connection_or_a_collapse_fails_whatever_the_slack() -> None:
    assert not _judge(UNLOADED, LOADED, [], timeout=3.0, slack=2.0)["passed"]
    collapsed = {**LOADED, "requests_per_s": 300.0}
    assert not _judge(UNLOADED, collapsed, [3.1], timeout=3.0, min_share=0.5)["passed"]
    failing = {**LOADED, "errors": 1}
    assert not _judge(UNLOADED, failing, [3.1], timeout=3.0)["passed"]
