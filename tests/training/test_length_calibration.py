"""The calibration's length term: fitted where short texts are displaced and long ones are not,
folded into the network as a log-length input, kept through saving and the ONNX export."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import onnxruntime as ort
import pytest

from training.fit.calibrating import with_length_term
from training.fit.calibration import fit_length_shift, logits_of
from training.fit.config import TrainConfig
from training.fit.model import INPUT_NAME, build_model, has_length_feature
from training.ship.export import to_onnx


def _scored(rng: np.random.Generator, n: int, tokens: int, displaced_by: float) -> tuple:
    z = rng.normal(0.0, 2.0, size=n)
    labels = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.int64)
    return 1 / (1 + np.exp(-(z + displaced_by))), np.full(n, tokens), labels


def test_the_term_undoes_a_displacement_of_short_texts_only() -> None:
    """Reviews of 200 tokens calibrated; crops of 10 tokens read 0.5 logit too negative: the
    term must add about 0.5 at 10 tokens and nothing at the reviews' length."""
    rng = np.random.default_rng(0)
    reviews = _scored(rng, 20_000, 200, 0.0)
    crops = _scored(rng, 20_000, 10, -0.5)
    slope, centre = fit_length_shift(reviews, crops)
    assert centre == pytest.approx(np.log(200))
    assert slope * (np.log(10) - centre) == pytest.approx(0.5, abs=0.08)
    unmoved, _ = fit_length_shift(reviews, _scored(rng, 20_000, 10, 0.0))
    assert abs(unmoved) < 0.03


CONFIG = TrainConfig(
    vocab_size=40,
    embedding_dim=4,
    units=3,
    bidirectional=True,
    pooling="mean_max",
    bigram_buckets=11,
    calibrate=True,
    length_calibration=True,
)


def _random_model() -> keras.Model:
    keras.utils.set_random_seed(1)
    model = build_model(CONFIG)
    rng = np.random.default_rng(1)
    for layer in model.layers:
        weights = layer.get_weights()
        layer.set_weights([w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in weights])
    return model


def test_folded_term_adds_slope_times_log_length_and_survives_save_and_export(
    tmp_path: Path,
) -> None:
    ids = np.random.default_rng(2).integers(2, 40, size=(5, 12))
    ids[1, 3:] = 0
    ids[2, 1:] = 0
    ids[3, :] = 0  # no tokens: log(1) = 0
    model = _random_model()
    rebuilt = with_length_term(model, CONFIG, 0.3, 2.0)
    assert has_length_feature(rebuilt) and not has_length_feature(model)
    tokens = np.maximum((ids != 0).sum(axis=1), 1)
    gained = logits_of(rebuilt.predict(ids, verbose=0)) - logits_of(model.predict(ids, verbose=0))
    np.testing.assert_allclose(gained.reshape(-1), 0.3 * (np.log(tokens) - 2.0), atol=1e-4)

    rebuilt.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras")
    assert has_length_feature(loaded)
    expected = rebuilt.predict(ids, verbose=0)
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), expected, atol=1e-6)

    proto, layer = to_onnx(loaded, CONFIG, pad_id=0)
    assert layer.onnx_op == "LSTM" and layer.uses_sequence_lens
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, {INPUT_NAME: ids.astype(np.int64)})
    np.testing.assert_allclose(exported, expected, atol=1e-5)
    # padding never changes a row's score
    (wider,) = session.run(None, {INPUT_NAME: np.pad(ids, ((0, 0), (0, 7))).astype(np.int64)})
    np.testing.assert_allclose(wider, exported, atol=1e-6)


def test_length_calibration_needs_calibration_and_mean_max_pooling() -> None:
    with pytest.raises(ValueError, match="length_calibration"):
        TrainConfig(length_calibration=True, calibrate=False, pooling="mean_max")
    with pytest.raises(ValueError, match="length_calibration"):
        TrainConfig(length_calibration=True, calibrate=True, pooling="mean")
