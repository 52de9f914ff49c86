"""One request's texts on their way through the batcher (``app.inference.batcher``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.inference.admission import WorkKind
from app.observability.tracing import RequestTrace

# Scores texts: a classifier's predict, or anything else that runs the model on a batch of
# texts (chunked reading, explanations) and returns one result per text, in order.
Predict = Callable[[Sequence[str]], list[Any]]


@dataclass(eq=False)
class Job:
    """One request's texts and where its predictions go."""

    texts: Sequence[Any]
    model: Predict
    future: asyncio.Future[list[Any]]
    costs: Sequence[int]  # model rows per text
    kind: WorkKind = "short"
    queued_at: float = field(default_factory=time.perf_counter)
    request_id: str | None = None  # of the request that queued it, for log lines about it
    trace: RequestTrace | None = None  # with tracing on
    results: list[Any] = field(init=False)
    remaining: int = field(init=False)
    queued_rows: int = field(init=False)  # of its texts' rows, those still waiting in the queue

    def __post_init__(self) -> None:
        self.results = [None] * len(self.texts)
        self.remaining = len(self.texts)
        self.queued_rows = sum(self.costs)

    def deliver(self, index: int, prediction: Any) -> None:
        self.results[index] = prediction
        self.remaining -= 1
        if self.remaining == 0 and not self.future.done():
            self.future.set_result([p for p in self.results if p is not None])
