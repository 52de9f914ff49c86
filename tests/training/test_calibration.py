"""Temperature and shift of the logit (Platt scaling), ECE and the validation-chosen threshold."""

from __future__ import annotations

import keras
import numpy as np

from training.fit.calibration import (
    LogitCalibration,
    choose_threshold,
    expected_calibration_error,
    fit_calibration,
    fold_calibration,
    logits_of,
    unfold_calibration,
)
from training.fit.config import TrainConfig
from training.fit.model import build_model


def _overconfident(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from sigmoid(z), scores sigmoid(3 z): right ranking, three times too sure."""
    z = rng.normal(0.0, 1.5, size=n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    return 1 / (1 + np.exp(-3 * z)), labels


def test_temperature_undoes_overconfidence() -> None:
    scores, labels = _overconfident(np.random.default_rng(0), 20_000)
    fitted = fit_calibration(scores, labels)
    assert 2.7 < fitted.temperature < 3.3
    assert abs(fitted.shift) < 0.1  # nothing to move: the scores are centred
    calibrated = 1 / (1 + np.exp(-(logits_of(scores) / fitted.temperature + fitted.shift)))
    # 0.01 is about the sampling noise of 15 bins over 20,000 scores
    assert expected_calibration_error(labels, calibrated) < 0.015
    assert expected_calibration_error(labels, scores) > 0.05


def test_shift_undoes_a_displaced_score() -> None:
    """Scores that claim sigmoid(z + 0.6) when the truth is sigmoid(z), as a network that came
    out of training leaning positive: no temperature fixes that, the shift does."""
    rng = np.random.default_rng(2)
    z = rng.normal(0.0, 2.0, size=20_000)
    labels = (rng.random(20_000) < 1 / (1 + np.exp(-z))).astype(np.int64)
    scores = 1 / (1 + np.exp(-(z + 0.6)))
    fitted = fit_calibration(scores, labels)
    assert 0.9 < fitted.temperature < 1.1
    assert -0.7 < fitted.shift < -0.5
    calibrated = 1 / (1 + np.exp(-(logits_of(scores) / fitted.temperature + fitted.shift)))
    assert expected_calibration_error(labels, scores) > 0.05
    assert expected_calibration_error(labels, calibrated) < 0.015


def test_ece_of_a_perfect_and_a_wrong_model() -> None:
    labels = np.array([0, 1] * 500)
    assert expected_calibration_error(labels, np.full(1000, 0.5)) == 0.0
    assert expected_calibration_error(labels, labels.astype(float)) == 0.0
    assert abs(expected_calibration_error(labels, 1.0 - labels) - 1.0) < 1e-9


def test_threshold_stays_at_half_without_evidence_and_moves_with_it() -> None:
    rng = np.random.default_rng(1)
    scores, labels = _overconfident(rng, 2_500)
    assert choose_threshold(labels, scores) == 0.5
    # Scores that claim sigmoid(z) when the truth is sigmoid(z - 2): the best cut moves up to
    # sigmoid(2) = 0.88, and the plateau rule must follow it well away from 0.5.
    z = rng.normal(0.0, 2.0, size=2_500)
    truth = (rng.random(2_500) < 1 / (1 + np.exp(-(z - 2)))).astype(np.int64)
    assert choose_threshold(truth, 1 / (1 + np.exp(-z))) > 0.65


def test_folding_the_calibration_scales_and_moves_the_logit() -> None:
    config = TrainConfig(vocab_size=50, max_length=10, embedding_dim=4, units=3)
    model = build_model(config)
    ids = np.array([[5, 6, 7, 0], [9, 3, 0, 0]])
    before = model.predict(ids, verbose=0).reshape(-1)
    fold_calibration(model, LogitCalibration(temperature=2.0, shift=-0.3))
    after = model.predict(ids, verbose=0).reshape(-1)
    np.testing.assert_allclose(logits_of(after), logits_of(before) / 2.0 - 0.3, atol=1e-4)
    assert isinstance(model, keras.Model)
    unfold_calibration(model, LogitCalibration(temperature=2.0, shift=-0.3))
    np.testing.assert_allclose(model.predict(ids, verbose=0).reshape(-1), before, atol=1e-6)
