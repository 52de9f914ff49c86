"""The reader on the real IMDB archive, when it is present (it is never committed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from training.fit.data import load_dataset

ARCHIVE = Path(
    os.environ.get(
        "IMDB_ARCHIVE",
        Path(__file__).resolve().parents[2].parent
        / "shared"
        / "data"
        / "aclImdb_v1_labeled.tar.gz",
    )
)

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(
        not ARCHIVE.is_file(),
        reason=f"IMDB archive not found at {ARCHIVE} (set IMDB_ARCHIVE to its path to run this)",
    ),
]


def test_official_split_of_the_real_archive() -> None:
    dataset = load_dataset(ARCHIVE)
    assert len(dataset.train) == 25_000 and len(dataset.test) == 25_000
    assert dataset.train.labels.sum() == 12_500 and dataset.test.labels.sum() == 12_500
    assert sum("<br />" in text for text in dataset.train.texts) > 10_000
