"""The OpenTelemetry back end of ``app.observability.tracing``: spans exported by OTLP/HTTP.

The only module of the service that imports the OpenTelemetry SDK, loaded only when tracing is
on. The exporter, the batch span processor and the resource read the standard ``OTEL_*``
variables themselves (``OTEL_EXPORTER_OTLP_ENDPOINT``, ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_BSP_*``...). The provider is this app's own, not the
global one, so that several apps in one process (the tests) each export their own spans.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace import Span, StatusCode

from app.observability.tracing import RequestTrace, running_batch

DEFAULT_SERVICE_NAME = "imdb-sentiment"  # unless OTEL_SERVICE_NAME or the resource says
REQUEST_ID = "sentiment.request_id"
TEXTS = "sentiment.texts"
TOKENS = "sentiment.tokens"
MODEL = "sentiment.model"
VERSION = "sentiment.model_version"
BATCH_ID = "sentiment.batch.id"
BATCH_TEXTS = "sentiment.batch.texts"
BATCH_REQUESTS = "sentiment.batch.requests"


def service_resource() -> Resource:
    """The resource from ``OTEL_*`` variables, named after this service if they do not."""
    detected = Resource.create()
    if str(detected.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        return detected.merge(Resource({SERVICE_NAME: DEFAULT_SERVICE_NAME}))
    return detected


class _Part:
    """One request's share of a batch: its batch span and the rows (texts) it has there."""

    def __init__(self, trace_: RequestTrace) -> None:
        self.trace = trace_
        self.rows: list[int] = []
        self.span: Span = trace.INVALID_SPAN
        self.context = otel_context.Context()


class _BatchSpans:
    """The spans of one batch in its inference thread: one ``batch`` span per request, and
    per stage one span under each."""

    def __init__(self, tracer: trace.Tracer, parts: list[_Part], rows: int, batch_id: int):
        self._tracer = tracer
        self._parts = parts
        thread = threading.current_thread()
        for part in parts:
            part.span = tracer.start_span(
                "batch",
                context=part.trace.parent,  # type: ignore[arg-type]
                attributes={
                    REQUEST_ID: part.trace.request_id or "",
                    TEXTS: len(part.rows),
                    BATCH_ID: batch_id,
                    BATCH_TEXTS: rows,
                    BATCH_REQUESTS: len(parts),
                    "thread.name": thread.name,
                    "thread.id": thread.ident or 0,
                },
            )
            part.context = trace.set_span_in_context(part.span)

    @contextmanager
    def stage(self, name: str, model: str, version: str) -> Iterator[_StageSpans]:
        model_attributes = {MODEL: model, VERSION: version}
        spans = []
        for part in self._parts:
            part.span.set_attributes(model_attributes)
            spans.append(
                self._tracer.start_span(
                    name,
                    context=part.context,
                    attributes={**model_attributes, REQUEST_ID: part.trace.request_id or ""},
                )
            )
        try:
            yield _StageSpans(self._parts, spans)
        except BaseException as error:
            _failed(spans, error)
            raise
        finally:
            for span in spans:
                span.end()

    def end(self, error: BaseException | None = None) -> None:
        spans = [part.span for part in self._parts]
        if error is not None:
            _failed(spans, error)
        for span in spans:
            span.end()


class _StageSpans:
    def __init__(self, parts: list[_Part], spans: list[Span]) -> None:
        self._parts = parts
        self._spans = spans

    def tokens(self, per_text: Sequence[int]) -> None:
        for part, span in zip(self._parts, self._spans, strict=True):
            if part.rows and part.rows[-1] < len(per_text):
                span.set_attribute(TOKENS, sum(int(per_text[row]) for row in part.rows))


def _failed(spans: Iterable[Span], error: BaseException) -> None:
    for span in spans:
        span.record_exception(error)
        span.set_status(StatusCode.ERROR, type(error).__name__)


class OtlpTracing:
    """``app.observability.tracing.Tracing`` on an SDK tracer provider exporting by OTLP/HTTP
    (or to ``exporter``, which the tests may give)."""

    def __init__(self, exporter: SpanExporter | None = None) -> None:
        self.provider = TracerProvider(resource=service_resource())
        self.provider.add_span_processor(BatchSpanProcessor(exporter or OTLPSpanExporter()))
        self._tracer = self.provider.get_tracer("app")
        self._batch_ids = itertools.count(1)

    def fastapi_telemetry(self) -> dict[str, Any]:
        # FastAPI's HTTP span only: metrics and logs have their own channels here, and its
        # per-dependency spans would bury the ones that say where the time went.
        return {
            "tracer_provider": self.provider,
            "tracing": True,
            "metrics": False,
            "logs": False,
            "operation_spans": False,
        }

    def request(self, request_id: str | None, texts: int) -> RequestTrace:
        if request_id is not None:
            trace.get_current_span().set_attribute(REQUEST_ID, request_id)
        return RequestTrace(otel_context.get_current(), request_id, time.time_ns(), texts)

    def queue_waited(self, traces: Iterable[RequestTrace]) -> None:
        now = time.time_ns()
        for waited in traces:
            if waited.waited:
                continue
            waited.waited = True
            span = self._tracer.start_span(
                "queue wait",
                context=waited.parent,  # type: ignore[arg-type]
                start_time=waited.queued_ns,
                attributes={REQUEST_ID: waited.request_id or "", TEXTS: waited.texts},
            )
            span.end(end_time=now)

    def run_batch(
        self, model: Callable[[Sequence[str]], list[Any]], texts: Sequence[str], rows: list[Any]
    ) -> list[Any]:
        parts: dict[int, _Part] = {}
        for row, row_trace in enumerate(rows):
            part = parts.get(id(row_trace))
            if part is None:
                part = parts[id(row_trace)] = _Part(row_trace)
            part.rows.append(row)
        spans = _BatchSpans(self._tracer, list(parts.values()), len(texts), next(self._batch_ids))
        try:
            with running_batch(spans):
                predictions = model(texts)
        except BaseException as error:
            spans.end(error)
            raise
        spans.end()
        return predictions

    def shutdown(self) -> None:
        self.provider.shutdown()
