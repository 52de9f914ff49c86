"""Admission by cost: what a request may put on the batcher's queue, counted in model rows.

A text costs the rows the model runs for it: one for a text read within the model's window,
one per window for a chunked text, one per window plus one per token for an explanation
(occlusion). The budget refuses work at once (``QueueFullError``, a 503 with Retry-After) when

- short work: the short rows waiting in the queue would pass ``max_queued_rows``;
- costly work (chunked reading, explanations): the rows of its kind admitted and not yet
  answered (queued or running) would pass that kind's cap (without a cap, the costly rows
  waiting are held to ``max_queued_rows``). A kind with nothing in flight takes one request of
  any size, so a cap below one request's cost slows that kind down instead of refusing it for
  ever.

Short and costly work wait in separate lanes of the batcher (``app.inference.lanes``), and each
is bounded on its own: costly work cannot fill the short texts' queue and refuse them, and a
burst of short texts cannot refuse an explanation that its cap has room for. The batcher also
refuses costly work that would not be done within the deadline.

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


COSTLY_KINDS: tuple[WorkKind, ...] = ("chunk", "explain")


def is_costly(kind: WorkKind) -> bool:
    """Work that waits in the batcher's heavy lane (anything but short texts)."""
    return kind in COSTLY_KINDS


class QueueFullError(RuntimeError):
    """The queue cannot take this work now; the client should retry later."""


@dataclass
class RowBudget:
    """Rows queued (short and costly apart), and rows admitted per kind, against their limits
    (a cap of None: no cap)."""

    max_queued_rows: int
    caps: Mapping[WorkKind, int | None] = field(default_factory=dict)
    queued: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})  # by is_costly
    admitted: dict[WorkKind, int] = field(default_factory=dict)

    @property
    def queued_rows(self) -> int:
        """Rows waiting in the queue, of every kind."""
        return self.queued[False] + self.queued[True]

    @property
    def full(self) -> bool:
        """True while no short text would be admitted: the short rows waiting reach the bound."""
        return self.queued[False] >= self.max_queued_rows

    def admit(self, kind: WorkKind, rows: int) -> None:
        """Count ``rows`` of ``kind`` as queued and admitted, or raise QueueFullError."""
        cap = self.caps.get(kind)
        waiting = self.queued[is_costly(kind)]
        if cap is None and waiting + rows > self.max_queued_rows:
            what = "costly model rows" if is_costly(kind) else "model rows of short texts"
            raise QueueFullError(
                f"{waiting} {what} are queued and this request needs {rows};"
                f" the limit is {self.max_queued_rows}"
            )
        in_flight = self.admitted.get(kind, 0)
        if cap is not None and in_flight and in_flight + rows > cap:
            raise QueueFullError(
                f"{in_flight} model rows of {kind} work are in progress and this request needs"
                f" {rows}; the limit is {cap}"
            )
        self.queued[is_costly(kind)] += rows
        self.admitted[kind] = in_flight + rows

    def in_progress(self, *kinds: WorkKind) -> int:
        """Rows of these kinds admitted and not yet answered."""
        return sum(self.admitted.get(kind, 0) for kind in kinds)

    def dequeued(self, kind: WorkKind, rows: int) -> None:
        """``rows`` of ``kind`` left the queue (taken into a batch, or dropped with their
        request)."""
        self.queued[is_costly(kind)] -= rows

    def finished(self, kind: WorkKind, rows: int) -> None:
        """A request of ``kind`` that was admitted with ``rows`` is answered or gone."""
        self.admitted[kind] -= rows
