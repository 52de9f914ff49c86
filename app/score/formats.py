"""The files bulk scoring reads and writes: CSV, JSONL and Parquet.

Input is read in chunks of records, so memory does not grow with the file. Output is written
as one part file per chunk and the parts are joined into the output at the end (``job``).

- CSV: a header row; every column is kept as text; a record may span lines (quoted newlines),
  and is located by the line it starts on.
- JSONL: one JSON object per line (blank lines are skipped); every key is kept.
- Parquet: columns keep their types; records are located by row (1-based).
"""

from __future__ import annotations

import csv
import dataclasses
import importlib.util
import io
import json
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

from app.score.rows import Chunk, Outcome, label_column, result_columns, result_values

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # reviews longer than csv's 128 KiB default


class InputError(Exception):
    """The input file cannot be read as its format says (fatal, unlike a bad row)."""


def require_pyarrow(fmt: Format) -> None:
    """Parquet needs pyarrow, which the ``score`` extra installs and the serving image lacks
    (it scores CSV and JSONL)."""
    if fmt is Format.PARQUET and importlib.util.find_spec("pyarrow") is None:
        raise InputError("Parquet needs pyarrow: pip install '.[score]'")


class Format(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    PARQUET = "parquet"

    @classmethod
    def of(cls, path: Path) -> Format:
        suffixes = {".csv": cls.CSV, ".jsonl": cls.JSONL, ".ndjson": cls.JSONL}
        suffixes |= {".parquet": cls.PARQUET, ".pq": cls.PARQUET}
        try:
            return suffixes[path.suffix.lower()]
        except KeyError:
            raise InputError(f"{path}: unknown format; name it .csv, .jsonl or .parquet") from None

    @property
    def unit(self) -> str:
        """What locates a record in error reports."""
        return "row" if self is Format.PARQUET else "line"


@dataclass(frozen=True)
class Source:
    """An input file, its format and its columns (None for JSONL, whose keys vary by line)."""

    path: Path
    format: Format
    text_column: str
    columns: list[str] | None
    rows: int | None  # known up front for Parquet only

    @classmethod
    def open(cls, path: Path, text_column: str, fmt: Format | None = None) -> Source:
        """``fmt`` None: the format the file's name says."""
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        fmt = fmt or Format.of(path)
        require_pyarrow(fmt)
        columns: list[str] | None = None
        rows: int | None = None
        if fmt is Format.CSV:
            with path.open(newline="", encoding="utf-8") as stream:
                columns = next(csv.reader(stream), None)
            if not columns:
                raise InputError(f"{path}: empty file, no header row")
        elif fmt is Format.PARQUET:
            import pyarrow.parquet as pq

            metadata = pq.ParquetFile(path).metadata
            columns, rows = list(metadata.schema.names), metadata.num_rows
        if columns is not None and text_column not in columns:
            raise InputError(f"{path}: no {text_column!r} column (columns: {', '.join(columns)})")
        return cls(path, fmt, text_column, columns, rows)

    def chunks(self, rows: int, skip: int = 0) -> Iterator[Chunk]:
        """Chunks of ``rows`` records in file order; the first ``skip`` chunks are read but
        not returned (``--resume``)."""
        readers = {Format.CSV: _csv_records, Format.JSONL: _jsonl_records}
        if self.format is Format.PARQUET:
            yield from _parquet_chunks(self.path, rows, skip)
            return
        records: list[dict[str, object]] = []
        numbers: list[int] = []
        unreadable: dict[int, str] = {}
        index = 0
        for number, record, problem in readers[self.format](self.path):
            if problem is not None:
                unreadable[len(records)] = problem
            records.append(record)
            numbers.append(number)
            if len(records) == rows:
                if index >= skip:
                    yield Chunk(index, records, numbers, unreadable)
                index += 1
                records, numbers, unreadable = [], [], {}
        if records and index >= skip:
            yield Chunk(index, records, numbers, unreadable)

    def output_columns(self, labels: Sequence[str] = ()) -> list[str] | None:
        """The input's columns, then the result columns for a model with ``labels``."""
        if self.columns is None:
            return None
        added = result_columns(labels)
        return [c for c in self.columns if c not in added] + list(added)

    def with_all_keys(self) -> Source:
        """A JSONL source with the keys of all its objects, in the order first seen, as its
        columns (one pass over the file): what a CSV or Parquet output of it needs."""
        if self.columns is not None:
            return self
        keys: dict[str, None] = {}
        for _number, record, _problem in _jsonl_records(self.path):
            keys.update(dict.fromkeys(record))
        return dataclasses.replace(self, columns=list(keys))


Record = tuple[int, dict[str, object], str | None]  # line, fields, why it cannot be read


def _csv_records(path: Path) -> Iterator[Record]:
    with path.open(newline="", encoding="utf-8") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        line = reader.line_num + 1
        try:
            for values in reader:
                start, line = line, reader.line_num + 1
                if not values:  # a blank line
                    continue
                record: dict[str, object] = dict(zip(header, values, strict=False))
                problem = None
                if len(values) != len(header):
                    problem = f"{len(values)} fields, the header has {len(header)}"
                yield start, record, problem
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: not UTF-8 near line {line} ({error.reason})") from error
        except csv.Error as error:
            raise InputError(f"{path}: line {reader.line_num}: {error}") from error


def _jsonl_records(path: Path) -> Iterator[Record]:
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except ValueError as error:  # also invalid UTF-8
                yield number, {}, f"not a JSON object ({error})"
                continue
            if not isinstance(value, dict):
                yield number, {}, f"not a JSON object (a {type(value).__name__})"
                continue
            yield number, value, None


def _parquet_chunks(path: Path, rows: int, skip: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    batches = pq.ParquetFile(path).iter_batches(batch_size=rows)
    first = 1
    for index, batch in enumerate(batches):
        if index >= skip:
            numbers = list(range(first, first + batch.num_rows))
            yield Chunk(index, batch.to_pylist(), numbers, {})
        first += batch.num_rows


class PartWriter:
    """Writes scored chunks as part files, and joins the parts into one output file."""

    def __init__(
        self, source: Source, labels: Sequence[str] = (), output_format: Format | None = None
    ) -> None:
        self.source = source
        self.labels = list(labels)
        self.format = output_format or source.format  # None: as the input
        require_pyarrow(self.format)
        if self.format is not Format.JSONL:
            source = source.with_all_keys()
        self.columns = source.output_columns(labels)
        self.suffix = "." + self.format.value

    def write_part(
        self, path: Path, records: Sequence[dict[str, object]], outcomes: Sequence[Outcome]
    ) -> None:
        rows = [
            {**record, **result_values(outcome, self.labels)}
            for record, outcome in zip(records, outcomes, strict=True)
        ]
        if self.format is Format.CSV:
            assert self.columns is not None
            with path.open("w", newline="", encoding="utf-8") as stream:
                writer = csv.writer(stream)
                writer.writerows([_csv_value(row.get(c)) for c in self.columns] for row in rows)
        elif self.format is Format.JSONL:
            with path.open("w", encoding="utf-8") as stream:
                stream.writelines(
                    json.dumps(row, ensure_ascii=False, default=str) + "\n" for row in rows
                )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            if self.source.format is not Format.PARQUET:  # input columns are text in Parquet
                added = result_columns(self.labels)
                rows = [{k: v if k in added else _text(v) for k, v in row.items()} for row in rows]
            pq.write_table(pa.Table.from_pylist(rows, schema=self.parquet_schema), path)

    def join(self, parts: Sequence[Path], target: Path) -> None:
        """Write the parts, in order, as one file at ``target``."""
        if self.format is Format.PARQUET:
            import pyarrow.parquet as pq

            with pq.ParquetWriter(target, self.parquet_schema) as writer:
                for part in parts:
                    writer.write_table(pq.read_table(part))
            return
        with target.open("wb") as out:
            if self.format is Format.CSV:
                assert self.columns is not None
                header = io.StringIO(newline="")
                csv.writer(header).writerow(self.columns)
                out.write(header.getvalue().encode("utf-8"))
            for part in parts:
                with part.open("rb") as stream:
                    shutil.copyfileobj(stream, out, 1 << 20)

    @cached_property
    def parquet_schema(self) -> pa.Schema:
        import pyarrow as pa
        import pyarrow.parquet as pq

        added = result_columns(self.labels)
        if self.source.format is Format.PARQUET:
            schema = pq.ParquetFile(self.source.path).schema_arrow
            kept = [field for field in schema if field.name not in added]
        else:
            assert self.columns is not None
            kept = [pa.field(name, pa.string()) for name in self.columns if name not in added]
        results = [
            pa.field("label", pa.string()),
            pa.field("score", pa.float64()),
            pa.field("tokens", pa.int64()),
            pa.field("truncated", pa.bool_()),
            pa.field("chunks", pa.int64()),
        ]
        if len(self.labels) > 2:
            results += [pa.field(label_column(label), pa.float64()) for label in self.labels]
        return pa.schema(kept + results)


def _text(value: object) -> str | None:
    """A CSV or JSONL value as Parquet text: strings as they are, other JSON values as JSON."""
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value
