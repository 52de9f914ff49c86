"""GET /metrics in one process: every metric the README lists, and what each request, batch,
run, refusal and reload adds to them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from app.inference.bundle import read_manifest
from app.main import create_app
from app.observability.metrics import observe_all
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION

METRICS = [
    "sentiment_http_requests",
    "sentiment_http_request_duration_seconds",
    "sentiment_http_requests_in_flight",
    "sentiment_batch_queue_texts",
    "sentiment_batch_queue_rows",
    "sentiment_batch_queue_wait_seconds",
    "sentiment_batch_texts",
    "sentiment_model_run_seconds",
    "sentiment_text_tokens",
    "sentiment_texts_truncated",
    "sentiment_text_windows",
    "sentiment_predictions",
    "sentiment_texts_shed",
    "sentiment_requests_shed_unread",
    "sentiment_texts_expired",
    "sentiment_model_info",
    "sentiment_model_test_accuracy",
    "sentiment_model_reloads",
    "sentiment_model_last_reload_timestamp_seconds",
]
MODEL = {"model": "imdb-sentiment", "version": SHIPPED_VERSION}
LONG_REVIEW = "A slow, thoughtful and quite wonderful film about patience. " * 60


def samples(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(
    found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def fresh() -> TestClient:
    """A client on an app of its own, so that counts start at zero."""
    with TestClient(create_app(make_settings())) as client:
        yield client  # type: ignore[misc]


def test_every_listed_metric_is_exposed_and_in_the_readme(fresh: TestClient) -> None:
    text = fresh.get("/metrics").text
    families = {family.name for family in text_string_to_metric_families(text)}
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for name in METRICS:
        assert name in families, name
        assert f"`{name}" in readme, f"README does not list {name}"


def test_a_request_counts_in_every_stage(fresh: TestClient) -> None:
    before = samples(fresh)
    texts = ["Wonderful.", "Dull and far too long.", LONG_REVIEW]
    assert fresh.post("/predict", json={"texts": texts}).status_code == 200
    assert fresh.post("/predict", json={"texts": []}).status_code == 422
    after = samples(fresh)

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"method": "POST", "route": "/predict"}
    assert added("sentiment_http_requests_total", **route, status="200") == 1
    assert added("sentiment_http_requests_total", **route, status="422") == 1
    assert added("sentiment_http_request_duration_seconds_count", **route) == 2
    assert added("sentiment_batch_queue_wait_seconds_count") == 3
    assert added("sentiment_batch_texts_count", **MODEL) == 1
    assert added("sentiment_batch_texts_sum", **MODEL) == 3
    assert added("sentiment_text_tokens_count", **MODEL) == 3
    assert added("sentiment_text_tokens_bucket", **MODEL, le="500.0") == 3
    assert added("sentiment_text_tokens_bucket", **MODEL, le="5.0") == 1  # "Wonderful."
    assert added("sentiment_texts_truncated_total", **MODEL) == 1
    assert added("sentiment_model_run_seconds_count", **MODEL) == 1  # 3 rows <= 4 per run
    assert value(after, "sentiment_model_info", **MODEL) == 1
    shipped = read_manifest(Path("models/imdb-sentiment")).metrics["test"]["accuracy"]
    assert value(after, "sentiment_model_test_accuracy", **MODEL) == pytest.approx(shipped)
    assert value(after, "sentiment_batch_queue_texts") == 0
    assert value(after, "sentiment_batch_queue_rows") == 0
    assert value(after, "sentiment_http_requests_in_flight") == 1  # the scrape itself


def test_a_body_over_the_limit_counts_under_its_route(fresh: TestClient) -> None:
    response = fresh.post(
        "/predict", content=b"x" * 5_000_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    found = samples(fresh)
    labels = {"method": "POST", "route": "/predict", "status": "413"}
    assert value(found, "sentiment_http_requests_total", **labels) == 1
    fresh.get("/no/such/path")
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(samples(fresh), "sentiment_http_requests_total", **labels) == 1


def test_shed_and_expired_texts_are_counted() -> None:
    with TestClient(create_app(make_settings(max_queue_rows=2))) as client:
        assert client.post("/predict", json={"texts": ["a", "b", "c"]}).status_code == 503
        assert value(samples(client), "sentiment_texts_shed_total", reason="queue_full") == 3
    with TestClient(create_app(make_settings(request_timeout_ms=1))) as client:
        assert client.post("/predict", json={"texts": [LONG_REVIEW] * 256}).status_code == 504
        assert value(samples(client), "sentiment_texts_expired_total") == 256


def test_reloads_are_counted_by_outcome(bundle_copy: Path) -> None:
    token = "admin-token-0123456789"
    settings = make_settings(bundle_path=bundle_copy, admin_token=token)
    with TestClient(create_app(settings)) as client:
        assert client.post("/admin/reload", headers={"X-Admin-Token": token}).status_code == 200
        manifest = bundle_copy / "manifest.json"
        manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "labels": ["a", "b"]}))
        assert client.post("/admin/reload", headers={"X-Admin-Token": token}).status_code == 409
        found = samples(client)
    assert value(found, "sentiment_model_reloads_total", outcome="succeeded") == 1
    assert value(found, "sentiment_model_reloads_total", outcome="failed") == 1
    stamp = value(found, "sentiment_model_last_reload_timestamp_seconds", outcome="succeeded")
    assert stamp > 1.7e9


def test_metrics_off_records_nothing_and_serves_no_endpoint() -> None:
    app = create_app(make_settings(metrics=False))
    with TestClient(app) as client:
        assert client.post("/predict", json={"text": "Wonderful."}).status_code == 200
        assert client.get("/metrics").status_code == 404
        state = app.state.service
        assert state.metrics is None and state.classifier.metrics is None


def test_observe_all_equals_one_observe_per_value() -> None:
    values = [0.0, 0.0002, 0.001, 0.003, 0.003, 7.0, 99.0, 0.5]
    one, each = CollectorRegistry(), CollectorRegistry()
    buckets = (0.001, 0.01, 1, 10)
    observe_all(Histogram("h", "h", buckets=buckets, registry=one), values)
    histogram = Histogram("h", "h", buckets=buckets, registry=each)
    for observation in values:
        histogram.observe(observation)
    strip = [line for line in generate_latest(one).decode().splitlines() if "_created" not in line]
    expected = [
        line for line in generate_latest(each).decode().splitlines() if "_created" not in line
    ]
    assert strip == expected


def test_v2_inference_counts_in_the_same_metrics(fresh: TestClient) -> None:
    before = samples(fresh)
    request = {"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["a", "b"]}]}
    assert fresh.post("/v2/models/imdb-sentiment/infer", json=request).status_code == 200
    after = samples(fresh)
    labels = {"method": "POST", "route": "/v2/models/{model_name}/infer", "status": "200"}
    assert value(after, "sentiment_http_requests_total", **labels) == 1
    added = value(after, "sentiment_text_tokens_count", **MODEL) - value(
        before, "sentiment_text_tokens_count", **MODEL
    )
    assert added == 2


def test_explain_demo_and_chunked_sentence_predictions_count_like_predict(
    fresh: TestClient,
) -> None:
    before = samples(fresh)
    assert fresh.get("/").status_code == 200
    body = {"texts": [LONG_REVIEW, "Wonderful."], "long_text": "chunk", "sentences": True}
    predicted = fresh.post("/predict", json=body)
    assert predicted.status_code == 200
    explained = fresh.post("/explain", json={"text": "Dull plot, superb acting."})
    assert explained.status_code == 200
    too_many = fresh.post("/explain", json={"texts": ["word " * 400] * 3})
    assert too_many.status_code == 422
    after = samples(fresh)

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert added("sentiment_http_requests_total", method="GET", route="/", status="200") == 1
    explain = {"method": "POST", "route": "/explain"}
    assert added("sentiment_http_requests_total", **explain, status="200") == 1
    assert added("sentiment_http_requests_total", **explain, status="422") == 1
    assert added("sentiment_http_request_duration_seconds_count", **explain) == 2
    predictions = predicted.json()["predictions"]
    sentences = [sentence for prediction in predictions for sentence in prediction["sentences"]]
    (explanation,) = explained.json()["explanations"]
    # The chunked texts and their sentences are one batch; the explained text another. The
    # explanation queues its occlusion rows one by one: its window, and it without each token.
    chunked_texts = len(predictions) + len(sentences)
    explanation_rows = 1 + len(explanation["tokens"])
    assert added("sentiment_batch_queue_wait_seconds_count") == chunked_texts + explanation_rows
    assert added("sentiment_batch_texts_count", **MODEL) == 2
    assert added("sentiment_batch_texts_sum", **MODEL) == chunked_texts + 1
    assert added("sentiment_text_tokens_count", **MODEL) == chunked_texts + 1
    read = sum(p["tokens"] for p in predictions) + len(explanation["tokens"])
    assert read > 500  # the long review was read whole, past the window
    assert added("sentiment_text_tokens_sum", **MODEL) >= read
    assert added("sentiment_texts_truncated_total", **MODEL) == 0
    assert added("sentiment_text_windows_count", **MODEL) == chunked_texts
    windows = sum(p["chunks"] for p in predictions) + len(sentences)  # a sentence is 1 window
    assert predictions[0]["chunks"] > 1
    assert added("sentiment_text_windows_sum", **MODEL) == windows
    assert added("sentiment_model_run_seconds_count", **MODEL) > 2


def test_explain_refusals_are_counted() -> None:
    with TestClient(create_app(make_settings(max_explain_rows=2))) as client:
        budget = client.app.state.service.batcher._budget  # type: ignore[attr-defined]
        budget.admit("explain", 1)  # an explanation in progress
        response = client.post("/explain", json={"texts": ["a", "b", "c"]})
        assert response.status_code == 503
        assert value(samples(client), "sentiment_texts_shed_total", reason="queue_full") == 3
    with TestClient(create_app(make_settings(request_timeout_ms=1))) as client:
        response = client.post("/explain", json={"texts": [LONG_REVIEW[:900]] * 5})
        assert response.status_code == 504
        assert value(samples(client), "sentiment_texts_expired_total") == 5
