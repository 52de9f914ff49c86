"""scripts/calibration_ablation.py: the served probabilities with the folded calibration undone
are the raw model's, and the ablation row compares them with the bundle as served."""

from types import ModuleType

import numpy as np
import pytest

from tests.conftest import load_script
from training.fit.data import Split


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("calibration_ablation")


def _sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logits))


def test_undoing_the_fold_gives_back_the_raw_probabilities(script: ModuleType) -> None:
    raw_logits = np.linspace(-8.0, 8.0, 41)
    calibration = {"temperature": 1.3, "shift": -0.6}
    served = _sigmoid(raw_logits / 1.3 - 0.6).astype(np.float32)  # as the bundle outputs them
    undone = script.uncalibrated(served, calibration)
    np.testing.assert_allclose(undone, _sigmoid(raw_logits), atol=1e-5)
    # The shift moved the cut: texts with a small positive raw logit are negative as served.
    assert ((served >= 0.5) != (undone >= 0.5)).any()


def test_the_figures_read_each_set_at_the_cut(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(script.out_of_domain, "OOD_FILES", {"tweets": "tweets.csv"})
    labels = np.array([0, 0, 1, 1])
    splits = {"validation": Split(["a"] * 4, labels), "tweets": Split(["b"] * 4, labels)}
    scores = {
        "validation": np.array([0.1, 0.45, 0.55, 0.9]),
        "tweets": np.array([0.2, 0.6, 0.7, 0.8]),
    }
    at_half = script.figures(scores, splits, 0.5)
    assert at_half["validation_accuracy"] == 1.0
    assert at_half["out_of_domain"]["tweets"]["accuracy"] == 0.75
    assert at_half["out_of_domain"]["mean_accuracy"] == 0.75
    assert script.figures(scores, splits, 0.65)["out_of_domain"]["tweets"]["accuracy"] == 1.0
