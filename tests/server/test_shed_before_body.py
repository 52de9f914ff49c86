"""A request refused while the queue is full gets its complete 503 before its body is read,
on a real server over a raw socket, and the connection is not reset (issue 23)."""

from __future__ import annotations

import json
import time

from tests.server.live import full_queue, live_server, post, read_answer, request_head

BODY = json.dumps({"texts": ["A fine film, well worth the ticket."] * 200}).encode()
KEY = "a-long-enough-api-key"
PAD = b" " * (1_000_000 - len(BODY))  # JSON allows trailing whitespace: a 1 MB body
# A small queue, and every batch in an inference thread (inline_rows=0): full_queue's held
# model stands for a busy inference thread, and held on the event loop's thread it would stop
# the server.
HELD = {"max_queue_rows": 4, "max_batch_size": 1, "inline_rows": 0}


def test_a_request_shed_before_its_body_is_sent_gets_a_complete_503() -> None:
    with (
        live_server(**HELD) as live,
        full_queue(live),
        live.connect() as connection,
    ):
        connection.sendall(request_head("/predict", len(BODY) + len(PAD)))  # no body yet
        answer = read_answer(connection)
        assert answer.status == 503 and answer.headers["retry-after"] == "1"
        assert "capacity" in answer.json()["detail"] and answer.json()["request_id"]
        # The body still arrives, slowly, after the answer: no reset, and the connection
        # goes on to serve the next request.
        for start in range(0, len(BODY + PAD), 100_000):
            connection.sendall((BODY + PAD)[start : start + 100_000])
            time.sleep(0.01)
        connection.sendall(b"GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
        scraped = read_answer(connection)
        assert scraped.status == 200
        assert b"sentiment_requests_shed_unread_total 1.0" in scraped.body


def test_a_request_shed_halfway_through_its_body_gets_a_complete_503() -> None:
    with live_server(**HELD) as live, full_queue(live):
        with live.connect() as connection:
            whole = post("/v2/models/imdb-sentiment/infer", BODY + PAD)
            connection.sendall(whole[:300_000])
            answer = read_answer(connection)
            assert answer.status == 503 and "error" in answer.json()
            connection.sendall(whole[300_000:])
        with live.connect() as connection:  # the queue is still full: answered at once again
            connection.sendall(post("/predict", BODY + PAD))
            assert read_answer(connection).status == 503
        with live.connect() as connection:
            connection.sendall(b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n")
            assert read_answer(connection).status == 200


def test_with_an_api_key_only_a_request_that_carries_it_learns_of_the_load() -> None:
    with live_server(**HELD, api_key=KEY) as live:
        with full_queue(live):
            statuses = {}
            for name, extra in {
                "no key": b"",
                "wrong key": b"X-API-Key: guess\r\n",
                "key": b"X-API-Key: " + KEY.encode() + b"\r\n",
                "bearer": b"Authorization: Bearer " + KEY.encode() + b"\r\n",
            }.items():
                with live.connect() as connection:
                    head = request_head("/predict", len(BODY))
                    connection.sendall(head[:-2] + extra + b"\r\n" + BODY)
                    statuses[name] = read_answer(connection).status
        assert statuses == {"no key": 401, "wrong key": 401, "key": 503, "bearer": 503}
