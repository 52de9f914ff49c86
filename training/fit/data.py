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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.fit.readers import (
    UNLABELED_FILE,
    DatasetError,
    Row,
    archive_files,
    decode,
    read_aclimdb_archive,
    read_aclimdb_tree,
    read_csv,
    read_jsonl,
)

log = logging.getLogger(__name__)

LABELS = ("negative", "positive")
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz", ".tar")
TEST_FRACTION_WITHOUT_SPLIT = 0.2
# Where the labelled IMDB archive sits on the project's machines: every command's --data default.
DEFAULT_DATA = Path("../shared/data/aclImdb_v1_labeled.tar.gz")
# ... and the out-of-domain sets (training.measure.out_of_domain), never committed.
DEFAULT_OOD_DIR = Path("../shared/data/ood")


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
        rows = read_aclimdb_tree(path)
    elif name.endswith(_ARCHIVE_SUFFIXES):
        rows = read_aclimdb_archive(path)
    elif name.endswith(".csv"):
        rows = read_csv(path)
    elif name.endswith((".jsonl", ".ndjson")):
        rows = read_jsonl(path)
    else:
        raise DatasetError(
            f"{path}: unknown format; expected an aclImdb folder, a .tar.gz, a .csv or a .jsonl"
        )
    return _assemble(path, rows, seed)


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
