"""``--ensemble N``: N networks trained with different seeds, merged into one network N times as
wide whose output is exactly their mean logit, exported as one fused LSTM like any other."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import onnx
import pytest

from app.inference.bundle import read_manifest
from tests.training.three_labels import tiny_mood_training, trained_moods
from training.cli import main
from training.fit.config import TrainConfig
from training.fit.ensemble import merge
from training.fit.model import build_model
from training.fit.transfer import SourceBundle

SHAPES = [
    {},
    {"pooling": "mean"},
    {"bidirectional": True, "pooling": "mean_max", "bigram_buckets": 13},
]


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("shape", SHAPES, ids=["last", "mean", "bi-mean-max-pairs"])
def test_the_merged_network_gives_the_members_mean_logit(
    classes: int, shape: dict[str, object]
) -> None:
    rng = np.random.default_rng(0)
    ids = rng.integers(2, 50, size=(6, 9))
    ids[2, 4:] = 0  # padded rows: the merged network must ignore padding as the members do
    ids[5, 1:] = 0
    config = TrainConfig(vocab_size=50, embedding_dim=4, units=3, **shape)  # type: ignore[arg-type]
    members = []
    for seed in range(3):
        keras.utils.set_random_seed(seed)
        member = build_model(config, classes=classes)
        for layer in member.layers:  # weights far from their start, biases included
            weights = layer.get_weights()
            shifted = [w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in weights]
            layer.set_weights(shifted)
        members.append(member)
    merged = merge(members, config)
    outputs = [member.predict(ids, verbose=0) for member in members]
    if classes == 2:
        mean = np.mean([np.log(p / (1 - p)) for p in outputs], axis=0)
        expected = 1 / (1 + np.exp(-mean))
    else:
        mean = np.mean([np.log(p) for p in outputs], axis=0)
        expected = np.exp(mean) / np.exp(mean).sum(axis=-1, keepdims=True)
    np.testing.assert_allclose(merged.predict(ids, verbose=0), expected, atol=1e-6)
    assert merged.get_layer("embedding").get_weights()[0].shape == (50, 12)


def test_only_lstm_members_are_merged() -> None:
    with pytest.raises(ValueError, match="cell must be lstm"):
        TrainConfig(cell="gru", ensemble=2)
    with pytest.raises(ValueError, match="ensemble must be >= 1"):
        TrainConfig(ensemble=0)


@pytest.mark.slow
def test_an_ensemble_trains_exports_and_starts_another_run(tmp_path: Path) -> None:
    bundle = trained_moods(tmp_path, "--ensemble", "2")
    manifest = read_manifest(bundle)
    assert manifest.config["ensemble"] == 2 and manifest.config["units"] == 8
    (lstm,) = [n for n in onnx.load(bundle / "model.onnx").graph.node if n.op_type == "LSTM"]
    assert {a.name: a.i for a in lstm.attribute}["hidden_size"] == 16
    assert manifest.metrics["export_parity"]["keras_onnx_max_abs_diff"] <= 1e-5
    assert manifest.metrics["test"]["accuracy"] > 0.8
    assert "2 x 8 units: 2 networks" in (bundle / "report" / "model_card.md").read_text()
    source = SourceBundle.read(bundle)
    assert (source.config["units"], source.config["embedding_dim"]) == (16, 32)
    again = [
        "--init-from",
        str(bundle),
        "--name",
        "again",
        "--units",
        "16",
        "--embedding-dim",
        "32",
    ]
    assert main([*tiny_mood_training(tmp_path), *again]) == 0
    assert read_manifest(tmp_path / "models" / "again").dataset["started_from"]["bundle"] == "moods"
