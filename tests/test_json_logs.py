"""``SENTIMENT_LOG_FORMAT=json``: every line the real service writes is one JSON object, from
start-up through requests and a reload to the stop, in the supervisor and in its workers."""

from __future__ import annotations

import json
import signal
import sys

import httpx

from benchmarks.harness.processes import WAIT_SECONDS, serving
from tests.conftest import SHIPPED_BUNDLE


def test_every_line_of_the_service_is_a_json_record() -> None:
    env = {
        "SENTIMENT_LOG_FORMAT": "json",
        "SENTIMENT_WORKERS": "2",
        "SENTIMENT_BUNDLE_PATH": str(SHIPPED_BUNDLE),
        "SENTIMENT_SHUTDOWN_DELAY_S": "0",
    }
    with serving([sys.executable, "-m", "app"], env) as service:
        response = httpx.post(f"{service.base}/predict", json={"texts": ["Great.", "Awful."]})
        assert response.status_code == 200
        assert httpx.post(f"{service.base}/predict", json={"text": ""}).status_code == 422
        service.signal(signal.SIGHUP)
        service.output.wait_for("reloaded: now serving", times=2)  # one per worker
        service.signal(signal.SIGTERM)
        service.process.wait(timeout=WAIT_SECONDS)
        output = service.output.complete()
    records = [json.loads(line) for line in output.splitlines()]  # fails on any other line
    for record in records:
        assert {"time", "level", "logger", "message"} <= record.keys(), record
    loggers = {record["logger"] for record in records}
    assert {"app", "app.access", "uvicorn.error"} <= loggers, loggers
    access = [r for r in records if r["logger"] == "app.access" and r["path"] == "/predict"]
    assert [(r["path"], r["status"], r["texts"]) for r in access] == [
        ("/predict", 200, 2),
        ("/predict", 422, None),
    ]
    assert all(isinstance(r["latency_ms"], float) for r in access)
    assert any(r["message"].startswith("serving on ") for r in records)  # the supervisor
    assert sum(r["message"].startswith("reloaded: ") for r in records) == 2
