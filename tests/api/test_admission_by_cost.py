"""The queue bound counts model rows, as the service configures it (issue 23)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app
from tests.api.conftest import make_settings

LONG_REVIEW = "A slow, thoughtful and quite wonderful film about patience and grief. " * 150


def test_a_chunked_text_costs_its_windows_in_the_queue() -> None:
    with TestClient(create_app(make_settings(max_queue_rows=3))) as client:
        truncated = client.post("/predict", json={"text": LONG_REVIEW})
        chunked = client.post("/predict", json={"text": LONG_REVIEW, "long_text": "chunk"})
    assert truncated.status_code == 200  # one row
    assert chunked.status_code == 503, chunked.text  # its windows are more than three rows
    assert chunked.headers["retry-after"] and "model rows" in chunked.json()["detail"]


def test_an_explanation_costs_a_row_per_token() -> None:
    with TestClient(create_app(make_settings(max_queue_rows=50))) as client:
        short = client.post("/explain", json={"text": "A fine film."})
        long = client.post("/explain", json={"text": LONG_REVIEW[:600]})
    assert short.status_code == 200
    assert long.status_code == 503 and "model rows" in long.json()["detail"]


def test_the_old_queue_setting_is_a_deprecated_alias(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SENTIMENT_MAX_QUEUE_TEXTS", "7")
    assert Settings().max_queue_rows == 7
    monkeypatch.setenv("SENTIMENT_MAX_QUEUE_ROWS", "9")
    assert Settings().max_queue_rows == 9  # the new name wins
    with caplog.at_level(logging.WARNING), TestClient(create_app(make_settings(max_queue_texts=2))):
        pass
    assert "SENTIMENT_MAX_QUEUE_TEXTS is deprecated" in caplog.text
