"""The prediction log (SENTIMENT_PREDICTION_LOG): one JSON line per scored text, written by its
own thread; a stuck writer or a full disk never fails or slows a request, and the lines it
cannot write are counted."""

from __future__ import annotations

import errno
import json
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Counter

from app.inference.predictions import Prediction
from app.main import create_app
from app.observability.prediction_log import PredictionLog
from benchmarks.harness.processes import eventually
from tests.api.conftest import make_settings
from tests.api.test_v2 import INFER, tensor
from tests.conftest import SHIPPED_VERSION

TEXTS = ["A wonderful, moving film.", "Dull and far too long."]
PREDICTION = Prediction("positive", 0.9, 5, False, scores={"negative": 0.1, "positive": 0.9})


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _dropped() -> Counter:
    return Counter("dropped", "lines dropped", ["reason"], registry=CollectorRegistry())


@pytest.mark.parametrize("log_texts", [False, True])
def test_each_scored_text_is_one_line_written_by_shutdown(tmp_path: Path, log_texts: bool) -> None:
    target = tmp_path / "predictions.jsonl"
    settings = make_settings(prediction_log=str(target), log_texts=log_texts)
    with TestClient(create_app(settings)) as client:
        for path, body in (
            ("/predict", {"texts": TEXTS, "sentences": True}),  # sentences are not logged
            ("/explain", {"texts": TEXTS}),
            (INFER, {"inputs": [tensor(TEXTS)]}),
        ):
            answer = client.post(path, json=body, headers={"X-Request-ID": f"id{path}"})
            assert answer.status_code == 200
    lines = _lines(target)  # the lifespan's end flushed them
    assert [(line["request_id"], line.get("text")) for line in lines] == [
        (f"id{path}", text if log_texts else None)
        for path in ("/predict", "/explain", INFER)
        for text in TEXTS
    ]
    for line in lines:
        assert (line["model"], line["version"]) == ("imdb-sentiment", SHIPPED_VERSION)
        assert line["label"] in ("negative", "positive") and 0 <= line["score"] <= 1
        assert line["tokens"] > 0 and line["truncated"] is False
        assert "scores" not in line  # two labels: score says it all
    assert [line["label"] for line in lines[:2]] == ["positive", "negative"]


def test_a_multiclass_model_logs_every_label_score(tmp_path: Path, multiclass_bundle: Path) -> None:
    target = tmp_path / "predictions.jsonl"
    settings = make_settings(prediction_log=str(target), extra_bundle_paths=[multiclass_bundle])
    with TestClient(create_app(settings)) as client:
        body = {"text": "An average film.", "model": "tri-sentiment"}
        assert client.post("/predict", json=body).status_code == 200
    (line,) = _lines(target)
    assert line["model"] == "tri-sentiment"
    assert set(line["scores"]) == {"negative", "neutral", "positive"}
    assert line["score"] == max(line["scores"].values())


def test_a_stuck_writer_neither_blocks_nor_fails_requests_and_drops_are_counted() -> None:
    entered, release = threading.Event(), threading.Event()
    written: list[bytes] = []

    def stuck(data: bytes) -> None:  # a pipe nobody reads
        entered.set()
        release.wait()
        written.append(data)

    dropped = _dropped()
    log = PredictionLog(stuck, capacity=3, dropped=dropped)
    log.record("r0", "m", "1", [PREDICTION, PREDICTION])
    assert entered.wait(10)  # the writer holds the first request's lines, stuck
    started = time.perf_counter()
    for request in range(1, 100):
        log.record(f"r{request}", "m", "1", [PREDICTION, PREDICTION])
    assert time.perf_counter() - started < 0.5  # 99 requests; a blocking put would hang here
    # Three requests wait in the queue; the other 96 requests' lines are dropped.
    assert dropped.labels("queue_full")._value.get() == 96 * 2
    release.set()
    log.close()
    assert len(written) == 4 and all(data.count(b"\n") == 2 for data in written)


def test_a_full_disk_drops_lines_counted_and_the_service_goes_on(tmp_path: Path) -> None:
    """/dev/full answers every write with ENOSPC, as a full disk does."""
    settings = make_settings(prediction_log="/dev/full")
    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            assert client.post("/predict", json={"texts": TEXTS}).status_code == 200
        counted = 'sentiment_prediction_log_dropped_lines_total{reason="write_error"} 6.0'
        eventually(lambda: counted in client.get("/metrics").text, 10, "the failed writes counted")


def test_a_write_error_is_survived_and_later_lines_are_written() -> None:
    written: list[bytes] = []
    failures = iter([OSError(errno.ENOSPC, "No space left on device")])

    def flaky(data: bytes) -> None:
        error = next(failures, None)
        if error is not None:
            raise error
        written.append(data)

    dropped = _dropped()
    log = PredictionLog(flaky, capacity=10, dropped=dropped)
    log.record("lost", "m", "1", [PREDICTION])
    log.record("kept", "m", "1", [PREDICTION], ["a fine film"])
    log.close()
    assert dropped.labels("write_error")._value.get() == 1
    (data,) = written
    line = json.loads(data)
    assert (line["request_id"], line["text"], line["label"]) == ("kept", "a fine film", "positive")


def test_standard_output_with_a_dash(capsys: pytest.CaptureFixture[str]) -> None:
    log = PredictionLog.open("-", capacity=10)
    log.record("out", "m", "1", [PREDICTION])
    log.close()
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["request_id"] == "out"
