"""The ablation row of a binary bundle's calibration, measured on the bundle without training.

    .venv/bin/python scripts/calibration_ablation.py [--bundle models/imdb-sentiment]
        [--data ../shared/data/aclImdb_v1_labeled.tar.gz] [--trials models/trials.jsonl]

Training folds the calibration into the output layer: the served probability is
sigmoid(raw logit / T + shift), with T and the shift fitted on IMDB validation and recorded in
the manifest (``metrics.calibration``), so the uncalibrated probability is
sigmoid((logit(p) - shift) * T). This scores the bundle once through onnxruntime on its own
validation split (the training split's seeded hold-out, as training drew it) and on the
``ood/`` sets, reads the figures of both probabilities (at the threshold 0.5, which
calibration chose) from the same scores, prints them, and with ``--trials`` appends the trial
(validation figures only) with its ablation row: calibration left out, against the bundle as
served.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))

from app.inference.pipeline import SentimentClassifier  # noqa: E402
from training.fit.calibration import logits_of  # noqa: E402
from training.fit.data import (  # noqa: E402
    DEFAULT_DATA,
    DEFAULT_OOD_DIR,
    Split,
    load_dataset,
    validation_split,
)
from training.measure import out_of_domain  # noqa: E402


def uncalibrated(scores: np.ndarray, calibration: dict[str, Any]) -> np.ndarray:
    """The probabilities before the folded calibration (float64; ``logits_of`` clips the
    served scores away from 0 and 1 first, so their logits are finite)."""
    logits = (logits_of(scores) - calibration.get("shift", 0.0)) * calibration["temperature"]
    return 1.0 / (1.0 + np.exp(-logits))


def figures(
    scores: dict[str, np.ndarray], splits: dict[str, Split], threshold: float
) -> dict[str, Any]:
    """IMDB validation accuracy and the out-of-domain summary with the cut at ``threshold``."""
    validation = splits["validation"]
    sets = {name: split for name, split in splits.items() if name != "validation"}
    return {
        "validation_accuracy": round(
            float(np.mean((scores["validation"] >= threshold) == validation.labels)), 4
        ),
        "out_of_domain": out_of_domain.summary(
            out_of_domain.evaluate_scores(scores, sets, threshold)
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=REPOSITORY / "models" / "imdb-sentiment")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--ood-dir", type=Path, default=DEFAULT_OOD_DIR)
    parser.add_argument("--trials", type=Path, help="append the trial to this log")
    args = parser.parse_args()

    classifier = SentimentClassifier.from_bundle(args.bundle, intra_op_threads=2)
    manifest = classifier.manifest
    config = manifest.config
    seed = config.get("seed", 42)
    dataset = load_dataset(args.data, seed=seed)
    _, validation = validation_split(dataset.train, config.get("validation_fraction", 0.1), seed)
    splits = {"validation": validation, **out_of_domain.load_binary_sets(args.ood_dir)}
    score = out_of_domain.classifier_scorer(classifier)
    scores = {name: score(split.texts) for name, split in splits.items()}
    calibration = manifest.metrics["calibration"]
    served = figures(scores, splits, manifest.threshold)
    raw_scores = {name: uncalibrated(values, calibration) for name, values in scores.items()}
    raw = figures(raw_scores, splits, 0.5)
    for name, result in (("as served", served), ("calibration left out", raw)):
        print(f"{name}: {json.dumps(result)}")  # noqa: T201 - the script's output
    if args.trials is None:
        return 0
    trial = {
        "name": f"{manifest.name}-{manifest.version}-uncalibrated",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"preset": config.get("preset"), **config, "calibrate": False},
        **raw,
        "note": "measured on the bundle, validation only: its onnxruntime scores with the folded"
        " calibration undone, sigmoid((logit(p) - shift) * T), cut at 0.5"
        " (scripts/calibration_ablation.py)",
        "ablation": {
            "technique": f"calibration (temperature {calibration['temperature']:.3f} and shift"
            f" {calibration['shift']:.3f} fitted on IMDB validation)",
            "against": f"the {manifest.version} bundle as served ({manifest.name})",
            "left_out": True,
            "kept": True,
            "baseline_validation_accuracy": served["validation_accuracy"],
            "baseline_out_of_domain_mean": served["out_of_domain"]["mean_accuracy"],
        },
    }
    with args.trials.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(trial) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
