"""Admission by cost: what a request may put on the batcher's queue, counted in model rows.

A text costs the rows the model runs for it: one for a text read within the model's window,
one per window for a chunked text, one per window plus one per token for an explanation
(occlusion). The budget refuses work at once (``QueueFullError``, a 503 with Retry-After) when

- the rows waiting in the queue would pass ``max_queued_rows``, or
- the rows of its kind admitted and not yet answered (queued or running) would pass that kind's
  cap: ``/explain`` and chunked reading can be capped apart, so a few costly requests cannot
  take the whole queue. A kind with nothing in flight takes one request of any size, so a cap
  below one request's cost slows that kind down instead of refusing it for ever.

Refusing at the door is what keeps an admitted request answered within its deadline: the
queue never holds more work than the model gets through in time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

# What a request's work is: short texts (one row each), chunked reading (a row per window)
# or an explanation (a row per window and per token).
WorkKind = Literal["short", "chunk", "explain"]


class QueueFullError(RuntimeError):
    """The queue cannot take this work now; the client should retry later."""


@dataclass
class RowBudget:
    """Rows queued, and rows admitted per kind, against their limits (None: no cap)."""

    max_queued_rows: int
    caps: Mapping[WorkKind, int | None] = field(default_factory=dict)
    queued_rows: int = 0
    admitted: dict[WorkKind, int] = field(default_factory=dict)

    def admit(self, kind: WorkKind, rows: int) -> None:
        """Count ``rows`` of ``kind`` as queued and admitted, or raise QueueFullError."""
        if self.queued_rows + rows > self.max_queued_rows:
            raise QueueFullError(
                f"{self.queued_rows} model rows are queued and this request needs {rows};"
                f" the limit is {self.max_queued_rows}"
            )
        cap = self.caps.get(kind)
        in_flight = self.admitted.get(kind, 0)
        if cap is not None and in_flight and in_flight + rows > cap:
            raise QueueFullError(
                f"{in_flight} model rows of {kind} work are in progress and this request needs"
                f" {rows}; the limit is {cap}"
            )
        self.queued_rows += rows
        self.admitted[kind] = in_flight + rows

    def in_progress(self, *kinds: WorkKind) -> int:
        """Rows of these kinds admitted and not yet answered."""
        return sum(self.admitted.get(kind, 0) for kind in kinds)

    def dequeued(self, rows: int) -> None:
        """``rows`` left the queue (taken into a batch, or dropped with their request)."""
        self.queued_rows -= rows

    def finished(self, kind: WorkKind, rows: int) -> None:
        """A request of ``kind`` that was admitted with ``rows`` is answered or gone."""
        self.admitted[kind] -= rows
