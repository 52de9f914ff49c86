"""Temperature scaling, ECE and the validation-chosen threshold."""

from __future__ import annotations

import keras
import numpy as np

from training.fit.calibration import (
    choose_threshold,
    expected_calibration_error,
    fit_temperature,
    fold_temperature,
    logits_of,
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
    temperature = fit_temperature(scores, labels)
    assert 2.7 < temperature < 3.3
    calibrated = 1 / (1 + np.exp(-logits_of(scores) / temperature))
    assert expected_calibration_error(labels, calibrated) < 0.01
    assert expected_calibration_error(labels, scores) > 0.05


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


def test_folding_the_temperature_scales_the_logit() -> None:
    config = TrainConfig(vocab_size=50, max_length=10, embedding_dim=4, units=3)
    model = build_model(config)
    ids = np.array([[5, 6, 7, 0], [9, 3, 0, 0]])
    before = model.predict(ids, verbose=0).reshape(-1)
    fold_temperature(model, 2.0)
    after = model.predict(ids, verbose=0).reshape(-1)
    np.testing.assert_allclose(logits_of(after), logits_of(before) / 2.0, atol=1e-4)
    assert isinstance(model, keras.Model)
