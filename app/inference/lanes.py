"""Two lanes of queued work sharing the inference threads, short work first in line.

Short texts (one model row each) wait in the ``light`` lane; chunked texts and explanation rows
in the ``heavy`` one. While short requests are arriving (one came within the last second):

- when both lanes hold work, the next batch comes from the lane that has had less inference
  time for its share (each lane's seconds divided by its share, as a fair scheduler's virtual
  time); the heavy lane's share is ``HEAVY_SHARE``;
- a heavy batch is cut to about ``SLICE_SECONDS`` of model time, from the measured seconds
  per row, so a short request waits for one slice at most;
- after a heavy batch, while the event loop is busy (batch results wait over
  ``BUSY_LOOP_DELAY_SECONDS`` for it, smoothed), the heavy lane rests long enough to keep to
  its share of the wall-clock time, whether or not a short text waits at that instant: costly
  work must not take the CPU the event loop needs to read, parse and answer the short
  requests. With the loop idle a rest would only leave the CPU idle, and costly work runs on
  in slices.

Costly work is admitted by time (``app.inference.deadlines``): ``heavy_seconds`` estimates
how long the heavy lane takes to get through rows, from the wall-clock pace it has kept while
backlogged (rests, the event loop's delays and the other lane's turns included), not only from
its model time, which under heavy short traffic promises several times the real pace.

Admission is an estimate, and the traffic can change after it (short clients arrive after
costly work was admitted at full speed). While some queued heavy work might no longer be done
in time at the heavy lane's share, the batcher marks the lanes ``urgent``: the heavy lane stops
resting and takes every other turn, in slices URGENT_SLICE_FACTOR times as long (an event loop
busy with short requests turns slowly, and every slice costs a turn), until it is back on time.

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
PACE_MEMORY_SECONDS = 5.0  # the heavy lane's measured pace is forgotten after this long
UNMEASURED_FACTOR = 2.0  # margin on the heavy lane's estimated pace before it is measured
# The event loop counts as busy while batch results wait longer than this for it, smoothed:
# with an idle loop, resting would only leave the CPU idle.
BUSY_LOOP_DELAY_SECONDS = 0.002
URGENT_SLICE_FACTOR = 4  # a late heavy lane's slices are this many times longer


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
        # Wall-clock seconds per heavy row while heavy work is backlogged: what draining it
        # really takes, rests and the event loop's delays included (None until measured).
        self._heavy_wall_per_row: float | None = None
        self._heavy_backlogged_since: float | None = None  # end of the last heavy batch
        self._heavy_paced_at = -math.inf
        # Set by the batcher while admitted heavy work would miss its deadline at the heavy
        # lane's share: the heavy lane then runs without rests and takes every other turn
        # (in longer slices).
        self.urgent = False
        self._loop_delay = 0.0  # smoothed, seconds
        self._last_lane: Lane = "light"

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

    def loop_delay(self, seconds: float) -> None:
        """A batch's results waited ``seconds`` for the event loop to take them: how busy the
        loop that reads and answers the requests is."""
        self._loop_delay += _SMOOTHING * (seconds - self._loop_delay)

    def _loop_busy(self) -> bool:
        return self._loop_delay > BUSY_LOOP_DELAY_SECONDS

    def rest_seconds(self) -> float:
        """How long the heavy lane still rests (0 when it may run): it rests only while short
        requests arrive and the event loop is busy."""
        if self.urgent or not self._light_active() or not self._loop_busy():
            return 0.0
        return max(0.0, self._heavy_rests_until - time.monotonic())

    def next_lane(self) -> Lane | None:
        """The lane the next batch comes from: None when both are empty, or when only heavy
        work waits and the heavy lane rests (for ``rest_seconds``). A resting heavy lane waits
        even when short work is queued too: short batches are small and the short lane empties
        with each, so its virtual time alone would let a heavy slice follow every one."""
        if self.urgent and self._queues["heavy"] and self._last_lane == "light":
            return "heavy"  # late heavy work takes every other turn
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
        slice_seconds = self._slice * (URGENT_SLICE_FACTOR if self.urgent else 1)
        return max(1, min(max_rows, int(slice_seconds / self._seconds_per_row["heavy"])))

    def heavy_seconds(self, rows: int) -> float:
        """About how long ``rows`` heavy rows take to score from now: at the wall-clock pace
        the heavy lane has kept while it had a backlog (rests, the event loop's delays and the
        short lane's turns included), or without a recent pace, at its share of the model time
        (short requests may start to arrive at any moment) times UNMEASURED_FACTOR: under
        heavy short traffic the event loop's delays make the real pace several times slower
        than the model time promises, and admission must not count on a guess."""
        pace = self._heavy_pace()
        if pace is not None:
            return rows * pace
        return rows * self._seconds_per_row["heavy"] / self._share["heavy"] * UNMEASURED_FACTOR

    def full_speed_seconds(self, rows: int) -> float:
        """About how long ``rows`` heavy rows take with the model to themselves."""
        return rows * self._seconds_per_row["heavy"]

    def queue(self, lane: Lane) -> deque[tuple[Item, int]]:
        return self._queues[lane]

    def ran(self, lane: Lane, rows: int, seconds: float) -> None:
        """A batch of ``rows`` rows from ``lane`` took ``seconds`` of model time."""
        self._virtual[lane] += seconds / self._share[lane]
        self._last_lane = lane
        if lane == "heavy":
            share = self._share["heavy"]
            now = time.monotonic()
            self._heavy_rests_until = now + seconds * (1 - share) / share
            self._measure_heavy_pace(rows, now)
        if rows:
            estimate = self._seconds_per_row[lane]
            self._seconds_per_row[lane] = estimate + _SMOOTHING * (seconds / rows - estimate)

    def _measure_heavy_pace(self, rows: int, now: float) -> None:
        """After a heavy batch of ``rows``: if the heavy lane was backlogged since the last
        one ended, the time between their ends is what these rows took on the wall clock."""
        since = self._heavy_backlogged_since
        if since is not None and rows:
            sample = (now - since) / rows
            pace = self._heavy_pace()
            self._heavy_wall_per_row = (
                sample if pace is None else pace + _SMOOTHING * (sample - pace)
            )
            self._heavy_paced_at = now
        self._heavy_backlogged_since = now if self._queues["heavy"] else None

    def _heavy_pace(self) -> float | None:
        """The wall-clock seconds per heavy row measured under a backlog, if recent."""
        if time.monotonic() - self._heavy_paced_at < PACE_MEMORY_SECONDS:
            return self._heavy_wall_per_row
        return None
