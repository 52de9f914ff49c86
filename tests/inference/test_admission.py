"""Admission by cost (model rows) and the two fair lanes of the batcher."""

from __future__ import annotations

import asyncio
import time

import pytest

from app.inference.admission import QueueFullError, RowBudget
from app.inference.lanes import FairLanes
from tests.inference.batching import RecordingModel, run, until, with_batcher


def test_the_queue_bound_counts_rows_not_texts() -> None:
    budget = RowBudget(max_queued_rows=100)
    budget.admit("short", 60)
    with pytest.raises(QueueFullError, match="60 model rows of short texts are queued and this"):
        budget.admit("short", 41)
    budget.admit("chunk", 41)  # uncapped costly work waits apart, bounded the same way
    with pytest.raises(QueueFullError, match="41 costly model rows are queued"):
        budget.admit("explain", 60)
    budget.dequeued("short", 60)
    budget.admit("short", 100)
    assert budget.queued_rows == 141 and budget.full


def test_costly_work_within_its_cap_neither_fills_nor_is_refused_by_the_short_queue() -> None:
    """A heavy lane full of explanations must not refuse short texts, and a full short queue
    must not refuse an explanation its cap has room for: each lane is bounded on its own."""
    budget = RowBudget(max_queued_rows=100, caps={"explain": 4000, "chunk": 300})
    budget.admit("explain", 3000)
    budget.admit("chunk", 250)
    assert not budget.full
    budget.admit("short", 100)
    assert budget.full
    budget.admit("explain", 1000)
    with pytest.raises(QueueFullError, match="of short texts"):
        budget.admit("short", 1)


def test_a_kind_is_capped_in_flight_but_one_request_alone_always_runs() -> None:
    budget = RowBudget(max_queued_rows=10_000, caps={"explain": 500})
    budget.admit("explain", 900)  # alone: admitted although over the cap
    budget.dequeued("explain", 900)  # running, no longer queued: still counts against its kind
    with pytest.raises(QueueFullError, match="900 model rows of explain work"):
        budget.admit("explain", 1)
    budget.admit("short", 5)  # other kinds are not held back by the explain cap
    budget.finished("explain", 900)
    budget.admit("explain", 400)


def test_lanes_take_turns_by_time_and_cut_heavy_batches_while_short_work_waits() -> None:
    lanes: FairLanes[str] = FairLanes(heavy_share=0.5, slice_seconds=0.01)
    _busy_loop(lanes)
    lanes.push("heavy", [("explain", 1)] * 1000)
    assert lanes.next_lane() == "heavy" and lanes.row_limit("heavy", 64) == 64  # alone: full
    lanes.ran("heavy", 64, 0.064)  # 1 ms a row
    lanes.push("light", [("short", 1)] * 10)  # level with heavy, no credit for idle time
    lanes.ran("light", 10, 0.002)
    assert lanes.row_limit("heavy", 64) < 64  # a slice of about 10 ms while short work waits
    assert lanes.next_lane() == "light"  # heavy rests after its 64 ms batch
    time.sleep(lanes.rest_seconds())  # a wait that only has to be long enough, not a race
    assert lanes.next_lane() == "heavy"  # rested, and it has had less time for its share
    lanes.ran("heavy", 10, 0.010)
    time.sleep(lanes.rest_seconds())
    assert lanes.next_lane() == "light"  # heavy has had more time now


def _busy_loop(lanes: FairLanes[str]) -> None:
    for _ in range(20):  # batch results wait 10 ms each for the event loop
        lanes.loop_delay(0.01)


def test_the_heavy_lane_rests_to_its_share_while_short_requests_arrive() -> None:
    lanes: FairLanes[str] = FairLanes(heavy_share=0.25)
    _busy_loop(lanes)
    lanes.push("heavy", [("explain", 1)] * 100)
    lanes.ran("heavy", 8, 0.1)  # no short traffic yet: no rest
    assert lanes.rest_seconds() == 0 and lanes.next_lane() == "heavy"
    lanes.push("light", [("short", 1)])
    lanes.queue("light").clear()  # taken into a batch
    lanes.ran("heavy", 8, 0.1)  # now a heavy batch of 0.1 s earns 0.3 s of rest
    assert 0.2 < lanes.rest_seconds() <= 0.3
    assert lanes.next_lane() is None  # only heavy work waits, and it rests
    lanes.push("light", [("short", 1)])
    assert lanes.next_lane() == "light"  # short work goes at once, heavy still rests


def test_the_heavy_lane_does_not_rest_while_the_event_loop_is_idle() -> None:
    """Short requests arrive, but the loop takes batch results at once: resting would only
    leave the CPU idle. Heavy batches are still cut into slices."""
    lanes: FairLanes[str] = FairLanes(heavy_share=0.25, slice_seconds=0.01)
    lanes.push("heavy", [("explain", 1)] * 100)
    lanes.push("light", [("short", 1)])
    lanes.queue("light").clear()
    for _ in range(20):
        lanes.loop_delay(0.0001)
    lanes.ran("heavy", 8, 0.1)
    assert lanes.rest_seconds() == 0 and lanes.next_lane() == "heavy"
    assert lanes.row_limit("heavy", 64) < 64
    _busy_loop(lanes)
    assert lanes.rest_seconds() > 0  # the same batch earns a rest once the loop is busy


def test_a_short_request_does_not_wait_for_queued_explanations() -> None:
    """Thousands of heavy rows queued ahead: a short text still goes in the next batch."""
    model = RecordingModel(seconds=0.001)

    async def work(batcher) -> None:  # type: ignore[no-untyped-def]
        model.release.clear()
        heavy = [
            asyncio.ensure_future(batcher.predict(model, [f"heavy{i}"] * 50, None, "explain"))
            for i in range(4)
        ]
        await until(lambda: model.calls == 1, "a worker holds the first heavy batch")
        heavy_queued = batcher.queued_texts
        assert heavy_queued > 100
        short = asyncio.ensure_future(batcher.predict(model, ["short"]))
        await until(lambda: batcher.queued_texts > heavy_queued, "the short text queued behind")
        model.release.set()
        await short
        later = [batch for batch in model.batches if "short" in batch]
        assert model.batches.index(later[0]) <= 2, model.batches[:3]
        await asyncio.gather(*heavy)

    run(with_batcher(work, max_batch_size=64, max_queue_rows=1000))


def test_work_beyond_the_budget_is_refused_at_once() -> None:
    model = RecordingModel()

    async def work(batcher) -> None:  # type: ignore[no-untyped-def]
        model.release.clear()
        first = asyncio.ensure_future(batcher.predict(model, ["long"], [30], "chunk"))
        await until(lambda: model.calls == 1, "the first chunked text runs")
        with pytest.raises(QueueFullError, match="of chunk work"):
            await asyncio.wait_for(batcher.predict(model, ["long"], [30], "chunk"), 1)
        short = asyncio.ensure_future(batcher.predict(model, ["short"]))  # other kinds still go
        await until(lambda: batcher.queued_texts == 1, "the short text is admitted")
        model.release.set()
        await first
        assert len(await short) == 1

    run(with_batcher(work, max_queue_rows=100, row_caps={"chunk": 40}))


def test_costly_work_that_would_miss_the_deadline_is_refused_at_once() -> None:
    model = RecordingModel(seconds=0.2)  # a batch takes 0.2 s: the measured speed

    async def work(batcher) -> None:  # type: ignore[no-untyped-def]
        await batcher.predict(model, ["a"] * 4, None, "explain")  # 4 rows in 0.2 s measured
        model.release.clear()
        running = asyncio.ensure_future(batcher.predict(model, ["b"] * 4, None, "explain"))
        await until(lambda: model.calls == 2, "the second costly request runs")
        try:  # about 11 ms a row measured: 104 rows would take over 1 s, past 0.7 of it
            with pytest.raises(QueueFullError, match="past the deadline"):
                await batcher.predict(model, ["c"] * 100, None, "explain")
            small = asyncio.ensure_future(batcher.predict(model, ["d"], None, "explain"))
        finally:
            model.release.set()
        assert len(await running) == 4 and len(await small) == 1

    run(with_batcher(work, max_queue_rows=1000, deadline_seconds=1.0))


def test_admission_counts_on_the_pace_the_heavy_lane_really_kept() -> None:
    """Before a pace is measured, the estimate is the heavy lane's share of the model time with
    a margin; once it has drained a backlog, the wall-clock pace it kept (rests and delays
    included), even where that is several times slower than the model time promises."""
    lanes: FairLanes[str] = FairLanes(heavy_share=0.5)
    lanes.push("heavy", [("explain", 1)] * 100)
    lanes.ran("heavy", 10, 0.01)  # 1 ms a row of model time; a backlog remains
    guessed = lanes.heavy_seconds(100)
    assert guessed > 100 * 0.001 / 0.5  # the share's promise, with a margin on top
    time.sleep(0.2)  # the lane waited: rests, the event loop, the short lane's turns
    lanes.ran("heavy", 10, 0.01)
    measured = lanes.heavy_seconds(100)
    assert measured >= 100 * 0.2 / 10 * 0.9 and measured > guessed  # about 20 ms a row


def test_late_heavy_work_stops_resting_and_takes_every_other_turn() -> None:
    lanes: FairLanes[str] = FairLanes(heavy_share=0.25, slice_seconds=0.01)
    _busy_loop(lanes)
    lanes.push("heavy", [("explain", 1)] * 100)
    lanes.push("light", [("short", 1)] * 100)
    lanes.ran("heavy", 10, 0.01)
    lanes.ran("light", 10, 0.001)
    assert lanes.rest_seconds() > 0 and lanes.next_lane() == "light"
    normal_slice = lanes.row_limit("heavy", 1000)
    lanes.urgent = True
    assert lanes.rest_seconds() == 0 and lanes.next_lane() == "heavy"  # light went last
    assert lanes.row_limit("heavy", 1000) > normal_slice
    lanes.ran("heavy", 10, 0.01)
    assert lanes.next_lane() == "light"  # turns alternate: short work still goes


def test_the_batcher_hurries_costly_work_that_would_miss_its_deadline() -> None:
    model = RecordingModel(seconds=0.01)

    async def work(batcher) -> None:  # type: ignore[no-untyped-def]
        lanes = batcher._lanes
        model.release.clear()
        first = asyncio.ensure_future(batcher.predict(model, ["a"] * 2, None, "explain"))
        await until(lambda: model.calls == 1, "the first costly batch runs")
        assert not lanes.urgent  # a fresh request has its whole deadline left
        late = asyncio.ensure_future(batcher.predict(model, ["b"] * 40, None, "explain"))
        await asyncio.sleep(2.5)  # 40 rows still queued, 2.5 of the 3 s gone
        model.release.set()
        await until(lambda: lanes.urgent, "the late request's lane is hurried")
        assert len(await late) == 40 and len(await first) == 2
        await until(lambda: not lanes.urgent, "on time again once the queue is empty")

    run(with_batcher(work, max_batch_size=1, max_queue_rows=100, deadline_seconds=3.0))
