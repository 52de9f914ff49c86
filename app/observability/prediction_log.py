"""The prediction log (``SENTIMENT_PREDICTION_LOG``): one JSON line per scored text, for drift
monitoring, written off the request path.

A request only puts its predictions on a bounded queue (no formatting, no I/O); one writer
thread formats and writes them. A full disk, a slow or stuck pipe, or a writer that falls
behind never fails or slows a request: when the queue is full, or a write fails, the lines are
dropped and counted in ``sentiment_prediction_log_dropped_lines_total``. Each request's lines
go out in one ``write`` to a file opened for appending, so the worker processes of
``python -m app`` can share one file without interleaving inside a line. Closing (at graceful
shutdown) writes what is queued, waiting a bounded time for a stuck writer.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from prometheus_client import Counter

log = logging.getLogger(__name__)

STDOUT = "-"


class LoggedPrediction(Protocol):
    """The fields of a prediction the log records (``app.inference.predictions.Prediction``)."""

    label: str
    score: float
    tokens: int
    truncated: bool
    scores: dict[str, float] | None
    chunks: int | None


@dataclass(frozen=True)
class _Entry:
    """One request's predictions, as the request queued them."""

    time: float
    request_id: str | None
    model: str
    version: str
    predictions: Sequence[LoggedPrediction]
    texts: Sequence[str] | None  # only with SENTIMENT_LOG_TEXTS


def entry_lines(entry: _Entry) -> bytes:
    """The entry's JSON lines: one per text; ``scores`` only for more than two labels (for two
    it only restates ``score``), ``text`` only when texts are logged."""
    when = datetime.fromtimestamp(entry.time, UTC).isoformat(timespec="milliseconds")
    lines = []
    for index, prediction in enumerate(entry.predictions):
        line: dict[str, object] = {
            "time": when,
            "request_id": entry.request_id,
            "model": entry.model,
            "version": entry.version,
            "label": prediction.label,
            "score": prediction.score,
        }
        if prediction.scores is not None and len(prediction.scores) > 2:
            line["scores"] = prediction.scores
        line["tokens"] = prediction.tokens
        line["truncated"] = prediction.truncated
        if prediction.chunks is not None:
            line["chunks"] = prediction.chunks
        if entry.texts is not None:
            line["text"] = entry.texts[index]
        lines.append(json.dumps(line, ensure_ascii=False) + "\n")
    # A lone surrogate (a valid JSON escape in a request) is written back as its escape.
    return "".join(lines).encode("utf-8", "backslashreplace")


class PredictionLog:
    """Queues requests' predictions and writes them as JSON lines with ``write`` on its own
    thread; ``dropped`` (with ``reason``) counts the lines that could not be written."""

    def __init__(
        self,
        write: Callable[[bytes], None],
        capacity: int,
        dropped: Counter | None = None,
        close: Callable[[], None] = lambda: None,
    ) -> None:
        self._write = write
        self._close = close
        self._queue: queue.Queue[_Entry | None] = queue.Queue(maxsize=capacity)
        self._dropped = dropped
        self._failing = False  # the last write failed: the next failure is not logged again
        self._thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, target: str, capacity: int, dropped: Counter | None = None) -> PredictionLog:
        """A log appending to the file ``target``, or writing to standard output for ``-``."""
        if target == STDOUT:
            return cls(_write_stdout, capacity, dropped)
        descriptor = os.open(Path(target), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return cls(
            lambda data: _write_all(descriptor, data),
            capacity,
            dropped,
            close=lambda: os.close(descriptor),
        )

    def record(
        self,
        request_id: str | None,
        model: str,
        version: str,
        predictions: Sequence[LoggedPrediction],
        texts: Sequence[str] | None = None,
    ) -> None:
        """Queue one request's predictions (and texts, when they are logged); never blocks."""
        entry = _Entry(time.time(), request_id, model, version, predictions, texts)
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self._count_dropped("queue_full", len(predictions))

    def close(self, timeout: float = 5.0) -> None:
        """Write what is queued, then stop; a writer stuck longer than ``timeout`` is left
        behind (a daemon thread) with what it still holds."""
        with contextlib.suppress(queue.Full):
            self._queue.put(None, timeout=timeout)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning(
                "prediction log: the writer is still blocked after %gs; %d queued requests'"
                " lines are not written",
                timeout,
                self._queue.qsize(),
            )
            return
        self._close()

    def _run(self) -> None:
        while (entry := self._queue.get()) is not None:
            try:
                data = entry_lines(entry)
                self._write(data)
            except (OSError, ValueError) as error:
                self._count_dropped("write_error", len(entry.predictions))
                if not self._failing:
                    log.warning("prediction log: lines dropped, writing failed: %s", error)
                self._failing = True
            else:
                self._failing = False

    def _count_dropped(self, reason: str, lines: int) -> None:
        if self._dropped is not None and lines:
            self._dropped.labels(reason).inc(lines)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]


def _write_stdout(data: bytes) -> None:
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
    else:  # a text-only stream (a test's captured output)
        stream.write(data.decode("utf-8", "replace"))
    stream.flush()
