"""POST /predict with long_text and sentences."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api.schemas import MIXED_EXAMPLE, POSITIVE_EXAMPLE, PredictResponse
from app.inference.bundle import BundleError
from app.main import create_app
from tests.api.conftest import make_settings

LONG = "dull boring awful plot . " * 130 + "but the ending was superb and moving . " * 40


def test_truncate_is_the_default_and_says_nothing_of_chunks(client: TestClient) -> None:
    (prediction,) = client.post("/predict", json={"text": LONG}).json()["predictions"]
    assert prediction["truncated"] is True and "chunks" not in prediction
    assert (
        prediction
        == client.post("/predict", json={"text": LONG, "long_text": "truncate"}).json()[
            "predictions"
        ][0]
    )


def test_chunk_reads_the_whole_text() -> None:
    # Mean pooling: every window counts, so a text read whole must score unlike its first 500
    # tokens (the default, max_confidence, may pick the first window).
    with TestClient(create_app(make_settings(chunk_pooling="mean"))) as client:
        body = client.post(
            "/predict", json={"texts": [LONG, POSITIVE_EXAMPLE], "long_text": "chunk"}
        )
        truncated = client.post("/predict", json={"text": LONG}).json()["predictions"][0]
    assert PredictResponse.model_validate(body.json(), strict=True)
    long, short = body.json()["predictions"]
    assert long["chunks"] >= 2 and long["truncated"] is False and long["tokens"] > 500
    assert short["chunks"] == 1 and short["tokens"] == 16
    assert long["score"] != pytest.approx(truncated["score"], abs=1e-3)


def test_the_default_comes_from_the_setting() -> None:
    with TestClient(create_app(make_settings(long_text="chunk"))) as client:
        (prediction,) = client.post("/predict", json={"text": LONG}).json()["predictions"]
        assert prediction["chunks"] >= 2
        (prediction,) = client.post(
            "/predict", json={"text": LONG, "long_text": "truncate"}
        ).json()["predictions"]
        assert "chunks" not in prediction and prediction["truncated"] is True


def test_an_overlap_as_long_as_the_window_stops_start_up() -> None:
    with (
        pytest.raises(BundleError, match=r"SENTIMENT_CHUNK_OVERLAP: .* below the model's window"),
        TestClient(create_app(make_settings(chunk_overlap=500))),
    ):
        pass


def test_sentences_with_offsets_and_scores(client: TestClient) -> None:
    texts = [MIXED_EXAMPLE, "Great!", "no stop here"]
    body = client.post("/predict", json={"texts": texts, "sentences": True}).json()
    assert PredictResponse.model_validate(body, strict=True)
    mixed, great, single = body["predictions"]
    dull, superb = mixed["sentences"]
    for text, prediction in zip(texts, body["predictions"], strict=True):
        for sentence in prediction["sentences"]:
            assert text[sentence["start"] : sentence["end"]] == sentence["text"]
    assert (dull["label"], superb["label"]) == ("negative", "positive")
    alone = client.post("/predict", json={"text": superb["text"]}).json()["predictions"][0]
    assert superb["score"] == pytest.approx(alone["score"], abs=1e-6)
    assert [s["text"] for s in great["sentences"]] == ["Great!"]
    assert single["sentences"][0] == {**single["sentences"][0], "start": 0, "end": 12}
    assert (
        "sentences" not in client.post("/predict", json={"text": "Great!"}).json()["predictions"][0]
    )


def test_too_many_sentences_are_refused_clearly() -> None:
    with TestClient(create_app(make_settings(max_sentences_per_request=3))) as client:
        response = client.post(
            "/predict", json={"text": "Good. Bad. Fine. Odd.", "sentences": True}
        )
        assert response.status_code == 422
        (problem,) = response.json()["detail"]
        assert (
            problem["type"] == "too_many_sentences" and "4 sentences; at most 3" in problem["msg"]
        )
        assert (
            client.post("/predict", json={"text": "Good. Bad.", "sentences": True}).status_code
            == 200
        )


def test_schema_documents_the_new_fields(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    fields = schemas["PredictRequest"]["properties"]
    assert fields["long_text"]["enum"] == ["truncate", "chunk"]
    assert fields["sentences"]["type"] == "boolean"
    assert any("sentences" in example for example in schemas["PredictRequest"]["examples"])
    assert {"chunks", "sentences"} <= set(schemas["PredictionOut"]["properties"])
