"""Locked-down defaults: an optional API key for /predict, CORS closed unless configured."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api.schemas import POSITIVE_EXAMPLE
from app.core.config import Settings
from app.main import create_app
from tests.api.conftest import make_settings

KEY = "a-test-key-0123456789"
BODY = {"text": POSITIVE_EXAMPLE}


@pytest.fixture(scope="module")
def keyed() -> TestClient:
    with TestClient(create_app(make_settings(api_key=KEY))) as client:
        yield client  # type: ignore[misc]


def test_without_a_configured_key_predict_is_open(client: TestClient) -> None:
    assert client.post("/predict", json=BODY).status_code == 200
    assert "securitySchemes" not in client.get("/openapi.json").json().get("components", {})


@pytest.mark.parametrize(
    "headers",
    [{}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY[:-1]}, {"Authorization": "Bearer nope"}],
    ids=["missing", "wrong", "prefix", "wrong bearer"],
)
@pytest.mark.parametrize("path", ["/predict", "/explain"])
def test_a_missing_or_wrong_key_is_refused(
    keyed: TestClient, headers: dict[str, str], path: str
) -> None:
    response = keyed.post(path, json=BODY, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]
    assert KEY not in response.text


@pytest.mark.parametrize(
    "headers", [{"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"}], ids=["header", "bearer"]
)
@pytest.mark.parametrize("path", ["/predict", "/explain"])
def test_the_right_key_is_accepted(keyed: TestClient, headers: dict[str, str], path: str) -> None:
    response = keyed.post(path, json=BODY, headers=headers)
    assert response.status_code == 200


def test_health_model_and_docs_need_no_key(keyed: TestClient) -> None:
    for path in ("/health/live", "/health/ready", "/model", "/docs", "/openapi.json", "/"):
        assert keyed.get(path).status_code == 200, path
    schemes = keyed.get("/openapi.json").json()["components"]["securitySchemes"]
    assert schemes["APIKeyHeader"]["name"] == "X-API-Key"


def test_short_keys_are_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        make_settings(api_key="short")


def test_cors_is_closed_by_default(client: TestClient) -> None:
    preflight = client.options(
        "/predict",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    answer = client.post("/predict", json=BODY, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in answer.headers


def test_cors_allows_only_configured_origins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTIMENT_CORS_ORIGINS", "https://app.example, https://admin.example")
    settings = Settings(bundle_path=make_settings().bundle_path)
    assert settings.cors_origins == ["https://app.example", "https://admin.example"]
    with TestClient(create_app(settings)) as cors_client:
        allowed = cors_client.options(
            "/predict",
            headers={"Origin": "https://app.example", "Access-Control-Request-Method": "POST"},
        )
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        other = cors_client.post("/predict", json=BODY, headers={"Origin": "https://evil.example"})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers
