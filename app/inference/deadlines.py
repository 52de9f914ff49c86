"""Costly work against the request deadline: admitted by time, and hurried when it runs late.

- **Admission by time**: costly work (chunked reading, explanations) is refused at once (503,
  ``QueueFullError``) when, with what is in progress, the heavy lane would not finish it
  within DEADLINE_SHARE of the deadline at the pace it measures (``FairLanes.heavy_seconds``):
  503 now, not 504 later. As the row caps, it never refuses work with nothing costly in
  progress.
- **Hurrying**: the estimate is an estimate, and traffic changes after it. While some admitted
  costly request might not be done within its deadline (the heavy rows queued up to its last
  one, at the model's measured full-speed pace with a margin of URGENT_MARGIN, plus
  URGENT_SECONDS, take longer than the time it has left), the lanes are marked ``urgent``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Protocol

from app.inference.admission import QueueFullError
from app.inference.lanes import FairLanes

# Costly work is admitted only if it would be done within this share of the request deadline.
DEADLINE_SHARE = 0.7
URGENT_MARGIN = 3.0
URGENT_SECONDS = 1.0


class CostlyJob(Protocol):
    """What the deadlines need of a queued costly request."""

    queued_at: float  # time.perf_counter()
    queued_rows: int  # of its rows, those still waiting in the queue
    future: asyncio.Future[Any]  # done once it is answered, failed or cancelled


class CostlyDeadlines:
    """The costly requests queued, oldest first, against ``deadline_seconds`` (None: none)."""

    def __init__(self, lanes: FairLanes[Any], deadline_seconds: float | None) -> None:
        self._lanes = lanes
        self._deadline = deadline_seconds
        self._jobs: deque[CostlyJob] = deque()

    def check(self, in_progress: int, rows: int) -> None:
        """Raise QueueFullError if ``rows`` more, after the ``in_progress`` costly rows, would
        not be done within DEADLINE_SHARE of the deadline."""
        if self._deadline is None or not in_progress:
            return
        seconds = self._lanes.heavy_seconds(in_progress + rows)
        if seconds > DEADLINE_SHARE * self._deadline:
            raise QueueFullError(
                f"{in_progress} model rows of costly work are in progress; with this request's"
                f" {rows} they would take about {seconds:.1f} s, past the deadline"
            )

    def queued(self, job: CostlyJob) -> None:
        self._jobs.append(job)

    def late(self) -> bool:
        """True while some queued costly request might miss its deadline at the heavy lane's
        share (see the module's docstring)."""
        jobs = self._jobs
        while jobs and (jobs[0].queued_rows == 0 or jobs[0].future.done()):
            jobs.popleft()
        if self._deadline is None or not jobs:
            return False
        now, rows = time.perf_counter(), 0
        for job in jobs:
            rows += job.queued_rows
            left = self._deadline - (now - job.queued_at)
            if left < URGENT_MARGIN * self._lanes.full_speed_seconds(rows) + URGENT_SECONDS:
                return True
        return False
