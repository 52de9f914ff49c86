"""Liveness and readiness, before and after the model is loaded."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION


def test_before_loading_live_but_not_ready() -> None:
    app = create_app(make_settings())
    not_started = TestClient(app)  # no `with`: the lifespan has not run, nothing is loaded
    assert not_started.get("/health/live").json() == {"status": "alive", "model": None}
    ready = not_started.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["status"] == "loading"
    refused = not_started.post("/predict", json={"text": "fine"})
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert "still loading" in refused.json()["detail"]
    assert not_started.get("/model").status_code == 503


def test_after_loading_ready_with_the_model(client: TestClient) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "model": {"name": "imdb-sentiment", "version": SHIPPED_VERSION},
    }


def test_after_shutdown_not_ready() -> None:
    app = create_app(make_settings())
    with TestClient(app) as running:
        assert running.get("/health/ready").status_code == 200
    stopped = TestClient(app)
    response = stopped.get("/health/ready")
    assert response.status_code == 503 and response.json()["status"] == "stopping"
    refused = stopped.post("/predict", json={"text": "Too late."})
    assert refused.status_code == 503 and refused.headers["retry-after"] == "1"
    assert refused.json()["detail"] == "the service is shutting down"


def test_readiness_turns_503_the_moment_the_stop_signal_arrives() -> None:
    """uvicorn drains connections before the lifespan ends; readiness must not wait for it.
    Predictions are still answered until then: traffic keeps arriving until load balancers
    have seen the 503."""
    import signal

    from app.server.graceful import GracefulServer

    app, other = create_app(make_settings()), create_app(make_settings())
    with TestClient(app) as running, TestClient(other) as bystander:
        assert running.get("/health/ready").status_code == 200
        GracefulServer(app, {}).handle_exit(signal.SIGTERM, None)
        response = running.get("/health/ready")
        assert response.status_code == 503 and response.json()["status"] == "stopping"
        late = running.post("/predict", json={"text": "Late, but fine."})
        assert late.status_code == 200, late.text
        assert bystander.get("/health/ready").status_code == 200  # the signal was for `app`
