"""Slow clients (slowloris) are cut off: header and body read timeouts, and a bound on open
connections per server process, on a real server over raw sockets (issue 23)."""

from __future__ import annotations

import json
import time

import pytest

from tests.server.live import (
    closed_by_server,
    live_server,
    post,
    read_answer,
    request_head,
    wait_for,
)

GOOD = post("/predict", json.dumps({"text": "A fine film."}).encode())
TIMEOUT_S = 0.5
SLACK_S = 2.0  # the event loop's timer granularity and a busy test machine


def _trickle(connection, data: bytes, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Send ``data`` a byte at a time over about ``seconds``, stopping once the server closes."""
    for byte in data:
        try:
            connection.sendall(bytes([byte]))
        except OSError:
            return
        time.sleep(seconds / len(data))


@pytest.mark.parametrize(
    ("what", "sent"),
    [
        ("nothing at all", b""),
        (
            "headers a byte at a time",
            b"POST /predict HTTP/1.1\r\nHost: test\r\nX-Slow: " + b"a" * 60,
        ),
        ("body a byte at a time", request_head("/predict", 40) + b'{"text": "a byte at a time"}'),
    ],
)
def test_a_slow_client_is_closed_within_the_timeout_while_others_are_served(
    what: str, sent: bytes
) -> None:
    settings = {"header_timeout_s": TIMEOUT_S, "body_timeout_s": TIMEOUT_S}
    with live_server(**settings) as live, live.connect() as slow:
        started = time.monotonic()
        _trickle(slow, sent, seconds=3 * TIMEOUT_S)
        with live.connect() as normal:
            normal.sendall(GOOD)
            assert read_answer(normal).status == 200
        received = closed_by_server(slow)
        assert time.monotonic() - started < TIMEOUT_S * 3 + SLACK_S, what
        if sent:  # a request begun: told why, as JSON
            assert received.startswith(b"HTTP/1.1 408"), received[:100]
            assert b"did not arrive within 0.5 s" in received


def test_requests_beyond_the_connection_bound_get_503_and_the_first_ones_are_served() -> None:
    with live_server(max_connections=2) as live:
        first, second, third = (live.connect() for _ in range(3))
        with first, second, third:
            third.sendall(GOOD)
            refused = read_answer(third)
            assert refused.status == 503 and refused.headers["retry-after"] == "1"
            assert "connections" in refused.json()["detail"]
            assert closed_by_server(third) == b""  # closed after the answer, not reset
            for connection in (first, second):
                connection.sendall(GOOD)
                assert read_answer(connection).status == 200
        connections = live.server.server_state.connections
        wait_for(lambda: not connections, "the server saw the connections close")
        with live.connect() as later:  # the slots are free again
            later.sendall(GOOD)
            assert read_answer(later).status == 200


def test_an_idle_keep_alive_connection_is_closed_after_its_timeout_not_before() -> None:
    with live_server(keep_alive_s=1.0) as live, live.connect() as connection:
        connection.sendall(GOOD)
        assert read_answer(connection).status == 200
        time.sleep(0.5)  # idle, within the keep-alive timeout: still served
        connection.sendall(GOOD)
        assert read_answer(connection).status == 200
        idle_from = time.monotonic()
        assert closed_by_server(connection) == b""
        assert 0.9 < time.monotonic() - idle_from < 1.0 + SLACK_S
