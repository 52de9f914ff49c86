"""A request still running when the graceful shutdown times out is cancelled by uvicorn; it
gets a JSON 503, not uvicorn's plain-text 500 (issue 23)."""

from __future__ import annotations

import json

from tests.server.live import HeldModel, live_server, post, read_answer, wait_for


def test_a_request_cancelled_at_the_shutdown_boundary_gets_a_json_503() -> None:
    model = HeldModel()
    # inline_rows=0: the held model stands for a busy inference thread; run inline on the event
    # loop's thread it would hold the loop itself, and the request would never be read
    with live_server(graceful_shutdown_s=0.2, inline_rows=0) as live:
        batcher = live.state.batcher
        assert batcher is not None
        held = live.submit(batcher.predict(model, ["held"]))  # the inference thread is busy
        wait_for(model.entered.is_set, "the model is held")
        with live.connect() as connection:
            connection.sendall(post("/predict", json.dumps({"text": "A fine film."}).encode()))
            wait_for(lambda: batcher.queued_texts == 1, "the request's text is queued")
            live.server.should_exit = True  # stop; the request outlives the grace period
            answer = read_answer(connection)
        model.release.set()
        held.result(10)
    assert answer.status == 503, answer.body
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["retry-after"] == "1"
    assert "shutting down" in answer.json()["detail"] and answer.json()["request_id"]
