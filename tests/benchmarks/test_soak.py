"""The soak sends the whole mix, and its verdict fails on what issue 23 forbids: a 5xx (a 503
included) or a lost answer, memory growth past 5%, a queue that does not drain, slow idle
requests afterwards."""

from __future__ import annotations

import json
import struct
from collections import Counter
from typing import Any

import pytest

from benchmarks.harness import mix, soak_verdict
from benchmarks.harness.workload import Workload

REVIEWS = [f"Review {n}. The acting was fine, the plot was not. " * 5 for n in range(40)]
WORKLOAD = Workload(REVIEWS, [f"short {n}" for n in range(40)])


def _parts(raw: bytes) -> tuple[str, dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    request_line, *lines = head.decode().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    assert int(headers["Content-Length"]) == len(body)
    return request_line.split()[1], headers, body


def test_each_cycle_of_the_mix_holds_every_kind_in_its_share() -> None:
    requests = mix.build(WORKLOAD, "imdb-sentiment", cycles=3)
    cycle = sum(mix.SHARES.values())
    assert len(requests) == 3 * cycle
    for start in range(0, len(requests), cycle):
        assert Counter(kind for kind, _ in requests[start : start + cycle]) == mix.SHARES
    assert [kind for kind, _ in requests] != sorted(kind for kind, _ in requests)  # interleaved


def test_each_kind_is_the_request_it_names() -> None:
    first = {kind: _parts(raw) for kind, raw in reversed(mix.build(WORKLOAD, "m", cycles=1))}
    path, _, body = first["chunked"]
    assert path == "/predict" and json.loads(body)["long_text"] == "chunk"
    assert len(json.loads(body)["text"]) > 5 * len(REVIEWS[0])
    path, _, body = first["sentences"]
    assert path == "/predict" and json.loads(body)["sentences"] is True
    assert first["explain"][0] == "/explain"
    assert json.loads(first["short"][2]) == {"text": "short 0"}
    path, headers, body = first["v2 binary"]
    assert path == "/v2/models/m/infer"
    length = int(headers[mix.HEADER_LENGTH])
    tensor = json.loads(body[:length])["inputs"][0]
    data = body[length:]
    assert tensor["parameters"]["binary_data_size"] == len(data)
    (first_length,) = struct.unpack_from("<I", data)
    assert data[4 : 4 + first_length].decode() == REVIEWS[0]


def test_the_capacity_of_the_mix_is_that_of_its_scarcest_kind() -> None:
    # 10 s of a whole mix at 20 requests/s, but half the explanations were shed: the mix as a
    # whole was answered at 10/s, though 195 answers 200 in 10 s look like 19.5/s
    served = {kind: {200: share * 10} for kind, share in mix.SHARES.items()}
    served["explain"] = {200: 5, 503: 5}
    assert soak_verdict.mix_capacity({"by_kind": served, "seconds": 10.0}) == 10.0
    assert soak_verdict.mix_capacity({"by_kind": {"short": {200: 99}}, "seconds": 1.0}) == 0.0


def _round(by_kind: dict[str, dict[int, int]], rss_mb: float) -> dict[str, Any]:
    figures = {"round": 1, "offered_per_s": 35.0, "answered_per_s": 35.0, "p50_ms": 9.0}
    return {**figures, "p99_ms": 90.0, "errors": 0, "seconds": 30.0, "by_kind": by_kind,
            "first_refusals": {}, "p99_ms_by_kind": {"short": rss_mb / 100},
            "rss_mb": rss_mb}  # fmt: skip


CAPACITY = {
    "capacity_requests_per_s": 50.0,
    "offered_per_s": 35.0,
    "load": 0.7,
    "connections": 32,
    "capacity_answers": {},
    "capacity_refusals": {},
}
CLEAN = {"short": {200: 100}, "explain": {200: 5}}
SETTLED = {"seconds_to_idle": 0.3, "gauges": {}, "unloaded_ms": 4.0, "idle_ms": 5.0}


def test_a_clean_soak_passes_and_answers_add_up_over_rounds() -> None:
    result = soak_verdict.judge(CAPACITY, [_round(CLEAN, 1000), _round(CLEAN, 1040)], SETTLED)
    assert result["passed"], result["checks"]
    assert result["answers_by_kind"] == {"explain": {"200": 10}, "short": {"200": 200}}
    assert result["requests"] == 210 and result["rss_growth"] == 0.04
    assert result["worst_p99_ms_by_kind"] == {"explain": 0.0, "short": 10.4}
    assert "**passed**" in soak_verdict.markdown(result)


@pytest.mark.parametrize(
    ("by_kind", "counted"),
    [
        ({"explain": {503: 1}}, "shed_503"),
        ({"chunked": {500: 1}}, "server_errors"),
        ({"v2 binary": {0: 1}}, "no_answer"),
        ({"sentences": {422: 1}}, "other_errors"),
    ],
)
def test_one_answer_other_than_200_fails_the_soak(
    by_kind: dict[str, dict[int, int]], counted: str
) -> None:
    rounds = [_round(CLEAN, 1000), _round({**CLEAN, **by_kind}, 1000)]
    result = soak_verdict.judge(CAPACITY, rounds, SETTLED)
    assert result[counted] == 1
    assert not result["checks"]["all answers 200"] and not result["passed"]


@pytest.mark.parametrize(
    ("last_rss", "settled", "check"),
    [
        (1051.0, SETTLED, "resident memory growth"),
        (1000.0, {**SETTLED, "seconds_to_idle": None}, "queue back to idle"),
        (1000.0, {**SETTLED, "seconds_to_idle": 6.0}, "queue back to idle"),
        (1000.0, {**SETTLED, "idle_ms": 8.1}, "idle latency as unloaded"),
    ],
)
def test_growth_a_queue_left_busy_or_slow_idle_requests_fail_the_soak(
    last_rss: float, settled: dict[str, Any], check: str
) -> None:
    result = soak_verdict.judge(CAPACITY, [_round(CLEAN, 1000), _round(CLEAN, last_rss)], settled)
    assert [name for name, ok in result["checks"].items() if not ok] == [check]
    assert not result["passed"]
