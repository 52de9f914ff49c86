"""Readers of each source format (aclImdb folder or archive, CSV, JSONL) into rows, with errors
that name the file, line or archive member at fault; ``training.fit.data`` assembles the rows
into splits."""

from __future__ import annotations

import csv
import io
import json
import re
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

_LABEL_NAMES = {
    "0": 0,
    "neg": 0,
    "negative": 0,
    "false": 0,
    "1": 1,
    "pos": 1,
    "positive": 1,
    "true": 1,
}
_ACLIMDB_FILE = re.compile(r"(?:^|/)(train|test)/(pos|neg)/(\d+)_(\d+)\.txt$")
UNLABELED_FILE = re.compile(r"(?:^|/)train/unsup/\d+_\d+\.txt$")


class DatasetError(ValueError):
    """Data that cannot be trained on; the message names the culprit."""


# A row is (split or None, label, text, where) with `where` naming it in error messages.
Row = tuple[str | None, int, str, str]


def decode(raw: bytes, where: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DatasetError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None


def _aclimdb_row(member: str, raw: bytes) -> Row | None:
    match = _ACLIMDB_FILE.search(member)
    if match is None:
        return None
    split, polarity, _id, _rating = match.groups()
    return split, int(polarity == "pos"), decode(raw, member), member


def read_aclimdb_tree(root: Path) -> list[Row]:
    if (root / "aclImdb").is_dir():
        root = root / "aclImdb"
    rows = []
    for split in ("train", "test"):
        for polarity in ("neg", "pos"):
            folder = root / split / polarity
            if not folder.is_dir():
                raise DatasetError(
                    f"{folder}: missing; expected the aclImdb layout {{train,test}}/{{pos,neg}}/"
                )
            for file in sorted(folder.glob("*.txt")):
                row = _aclimdb_row(file.as_posix(), file.read_bytes())
                if row is None:
                    raise DatasetError(f"{file}: file name is not <id>_<rating>.txt")
                rows.append(row)
    return rows


def read_aclimdb_archive(path: Path) -> list[Row]:
    rows = []
    for name, raw in archive_files(path, _ACLIMDB_FILE):
        row = _aclimdb_row(f"{path}:{name}", raw)
        if row is not None:
            rows.append(row)
    if not rows:
        raise DatasetError(
            f"{path}: no reviews in the aclImdb layout aclImdb/{{train,test}}/{{pos,neg}}/*.txt"
        )
    rows.sort(key=lambda row: row[3])
    return rows


def archive_files(path: Path, names: re.Pattern[str]) -> Iterator[tuple[str, bytes]]:
    """The name and bytes of each file in a tar archive whose name matches ``names``, streamed
    (the archive is never unpacked)."""
    try:
        with tarfile.open(path) as archive:
            for member in archive:
                if not member.isfile() or names.search(member.name) is None:
                    continue
                stream = archive.extractfile(member)
                if stream is not None:
                    yield member.name, stream.read()
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DatasetError(f"{path}: not a readable tar archive ({error})") from error


def _parse_label(value: object, where: str) -> int:
    key = str(value).strip().lower()
    if key not in _LABEL_NAMES:
        raise DatasetError(
            f"{where}: unknown label {value!r}; use 0/1, neg/pos or negative/positive"
        )
    return _LABEL_NAMES[key]


def _parse_split(value: object, where: str) -> str | None:
    if value is None or str(value).strip() == "":
        return None
    split = str(value).strip().lower()
    if split not in ("train", "test"):
        raise DatasetError(f"{where}: unknown split {value!r}; use train or test")
    return split


def _records_to_rows(records: Iterable[tuple[dict[str, object], str]]) -> list[Row]:
    rows = []
    for record, where in records:
        for column in ("text", "label"):
            if column not in record or record[column] is None:
                raise DatasetError(f"{where}: missing {column!r}")
        text = record["text"]
        if not isinstance(text, str):
            raise DatasetError(f"{where}: 'text' must be a string, got {type(text).__name__}")
        label = _parse_label(record["label"], where)
        rows.append((_parse_split(record.get("split"), where), label, text, where))
    return rows


def read_csv(path: Path) -> list[Row]:
    text = decode(path.read_bytes(), str(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"text", "label"} - set(reader.fieldnames or [])
    if missing:
        raise DatasetError(f"{path}: header lacks column(s) {sorted(missing)}")
    return _records_to_rows((dict(r), f"{path}:{reader.line_num}") for r in reader)


def read_jsonl(path: Path) -> list[Row]:
    text = decode(path.read_bytes(), str(path))

    def records() -> Iterator[tuple[dict[str, object], str]]:
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DatasetError(f"{where}: not valid JSON ({error.msg})") from None
            if not isinstance(record, dict):
                raise DatasetError(f"{where}: expected a JSON object with text and label")
            yield record, where

    return _records_to_rows(records())
