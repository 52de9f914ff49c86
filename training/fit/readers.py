"""Readers of the aclImdb layout (folder or archive) into rows, with errors that name the file or
archive member at fault; ``training.fit.formats`` reads labelled tables and ``training.fit.data``
assembles the rows into splits."""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

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
