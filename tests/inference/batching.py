"""Helpers for the batcher's tests: a stand-in model that records the batches it sees, and a
batcher started for one piece of async work and closed after it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import Prediction

T = TypeVar("T")

HELD_SECONDS = 30.0  # a generous bound: a test that never releases a held model fails
WAIT_SECONDS = 10.0


class RecordingModel:
    """Scores a text by its length; can be held busy (``release`` cleared) to let a queue
    build up. ``calls`` counts the batches workers have taken into it so far."""

    def __init__(self, seconds: float = 0.0, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.seconds = seconds
        self.fail_on = fail_on
        self.release = threading.Event()
        self.release.set()
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, texts: Sequence[str]) -> list[Prediction]:
        with self._lock:
            self.calls += 1
        if not self.release.wait(HELD_SECONDS):
            raise TimeoutError(
                f"the test held the model for {HELD_SECONDS} s and never released it"
            )
        time.sleep(self.seconds)
        self.batches.append(list(texts))
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("model failure")
        return [Prediction("positive", len(text) / 1000, len(text), False) for text in texts]


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the event loop run until ``condition`` holds; fail after a generous deadline."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"not within {WAIT_SECONDS} s: {what}"
        await asyncio.sleep(0.001)


async def with_batcher(work: Callable[[DynamicBatcher], Awaitable[T]], **options: Any) -> T:
    """Run ``work`` against a started batcher (4 rows a batch, 100 queued rows, unless
    ``options`` say otherwise) and close the batcher after it, whatever happens."""
    batcher = DynamicBatcher(**{"max_batch_size": 4, "max_queue_rows": 100, **options})
    batcher.start()
    try:
        return await work(batcher)
    finally:
        await batcher.close()
