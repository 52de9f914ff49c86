"""--class-weight balanced: rare labels weigh more in the loss; the batches carry the weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.fit.batches import length_bucketed_batches
from training.fit.config import TrainConfig
from training.fit.data import Dataset, Split
from training.fit.learn import _row_weights
from training.fit.run import RunState


def _run(class_weight: str, labels: list[int], extra_rows: int) -> RunState:
    split = Split([f"text {i}" for i in range(len(labels))], np.array(labels, dtype=np.int64))
    run = RunState(TrainConfig(class_weight=class_weight), Path("data.csv"), Path("run"))  # type: ignore[arg-type]
    run.dataset = Dataset(split, split, "data.csv", "0", labels=("a", "b", "c"))
    run.fit_split = split
    rows = len(labels) + extra_rows
    run.rows = (np.ones((rows, 3), np.int64), np.full(rows, 3), np.zeros(rows, np.float32))
    return run


def test_balanced_weights_make_each_label_count_alike() -> None:
    weights = _run("balanced", [0] * 6 + [1] * 3 + [2] * 1, extra_rows=2)
    found = _row_weights(weights)
    assert found is not None
    labelled = found[:10]
    # rows / (labels x rows of the label): 10/18, 10/9, 10/3; each label's total is 10/3
    np.testing.assert_allclose(labelled[[0, 6, 9]], [10 / 18, 10 / 9, 10 / 3], rtol=1e-6)
    np.testing.assert_allclose(found[10:], 1.0)  # added rows weigh 1
    assert _row_weights(_run("none", [0, 1, 2], extra_rows=0)) is None


def test_batches_carry_the_weights() -> None:
    ids = np.arange(1, 9, dtype=np.int64).reshape(4, 2)
    weights = np.array([0.5, 1.0, 2.0, 4.0], dtype=np.float32)
    batches = length_bucketed_batches(
        ids, np.array([0, 1, 2, 0]), np.full(4, 2), 4, seed=0, weights=weights
    )
    ((x, _y, w),) = list(batches.as_numpy_iterator())
    order = [int(np.flatnonzero((ids == row).all(axis=1))[0]) for row in x]
    np.testing.assert_array_equal(w, weights[order])
