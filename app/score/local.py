"""The engine on this machine: worker processes, each with one ONNX session, fed in order.

The main process reads chunks and writes parts; each chunk is split into tasks of a few hundred
texts spread over the worker processes (one per core, onnxruntime on one thread each, as the
server's workers run). At most ``AHEAD`` chunks are in flight, so memory does not grow with the
file, and chunks come back in input order.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from app.inference.chunking import Reading
from app.inference.pipeline import Prediction, SentimentClassifier
from app.score.rows import Chunk, Outcome, ScoredChunk, score_values

TASK_TEXTS = 256  # texts per task: large enough that sending them costs little next to scoring
AHEAD = 2  # chunks in flight beyond the one being collected

# One per worker process: its model's scorer, reading long texts as asked.
_scorer: Callable[[Sequence[str]], list[Prediction]] | None = None


def _load(bundle: Path, forward_batch_size: int, reading: Reading) -> None:
    global _scorer
    classifier = SentimentClassifier.from_bundle(bundle, forward_batch_size=forward_batch_size)
    classifier.warm_up()
    _scorer = reading.scorer(classifier)


def _score(values: list[object]) -> list[Outcome]:
    assert _scorer is not None, "worker process without a model"
    return score_values(_scorer, values)


def texts_of(chunk: Chunk, text_column: str) -> list[object]:
    """The value to score of each record; None for records the reader could not parse."""
    return [
        None if position in chunk.unreadable else record.get(text_column)
        for position, record in enumerate(chunk.records)
    ]


class LocalEngine:
    def __init__(
        self, bundle: Path, workers: int, forward_batch_size: int, reading: Reading
    ) -> None:
        self.bundle = bundle
        self.workers = workers
        self.forward_batch_size = forward_batch_size
        self.reading = reading

    def score(self, chunks: Iterable[Chunk], text_column: str) -> Iterator[ScoredChunk]:
        with ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_load,
            initargs=(self.bundle, self.forward_batch_size, self.reading),
        ) as pool:
            pending: deque[tuple[Chunk, list[Future[list[Outcome]]]]] = deque()
            for chunk in chunks:
                values = texts_of(chunk, text_column)
                tasks = [
                    pool.submit(_score, values[start : start + TASK_TEXTS])
                    for start in range(0, len(values), TASK_TEXTS)
                ]
                pending.append((chunk, tasks))
                if len(pending) > AHEAD:
                    yield _collect(*pending.popleft())
            while pending:
                yield _collect(*pending.popleft())


def _collect(chunk: Chunk, tasks: list[Future[list[Outcome]]]) -> ScoredChunk:
    outcomes = [outcome for task in tasks for outcome in task.result()]
    return ScoredChunk.of(chunk, outcomes)
