"""The request-overhead count is a deterministic figure: the same code gives the same number of
Python calls per request, and every kind of request is answered 200 while it is counted."""

from __future__ import annotations

from benchmarks.request_overhead import measure


def test_the_python_calls_per_request_are_the_same_on_every_run() -> None:
    first, second = measure(20), measure(20)
    assert set(first) == {
        "POST /predict, one short text",
        "POST /v2/.../infer, one short text",
        "GET /health/ready",
    }
    for name, figures in first.items():
        assert figures["calls"] == second[name]["calls"] > 100, name
        assert figures["cpu_us"] > 0
