"""Readers of labelled tables (CSV, TSV, JSON Lines, Parquet) into raw rows, with errors that name
the file and line at fault; a file whose bytes are not what its extension says is refused with a
guess at what it is. Labels stay as written here (``training.fit.labels`` names and orders them)
and rows with an empty text or no label are kept, for ``training.fit.problems`` to report.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from training.fit.readers import DatasetError, decode

TEXT_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
JSONL_SUFFIXES = (".jsonl", ".ndjson")
PARQUET_SUFFIXES = (".parquet", ".pq")
SPLITS = ("train", "validation", "test")
SPLIT_COLUMN = "split"
_PARQUET_MAGIC = b"PAR1"
_BINARY_MAGICS = {
    b"PAR1": "a Parquet file (name it .parquet)",
    b"\x1f\x8b": "gzip-compressed (unpack it first)",
    b"PK\x03\x04": "a zip archive (a spreadsheet? export it as CSV)",
}


@dataclass(frozen=True)
class Columns:
    """Which columns hold the text and the label; ``split`` is read when present."""

    text: str = "text"
    label: str = "label"


@dataclass(frozen=True)
class RawRow:
    """One row as the file has it: split (or None), label as written (None: missing), text,
    and where it is (``file:line``, or ``file: row N`` in Parquet)."""

    split: str | None
    label: str | None
    text: str
    where: str


def is_table(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in TEXT_SUFFIXES or suffix in JSONL_SUFFIXES or suffix in PARQUET_SUFFIXES


def read_table(path: Path, columns: Columns, split: str | None = None) -> list[RawRow]:
    """Every row of a CSV, TSV, JSONL or Parquet file; ``split`` overrides the split column."""
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        records = _parquet_records(path)
    else:
        text = _text_of(path)
        if suffix in JSONL_SUFFIXES:
            records = _jsonl_records(path, text)
        else:
            records = _delimited_records(path, text, TEXT_SUFFIXES[suffix], columns)
    return [_raw_row(record, where, columns, split) for record, where in records]


def _text_of(path: Path) -> str:
    """The file as UTF-8 text, refused when its bytes say it is something else."""
    raw = path.read_bytes()
    for magic, what in _BINARY_MAGICS.items():
        if raw.startswith(magic):
            raise DatasetError(f"{path}: not {path.suffix} text: the file is {what}")
    if b"\0" in raw[:8192]:
        raise DatasetError(f"{path}: not {path.suffix} text: the file holds binary data")
    return decode(raw, str(path))


def _delimited_records(
    path: Path, text: str, delimiter: str, columns: Columns
) -> Iterator[tuple[dict[str, object], str]]:
    if text.lstrip().startswith(("{", "[")):
        raise DatasetError(f"{path}: looks like JSON, not {path.suffix} text")
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = reader.fieldnames or []
    missing = [name for name in (columns.text, columns.label) if name not in header]
    if missing:
        other = "\t" if delimiter == "," else ","
        first_line = text.split("\n", 1)[0]
        hint = ""
        if delimiter not in first_line and other in first_line:
            kind = "tab" if other == "\t" else "comma"
            hint = f"; it looks {kind}-separated: is the extension right?"
        raise DatasetError(f"{path}: header lacks column(s) {missing}{hint}")
    for record in reader:
        yield dict(record), f"{path}:{reader.line_num}"


def _jsonl_records(path: Path, text: str) -> Iterator[tuple[dict[str, object], str]]:
    if text.lstrip().startswith("["):
        raise DatasetError(f"{path}: a JSON array, not JSON Lines (one object per line)")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DatasetError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise DatasetError(f"{where}: expected a JSON object with a text and a label")
        yield record, where


def _parquet_records(path: Path) -> Iterator[tuple[dict[str, object], str]]:
    raw = path.read_bytes()
    if not (raw.startswith(_PARQUET_MAGIC) and raw.endswith(_PARQUET_MAGIC)):
        looks = "text (CSV?)" if b"\0" not in raw[:8192] else "some other binary format"
        raise DatasetError(f"{path}: not a Parquet file (no PAR1 marks); it looks like {looks}")
    import pyarrow as pa  # only Parquet needs it: imported here, not by every command
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(raw))
    except (pa.ArrowException, OSError) as error:
        raise DatasetError(f"{path}: not a readable Parquet file ({error})") from error
    for number, record in enumerate(table.to_pylist(), start=1):
        yield record, f"{path}: row {number}"


def _raw_row(record: dict[str, object], where: str, columns: Columns, split: str | None) -> RawRow:
    for column in (columns.text, columns.label):
        if column not in record:
            raise DatasetError(f"{where}: no {column!r} field")
    text = record[columns.text]
    if text is not None and not isinstance(text, str):
        raise DatasetError(f"{where}: {columns.text!r} must be a string, got {type(text).__name__}")
    label = record[columns.label]
    written = None if label is None or str(label).strip() == "" else str(label).strip()
    if split is None:
        split = _parse_split(record.get(SPLIT_COLUMN), where)
    return RawRow(split, written, text or "", where)


def _parse_split(value: object, where: str) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    split = str(value).strip().lower()
    if split not in SPLITS:
        raise DatasetError(f"{where}: unknown split {value!r}; use train, validation or test")
    return split
