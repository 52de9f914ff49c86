"""The trials log (``models/trials.jsonl``): one line per exported run, which every model card
lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from training.measure import out_of_domain


def record_trial(
    trials_path: Path | None, fields: dict[str, Any], metrics: dict[str, Any]
) -> list[dict[str, Any]]:
    """Append this run to the trials log (once: re-exporting a run adds no trial) and return
    every trial recorded so far."""
    trial = {
        "name": fields["name"],
        "created": fields["created"],
        "config": fields["config"],
        "epochs_run": metrics["training"]["epochs_run"],
        "best_epoch": metrics["training"]["best_epoch"],
        "train_seconds": metrics["training"]["train_seconds"],
        "validation_accuracy": metrics["validation"]["accuracy"],
        "test_accuracy": metrics["test"]["accuracy"],
        "test_roc_auc": metrics["test"].get("roc_auc"),
        "test_macro_f1": metrics["test"].get("macro_f1"),
    }
    if metrics.get("out_of_domain"):
        trial["out_of_domain"] = out_of_domain.summary(metrics["out_of_domain"])
    if trials_path is None:
        return [trial]
    trials_path.parent.mkdir(parents=True, exist_ok=True)
    recorded = read_trials(trials_path) if trials_path.is_file() else []
    same_run = ("name", "config", "epochs_run", "train_seconds")
    if not any(all(old.get(key) == trial[key] for key in same_run) for old in recorded):
        with trials_path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps(trial) + "\n")
        recorded.append(trial)
    return recorded


def read_trials(trials_path: Path) -> list[dict[str, Any]]:
    """Every trial in the log, in the order they were recorded."""
    lines = trials_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]
