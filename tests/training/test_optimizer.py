"""The learning-rate schedule, and the callbacks training hands to model.fit."""

from __future__ import annotations

import keras
import pytest

from training.fit.config import TrainConfig
from training.fit.model import build_model
from training.fit.train import fit_callbacks

TINY = TrainConfig(vocab_size=50, max_length=12, embedding_dim=4, units=3, epochs=2, seed=3)


def test_cosine_schedule_starts_at_the_rate_and_reaches_zero_after_the_last_epoch() -> None:
    config = TINY.replace(learning_rate_schedule="cosine", learning_rate=2e-3, epochs=3)
    optimizer = build_model(config, steps_per_epoch=10).optimizer
    rates = []
    for step in (0, 15, 30):  # the start, half way, the end of the third epoch
        optimizer.iterations.assign(step)
        rates.append(float(optimizer.learning_rate))
    assert rates == pytest.approx([2e-3, 1e-3, 0.0], abs=1e-9)


def test_constant_schedule_keeps_the_rate() -> None:
    optimizer = build_model(TINY, steps_per_epoch=10).optimizer
    assert float(optimizer.learning_rate) == pytest.approx(TINY.learning_rate)


def test_callbacks_stop_early_and_keep_the_best_epoch_only_when_asked() -> None:
    assert fit_callbacks(TINY) == []
    (stopping,) = fit_callbacks(TINY.replace(restore_best_epoch=True))
    assert isinstance(stopping, keras.callbacks.EarlyStopping)
    assert stopping.restore_best_weights and stopping.patience == TINY.epochs
    (stopping,) = fit_callbacks(TINY.replace(early_stopping_patience=1))
    assert not stopping.restore_best_weights and stopping.patience == 1
