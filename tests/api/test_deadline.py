"""Every prediction has a deadline: past it the client gets 504 and the work is dropped."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from benchmarks.harness.processes import eventually
from tests.api.conftest import make_settings

LONG_REVIEW = "A slow, thoughtful and quite wonderful film about patience. " * 60


def test_a_request_past_its_deadline_gets_504_and_the_service_recovers() -> None:
    app = create_app(make_settings(request_timeout_ms=1, inference_workers=1))
    with TestClient(app) as client:
        response = client.post("/predict", json={"texts": [LONG_REVIEW] * 256})
        assert response.status_code == 504
        assert response.headers["retry-after"] == "1"
        assert "no answer within 1 ms" in response.json()["detail"]
        batcher = app.state.service.batcher
        eventually(lambda: batcher.queued_texts == 0, 10, "the abandoned texts drained")
        assert batcher.queued_texts == 0
        assert client.get("/health/ready").status_code == 200


def test_requests_within_the_deadline_are_answered(client: TestClient) -> None:
    response = client.post("/predict", json={"texts": [LONG_REVIEW] * 256})
    assert response.status_code == 200 and len(response.json()["predictions"]) == 256
