"""The learning-rate schedule, and the callbacks training hands to model.fit."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from training.fit.config import TrainConfig
from training.fit.model import averaging_momentum, build_model
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


class _RawWeights(keras.callbacks.Callback):
    """The exponential moving average of the trained weights, kept independently of Keras
    from the raw weights after each step, and its value at each epoch's end."""

    def __init__(self, momentum: float) -> None:
        super().__init__()
        self.momentum = momentum
        self.average: list[np.ndarray] | None = None
        self.at_epoch_end: list[list[np.ndarray]] = []
        self.raw_at_epoch_end: list[list[np.ndarray]] = []

    def on_train_batch_end(self, batch: int, logs: object = None) -> None:
        raw = [np.array(weight) for weight in self.model.trainable_weights]
        if self.average is None:
            self.average = raw
        else:
            m = self.momentum
            self.average = [m * a + (1 - m) * w for a, w in zip(self.average, raw, strict=True)]
        self._raw = raw

    def on_epoch_end(self, epoch: int, logs: object = None) -> None:
        assert self.average is not None
        self.at_epoch_end.append([a.copy() for a in self.average])
        self.raw_at_epoch_end.append(self._raw)


def test_weight_averaging_validates_and_keeps_the_average_of_the_best_epoch() -> None:
    config = TINY.replace(weight_averaging=0.9, restore_best_epoch=True, epochs=3)
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 50, size=(64, 12)).astype(np.int32)
    targets = (ids[:, 0] > 25).astype(np.float32)
    model = build_model(config, steps_per_epoch=8)
    recorder = _RawWeights(averaging_momentum(config, steps_per_epoch=8))
    history = model.fit(
        ids,
        targets,
        batch_size=8,
        epochs=config.epochs,
        validation_data=(ids[:16], targets[:16]),
        shuffle=False,
        callbacks=[recorder, *fit_callbacks(config, averaged=model.optimizer.use_ema)],
        verbose=0,
    )
    best = int(np.argmin(history.history["val_loss"]))
    kept = [np.array(weight) for weight in model.trainable_weights]
    for weight, average in zip(kept, recorder.at_epoch_end[best], strict=True):
        np.testing.assert_allclose(weight, average, rtol=1e-4, atol=1e-6)
    raw = recorder.raw_at_epoch_end[best]
    assert any(not np.allclose(weight, w) for weight, w in zip(kept, raw, strict=True))
    # The validation loss is the averaged weights' own.
    assert model.evaluate(ids[:16], targets[:16], verbose=0)[0] == pytest.approx(
        history.history["val_loss"][best], rel=1e-4
    )


def test_weight_averaging_refuses_early_stopping_that_would_end_on_raw_weights() -> None:
    with pytest.raises(ValueError, match="restore_best_epoch"):
        TINY.replace(weight_averaging=0.99, early_stopping_patience=1)


def test_the_average_spans_at_most_one_epoch() -> None:
    config = TINY.replace(weight_averaging=0.999)
    assert averaging_momentum(config, steps_per_epoch=1343) == 0.999  # the IMDB default's
    assert averaging_momentum(config, steps_per_epoch=10) == 0.9  # a small data set's
    assert averaging_momentum(TINY, steps_per_epoch=1343) == 0.0


def test_one_step_an_epoch_trains_without_averaging_or_its_swap() -> None:
    """One batch an epoch leaves nothing to average: the optimizer does not, and the callbacks
    must not ask for its average (Keras refuses SwapEMAWeights without one)."""
    config = TINY.replace(weight_averaging=0.999, restore_best_epoch=True)
    model = build_model(config, steps_per_epoch=1)
    assert not model.optimizer.use_ema
    callbacks = fit_callbacks(config, averaged=model.optimizer.use_ema)
    assert not any(isinstance(c, keras.callbacks.SwapEMAWeights) for c in callbacks)
    ids = np.arange(1, 17, dtype=np.int32).reshape(2, 8) % 50
    targets = np.array([0.0, 1.0], dtype=np.float32)
    model.fit(
        ids,
        targets,
        batch_size=8,
        epochs=2,
        validation_data=(ids, targets),
        callbacks=callbacks,
        verbose=0,
    )
