"""A bundle with three labels through the HTTP routes: /predict (chunks and sentences
included), /explain, /model, the Open Inference Protocol and the metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.main import create_app
from tests.api.conftest import make_settings
from tests.api.test_v2 import binary_request, read_binary_answer, tensor
from tests.multiclass_bundle import LABELS

INFER = "/v2/models/tri-sentiment/infer"
TEXTS = [
    "A great film, really wonderful.",
    "The plot was awful and the acting dull.",
    "It was okay. An average movie.",
    "great awful okay the movie " * 8,
]


@pytest.fixture(scope="module")
def tri(multiclass_bundle: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(bundle_path=multiclass_bundle))) as client:
        yield client


def _check_scores(item: dict[str, object]) -> None:
    scores = item["scores"]
    assert isinstance(scores, dict) and list(scores) == LABELS
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-5)
    assert item["score"] == scores[item["label"]] == max(scores.values())


@pytest.mark.parametrize("long_text", ["truncate", "chunk"])
def test_predict_answers_a_probability_per_label(tri: TestClient, long_text: str) -> None:
    body = {"texts": TEXTS, "long_text": long_text, "sentences": True}
    answer = tri.post("/predict", json=body)
    assert answer.status_code == 200
    predictions = answer.json()["predictions"]
    assert [p["label"] for p in predictions[:3]] == ["positive", "negative", "neutral"]
    for prediction in predictions:
        _check_scores(prediction)
        for sentence in prediction["sentences"]:
            _check_scores(sentence)
    assert predictions[3]["truncated"] is (long_text == "truncate")
    assert ("chunks" in predictions[3]) is (long_text == "chunk")
    assert [s["label"] for s in predictions[2]["sentences"]] == ["neutral", "neutral"]


def test_a_text_scores_the_same_alone_and_in_a_batch(tri: TestClient) -> None:
    together = tri.post("/predict", json={"texts": TEXTS * 5}).json()["predictions"]
    for text, prediction in zip(TEXTS * 5, together, strict=True):
        (alone,) = tri.post("/predict", json={"text": text}).json()["predictions"]
        for label in LABELS:
            assert abs(alone["scores"][label] - prediction["scores"][label]) <= 1e-6


def test_explain_weighs_tokens_toward_the_predicted_label(tri: TestClient) -> None:
    answer = tri.post("/explain", json={"text": "The plot was okay, the acting fine."})
    assert answer.status_code == 200
    (explanation,) = answer.json()["explanations"]
    _check_scores(explanation)
    assert explanation["label"] == "neutral"
    weights = {token["text"]: token["weight"] for token in explanation["tokens"]}
    assert weights["okay"] > 0.05 and weights["fine"] > 0.05
    assert abs(weights["plot"]) < weights["okay"]


def test_model_describes_the_labels_without_a_threshold(tri: TestClient) -> None:
    described = tri.get("/model").json()
    assert described["task"] == "multiclass-sentiment" and described["labels"] == LABELS
    assert described["threshold"] is None
    assert described["outputs"][0]["shape"] == ["batch", 3]


def test_v2_answers_probabilities_of_shape_n_by_labels(tri: TestClient) -> None:
    metadata = tri.get("/v2/models/tri-sentiment").json()
    outputs = {output["name"]: output for output in metadata["outputs"]}
    assert outputs["probabilities"]["shape"] == [-1, 3]
    assert "probability" not in outputs
    predicted = tri.post("/predict", json={"texts": TEXTS}).json()["predictions"]
    answer = tri.post(INFER, json={"inputs": [tensor(TEXTS)]}).json()
    by_name = {output["name"]: output for output in answer["outputs"]}
    assert by_name["probabilities"]["shape"] == [len(TEXTS), 3]
    matrix = np.array(by_name["probabilities"]["data"]).reshape(len(TEXTS), 3)
    expected = np.array([[p["scores"][label] for label in LABELS] for p in predicted])
    assert np.abs(matrix - expected).max() <= 1e-6
    assert by_name["label"]["data"] == [p["label"] for p in predicted]
    binary = [{"name": "probabilities", "parameters": {"binary_data": True}}]
    content, headers = binary_request(TEXTS, outputs=binary)
    raw = tri.post(INFER, content=content, headers=headers)
    assert raw.status_code == 200
    length = int(raw.headers["inference-header-content-length"])
    decoded = read_binary_answer(raw.content, length)
    assert np.abs(np.array(decoded["probabilities"]).reshape(-1, 3) - expected).max() <= 1e-6
    asked = {"inputs": [tensor(TEXTS)], "outputs": [{"name": "probability"}]}
    refused = tri.post(INFER, json=asked)
    assert refused.status_code == 400 and "probabilities" in refused.json()["error"]


def test_predictions_are_counted_by_model_and_label(multiclass_bundle: Path) -> None:
    with TestClient(create_app(make_settings(bundle_path=multiclass_bundle))) as client:
        assert client.post("/predict", json={"texts": TEXTS[:3] + TEXTS[:1]}).status_code == 200
        text = client.get("/metrics").text
    counts = {
        sample.labels["label"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "sentiment_predictions_total"
    }
    assert counts == {"positive": 2, "negative": 1, "neutral": 1}
