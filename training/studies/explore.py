"""An exploration run: train a configuration and measure it on validation only.

Model choices are made here, on the IMDB validation split and the out-of-domain sets; the test
split is not read beyond loading it. The trial goes to the trials log with all four validation
figures (IMDB validation accuracy and loss, and accuracy on each ``ood/`` set) and a note, so the
model card lists it and, when it names a technique, the ablation table compares it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import keras
import numpy as np

from app.inference.pipeline import encode
from training.fit.config import TrainConfig
from training.fit.tokenizer import PAD_ID
from training.fit.train import TrainedRun, train
from training.measure import out_of_domain
from training.ship.trials import read_trials

log = logging.getLogger(__name__)


def keras_scorer(run: TrainedRun) -> out_of_domain.Scorer:
    """Positive probabilities from the trained Keras model, on the serving tokenizer's ids."""

    def score(texts: Sequence[str]) -> np.ndarray:
        batch = encode(run.tokenizer, list(texts), PAD_ID)
        return run.model.predict(batch.input_ids, batch_size=256, verbose=0).reshape(-1)

    return score


def validation_figures(run: TrainedRun, ood_dir: Path) -> dict[str, Any]:
    score = keras_scorer(run)
    validation = score(run.validation.texts)
    labels = run.validation.labels
    loss = float(
        keras.losses.binary_crossentropy(labels.astype(np.float32), validation).numpy().mean()
    )
    figures: dict[str, Any] = {
        "validation_accuracy": float(np.mean((validation >= run.threshold) == labels)),
        "validation_loss": loss,
    }
    if out_of_domain.available(ood_dir):
        ood = out_of_domain.evaluate(score, out_of_domain.load_binary_sets(ood_dir), run.threshold)
        figures["out_of_domain"] = out_of_domain.summary(ood)
    return figures


def ablation_row(
    technique: str, against: str, *, kept: bool, trials: Path, against_trial: str | None
) -> dict[str, Any]:
    """The ablation table's record of a run that leaves ``technique`` out of ``against``; with
    ``against_trial``, the latest trial of that name in ``trials`` gives the baseline figures
    (its IMDB validation accuracy and out-of-domain mean), so the row compares them."""
    row: dict[str, Any] = {"technique": technique, "against": against, "left_out": True}
    row["kept"] = kept
    if against_trial is None:
        return row
    logged = read_trials(trials) if trials.exists() else []
    named = [trial for trial in logged if trial.get("name") == against_trial]
    if not named:
        raise ValueError(f"--against-trial {against_trial!r}: no trial of that name in {trials}")
    baseline = named[-1]
    row["baseline_validation_accuracy"] = baseline["validation_accuracy"]
    ood_mean = (baseline.get("out_of_domain") or {}).get("mean_accuracy")
    if ood_mean is not None:
        row["baseline_out_of_domain_mean"] = ood_mean
    return row


def explore(
    config: TrainConfig,
    data: Path,
    run_dir: Path,
    *,
    unlabeled: Path | None,
    ood_dir: Path,
    trials: Path,
    note: str,
    preset: str | None = None,
    ablation: dict[str, Any] | None = None,
    verbose: int = 2,
) -> dict[str, Any]:
    run = train(config, data, run_dir, verbose=verbose, unlabeled_path=unlabeled)
    trial: dict[str, Any] = {
        "name": run_dir.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "config": {"preset": preset, **run.config.to_dict()},
        "epochs_run": len(run.history["loss"]),
        "best_epoch": run.best_epoch,
        "train_seconds": round(run.train_seconds, 1),
        **validation_figures(run, ood_dir),
        "note": f"exploration, validation only: {note}",
    }
    if ablation:
        trial["ablation"] = ablation
    trials.parent.mkdir(parents=True, exist_ok=True)
    with trials.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(trial) + "\n")
    log.info("trial: %s", json.dumps(trial))
    return trial
