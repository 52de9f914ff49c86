"""POST /predict: the contract, bad input, and batching that changes no answer."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.schemas import NEGATIVE_EXAMPLE, POSITIVE_EXAMPLE, PredictResponse
from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION

JSON = {"content-type": "application/json"}


def test_single_text_contract(client: TestClient) -> None:
    response = client.post("/predict", json={"text": POSITIVE_EXAMPLE})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"predictions", "model"}
    assert body["model"] == {"name": "imdb-sentiment", "version": SHIPPED_VERSION}
    (prediction,) = body["predictions"]
    assert set(prediction) == {"label", "score", "scores", "tokens", "truncated"}
    assert prediction["label"] == "positive" and prediction["score"] >= 0.9
    assert prediction["tokens"] == 16 and prediction["truncated"] is False
    assert response.headers["content-type"] == "application/json"


def test_answers_match_the_documented_schema(client: TestClient) -> None:
    """The route serialises its answer itself; it must still be exactly PredictResponse."""
    texts = [POSITIVE_EXAMPLE, "!!!", "good " * 3000]
    body = client.post("/predict", json={"texts": texts}).json()
    assert PredictResponse.model_validate(body, strict=True).model_dump(exclude_none=True) == body
    documented = client.get("/openapi.json").json()["paths"]["/predict"]["post"]["responses"]
    assert documented["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PredictResponse"
    }


def test_recipe_samples(client: TestClient) -> None:
    response = client.post("/predict", json={"texts": [POSITIVE_EXAMPLE, NEGATIVE_EXAMPLE]})
    positive, negative = response.json()["predictions"]
    assert positive["label"] == "positive" and positive["score"] >= 0.9
    assert negative["label"] == "negative" and negative["score"] <= 0.1


def test_long_text_reports_truncation(client: TestClient) -> None:
    (prediction,) = client.post("/predict", json={"text": "good " * 3000}).json()["predictions"]
    assert prediction["truncated"] is True
    assert prediction["tokens"] == client.get("/model").json()["max_length"]


@pytest.mark.parametrize(
    "text",
    [
        "😀 loved it 🎬",
        "<b>great</b> <script>alert(1)</script>",
        "bad\x00\x07 film\u200b",
        "שלום סרט נהדר",
        "?!?!...",
        "zyzzyva quokka",
    ],
)
def test_unusual_but_valid_text_is_scored(client: TestClient, text: str) -> None:
    response = client.post("/predict", json={"text": text})
    assert response.status_code == 200
    assert 0.0 <= response.json()["predictions"][0]["score"] <= 1.0


BAD_BODIES = [
    ({}, "exactly one of 'text'"),
    ({"text": "a", "texts": ["b"]}, "exactly one of 'text'"),
    ({"text": 5}, "valid string"),
    ({"texts": ["fine", 7]}, "valid string"),
    ({"texts": "not a list"}, "valid list"),
    ({"text": ""}, "text is empty or only whitespace"),
    ({"text": " \n\t "}, "text is empty or only whitespace"),
    ({"texts": ["fine", "  "]}, "texts[1] is empty or only whitespace"),
    ({"texts": []}, "texts is an empty list"),
    ({"text": "fine", "txt": "typo"}, "Extra inputs are not permitted"),
    ({"texts": ["ok"] * 257}, "257 texts; at most 256 per request"),
    ({"text": "x" * 100_001}, "text has 100001 characters; at most 100000"),
    ({"texts": ["ok", "x" * 100_001]}, "texts[1] has 100001 characters"),
]


@pytest.mark.parametrize(("body", "message"), BAD_BODIES)
def test_bad_bodies_get_a_clear_422_and_serving_goes_on(
    client: TestClient, body: object, message: str
) -> None:
    response = client.post("/predict", json=body)
    assert response.status_code == 422
    problems = response.json()["detail"]
    assert any(message in problem["msg"] for problem in problems), problems
    assert "x" * 1000 not in response.text  # the offending input is not echoed back
    assert client.post("/predict", json={"text": "fine"}).status_code == 200


@pytest.mark.parametrize(
    ("content", "headers", "status", "message"),
    [
        (b'{"text": "unclosed', JSON, 422, "JSON decode error"),
        (b"null", JSON, 422, "valid dictionary"),
        (b'["a list"]', JSON, 422, "valid dictionary"),
        (
            b'{"text": "fine"}',
            {"content-type": "text/plain"},
            415,
            "Content-Type: application/json",
        ),
        (b'{"text": "fine"}', {}, 415, "Content-Type: application/json"),
        (b"x" * (4 * 1024 * 1024 + 1), JSON, 413, "over the limit"),
    ],
)
def test_malformed_requests(
    client: TestClient, content: bytes, headers: dict[str, str], status: int, message: str
) -> None:
    response = client.post("/predict", content=content, headers=headers)
    assert response.status_code == status
    assert message in response.text
    assert client.post("/predict", json={"text": "fine"}).status_code == 200


def test_limits_follow_settings() -> None:
    app = create_app(make_settings(max_texts_per_request=2, max_text_chars=10))
    with TestClient(app) as small:
        assert small.post("/predict", json={"texts": ["a", "b", "c"]}).status_code == 422
        assert small.post("/predict", json={"text": "x" * 11}).status_code == 422
        assert small.post("/predict", json={"texts": ["a", "b"]}).status_code == 200


def _mixed_requests(count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    words = (POSITIVE_EXAMPLE + " " + NEGATIVE_EXAMPLE).split()
    return [
        [
            " ".join(rng.choices(words, k=rng.choice([1, 5, 40, 300, 900])))
            for _ in range(rng.randint(1, 8))
        ]
        for _ in range(count)
    ]


async def _concurrently(
    batch_size: int, requests: list[list[str]]
) -> list[list[dict[str, object]]]:
    app = create_app(make_settings(max_batch_size=batch_size))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            responses = await asyncio.gather(
                *(http.post("/predict", json={"texts": texts}) for texts in requests)
            )
    assert all(response.status_code == 200 for response in responses)
    return [response.json()["predictions"] for response in responses]


def test_concurrent_requests_get_their_own_answers_in_order(client: TestClient) -> None:
    requests = _mixed_requests(50, seed=3)
    batched = asyncio.run(_concurrently(64, requests))
    for texts, predictions in zip(requests, batched, strict=True):
        assert len(predictions) == len(texts)
        alone = [
            client.post("/predict", json={"text": text}).json()["predictions"][0] for text in texts
        ]
        for got, expected in zip(predictions, alone, strict=True):
            assert got["tokens"] == expected["tokens"] and got["label"] == expected["label"]
            assert got["score"] == pytest.approx(expected["score"], abs=1e-6)


def test_batch_size_changes_no_score() -> None:
    requests = _mixed_requests(20, seed=5)
    one = asyncio.run(_concurrently(1, requests))
    many = asyncio.run(_concurrently(64, requests))
    for a, b in zip(one, many, strict=True):
        assert [p["score"] for p in a] == pytest.approx([p["score"] for p in b], abs=1e-6)
