"""(e), the HTTP floor: the service's request and response shapes with no model, and the ceiling
it sets on what the service can reach beside the in-process limit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from benchmarks.harness.report import http_ceiling
from benchmarks.servers.http_floor import app


def test_the_floor_answers_the_services_request_with_the_services_response_shape() -> None:
    with TestClient(app) as client:
        answer = client.post("/predict", json={"texts": ["Fine.", "Not fine."]})
        assert answer.status_code == 200
        body = answer.json()
        assert [p["label"] for p in body["predictions"]] == ["positive", "positive"]
        assert body["model"]["name"] == "no-model"
        assert client.post("/predict", json={"texts": []}).status_code == 422  # validated alike


@pytest.mark.parametrize(
    ("http", "model", "ceiling"), [(8_000.0, 2_000.0, 0.8), (18_000.0, 2_000.0, 0.9)]
)
def test_the_ceiling_is_what_is_left_when_every_request_pays_the_floor(
    http: float, model: float, ceiling: float
) -> None:
    line = http_ceiling(
        {"reviews_per_s": http, "config": "1 review, c=64"},
        {"reviews_per_s": model, "config": "reviews, batch 64"},
    )
    assert line["value"] == pytest.approx(ceiling)
    assert line["met"] is (ceiling >= 0.85)
    assert f"E = {http:.0f}" in line["yardstick"]
