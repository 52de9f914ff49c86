"""The queue bound counts model rows, as the service configures it (issue 23)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.inference.batcher import DynamicBatcher
from app.main import create_app
from tests.api.conftest import make_settings

LONG_REVIEW = "A slow, thoughtful and quite wonderful film about patience and grief. " * 150


@pytest.fixture
def admitted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(kind, model rows) of every piece of work the service puts on its batcher."""
    seen: list[tuple[str, int]] = []
    predict = DynamicBatcher.predict

    async def recording(self, model, texts, costs=None, kind="short"):  # type: ignore[no-untyped-def]
        seen.append((kind, sum(costs) if costs is not None else len(texts)))
        return await predict(self, model, texts, costs, kind)

    monkeypatch.setattr(DynamicBatcher, "predict", recording)
    return seen


def test_a_chunked_text_costs_its_windows(admitted: list[tuple[str, int]]) -> None:
    with TestClient(create_app(make_settings())) as client:
        truncated = client.post("/predict", json={"text": LONG_REVIEW})
        chunked = client.post("/predict", json={"text": LONG_REVIEW, "long_text": "chunk"})
    assert truncated.status_code == chunked.status_code == 200
    windows = chunked.json()["predictions"][0]["chunks"]
    assert windows > 1 and admitted == [("short", 1), ("chunk", windows)]


def test_an_explanation_costs_a_row_per_token(admitted: list[tuple[str, int]]) -> None:
    with TestClient(create_app(make_settings())) as client:
        answer = client.post("/explain", json={"text": LONG_REVIEW[:600]})
    tokens = answer.json()["explanations"][0]["tokens"]
    assert admitted == [("explain", len(tokens) + 1)]  # the text itself, and one per token


def test_costly_work_past_its_cap_is_refused_and_short_work_still_goes() -> None:
    with TestClient(create_app(make_settings(max_explain_rows=50))) as client:
        service = client.app.state.service  # type: ignore[attr-defined]
        service.batcher._budget.admit("explain", 40)  # an explanation in progress
        long = client.post("/explain", json={"text": LONG_REVIEW[:600]})
        short = client.post("/predict", json={"text": "A fine film."})
    assert long.status_code == 503 and long.headers["retry-after"]
    assert "40 model rows of explain work are in progress" in long.json()["detail"]
    assert short.status_code == 200


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
