"""Tracing of requests into the batcher's inference threads, when ``SENTIMENT_TRACING`` is on.

Each scoring request gives one trace: FastAPI's HTTP server span (continuing the caller's
W3C ``traceparent``), then, under it, a ``queue wait`` span (from when its texts were queued
until the first of them went into a batch) and, for each batch that scored its texts, a
``batch`` span with ``tokenize`` and ``model run`` spans under it, made in the inference thread.

A batch serves several requests at once. Each request gets its own copy of the batch's spans,
parented in its own trace, with the batch's size, its number of requests and an ID shared by
the copies as attributes, rather than one batch span linked to the requests' traces: a trace
viewer then shows the whole life of one slow request in one tree (links are rarely drawn), and
the shared ID and equal timings still show which requests shared the work.

This module never imports OpenTelemetry: ``app.runtime.tracing`` loads the back end
(``app.observability.otel``) only when tracing is on. Off, the batcher holds None and checks
it, and the pipeline's ``stage`` reads one context variable and returns a shared no-op.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Protocol


class StageSpans(Protocol):
    """The spans of one stage of a batch (one per request in it)."""

    def tokens(self, per_text: Sequence[int]) -> None:
        """Each of the batch's texts' tokens, in the batch's order."""


class BatchSpans(Protocol):
    """The spans of the batch an inference thread is running."""

    def stage(self, name: str, model: str, version: str) -> AbstractContextManager[StageSpans]:
        """Spans for one stage (``tokenize``, ``model run``) of ``model`` at ``version``."""


@dataclass(eq=False)
class RequestTrace:
    """What the batcher carries with one traced request's texts: the trace context it was
    queued in (the HTTP span), its request ID, when it was queued and how many texts it has."""

    parent: object  # an OpenTelemetry context
    request_id: str | None
    queued_ns: int
    texts: int
    waited: bool = False  # its queue-wait span has been recorded


class Tracing(Protocol):
    """What the service asks of the tracing back end (``app.observability.otel``)."""

    def fastapi_telemetry(self) -> dict[str, Any]:
        """FastAPI's ``telemetry`` option: its HTTP server span, on our provider."""

    def request(self, request_id: str | None, texts: int) -> RequestTrace:
        """Called in the request's task as its texts are queued."""

    def queue_waited(self, traces: Iterable[RequestTrace]) -> None:
        """Record the queue wait of each of ``traces`` not yet recorded, ending now."""

    def run_batch(
        self, model: Callable[[Sequence[str]], list[Any]], texts: Sequence[str], rows: list[Any]
    ) -> list[Any]:
        """``model(texts)`` with the batch's spans, in an inference thread; ``rows`` holds
        each text's RequestTrace."""

    def shutdown(self) -> None:
        """Export what is still buffered and stop."""


_BATCH: ContextVar[BatchSpans | None] = ContextVar("traced_batch", default=None)


class _UntracedStage:
    def tokens(self, per_text: Sequence[int]) -> None:
        pass


_UNTRACED: AbstractContextManager[StageSpans] = nullcontext(_UntracedStage())


def stage(name: str, model: str, version: str) -> AbstractContextManager[StageSpans]:
    """Spans of one stage of the batch this thread runs; a shared no-op when it is untraced
    (tracing off, or code run outside the batcher such as ``app.score``)."""
    batch = _BATCH.get()
    return _UNTRACED if batch is None else batch.stage(name, model, version)


@contextmanager
def running_batch(spans: BatchSpans) -> Iterator[None]:
    """Make ``spans`` the batch this thread runs, for ``stage``."""
    token = _BATCH.set(spans)
    try:
        yield
    finally:
        _BATCH.reset(token)
