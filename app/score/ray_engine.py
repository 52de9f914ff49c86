"""The engine on Ray: Ray Data reads the input, ``map_batches`` scores it on actors that each
hold one ONNX session, and the scored rows stream back in input order to be written.

On a cluster (``ray job submit``) the actors run on every node; the input path must be readable
by the nodes (shared storage), and the driver writes the output. Needs the ``ray`` extra.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from app.inference.bundle import read_manifest
from app.inference.chunking import Reading
from app.inference.pipeline import Prediction, SentimentClassifier
from app.score.formats import Format, Source
from app.score.job import JobError
from app.score.rows import (
    RESULT_COLUMNS,
    Chunk,
    ScoredChunk,
    label_column,
    result_columns,
    score_values,
)

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

PROBLEM = "__score_problem"  # carries a row's problem from the actor to the driver
ACTOR_BATCH = 256  # rows per map_batches call


class ActorScorer:
    """A Ray actor's state: one loaded, verified, warmed-up model."""

    def __init__(
        self, bundle: str, text_column: str, forward_batch_size: int, reading: Reading
    ) -> None:
        classifier = SentimentClassifier.from_bundle(
            Path(bundle), forward_batch_size=forward_batch_size
        )
        classifier.warm_up()
        self.scorer = reading.scorer(classifier)
        self.text_column = text_column
        labels = classifier.manifest.labels
        self.labels = labels if len(labels) > 2 else []  # a column per label for more than two

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        values = batch.column(self.text_column).to_pylist()
        outcomes = score_values(self.scorer, values)
        scored = [o for o in outcomes if not isinstance(o, str)]
        kept = [n for n in batch.column_names if n not in result_columns(self.labels)]
        batch = batch.select(kept)

        def column(name: str, kind: pa.DataType) -> pa.Array:
            it = iter(getattr(o, name) for o in scored)
            return pa.array([None if isinstance(o, str) else next(it) for o in outcomes], kind)

        for name, kind in (
            ("label", pa.string()),
            ("score", pa.float64()),
            ("tokens", pa.int64()),
            ("truncated", pa.bool_()),
            ("chunks", pa.int64()),
        ):
            batch = batch.append_column(name, column(name, kind))
        for label in self.labels:
            it = iter((o.scores or {}).get(label) for o in scored)
            values = [None if isinstance(o, str) else next(it) for o in outcomes]
            batch = batch.append_column(label_column(label), pa.array(values, pa.float64()))
        problems = [o if isinstance(o, str) else None for o in outcomes]
        return batch.append_column(PROBLEM, pa.array(problems, pa.string()))


def score(
    source: Source,
    bundle: Path,
    workers: int,
    chunk_rows: int,
    forward_batch_size: int,
    reading: Reading,
    address: str | None = None,
) -> Iterator[ScoredChunk]:
    """Scored chunks of ``chunk_rows`` rows, in input order; rows located by row number."""
    import ray.data

    labels = read_manifest(bundle).labels
    _connect(workers, address)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    dataset = _read(source)
    scored = dataset.map_batches(
        ActorScorer,
        fn_constructor_kwargs={
            "bundle": str(bundle.resolve()),
            "text_column": source.text_column,
            "forward_batch_size": forward_batch_size,
            "reading": reading,
        },
        batch_size=ACTOR_BATCH,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),  # one ONNX session per actor
        num_cpus=1,
    )
    first = 1
    batches = scored.iter_batches(batch_size=chunk_rows, batch_format="pyarrow")
    for index, batch in enumerate(cast("Iterator[pa.Table]", batches)):
        problems = batch.column(PROBLEM).to_pylist()
        rows = batch.drop_columns([PROBLEM]).to_pylist()
        numbers = list(range(first, first + len(rows)))
        first += len(rows)
        results = [{name: row.pop(name) for name in result_columns(labels)} for row in rows]
        outcomes = [
            problem if problem is not None else _prediction(result, labels)
            for problem, result in zip(problems, results, strict=True)
        ]
        yield ScoredChunk(Chunk(index, rows, numbers, {}), outcomes)


def _connect(workers: int, address: str | None) -> None:
    """Join (or start) the Ray cluster, and check it has a CPU for each actor and one more."""
    import ray

    if not ray.is_initialized():
        local = address is None and "RAY_ADDRESS" not in os.environ
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            # A Ray started here for this run listens on loopback only, and has one CPU slot
            # beside the actors' for listing and reading the input.
            _node_ip_address="127.0.0.1" if local else None,
            num_cpus=workers + 1 if local else None,
        )
    # Each actor holds one CPU for as long as the dataset runs; with none left over, the tasks
    # that list and read the input never start and Ray Data waits forever.
    cpus = ray.cluster_resources().get("CPU", 0)
    if workers > cpus - 1:
        raise JobError(
            f"--workers {workers}: the Ray cluster has {cpus:g} CPUs; each actor takes one and"
            " reading the input needs one more"
        )


def _prediction(result: dict[str, object], labels: Sequence[str]) -> Prediction:
    """The prediction of a scored row's result columns (per-label ones only for more than two
    labels)."""
    fields = {name: result[name] for name in RESULT_COLUMNS}
    scores = {label: result[label_column(label)] for label in labels if len(labels) > 2}
    return Prediction(**fields, scores=scores or None)  # type: ignore[arg-type]


def _read(source: Source) -> ray.data.Dataset:
    import ray.data

    path = str(source.path.resolve())
    if source.format is Format.CSV:
        import pyarrow as pa
        from pyarrow import csv

        assert source.columns is not None
        return ray.data.read_csv(
            path,
            parse_options=csv.ParseOptions(newlines_in_values=True),
            convert_options=csv.ConvertOptions(
                column_types=dict.fromkeys(source.columns, pa.string()),
                strings_can_be_null=False,
            ),
        )
    if source.format is Format.JSONL:
        return ray.data.read_json(path, lines=True)
    return ray.data.read_parquet(path)
