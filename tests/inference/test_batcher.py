"""The dynamic batcher, with a stand-in model that records the batches it sees."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from app.inference.batcher import BatcherClosedError, DynamicBatcher, QueueFullError
from app.inference.pipeline import Prediction


class RecordingModel:
    """Scores a text by its length; can be held busy to let a queue build up."""

    def __init__(self, seconds: float = 0.0, fail_on: str | None = None) -> None:
        self.batches: list[list[str]] = []
        self.seconds = seconds
        self.fail_on = fail_on
        self.release = threading.Event()
        self.release.set()

    def __call__(self, texts: Sequence[str]) -> list[Prediction]:
        self.release.wait(5)
        time.sleep(self.seconds)
        self.batches.append(list(texts))
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("model failure")
        return [Prediction("positive", len(text) / 1000, len(text), False) for text in texts]


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


async def _with_batcher(work, **options):  # type: ignore[no-untyped-def]
    batcher = DynamicBatcher(**{"max_batch_size": 4, "max_queue_texts": 100, **options})
    batcher.start()
    try:
        return await work(batcher)
    finally:
        await batcher.close()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_each_request_gets_its_own_results_in_order(workers: int) -> None:
    model = RecordingModel(seconds=0.002)
    requests = [[f"{'x' * (i + 1)}{'y' * j}" for j in range(i % 5 + 1)] for i in range(30)]

    async def work(batcher: DynamicBatcher) -> list[list[Prediction]]:
        return await asyncio.gather(*(batcher.predict(model, texts) for texts in requests))

    results = run(_with_batcher(work, workers=workers))
    for texts, predictions in zip(requests, results, strict=True):
        assert [p.tokens for p in predictions] == [len(t) for t in texts]
    assert max(len(batch) for batch in model.batches) == 4  # batches formed, capped
    assert sum(len(batch) for batch in model.batches) == sum(len(t) for t in requests)


def test_no_waiting_when_the_model_is_free() -> None:
    model = RecordingModel()

    async def work(batcher: DynamicBatcher) -> float:
        started = time.perf_counter()
        await batcher.predict(model, ["alone"])
        return time.perf_counter() - started

    assert run(_with_batcher(work, max_wait_seconds=0.0)) < 0.05
    assert model.batches == [["alone"]]


def test_queue_is_bounded() -> None:
    model = RecordingModel()
    model.release.clear()  # hold the model busy

    async def work(batcher: DynamicBatcher) -> None:
        first = asyncio.ensure_future(batcher.predict(model, ["a"] * 4))
        await asyncio.sleep(0.05)  # the worker has taken the first batch and is blocked
        queued = asyncio.ensure_future(batcher.predict(model, ["b"] * 5))
        await asyncio.sleep(0)
        with pytest.raises(QueueFullError, match="5 texts are queued; the limit is 6"):
            await batcher.predict(model, ["c"] * 2)
        model.release.set()
        assert len(await first) == 4 and len(await queued) == 5

    run(_with_batcher(work, max_queue_texts=6))


def test_a_failing_batch_fails_only_its_requests() -> None:
    model = RecordingModel(fail_on="boom")

    async def work(batcher: DynamicBatcher) -> None:
        with pytest.raises(RuntimeError, match="model failure"):
            await batcher.predict(model, ["boom"])
        assert [p.tokens for p in await batcher.predict(model, ["fine"])] == [4]

    run(_with_batcher(work))


def test_a_text_that_breaks_its_batch_costs_no_other_request_its_answer() -> None:
    model = RecordingModel(fail_on="boom")
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        first = asyncio.ensure_future(batcher.predict(model, ["held"]))
        await asyncio.sleep(0.05)  # the worker holds "held"; the next three form one batch
        before = asyncio.ensure_future(batcher.predict(model, ["fine", "good"]))
        bad = asyncio.ensure_future(batcher.predict(model, ["boom"]))
        after = asyncio.ensure_future(batcher.predict(model, ["also fine"]))
        await asyncio.sleep(0)
        model.release.set()
        await first
        assert [p.tokens for p in await before] == [4, 4]
        assert [p.tokens for p in await after] == [9]
        with pytest.raises(RuntimeError, match="model failure"):
            await bad

    run(_with_batcher(work, max_batch_size=8))
    assert ["fine", "good", "boom", "also fine"] in model.batches  # it was one batch


def test_cancelled_requests_are_skipped() -> None:
    model = RecordingModel()
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        busy = asyncio.ensure_future(batcher.predict(model, ["first"]))
        await asyncio.sleep(0.05)
        abandoned = asyncio.ensure_future(batcher.predict(model, ["abandoned"]))
        await asyncio.sleep(0)
        abandoned.cancel()
        kept = asyncio.ensure_future(batcher.predict(model, ["kept"]))
        await asyncio.sleep(0)
        model.release.set()
        await busy
        assert [p.tokens for p in await kept] == [4]

    run(_with_batcher(work))
    assert ["abandoned"] not in model.batches and all("abandoned" not in b for b in model.batches)


def test_a_request_is_scored_by_the_model_it_was_queued_with() -> None:
    """A hot reload swaps models while texts wait: each request is still scored whole by the
    model it was queued with (the one its answer names), and no batch mixes models."""
    old, new = RecordingModel(), RecordingModel()
    old.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        busy = asyncio.ensure_future(batcher.predict(old, ["busy"]))
        await asyncio.sleep(0.05)  # the worker holds "busy"; the rest queue up
        before = asyncio.ensure_future(batcher.predict(old, ["o1", "o2", "o3"]))
        after = asyncio.ensure_future(batcher.predict(new, ["n1", "n2"]))  # swapped in
        pinned = asyncio.ensure_future(batcher.predict(old, ["o4"]))  # read the old one before
        await asyncio.sleep(0)
        old.release.set()
        await asyncio.gather(busy, before, after, pinned)

    run(_with_batcher(work, max_batch_size=8))
    assert old.batches == [["busy"], ["o1", "o2", "o3"], ["o4"]]
    assert new.batches == [["n1", "n2"]]


def test_close_finishes_queued_work_then_refuses() -> None:
    model = RecordingModel(seconds=0.01)

    async def scenario() -> None:
        batcher = DynamicBatcher(max_batch_size=2, max_queue_texts=100)
        batcher.start()
        pending = [asyncio.ensure_future(batcher.predict(model, [str(i)])) for i in range(6)]
        await asyncio.sleep(0)
        await batcher.close()
        assert all(task.done() and len(task.result()) == 1 for task in pending)
        with pytest.raises(BatcherClosedError):
            await batcher.predict(model, ["late"])

    run(scenario())


def test_workers_run_batches_at_the_same_time_and_share_the_queue() -> None:
    running, overlap = 0, 0
    lock = threading.Lock()

    class SlowModel(RecordingModel):
        def __call__(self, texts: Sequence[str]) -> list[Prediction]:
            nonlocal running, overlap
            with lock:
                running += 1
                overlap = max(overlap, running)
            try:
                return super().__call__(texts)
            finally:
                with lock:
                    running -= 1

    model = SlowModel(seconds=0.05)
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        both_free = asyncio.ensure_future(batcher.predict(model, [f"a{i}" for i in range(8)]))
        await asyncio.sleep(0.02)  # each worker took an even share and is held
        model.release.set()
        assert len(await both_free) == 8
        model.release.clear()
        first = asyncio.ensure_future(batcher.predict(model, ["b"]))
        await asyncio.sleep(0.02)  # one worker holds "b"; the other is free
        rest = asyncio.ensure_future(batcher.predict(model, [f"c{i}" for i in range(8)]))
        await asyncio.sleep(0.02)
        model.release.set()
        await first
        assert len(await rest) == 8

    run(_with_batcher(work, workers=2, max_batch_size=64))
    assert overlap == 2
    # two free workers split 8 texts evenly; a lone free worker takes all 8
    assert [len(batch) for batch in model.batches[:2]] == [4, 4]
    assert sorted(len(batch) for batch in model.batches[2:]) == [1, 8]


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        DynamicBatcher(max_batch_size=4, max_queue_texts=10, workers=0)
