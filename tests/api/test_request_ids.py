"""Request IDs: the caller's X-Request-ID when it is safe, else a new one; echoed in the answer's
header, in the access log line, in every error body, and carried into the inference thread."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.core.logging import json_formatter
from app.core.request_id import accepted_or_new
from app.main import create_app
from tests.api.conftest import make_settings
from tests.otlp_receiver import otlp_receiver

ID = "client-7f3a:retry=2"


def _access_ids(caplog: pytest.LogCaptureFixture) -> list[str]:
    records = [record for record in caplog.records if record.name == "app.access"]
    for record in records:  # a field of the record: a top-level key of its JSON log line
        assert json.loads(json_formatter().format(record))["request_id"] == record.request_id
    return [record.request_id for record in records]


def test_one_id_through_header_access_log_error_body_and_inference_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    predictions = tmp_path / "predictions.jsonl"
    settings = make_settings(
        tracing=True, prediction_log=str(predictions), max_queue_rows=2, inline_rows=0
    )  # inline_rows=0: the batch runs in an inference thread, which the ID must reach
    headers = {"X-Request-ID": ID}
    with otlp_receiver() as receiver:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint)
        with (
            TestClient(create_app(settings)) as client,
            caplog.at_level(logging.INFO, logger="app.access"),
        ):
            caplog.clear()
            scored = client.post("/predict", json={"text": "Superb."}, headers=headers)
            invalid = client.post("/predict", json={"texts": []}, headers=headers)
            shed = client.post("/predict", json={"texts": ["a", "b", "c"]}, headers=headers)
            not_found = client.get("/v2/models/nope", headers=headers)
            too_large = client.post("/predict", content=b"x" * 5_000_000, headers=headers)
    answers = [scored, invalid, shed, not_found, too_large]
    assert [answer.status_code for answer in answers] == [200, 422, 503, 404, 413]
    assert all(answer.headers["x-request-id"] == ID for answer in answers)
    for answer in answers[1:]:
        assert answer.json()["request_id"] == ID, answer.text
    assert _access_ids(caplog) == [ID] * len(answers)
    # Inside the inference thread: the spans made there carry it...
    (batch,) = receiver.named("batch")
    assert batch.attributes["thread.name"].startswith("inference")
    assert batch.attributes["sentiment.request_id"] == ID
    assert receiver.named("model run")[0].attributes["sentiment.request_id"] == ID
    # ...and so does the prediction log line of the scored text.
    (line,) = [json.loads(text) for text in predictions.read_text().splitlines()]
    assert line["request_id"] == ID


@pytest.mark.parametrize(
    "given",
    [None, "", "x" * 129, "two words", "line\nbreak", '{"json": 1}', "caf\u00e9"],
    ids=["none", "empty", "too long", "space", "newline", "json", "not ascii"],
)
def test_an_absent_or_unsafe_id_is_replaced_by_a_new_one(
    client: TestClient, given: str | None
) -> None:
    headers = {} if given is None else {"X-Request-ID": given.encode("utf-8")}
    first = client.post("/predict", json={"text": "Fine."}, headers=headers)
    second = client.post("/predict", json={"text": "Fine."}, headers=headers)
    ids = [first.headers["x-request-id"], second.headers["x-request-id"]]
    assert ids[0] != ids[1] and all(len(new) == 32 and new.isalnum() for new in ids)


def test_safe_ids_of_common_shapes_are_kept(client: TestClient) -> None:
    for given in ("0af7651916cd43dd8448eb211c80319c", "a" * 128, "req_01HZX/9+b=@.-"):
        answer = client.get("/health/live", headers={"X-Request-ID": given})
        assert answer.headers["x-request-id"] == given


def test_a_500_body_carries_the_id() -> None:
    app = create_app(make_settings())

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom", headers={"X-Request-ID": ID})
    assert answer.status_code == 500
    assert answer.headers["x-request-id"] == answer.json()["request_id"] == ID


def test_new_ids_differ_between_a_worker_forked_after_start_and_its_parent() -> None:
    """New IDs come from ``random``, which is reseeded in a forked child: two workers forked
    from one supervisor must not hand out the same IDs."""
    assert len({accepted_or_new(None) for _ in range(10_000)}) == 10_000
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child only writes its first ID
        os.write(write, accepted_or_new(None).encode())
        os._exit(0)
    os.waitpid(child, 0)
    os.close(write)
    from_child = os.read(read, 64).decode()
    os.close(read)
    assert len(from_child) == 32 and from_child != accepted_or_new(None)
