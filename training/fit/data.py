"""Labelled texts from the official aclImdb layout or from a user's table, as train, validation
and test splits.

aclImdb (``aclImdb_v1.tar.gz``, unpacked or not):
``aclImdb/{train,test}/{pos,neg}/<id>_<rating>.txt``.
The official train/test split is kept; the archive is streamed, never unpacked.

A table (CSV, TSV, JSON Lines or Parquet; ``training.fit.formats``): one text per row with a text
and a label column (``--text-column``, ``--label-column``; 2 to 50 labels, named and ordered by
``training.fit.labels``) and an optional ``split`` column (``train``/``validation``/``test``).
``--validation FILE`` and ``--test FILE`` give those splits instead. Without test rows, a seeded,
stratified 20% of the unsplit rows is held out as test; without validation rows, training holds
out a seeded, stratified share of train (``validation_split``). Rows with an empty text, no
label or a label seen once are left out and reported (``training.fit.problems``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from training.fit.formats import Columns, RawRow, is_table, read_table
from training.fit.labels import BINARY_NAMES, label_index
from training.fit.problems import Problems, usable_rows
from training.fit.readers import (
    UNLABELED_FILE,
    DatasetError,
    Row,
    archive_files,
    decode,
    read_aclimdb_archive,
    read_aclimdb_tree,
)

log = logging.getLogger(__name__)

LABELS = BINARY_NAMES  # the IMDB labels
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
TEST_FRACTION_WITHOUT_SPLIT = 0.2
# Where the labelled IMDB archive sits on the project's machines: every command's --data default.
DEFAULT_DATA = Path("../shared/data/aclImdb_v1_labeled.tar.gz")
IMDB_TRIALS = Path("models/trials.jsonl")  # the IMDB default's tuning history, committed
# ... and the out-of-domain sets (training.measure.out_of_domain), never committed.
DEFAULT_OOD_DIR = Path("../shared/data/ood")


@dataclass(frozen=True)
class Split:
    texts: list[str]
    labels: np.ndarray  # int64: each text's index into its dataset's label names

    def __len__(self) -> int:
        return len(self.texts)

    def take(self, indices: np.ndarray) -> Split:
        return Split([self.texts[i] for i in indices], self.labels[indices])


@dataclass(frozen=True)
class DataOptions:
    """How to read a table: its columns, the label order, and files that give the validation
    and test splits."""

    columns: Columns = field(default_factory=Columns)
    labels: tuple[str, ...] | None = None
    validation: Path | None = None
    test: Path | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "text_column": self.columns.text,
            "label_column": self.columns.label,
            "labels": None if self.labels is None else list(self.labels),
            "validation": None if self.validation is None else str(self.validation),
            "test": None if self.test is None else str(self.test),
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> DataOptions:
        paths = {key: None if record[key] is None else Path(record[key]) for key in SPLIT_FILES}
        labels = None if record["labels"] is None else tuple(record["labels"])
        columns = Columns(record["text_column"], record["label_column"])
        return cls(columns, labels, **paths)


SPLIT_FILES = ("validation", "test")


@dataclass(frozen=True)
class Dataset:
    train: Split
    test: Split
    source: str
    sha256: str  # over the rows' split, label and text: the same for a tree and its archive
    labels: tuple[str, ...] = LABELS
    validation: Split | None = None  # rows the data marks as validation, if any
    problems: Problems = field(default_factory=Problems)

    @property
    def binary(self) -> bool:
        return len(self.labels) == 2

    def describe(self) -> dict[str, object]:
        described: dict[str, object] = {
            "source": self.source,
            "sha256": self.sha256,
            "labels": list(self.labels),
            "train": len(self.train),
            "test": len(self.test),
        }
        if self.binary:
            described["train_positive"] = int(self.train.labels.sum())
            described["test_positive"] = int(self.test.labels.sum())
        splits = {"train": self.train, "validation": self.validation, "test": self.test}
        described["class_balance"] = {
            name: class_counts(split, self.labels)
            for name, split in splits.items()
            if split is not None
        }
        described["validation_given"] = self.validation is not None
        described["left_out"] = self.problems.describe()
        return described


def class_counts(split: Split, labels: tuple[str, ...]) -> dict[str, int]:
    counts = np.bincount(split.labels, minlength=len(labels))
    return {name: int(count) for name, count in zip(labels, counts, strict=True)}


def load_dataset(path: Path, seed: int = 42, options: DataOptions | None = None) -> Dataset:
    """Read labelled texts from an aclImdb tree or archive, or from a table."""
    options = options or DataOptions()
    for given in (path, options.validation, options.test):
        if given is not None and not given.exists():
            raise DatasetError(f"{given}: no such file or directory")
    name = path.name.lower()
    if not is_table(path) and (options.validation or options.test):
        raise DatasetError(f"{path}: --validation and --test go with a table, not aclImdb")
    if path.is_dir():
        return _assemble(path, read_aclimdb_tree(path), LABELS, seed)
    if name.endswith(_ARCHIVE_SUFFIXES):
        return _assemble(path, read_aclimdb_archive(path), LABELS, seed)
    if is_table(path):
        rows, labels, problems = _table_rows(path, options)
        return _assemble(path, rows, labels, seed, problems)
    raise DatasetError(
        f"{path}: unknown format; expected an aclImdb folder or .tar.gz, or a .csv, .tsv,"
        " .jsonl or .parquet table"
    )


def _table_rows(path: Path, options: DataOptions) -> tuple[list[Row], tuple[str, ...], Problems]:
    """The table's usable rows (and those of --validation / --test) with label indices."""
    raw: list[RawRow] = read_table(path, options.columns)
    for split, extra in zip(SPLIT_FILES, (options.validation, options.test), strict=True):
        if extra is not None:
            if not is_table(extra):
                raise DatasetError(f"{extra}: expected a .csv, .tsv, .jsonl or .parquet table")
            raw += read_table(extra, options.columns, split=split)
    kept, problems = usable_rows(raw)
    if not kept:
        raise DatasetError(f"{path}: no usable rows")
    labels, index = label_index((row.label for row in kept if row.label), options.labels)
    unknown = [row for row in kept if row.label not in index]
    if unknown:
        lines = ", ".join(f"{row.where} ({row.label!r})" for row in unknown[:5])
        raise DatasetError(f"{len(unknown)} row(s) with a label not in --labels: {lines}")
    rows = [(row.split, index[str(row.label)], row.text, row.where) for row in kept]
    return rows, labels, problems


def _assemble(
    path: Path,
    rows: list[Row],
    labels: tuple[str, ...],
    seed: int,
    problems: Problems | None = None,
) -> Dataset:
    if not rows:
        raise DatasetError(f"{path}: no reviews found")
    digest = hashlib.sha256()
    for split, label, text, _where in sorted(rows, key=lambda r: (r[0] or "", r[1], r[2])):
        digest.update(f"{split}\t{label}\t".encode())
        digest.update(text.encode("utf-8"))
        digest.update(b"\0")
    split_of = _splits_of(path, rows, seed)
    splits: dict[str, Split] = {}
    for name in ("train", "validation", "test"):
        members = [row for row, split in zip(rows, split_of, strict=True) if split == name]
        if not members and name == "validation":
            continue
        split_labels = np.array([row[1] for row in members], dtype=np.int64)
        for value, label_name in enumerate(labels):
            if not np.any(split_labels == value):
                raise DatasetError(f"{path}: the {name} split has no {label_name} rows")
        splits[name] = Split([row[2] for row in members], split_labels)
    return Dataset(
        splits["train"],
        splits["test"],
        source=path.name,
        sha256=digest.hexdigest(),
        labels=labels,
        validation=splits.get("validation"),
        problems=problems or Problems(),
    )


def _splits_of(path: Path, rows: list[Row], seed: int) -> list[str]:
    """Each row's split: as the data says; rows without one are train, but for a seeded,
    stratified share held out as test when no row is a test row."""
    split_of = [row[0] or "train" for row in rows]
    unsplit = np.array([i for i, row in enumerate(rows) if row[0] is None], dtype=np.int64)
    if len(unsplit) and "test" not in {row[0] for row in rows}:
        labels = np.array([rows[i][1] for i in unsplit], dtype=np.int64)
        held_out = stratified_pick(labels, TEST_FRACTION_WITHOUT_SPLIT, seed)
        for index in unsplit[held_out]:
            split_of[index] = "test"
        log.info(
            "%s: %d rows without a split; held out a seeded, stratified %d%% as test",
            path,
            len(unsplit),
            round(100 * TEST_FRACTION_WITHOUT_SPLIT),
        )
    return split_of


def stratified_pick(
    labels: np.ndarray, fraction: float, seed: int | np.random.Generator
) -> np.ndarray:
    """Sorted indices of a seeded ``fraction`` of each label's rows (at least one of each)."""
    rng = np.random.default_rng(seed)
    picked = []
    for value in np.unique(labels):
        members = np.flatnonzero(labels == value)
        count = max(1, round(len(members) * fraction))
        picked.append(rng.choice(members, size=count, replace=False))
    return np.sort(np.concatenate(picked))


def validation_split(train: Split, fraction: float, seed: int) -> tuple[Split, Split]:
    """A seeded, stratified hold-out of the training split (Keras' validation_split would take
    the last rows unshuffled, which on aclImdb in folder order is a single class)."""
    rng = np.random.default_rng(seed)
    held_out = stratified_pick(train.labels, fraction, rng)
    mask = np.ones(len(train), dtype=bool)
    mask[held_out] = False
    kept = rng.permutation(np.flatnonzero(mask))
    return train.take(kept), train.take(rng.permutation(held_out))


def fit_and_validation(dataset: Dataset, fraction: float, seed: int) -> tuple[Split, Split]:
    """The rows the network fits and those it is validated on: the data's validation rows when
    it has them, else a seeded, stratified ``fraction`` of train."""
    if dataset.validation is not None:
        return dataset.train, dataset.validation
    return validation_split(dataset.train, fraction, seed)


def load_unlabeled_texts(path: Path) -> list[str]:
    """Reviews without labels, to pretrain embeddings: aclImdb's ``train/unsup/`` (folder or
    archive), or the ``text`` column of a CSV / JSONL file. Never the test reviews."""
    if not path.exists():
        raise DatasetError(f"{path}: no such file or directory")
    name = path.name.lower()
    if name.endswith(".csv"):
        rows = csv.DictReader(io.StringIO(decode(path.read_bytes(), str(path)), newline=""))
        return [row["text"] for row in rows if row.get("text")]
    if name.endswith((".jsonl", ".ndjson")):
        lines = decode(path.read_bytes(), str(path)).splitlines()
        return [json.loads(line)["text"] for line in lines if line.strip()]
    texts = []
    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            if UNLABELED_FILE.search(file.as_posix()):
                texts.append(decode(file.read_bytes(), str(file)))
    else:
        for name, raw in archive_files(path, UNLABELED_FILE):
            texts.append(decode(raw, f"{path}:{name}"))
    if not texts:
        raise DatasetError(f"{path}: no unlabelled reviews (aclImdb/train/unsup/*.txt)")
    return texts
