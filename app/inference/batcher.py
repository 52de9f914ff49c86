"""Dynamic batching: texts of concurrent requests share one ``session.run``.

Requests put their texts on a queue bounded in model rows (``app.inference.admission``: a text
costs the rows the model runs for it, and work beyond the budget is refused at once).
``workers`` workers (one thread each, off the event loop) each take up to ``max_batch_size``
rows at a time, and at most an even share of what is queued per free worker so that the others
get the rest, and run the classifier on them. Short texts and costly work (chunked texts,
explanation rows) wait in two lanes that share the model's time fairly
(``app.inference.lanes``), so a short request does not wait behind seconds of explanations;
costly work is admitted by time and hurried when late (``app.inference.deadlines``).
While the workers are busy new texts queue up, so under load batches form with no idle
waiting; when a worker is free a batch starts at once (or after ``max_wait`` if that is set).
A small batch of short texts with nothing else waiting or running (``inline_rows``) runs on the
event loop's own thread: at light load, handing it to a thread would cost as much as the model.
Two workers with one onnxruntime thread each keep both cores of a small machine on the model
while the event loop's work interleaves (``benchmarks`` measures the choice). Each request gets
exactly its own predictions, in its own order. Because the model's scores do not depend on the
rest of the batch (``SentimentClassifier`` pads per batch and feeds ``sequence_lens``),
batching changes no result.

Each request names the model that scores it, and all of its texts are scored by that model,
even if a hot reload swaps models while they wait: a batch only holds texts of one model, so
the model version a response reports is the one that scored it.

With tracing on, each request's texts carry its trace context and request ID into the
inference threads (``app.observability.tracing``); off, the batcher only checks for None.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from app.core.request_id import current_request_id
from app.inference.admission import COSTLY_KINDS, RowBudget, WorkKind, is_costly
from app.inference.deadlines import CostlyDeadlines
from app.inference.jobs import Job, Predict
from app.inference.lanes import FairLanes, Lane
from app.observability.metrics import ServiceMetrics, observe_all
from app.observability.tracing import Tracing

log = logging.getLogger(__name__)

Result = TypeVar("Result")


class BatcherClosedError(RuntimeError):
    """The batcher is shutting down and takes no new work."""


class DynamicBatcher:
    def __init__(
        self,
        max_batch_size: int,
        max_queue_rows: int,
        max_wait_seconds: float = 0.0,
        workers: int = 1,
        metrics: ServiceMetrics | None = None,
        tracing: Tracing | None = None,
        row_caps: dict[WorkKind, int | None] | None = None,
        deadline_seconds: float | None = None,
        inline_rows: int = 0,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._max_batch_size = max_batch_size
        self._budget = RowBudget(max_queue_rows, row_caps or {})
        self._max_wait = max_wait_seconds
        self._inline_rows = inline_rows
        self._lanes: FairLanes[Job] = FairLanes()
        self._deadlines = CostlyDeadlines(self._lanes, deadline_seconds)
        self._has_work = asyncio.Event()
        self._workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inference")
        self._tasks: list[asyncio.Task[None]] = []
        self._busy_workers = 0
        self._closed = False
        self._metrics = metrics
        self._tracing = tracing

    @property
    def metrics(self) -> ServiceMetrics | None:
        """Where this batcher records (None with metrics off); its callers count refusals there."""
        return self._metrics

    @property
    def queued_texts(self) -> int:
        return len(self._lanes)

    @property
    def queued_rows(self) -> int:
        return self._budget.queued_rows

    @property
    def full(self) -> bool:
        """True while the queue holds as many short rows as it may: a short text would be
        refused."""
        return self._budget.full

    @property
    def closed(self) -> bool:
        """True once ``close`` has begun: new work is refused, queued work still runs."""
        return self._closed

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._run(), name=f"batcher-{number}")
            for number in range(self._workers)
        ]

    async def predict(
        self,
        model: Callable[[Sequence[Any]], list[Result]],
        texts: Sequence[Any],
        costs: Sequence[int] | None = None,
        kind: WorkKind = "short",
    ) -> list[Result]:
        """Predictions of ``model`` for ``texts``, in order; ``costs`` are the model rows of
        each text (one each by default) and ``kind`` the cap they count against. Raises
        QueueFullError or BatcherClosedError."""
        if self._closed:
            raise BatcherClosedError("the service is shutting down")
        if not texts:
            return []
        costs = costs if costs is not None else [1] * len(texts)
        rows = sum(costs)
        if is_costly(kind):
            self._deadlines.check(self._budget.in_progress(*COSTLY_KINDS), rows)
        self._budget.admit(kind, rows)
        future = asyncio.get_running_loop().create_future()
        future.add_done_callback(lambda _: self._budget.finished(kind, rows))
        job = Job(texts, model, future, costs, kind, request_id=current_request_id())
        if self._tracing is not None:
            job.trace = self._tracing.request(job.request_id, len(texts))
        if is_costly(kind):
            self._deadlines.queued(job)
        self._lanes.push("heavy" if is_costly(kind) else "light", self._items(job))
        self._record_queue()
        self._has_work.set()
        return await job.future

    @staticmethod
    def _items(job: Job) -> list[tuple[Job, int]]:
        return [(job, index) for index in range(len(job.texts))]

    async def close(self) -> None:
        """Take no new work, finish everything queued or running, then stop the worker."""
        self._closed = True
        self._has_work.set()  # wake the workers so they see the queue drain and return
        await asyncio.gather(*self._tasks)
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        while True:
            self._lanes.urgent = self._deadlines.late()
            lane = self._lanes.next_lane()
            if lane is None:
                if self._closed and not len(self._lanes):
                    return
                self._has_work.clear()
                await self._wait_for_work(self._lanes.rest_seconds() if len(self._lanes) else None)
                continue
            if self._max_wait and self._budget.queued_rows < self._max_batch_size:
                await asyncio.sleep(self._max_wait)
                lane = self._lanes.next_lane() or lane
            batch = self._take_batch(lane)
            if batch:
                await self._score(lane, batch)

    async def _wait_for_work(self, seconds: float | None) -> None:
        """Until work is queued, or ``seconds`` pass (the heavy lane's rest)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._has_work.wait(), seconds)

    async def _score(self, lane: Lane, batch: list[tuple[Job, int]]) -> None:
        texts = [job.texts[index] for job, index in batch]
        model = batch[0][0].model  # _take_batch took texts of this model only
        rows = sum(job.costs[index] for job, index in batch)
        inline = self._runs_inline(lane, rows)
        self._busy_workers += 1
        started = time.perf_counter()
        finished: list[float] = []

        def run(texts: Sequence[Any]) -> list[Any]:
            try:
                return model(texts)
            finally:
                finished.append(time.perf_counter())

        try:
            if inline:
                predictions = self._here(run, texts, batch)
            else:
                predictions = await self._in_thread(run, texts, batch)
        except Exception:  # one bad text must cost no other request its answer
            log.exception(
                "inference failed for a batch of %d texts",
                len(texts),
                extra={"request_ids": sorted({str(job.request_id) for job, _ in batch})},
            )
            await self._one_by_one(batch)
            return
        finally:
            self._busy_workers -= 1
            now = time.perf_counter()
            self._lanes.ran(lane, rows, (finished[0] if finished else now) - started)
            if finished:  # how long the results waited for the event loop
                self._lanes.loop_delay(now - finished[0])
        for (job, index), prediction in zip(batch, predictions, strict=True):
            job.deliver(index, prediction)

    def _runs_inline(self, lane: Lane, rows: int) -> bool:
        """Whether a batch runs on the event loop's own thread rather than an inference
        thread's: a batch of short texts of at most ``inline_rows`` rows, when no other batch
        runs and nothing else waits. Handing a batch to a thread and its results back costs
        two thread wake-ups and the interpreter lock passed back and forth, as much as the
        model's work for a short text; on the loop's thread that cost is gone. While it runs
        the loop reads no new requests, but they would wait for the model anyway: with
        nothing else queued, this batch is all the process has to do. Costly work (chunked
        texts, explanations) always runs in a thread, so the loop keeps answering meanwhile."""
        return (
            lane == "light"
            and rows <= self._inline_rows
            and not self._busy_workers
            and not len(self._lanes)
        )

    def _here(self, model: Predict, texts: list[str], batch: list[tuple[Job, int]]) -> list[Any]:
        """``model(texts)`` on this thread, traced when tracing is on."""
        if self._tracing is None:
            return model(texts)
        return self._tracing.run_batch(model, texts, [job.trace for job, _ in batch])

    def _in_thread(
        self, model: Predict, texts: list[str], batch: list[tuple[Job, int]]
    ) -> asyncio.Future[list[Any]]:
        """``model(texts)`` in an inference thread, traced when tracing is on."""
        loop = asyncio.get_running_loop()
        if self._tracing is None:
            return loop.run_in_executor(self._executor, model, texts)
        rows = [job.trace for job, _ in batch]
        return loop.run_in_executor(self._executor, self._tracing.run_batch, model, texts, rows)

    async def _one_by_one(self, batch: list[tuple[Job, int]]) -> None:
        """After a failed batch, score its texts one at a time: the requests whose texts
        succeed get their answers; only a request with a failing text gets the error."""
        for job, index in batch:
            if job.future.done():
                continue
            try:
                (prediction,) = await self._in_thread(job.model, [job.texts[index]], [(job, index)])
            except Exception as error:
                if len(batch) > 1:
                    log.exception(
                        "inference failed for one text", extra={"request_id": job.request_id}
                    )
                job.future.set_exception(error)
                continue
            job.deliver(index, prediction)

    def _take_batch(self, lane: Lane) -> list[tuple[Job, int]]:
        """Texts of one model from ``lane``, up to the rows a batch may hold (at least one)."""
        free_workers = self._workers - self._busy_workers  # this one included
        share = math.ceil(self._budget.queued_rows / free_workers)
        limit = self._lanes.row_limit(lane, min(self._max_batch_size, share))
        queue = self._lanes.queue(lane)
        batch: list[tuple[Job, int]] = []
        rows = 0
        while queue:
            job, index = queue[0]
            cost = job.costs[index]
            if batch and (job.model != batch[0][0].model or rows + cost > limit):
                break  # one model per batch; the next batch starts with this text
            queue.popleft()
            self._budget.dequeued(job.kind, cost)
            job.queued_rows -= cost
            if not job.future.done():  # skip texts of requests that were cancelled or failed
                batch.append((job, index))
                rows += cost
        if self._tracing is not None:
            self._tracing.queue_waited(job.trace for job, _ in batch if job.trace is not None)
        self._record_queue()
        if self._metrics is not None:
            now = time.perf_counter()
            observe_all(self._metrics.queue_wait_seconds, [now - job.queued_at for job, _ in batch])
        return batch

    def _record_queue(self) -> None:
        if self._metrics is not None:
            self._metrics.queue_texts.set(len(self._lanes))
            self._metrics.queue_rows.set(self._budget.queued_rows)
