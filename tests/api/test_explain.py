"""POST /explain: the contract, its cost bound, and the errors it shares with /predict."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.api.schemas import MIXED_EXAMPLE, POSITIVE_EXAMPLE, ExplainResponse
from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION


def test_contract(client: TestClient) -> None:
    response = client.post("/explain", json={"text": MIXED_EXAMPLE})
    assert response.status_code == 200
    body = response.json()
    assert ExplainResponse.model_validate(body, strict=True).model_dump(exclude_none=True) == body
    assert body["model"] == {"name": "imdb-sentiment", "version": SHIPPED_VERSION}
    (explanation,) = body["explanations"]
    assert set(explanation) == {"label", "score", "scores", "truncated", "tokens"}
    predicted = client.post("/predict", json={"text": MIXED_EXAMPLE}).json()["predictions"][0]
    assert explanation["label"] == predicted["label"]
    assert explanation["score"] == pytest.approx(predicted["score"], abs=1e-6)
    assert len(explanation["tokens"]) == predicted["tokens"]
    for token in explanation["tokens"]:
        assert MIXED_EXAMPLE[token["start"] : token["end"]] == token["text"]
    weights = {token["text"]: token["weight"] for token in explanation["tokens"]}
    assert weights["dull"] < 0 < weights["superb"]


def test_several_texts_in_order_with_sentences_and_chunks(client: TestClient) -> None:
    texts = [POSITIVE_EXAMPLE, MIXED_EXAMPLE]
    body = client.post(
        "/explain", json={"texts": texts, "sentences": True, "long_text": "chunk"}
    ).json()
    first, second = body["explanations"]
    assert first["label"] == "positive" and first["chunks"] == 1
    assert [s["text"] for s in second["sentences"]] == [
        "The plot was dull.",
        "But the acting was superb, and the ending made up for it.",
    ]
    assert second["sentences"][0]["label"] == "negative"
    assert second["sentences"][1]["label"] == "positive"


def test_the_same_text_gets_the_same_weights(client: TestClient) -> None:
    (alone,) = client.post("/explain", json={"text": MIXED_EXAMPLE}).json()["explanations"]
    together = client.post("/explain", json={"texts": ["Awful.", MIXED_EXAMPLE]}).json()
    tokens = together["explanations"][1]["tokens"]
    assert [t["text"] for t in tokens] == [t["text"] for t in alone["tokens"]]
    assert [t["weight"] for t in tokens] == pytest.approx(
        [t["weight"] for t in alone["tokens"]], abs=1e-6
    )


def test_tokens_over_the_cap_are_refused_clearly() -> None:
    with TestClient(create_app(make_settings(max_explain_tokens=20))) as client:
        assert client.post("/explain", json={"text": "good " * 20}).status_code == 200
        response = client.post("/explain", json={"texts": ["good " * 15, "bad " * 6]})
        assert response.status_code == 422
        (problem,) = response.json()["detail"]
        assert problem["loc"] == ["body", "texts"] and problem["type"] == "too_many_tokens"
        assert "21 tokens to explain; at most 20" in problem["msg"]
        assert client.post("/explain", json={"text": "fine"}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": "  "},
        {"text": "ok", "texts": ["ok"]},
        {"text": "ok", "long_text": "middle"},
        {"text": "ok", "long_text": None},
        {"text": "ok", "sentences": "yes"},
        {"text": "ok", "explain": True},
    ],
)
def test_bad_bodies_get_422_as_for_predict(client: TestClient, body: dict[str, object]) -> None:
    for path in ("/explain", "/predict"):
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, response.text)


def test_documented_with_an_example(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    operation = schema["paths"]["/explain"]["post"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictRequest"
    }
    assert schema["components"]["schemas"]["ExplainResponse"]["examples"]
    for status in ("401", "413", "415", "422", "503", "504"):
        assert status in operation["responses"]
