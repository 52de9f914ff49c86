"""Small generated data with three labels for the training tests: each row's cue words give its
label away (the words of ``tests.multiclass_bundle``), among filler words."""

from __future__ import annotations

import csv
import random
from pathlib import Path

from tests.multiclass_bundle import CUES, FILLER, LABELS
from training.cli import main

# Training flags small enough to train in seconds, big enough to learn the cue words.
TINY_TRAINING = [
    "--epochs", "8", "--vocab-size", "300", "--max-length", "24", "--embedding-dim", "16",
    "--units", "8", "--batch-size", "16", "--bigram-buckets", "97", "--learning-rate", "0.01",
    "--quiet",
]  # fmt: skip


def three_label_rows(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` (text, label) rows, the labels in turn."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        label = LABELS[index % len(LABELS)]
        words = rng.choices(FILLER, k=rng.randint(4, 10)) + rng.choices(CUES[label], k=2)
        rng.shuffle(words)
        rows.append((" ".join(words).capitalize() + ".", label))
    return rows


def write_three_label_csv(path: Path, count: int = 300, seed: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["review", "mood"])
        writer.writerows(three_label_rows(count, seed))
    return path


def tiny_mood_training(folder: Path) -> list[str]:
    """``train`` arguments for 240 rows of ``write_three_label_csv`` in ``folder`` (its review
    and mood columns), 3 tiny epochs, bundles and runs under ``folder``: add the flags under
    test. The bundle is ``folder / "models" / "moods"``."""
    data = write_three_label_csv(folder / "moods.csv", count=240)
    return [
        "train", "--data", str(data), *TINY_TRAINING, "--epochs", "3", "--text-column", "review",
        "--label-column", "mood", "--models-dir", str(folder / "models"),
        "--runs-dir", str(folder / "runs"),
    ]  # fmt: skip


def trained_moods(folder: Path, *flags: str) -> Path:
    """Train ``tiny_mood_training(folder)`` with ``flags`` added; the bundle's folder."""
    assert main([*tiny_mood_training(folder), *flags]) == 0
    return folder / "models" / "moods"
