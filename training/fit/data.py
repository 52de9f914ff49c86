"""Labelled reviews from the official aclImdb layout or from a user's CSV / JSONL file.

aclImdb (``aclImdb_v1.tar.gz``, unpacked or not):
``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``.
The official train/test split is kept; the archive is streamed, never unpacked.

CSV / JSONL: one review per row with ``text`` and ``label`` (``0``/``1``, ``neg``/``pos``,
``negative``/``positive``) and an optional ``split`` (``train``/``test``). Rows without a split
are divided by a seeded hold-out so every source gives a train and a test split.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import re
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

LABELS = ("negative", "positive")
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
_UNLABELED_FILE = re.compile(r"(?:^|/)train/unsup/\d+_\d+\.txt$")
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
TEST_FRACTION_WITHOUT_SPLIT = 0.2
# Where the labelled IMDB archive sits on the project's machines: every command's --data default.
DEFAULT_DATA = Path("../shared/data/aclImdb_v1_labeled.tar.gz")


class DatasetError(ValueError):
    """Data that cannot be trained on; the message names the culprit."""


@dataclass(frozen=True)
class Split:
    texts: list[str]
    labels: np.ndarray  # int64, 0 = negative, 1 = positive

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: np.ndarray) -> Split:
        return Split([self.texts[i] for i in indices], self.labels[indices])


@dataclass(frozen=True)
class Dataset:
    train: Split
    test: Split
    source: str
    sha256: str  # over the reviews' split, label and text: the same for a tree and its archive

    def describe(self) -> dict[str, object]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "train": len(self.train),
            "test": len(self.test),
            "train_positive": int(self.train.labels.sum()),
            "test_positive": int(self.test.labels.sum()),
        }


def load_dataset(path: Path, seed: int = 42) -> Dataset:
    """Read reviews from an aclImdb tree or archive, or from a CSV / JSONL file."""
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    name = path.name.lower()
    if path.is_dir():
        rows = _read_aclimdb_tree(path)
    elif name.endswith(_ARCHIVE_SUFFIXES):
        rows = _read_aclimdb_archive(path)
    elif name.endswith(".csv"):
        rows = _read_csv(path)
    elif name.endswith((".jsonl", ".ndjson")):
        rows = _read_jsonl(path)
    else:
        raise DatasetError(
            f"{path}: unknown format; expected an aclImdb folder, a .tar.gz, a .csv or a .jsonl"
        )
    return _assemble(path, rows, seed)


# A row is (split or None, label, text, where) with `where` naming it in error messages.
Row = tuple[str | None, int, str, str]


def _decode(raw: bytes, where: str) -> str:
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
    return split, int(polarity == "pos"), _decode(raw, member), member


def _read_aclimdb_tree(root: Path) -> list[Row]:
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


def _read_aclimdb_archive(path: Path) -> list[Row]:
    rows = []
    try:
        with tarfile.open(path) as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith(".txt"):
                    continue
                if _ACLIMDB_FILE.search(member.name) is None:
                    continue
                stream = archive.extractfile(member)
                if stream is None:
                    continue
                row = _aclimdb_row(f"{path}:{member.name}", stream.read())
                if row is not None:
                    rows.append(row)
    except (tarfile.TarError, EOFError, OSError) as error:
        raise DatasetError(f"{path}: not a readable tar archive ({error})") from error
    if not rows:
        raise DatasetError(
            f"{path}: no reviews in the aclImdb layout aclImdb/{{train,test}}/{{pos,neg}}/*.txt"
        )
    rows.sort(key=lambda row: row[3])
    return rows


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


def _read_csv(path: Path) -> list[Row]:
    text = _decode(path.read_bytes(), str(path))
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = {"text", "label"} - set(reader.fieldnames or [])
    if missing:
        raise DatasetError(f"{path}: header lacks column(s) {sorted(missing)}")
    return _records_to_rows((dict(r), f"{path}:{reader.line_num}") for r in reader)


def _read_jsonl(path: Path) -> list[Row]:
    text = _decode(path.read_bytes(), str(path))

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


def _assemble(path: Path, rows: list[Row], seed: int) -> Dataset:
    if not rows:
        raise DatasetError(f"{path}: no reviews found")
    digest = hashlib.sha256()
    for split, label, text, _where in sorted(rows, key=lambda r: (r[0] or "", r[1], r[2])):
        digest.update(f"{split}\t{label}\t".encode())
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")

    unsplit = [i for i, row in enumerate(rows) if row[0] is None]
    split_of = [row[0] for row in rows]
    if unsplit:
        order = np.random.default_rng(seed).permutation(len(unsplit))
        test_count = round(len(unsplit) * TEST_FRACTION_WITHOUT_SPLIT)
        for rank, index in enumerate(order):
            split_of[unsplit[index]] = "test" if rank < test_count else "train"
        log.info(
            "%s: %d rows without a split; held out a seeded %d%% as test",
            path,
            len(unsplit),
            round(100 * TEST_FRACTION_WITHOUT_SPLIT),
        )

    splits = {}
    for name in ("train", "test"):
        members = [row for row, split in zip(rows, split_of, strict=True) if split == name]
        labels = np.array([row[1] for row in members], dtype=np.int64)
        for value, label_name in enumerate(LABELS):
            if not np.any(labels == value):
                raise DatasetError(f"{path}: the {name} split has no {label_name} reviews")
        splits[name] = Split([row[2] for row in members], labels)
    return Dataset(splits["train"], splits["test"], source=path.name, sha256=digest.hexdigest())


def validation_split(train: Split, fraction: float, seed: int) -> tuple[Split, Split]:
    """A seeded, stratified hold-out of the training split (Keras' validation_split would take
    the last rows unshuffled, which on aclImdb in folder order is a single class)."""
    rng = np.random.default_rng(seed)
    validation_indices = []
    for value in (0, 1):
        members = np.flatnonzero(train.labels == value)
        count = max(1, round(len(members) * fraction))
        validation_indices.append(rng.choice(members, size=count, replace=False))
    held_out = np.sort(np.concatenate(validation_indices))
    mask = np.ones(len(train), dtype=bool)
    mask[held_out] = False
    kept = rng.permutation(np.flatnonzero(mask))
    return train.take(kept), train.take(rng.permutation(held_out))


def load_unlabeled_texts(path: Path) -> list[str]:
    """Reviews without labels, to pretrain embeddings: aclImdb's ``train/unsup/`` (folder or
    archive), or the ``text`` column of a CSV / JSONL file. Never the test reviews."""
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    name = path.name.lower()
    if name.endswith(".csv"):
        rows = csv.DictReader(io.StringIO(_decode(path.read_bytes(), str(path)), newline=""))
        return [row["text"] for row in rows if row.get("text")]
    if name.endswith((".jsonl", ".ndjson")):
        lines = _decode(path.read_bytes(), str(path)).splitlines()
        return [json.loads(line)["text"] for line in lines if line.strip()]
    texts = []
    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            if _UNLABELED_FILE.search(file.as_posix()):
                texts.append(_decode(file.read_bytes(), str(file)))
    else:
        try:
            with tarfile.open(path) as archive:
                for member in archive:
                    if member.isfile() and _UNLABELED_FILE.search(member.name):
                        stream = archive.extractfile(member)
                        if stream is not None:
                            texts.append(_decode(stream.read(), f"{path}:{member.name}"))
        except (tarfile.TarError, EOFError, OSError) as error:
            raise DatasetError(f"{path}: not a readable tar archive ({error})") from error
    if not texts:
        raise DatasetError(f"{path}: no unlabelled reviews (aclImdb/train/unsup/*.txt)")
    return texts
