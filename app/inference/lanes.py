"""Two lanes of queued work sharing the inference threads fairly by time.

Short texts (one model row each) wait in the ``light`` lane; chunked texts and explanation rows
in the ``heavy`` one. When both hold work, the next batch comes from the lane that has had less
inference time for its share (each lane's seconds divided by its share, as a fair scheduler's
virtual time), and a heavy batch is cut to about ``slice_seconds`` of model time, from the
measured seconds per row, so short requests never wait behind seconds of explanations. A lane
that was idle starts level with the other, with no credit for the time it did not use. With one
lane busy it gets every batch at full size: fairness costs nothing without contention.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, Literal, TypeVar

Lane = Literal["light", "heavy"]
LANES: tuple[Lane, Lane] = ("light", "heavy")
Item = TypeVar("Item")

# A heavy batch beside waiting short work lasts about this long: the most a short request
# waits for heavy work per batch (p99 of short requests under load is a few of these).
SLICE_SECONDS = 0.01
_SMOOTHING = 0.2  # weight of the newest batch in the seconds-per-row estimate


class FairLanes(Generic[Item]):
    """Queued (item, rows) pairs by lane, and the inference time each lane has had."""

    def __init__(self, heavy_share: float = 0.5, slice_seconds: float = SLICE_SECONDS) -> None:
        if not 0 < heavy_share < 1:
            raise ValueError("the heavy lane's share must be between 0 and 1")
        self._share = {"light": 1 - heavy_share, "heavy": heavy_share}
        self._slice = slice_seconds
        self._queues: dict[Lane, deque[tuple[Item, int]]] = {lane: deque() for lane in LANES}
        self._virtual = dict.fromkeys(LANES, 0.0)
        self._seconds_per_row = dict.fromkeys(LANES, slice_seconds / 8)

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def push(self, lane: Lane, items: list[tuple[Item, int]]) -> None:
        other: Lane = "heavy" if lane == "light" else "light"
        if not self._queues[lane] and self._queues[other]:  # no credit for idle time
            self._virtual[lane] = max(self._virtual[lane], self._virtual[other])
        self._queues[lane].extend(items)

    def next_lane(self) -> Lane | None:
        """The lane the next batch comes from (None when both are empty)."""
        waiting = [lane for lane in LANES if self._queues[lane]]
        if not waiting:
            return None
        return min(waiting, key=lambda lane: self._virtual[lane])

    def row_limit(self, lane: Lane, max_rows: int) -> int:
        """Rows a batch from ``lane`` may hold: ``max_rows``, or for a heavy batch while short
        work waits, about one slice of model time (at least one row)."""
        if lane == "light" or not self._queues["light"]:
            return max_rows
        return max(1, min(max_rows, int(self._slice / self._seconds_per_row["heavy"])))

    def queue(self, lane: Lane) -> deque[tuple[Item, int]]:
        return self._queues[lane]

    def ran(self, lane: Lane, rows: int, seconds: float) -> None:
        """A batch of ``rows`` rows from ``lane`` took ``seconds`` of model time."""
        self._virtual[lane] += seconds / self._share[lane]
        if rows:
            estimate = self._seconds_per_row[lane]
            self._seconds_per_row[lane] = estimate + _SMOOTHING * (seconds / rows - estimate)
