"""OpenTelemetry traces (SENTIMENT_TRACING): one request's span tree, exported by OTLP/HTTP to a
receiver that decodes it with the opentelemetry-proto messages, across the hop into the
inference thread; batched requests each get their own copy of the batch's spans; and tracing
off imports no OpenTelemetry SDK."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_VERSION
from tests.otlp_receiver import Receiver, otlp_receiver

CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{CALLER_TRACE}-{CALLER_SPAN}-01"
SERVER_KIND = 2  # SPAN_KIND_SERVER in the OTLP protobuf


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """An OTLP receiver, and the standard OTEL_* variables pointing the service at it."""
    with otlp_receiver() as running:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", running.endpoint)
        monkeypatch.setenv("OTEL_SERVICE_NAME", "sentiment-under-test")
        yield running


@pytest.mark.parametrize("inline_rows", [0, 4], ids=["in a thread", "on the event loop"])
def test_a_request_gives_a_span_tree_into_the_inference_thread(
    receiver: Receiver, inline_rows: int
) -> None:
    """The same tree whether the batch runs in an inference thread or, small and alone, on the
    event loop's thread (``inline_rows``)."""
    texts = ["A wonderful, moving film.", "Dull and far too long."]
    settings = make_settings(tracing=True, inline_rows=inline_rows)
    with TestClient(create_app(settings)) as client:
        answer = client.post(
            "/predict",
            json={"texts": texts},
            headers={"traceparent": TRACEPARENT, "X-Request-ID": "trace-me-1"},
        )
        assert answer.status_code == 200
    # The app's shutdown flushed the spans to the receiver.
    assert set(receiver.paths) == {"/v1/traces"}
    (server,) = [span for span in receiver.spans if span.kind == SERVER_KIND]
    assert server.name == "POST /predict"
    assert (server.trace_id, server.parent_span_id) == (CALLER_TRACE, CALLER_SPAN)
    assert server.attributes["http.response.status_code"] == 200
    assert server.attributes["sentiment.request_id"] == "trace-me-1"
    assert server.resource["service.name"] == "sentiment-under-test"
    (queue_wait,) = receiver.named("queue wait")
    (batch,) = receiver.named("batch")
    (tokenize,) = receiver.named("tokenize")
    (model_run,) = receiver.named("model run")
    assert {span.trace_id for span in receiver.spans} == {CALLER_TRACE}
    assert queue_wait.parent_span_id == server.span_id
    assert batch.parent_span_id == server.span_id
    assert tokenize.parent_span_id == batch.span_id
    assert model_run.parent_span_id == batch.span_id
    assert queue_wait.end_ns <= batch.start_ns <= tokenize.start_ns <= model_run.start_ns
    assert batch.end_ns <= server.end_ns
    # Made in the thread that ran the batch, with the request's ID carried there.
    assert batch.attributes["thread.name"].startswith("inference") is (inline_rows == 0)
    for span in (queue_wait, batch, tokenize, model_run):
        assert span.attributes["sentiment.request_id"] == "trace-me-1"
    for span in (batch, tokenize, model_run):
        assert span.attributes["sentiment.model"] == "imdb-sentiment"
        assert span.attributes["sentiment.model_version"] == SHIPPED_VERSION
    assert queue_wait.attributes["sentiment.texts"] == 2
    assert batch.attributes["sentiment.texts"] == 2
    tokens = [prediction["tokens"] for prediction in answer.json()["predictions"]]
    assert tokenize.attributes["sentiment.tokens"] == sum(tokens)


def test_without_a_traceparent_the_http_span_starts_a_trace(receiver: Receiver) -> None:
    with TestClient(create_app(make_settings(tracing=True))) as client:
        assert client.post("/explain", json={"text": "Great fun."}).status_code == 200
    (server,) = [span for span in receiver.spans if span.kind == SERVER_KIND]
    assert server.parent_span_id == ""
    names = sorted(span.name for span in receiver.spans if span.kind != SERVER_KIND)
    # /explain tokenizes in the request, then queues its occlusion rows: no tokenize span.
    assert names == ["batch", "model run", "queue wait"]
    assert {span.trace_id for span in receiver.spans} == {server.trace_id}


def test_requests_sharing_a_batch_each_get_its_spans() -> None:
    """Two requests queued together run in one batch; each trace holds its own copy of the
    batch's spans, marked with the batch's size and a shared batch ID."""
    from opentelemetry import trace
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from app.inference.batcher import DynamicBatcher
    from app.inference.pipeline import SentimentClassifier
    from app.observability.otel import OtlpTracing
    from tests.conftest import SHIPPED_BUNDLE

    exporter = InMemorySpanExporter()
    tracing = OtlpTracing(exporter)
    classifier = SentimentClassifier.from_bundle(SHIPPED_BUNDLE)
    caller = tracing.provider.get_tracer("test")

    async def one_request(name: str, texts: list[str], batcher: DynamicBatcher) -> None:
        with caller.start_as_current_span(name):
            await batcher.predict(classifier.predict, texts)

    async def both() -> None:
        batcher = DynamicBatcher(max_batch_size=8, max_queue_rows=8, tracing=tracing)
        batcher.start()
        await asyncio.gather(
            one_request("first", ["Superb."], batcher),
            one_request("second", ["Awful.", "Boring."], batcher),
        )
        await batcher.close()

    asyncio.run(both())
    tracing.shutdown()
    spans = exporter.get_finished_spans()
    roots = {span.name: span for span in spans if span.name in ("first", "second")}
    batches = [span for span in spans if span.name == "batch"]
    assert len(batches) == 2
    assert {span.attributes["sentiment.batch.id"] for span in batches} == {1}
    by_trace = {span.context.trace_id: span for span in batches}
    for root, texts in (("first", 1), ("second", 2)):
        batch = by_trace[roots[root].context.trace_id]
        assert batch.parent.span_id == roots[root].context.span_id
        assert batch.attributes["sentiment.texts"] == texts
        assert batch.attributes["sentiment.batch.texts"] == 3
        assert batch.attributes["sentiment.batch.requests"] == 2
        children = [
            span for span in spans if span.parent and span.parent.span_id == batch.context.span_id
        ]
        assert sorted(span.name for span in children) == ["model run", "tokenize"]
    assert not isinstance(trace.get_tracer_provider(), type(tracing.provider))  # not global


OFF_PATH = """
import json, sys
from fastapi.testclient import TestClient
from app.main import create_app
from tests.api.conftest import make_settings
with TestClient(create_app(make_settings())) as client:
    assert client.post("/predict", json={"text": "Fine."}).status_code == 200
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk",
    "opentelemetry.exporter", "app.observability.otel")))))
"""


def test_tracing_off_imports_no_sdk_or_exporter() -> None:
    """FastAPI itself imports the OpenTelemetry API; the SDK, the exporter and our back end are
    loaded only with SENTIMENT_TRACING=true."""
    done = subprocess.run(
        [sys.executable, "-c", OFF_PATH],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=Path(__file__).parents[2],
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
