"""The dynamic batcher, with a stand-in model that records the batches it sees.

The tests synchronise on observable states (the model entered by a worker, the number of
queued texts), never on the clock: a held model is how a queue builds up.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from app.inference.admission import QueueFullError
from app.inference.batcher import BatcherClosedError, DynamicBatcher
from app.inference.pipeline import Prediction
from tests.inference.batching import RecordingModel, run, until, with_batcher


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_each_request_gets_its_own_results_in_order(workers: int) -> None:
    model = RecordingModel(seconds=0.002)
    requests = [[f"{'x' * (i + 1)}{'y' * j}" for j in range(i % 5 + 1)] for i in range(30)]

    async def work(batcher: DynamicBatcher) -> list[list[Prediction]]:
        return await asyncio.gather(*(batcher.predict(model, texts) for texts in requests))

    results = run(with_batcher(work, workers=workers))
    for texts, predictions in zip(requests, results, strict=True):
        assert [p.tokens for p in predictions] == [len(t) for t in texts]
    assert max(len(batch) for batch in model.batches) == 4  # batches formed, capped
    assert sum(len(batch) for batch in model.batches) == sum(len(t) for t in requests)


def test_no_waiting_when_the_model_is_free() -> None:
    """A free worker takes a lone text at once: within a few turns of the event loop, with no
    timer to wait for (counted in loop turns, which do not depend on the machine's load)."""
    model = RecordingModel()
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> int:
        alone = asyncio.ensure_future(batcher.predict(model, ["alone"]))
        await asyncio.sleep(0)  # one turn: the request queues its text
        assert batcher.queued_texts == 1
        turns = 0
        while batcher.queued_texts and turns < 10:
            await asyncio.sleep(0)
            turns += 1
        model.release.set()
        await alone
        return turns

    assert run(with_batcher(work, max_wait_seconds=0.0)) < 10, "the lone text was not taken"
    assert model.batches == [["alone"]]


def test_a_batch_that_is_not_full_waits_max_wait_for_more_texts() -> None:
    model = RecordingModel()

    async def work(batcher: DynamicBatcher) -> float:
        started = time.monotonic()
        first = asyncio.ensure_future(batcher.predict(model, ["first"]))
        await asyncio.sleep(0)  # one turn: the request queues its text
        await asyncio.sleep(0)  # another: a free worker would take it now; this one waits
        assert batcher.queued_texts == 1
        await batcher.predict(model, ["second"])
        await first
        return time.monotonic() - started

    assert run(with_batcher(work, max_wait_seconds=0.2)) >= 0.2
    assert model.batches == [["first", "second"]]


def test_queue_is_bounded() -> None:
    model = RecordingModel()
    model.release.clear()  # hold the model busy

    async def work(batcher: DynamicBatcher) -> None:
        first = asyncio.ensure_future(batcher.predict(model, ["a"] * 4))
        await until(lambda: model.calls == 1, "the worker holds the first batch")
        queued = asyncio.ensure_future(batcher.predict(model, ["b"] * 5))
        await until(lambda: batcher.queued_texts == 5, "five texts queued")
        with pytest.raises(
            QueueFullError,
            match="5 model rows of short texts are queued and this request needs 2; the limit is 6",
        ):
            await batcher.predict(model, ["c"] * 2)
        model.release.set()
        assert len(await first) == 4 and len(await queued) == 5

    run(with_batcher(work, max_queue_rows=6))


def test_a_failing_batch_fails_only_its_requests() -> None:
    model = RecordingModel(fail_on="boom")

    async def work(batcher: DynamicBatcher) -> None:
        with pytest.raises(RuntimeError, match="model failure"):
            await batcher.predict(model, ["boom"])
        assert [p.tokens for p in await batcher.predict(model, ["fine"])] == [4]

    run(with_batcher(work))


def test_a_text_that_breaks_its_batch_costs_no_other_request_its_answer() -> None:
    model = RecordingModel(fail_on="boom")
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        first = asyncio.ensure_future(batcher.predict(model, ["held"]))
        await until(lambda: model.calls == 1, "the worker holds 'held'")
        before = asyncio.ensure_future(batcher.predict(model, ["fine", "good"]))
        bad = asyncio.ensure_future(batcher.predict(model, ["boom"]))
        after = asyncio.ensure_future(batcher.predict(model, ["also fine"]))
        await until(lambda: batcher.queued_texts == 4, "the next three requests queued")
        model.release.set()
        await first
        assert [p.tokens for p in await before] == [4, 4]
        assert [p.tokens for p in await after] == [9]
        with pytest.raises(RuntimeError, match="model failure"):
            await bad

    run(with_batcher(work, max_batch_size=8))
    assert ["fine", "good", "boom", "also fine"] in model.batches  # it was one batch


def test_cancelled_requests_are_skipped() -> None:
    model = RecordingModel()
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        busy = asyncio.ensure_future(batcher.predict(model, ["first"]))
        await until(lambda: model.calls == 1, "the worker holds 'first'")
        abandoned = asyncio.ensure_future(batcher.predict(model, ["abandoned"]))
        await until(lambda: batcher.queued_texts == 1, "'abandoned' queued")
        abandoned.cancel()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        kept = asyncio.ensure_future(batcher.predict(model, ["kept"]))
        await until(lambda: batcher.queued_texts == 2, "'kept' queued behind it")
        model.release.set()
        await busy
        assert [p.tokens for p in await kept] == [4]

    run(with_batcher(work))
    assert ["abandoned"] not in model.batches and all("abandoned" not in b for b in model.batches)


def test_a_request_is_scored_by_the_model_it_was_queued_with() -> None:
    """A hot reload swaps models while texts wait: each request is still scored whole by the
    model it was queued with (the one its answer names), and no batch mixes models."""
    old, new = RecordingModel(), RecordingModel()
    old.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        busy = asyncio.ensure_future(batcher.predict(old, ["busy"]))
        await until(lambda: old.calls == 1, "the worker holds 'busy'")
        before = asyncio.ensure_future(batcher.predict(old, ["o1", "o2", "o3"]))
        after = asyncio.ensure_future(batcher.predict(new, ["n1", "n2"]))  # swapped in
        pinned = asyncio.ensure_future(batcher.predict(old, ["o4"]))  # read the old one before
        await until(lambda: batcher.queued_texts == 6, "the rest queued")
        old.release.set()
        await asyncio.gather(busy, before, after, pinned)

    run(with_batcher(work, max_batch_size=8))
    assert old.batches == [["busy"], ["o1", "o2", "o3"], ["o4"]]
    assert new.batches == [["n1", "n2"]]


def test_close_refuses_new_work_and_finishes_queued_work() -> None:
    model = RecordingModel()
    model.release.clear()

    async def scenario() -> None:
        batcher = DynamicBatcher(max_batch_size=2, max_queue_rows=100)
        batcher.start()
        pending = [asyncio.ensure_future(batcher.predict(model, [str(i)])) for i in range(6)]
        await until(
            lambda: model.calls == 1 and batcher.queued_texts == 4,
            "one batch in the model, four texts queued",
        )
        closing = asyncio.ensure_future(batcher.close())
        await until(lambda: batcher.closed, "close() has begun")
        with pytest.raises(BatcherClosedError):
            await batcher.predict(model, ["late"])
        model.release.set()
        await closing
        assert all(task.done() and len(task.result()) == 1 for task in pending)
        with pytest.raises(BatcherClosedError):
            await batcher.predict(model, ["later"])

    run(scenario())
    assert model.batches == [["0", "1"], ["2", "3"], ["4", "5"]]


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

    model = SlowModel()
    model.release.clear()

    async def work(batcher: DynamicBatcher) -> None:
        both_free = asyncio.ensure_future(batcher.predict(model, [f"a{i}" for i in range(8)]))
        await until(lambda: model.calls == 2, "each worker took a share and is held")
        model.release.set()
        assert len(await both_free) == 8
        model.release.clear()
        first = asyncio.ensure_future(batcher.predict(model, ["b"]))
        await until(lambda: model.calls == 3, "one worker holds 'b'")
        rest = asyncio.ensure_future(batcher.predict(model, [f"c{i}" for i in range(8)]))
        await until(lambda: model.calls == 4, "the other worker took the rest")
        model.release.set()
        await first
        assert len(await rest) == 8

    run(with_batcher(work, workers=2, max_batch_size=64))
    assert overlap == 2
    # two free workers split 8 texts evenly; a lone free worker takes all 8
    assert [len(batch) for batch in model.batches[:2]] == [4, 4]
    assert sorted(len(batch) for batch in model.batches[2:]) == [1, 8]


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError, match="workers"):
        DynamicBatcher(max_batch_size=4, max_queue_rows=10, workers=0)
