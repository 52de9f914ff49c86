"""Word dropout: training batches lose words to the unknown id, at the asked rate, seeded, and
never at padding; without it the batches are the rows themselves."""

from __future__ import annotations

import numpy as np

from training.fit.batches import drop_words, length_bucketed_batches
from training.fit.tokenizer import PAD_ID, UNK_ID


def _rows(count: int = 400, width: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, width + 1, size=count)
    ids = rng.integers(UNK_ID + 1, 5_000, size=(count, width))
    ids[np.arange(width)[None, :] >= lengths[:, None]] = PAD_ID
    return ids, lengths


def test_drop_words_replaces_about_the_rate_of_real_tokens_and_never_padding() -> None:
    ids, _ = _rows()
    dropped = drop_words(ids, 0.25, np.random.default_rng(1))
    real = ids != PAD_ID
    assert np.array_equal(dropped == PAD_ID, ~real)
    changed = dropped != ids
    assert np.all(dropped[changed] == UNK_ID)
    assert 0.22 < changed.sum() / real.sum() < 0.28
    assert np.array_equal(dropped, drop_words(ids, 0.25, np.random.default_rng(1)))


def test_no_word_dropout_leaves_the_ids_as_they_are() -> None:
    ids, _ = _rows()
    assert drop_words(ids, 0.0, np.random.default_rng(1)) is ids


def _epoch_ids(rate: float, seed: int = 3) -> list[np.ndarray]:
    ids, lengths = _rows()
    labels = np.zeros(len(ids), dtype=np.float32)
    batches = length_bucketed_batches(ids, labels, lengths, 16, seed, word_dropout=rate)
    return [np.asarray(batch_ids) for batch_ids, _ in batches.as_numpy_iterator()]


def test_batches_carry_the_word_dropout_seeded_and_keep_every_row() -> None:
    plain, dropped = _epoch_ids(0.0), _epoch_ids(0.3)
    assert [b.shape for b in plain] == [b.shape for b in dropped]  # same rows, same order
    for before, after in zip(plain, dropped, strict=True):
        assert np.array_equal(before == PAD_ID, after == PAD_ID)
        assert np.all((after == before) | (after == UNK_ID))
    unknown = sum(
        int(((b == UNK_ID) & (a != UNK_ID)).sum()) for a, b in zip(plain, dropped, strict=True)
    )
    real = sum(int((a != PAD_ID).sum()) for a in plain)
    assert 0.25 < unknown / real < 0.35
    again = _epoch_ids(0.3)
    assert all(np.array_equal(a, b) for a, b in zip(dropped, again, strict=True))
