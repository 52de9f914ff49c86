"""Two lanes of queued work sharing the inference threads, short work first in line.

Short texts (one model row each) wait in the ``light`` lane; chunked texts and explanation rows
in the ``heavy`` one. While short requests are arriving (one came within the last second):

- when both lanes hold work, the next batch comes from the lane that has had less inference
  time for its share (each lane's seconds divided by its share, as a fair scheduler's virtual
  time); the heavy lane's share is ``HEAVY_SHARE``;
- a heavy batch is cut to about ``SLICE_SECONDS`` of model time, from the measured seconds
  per row, so a short request waits for one slice at most;
- after a heavy batch the heavy lane rests long enough to keep to its share of the wall-clock
  time, whether or not a short text waits at that instant: costly work must not take the CPU
  the event loop needs to read, parse and answer the short requests.

A lane that was idle starts level with the other, with no credit for the time it did not use.
Without short traffic the heavy lane gets every batch at full size, with no rest: fairness
costs nothing without contention.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Generic, Literal, TypeVar

Lane = Literal["light", "heavy"]
LANES: tuple[Lane, Lane] = ("light", "heavy")
Item = TypeVar("Item")

# A heavy batch beside short work lasts about this long: the most a short request waits for
# heavy work per batch (p99 of short requests under load is a few of these).
SLICE_SECONDS = 0.01
HEAVY_SHARE = 0.25  # of the inference threads' time, while short requests keep arriving
LIGHT_ACTIVE_SECONDS = 1.0  # short traffic counts as ongoing this long after a short request
_SMOOTHING = 0.2  # weight of the newest batch in the seconds-per-row estimate


class FairLanes(Generic[Item]):
    """Queued (item, index) pairs by lane (the batcher's job and its text's place in it), and
    the inference time each lane has had."""

    def __init__(
        self, heavy_share: float = HEAVY_SHARE, slice_seconds: float = SLICE_SECONDS
    ) -> None:
        if not 0 < heavy_share < 1:
            raise ValueError("the heavy lane's share must be between 0 and 1")
        self._share = {"light": 1 - heavy_share, "heavy": heavy_share}
        self._slice = slice_seconds
        self._queues: dict[Lane, deque[tuple[Item, int]]] = {lane: deque() for lane in LANES}
        self._virtual = dict.fromkeys(LANES, 0.0)
        self._seconds_per_row = dict.fromkeys(LANES, slice_seconds / 8)
        self._light_seen = -math.inf  # when a short request last arrived (monotonic)
        self._heavy_rests_until = -math.inf

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def push(self, lane: Lane, items: list[tuple[Item, int]]) -> None:
        other: Lane = "heavy" if lane == "light" else "light"
        if not self._queues[lane] and self._queues[other]:  # no credit for idle time
            self._virtual[lane] = max(self._virtual[lane], self._virtual[other])
        self._queues[lane].extend(items)
        if lane == "light":
            self._light_seen = time.monotonic()

    def _light_active(self) -> bool:
        return time.monotonic() - self._light_seen < LIGHT_ACTIVE_SECONDS

    def rest_seconds(self) -> float:
        """How long the heavy lane still rests (0 when it may run)."""
        if not self._light_active():
            return 0.0
        return max(0.0, self._heavy_rests_until - time.monotonic())

    def next_lane(self) -> Lane | None:
        """The lane the next batch comes from: None when both are empty, or when only heavy
        work waits and the heavy lane rests (for ``rest_seconds``). A resting heavy lane waits
        even when short work is queued too: short batches are small and the short lane empties
        with each, so its virtual time alone would let a heavy slice follow every one."""
        resting = self.rest_seconds() > 0
        waiting = [
            lane for lane in LANES if self._queues[lane] and not (lane == "heavy" and resting)
        ]
        if not waiting:
            return None
        return min(waiting, key=lambda lane: self._virtual[lane])

    def row_limit(self, lane: Lane, max_rows: int) -> int:
        """Rows a batch from ``lane`` may hold: ``max_rows``, or for a heavy batch while short
        requests arrive, about one slice of model time (at least one row)."""
        if lane == "light" or not self._light_active():
            return max_rows
        return max(1, min(max_rows, int(self._slice / self._seconds_per_row["heavy"])))

    def heavy_seconds(self, rows: int) -> float:
        """About how long ``rows`` heavy rows take to score from now, at the heavy lane's
        share of the time while short requests arrive (its measured seconds per row)."""
        seconds = rows * self._seconds_per_row["heavy"]
        return seconds / self._share["heavy"] if self._light_active() else seconds

    def queue(self, lane: Lane) -> deque[tuple[Item, int]]:
        return self._queues[lane]

    def ran(self, lane: Lane, rows: int, seconds: float) -> None:
        """A batch of ``rows`` rows from ``lane`` took ``seconds`` of model time."""
        self._virtual[lane] += seconds / self._share[lane]
        if lane == "heavy":
            share = self._share["heavy"]
            self._heavy_rests_until = time.monotonic() + seconds * (1 - share) / share
        if rows:
            estimate = self._seconds_per_row[lane]
            self._seconds_per_row[lane] = estimate + _SMOOTHING * (seconds / rows - estimate)
