"""Small batches of short texts run on the event loop's thread when nothing else waits
(``inline_rows``); everything else runs in an inference thread. The stand-in model records
which thread ran each batch."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

import pytest

from app.inference.admission import WorkKind
from app.inference.batcher import DynamicBatcher
from app.inference.pipeline import Prediction
from tests.inference.batching import with_batcher


class ThreadRecordingModel:
    """Scores a text by its length and records (texts, thread id) for each batch; fails a
    batch holding ``fail_on``."""

    def __init__(self, fail_on: str | None = None) -> None:
        self.batches: list[tuple[list[str], int]] = []
        self.fail_on = fail_on

    def __call__(self, texts: Sequence[str]) -> list[Prediction]:
        self.batches.append((list(texts), threading.get_ident()))
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("model failure")
        return [Prediction("positive", len(text) / 1000, len(text), False) for text in texts]

    def ran_on(self, texts: list[str]) -> int:
        return next(thread for batch, thread in self.batches if batch == texts)


@pytest.mark.parametrize(("inline_rows", "on_the_loop"), [(4, True), (0, False)])
def test_a_lone_short_text_runs_on_the_loop_thread_only_when_asked(
    inline_rows: int, on_the_loop: bool
) -> None:
    model = ThreadRecordingModel()

    async def work(batcher: DynamicBatcher) -> int:
        assert [p.tokens for p in await batcher.predict(model, ["alone"])] == [5]
        return threading.get_ident()

    loop_thread = asyncio.run(with_batcher(work, inline_rows=inline_rows))
    assert (model.ran_on(["alone"]) == loop_thread) is on_the_loop


def test_a_batch_larger_than_inline_rows_runs_in_a_thread() -> None:
    model = ThreadRecordingModel()

    async def work(batcher: DynamicBatcher) -> int:
        await batcher.predict(model, ["one", "two", "three"])
        return threading.get_ident()

    loop_thread = asyncio.run(with_batcher(work, inline_rows=2))
    assert model.ran_on(["one", "two", "three"]) != loop_thread


@pytest.mark.parametrize("kind", ["chunk", "explain"])
def test_costly_work_always_runs_in_a_thread(kind: WorkKind) -> None:
    model = ThreadRecordingModel()

    async def work(batcher: DynamicBatcher) -> int:
        await batcher.predict(model, ["long"], costs=[1], kind=kind)
        return threading.get_ident()

    loop_thread = asyncio.run(with_batcher(work, inline_rows=64))
    assert model.ran_on(["long"]) != loop_thread


def test_while_texts_wait_the_batch_runs_in_a_thread_and_the_last_one_on_the_loop() -> None:
    """Two requests queued at once, batches of one text: the first batch leaves the second
    text waiting, so it goes to a thread (the loop keeps reading requests); the second finds
    nothing else waiting and runs on the loop."""
    model = ThreadRecordingModel()

    async def work(batcher: DynamicBatcher) -> int:
        first, second = await asyncio.gather(
            batcher.predict(model, ["first"]), batcher.predict(model, ["second"])
        )
        assert [p.tokens for p in first] == [5] and [p.tokens for p in second] == [6]
        return threading.get_ident()

    loop_thread = asyncio.run(with_batcher(work, max_batch_size=1, inline_rows=64))
    assert model.ran_on(["first"]) != loop_thread
    assert model.ran_on(["second"]) == loop_thread


def test_a_text_that_breaks_an_inline_batch_costs_no_other_request_its_answer() -> None:
    model = ThreadRecordingModel(fail_on="boom")

    async def work(batcher: DynamicBatcher) -> tuple[Any, ...]:
        return tuple(
            await asyncio.gather(
                batcher.predict(model, ["fine"]),
                batcher.predict(model, ["boom"]),
                batcher.predict(model, ["good"]),
                return_exceptions=True,
            )
        )

    fine, boom, good = asyncio.run(with_batcher(work, max_batch_size=8, inline_rows=64))
    assert model.batches[0][0] == ["fine", "boom", "good"]  # one batch, which failed
    assert [p.tokens for p in fine] == [4] and [p.tokens for p in good] == [4]
    assert isinstance(boom, RuntimeError)
