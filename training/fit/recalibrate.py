"""Calibrate a finished run again, as the calibration stage (``training.fit.calibrating``) does
today: the calibration folded into its saved model is undone, the stage runs on the run's own
validation split, and the run's model, config and history are rewritten, ready to export again.

For when the stage gains something (the shift for 2.4.0, the length term after it): a run
trained before need not be trained again to get it, and ends exactly as a run trained with the
new stage would, given the same trained weights.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from app.inference.pipeline import encode
from training.fit.calibrating import calibrate
from training.fit.calibration import LogitCalibration, unfold_calibration
from training.fit.model import has_length_feature
from training.fit.run import CONFIG_FILE, HISTORY_FILE, KERAS_FILE, RunState, load_run
from training.fit.tokenizer import PAD_ID

log = logging.getLogger(__name__)


def recalibrate(run_dir: Path, data_path: Path, length_calibration: bool) -> dict[str, Any]:
    """Refit the run's calibration (with the length term if ``length_calibration``); returns the
    new calibration record."""
    trained = load_run(run_dir, data_path)
    if not trained.dataset.binary:
        raise ValueError(f"{run_dir}: calibration is for two labels only")
    if has_length_feature(trained.model):
        raise ValueError(f"{run_dir}: its model already has a length term")
    config = trained.config.replace(calibrate=True, length_calibration=length_calibration)
    old = trained.calibration or {}
    if old.get("temperature") is not None:  # runs before 2.4.0 recorded no shift
        folded = LogitCalibration(old["temperature"], old.get("shift") or 0.0)
        unfold_calibration(trained.model, folded)
    run = RunState(config, data_path, run_dir)
    run.dataset, run.validation = trained.dataset, trained.validation
    run.model, run.tokenizer = trained.model, trained.tokenizer
    run.validation_ids = encode(trained.tokenizer, trained.validation.texts, PAD_ID).input_ids
    calibrate(run)
    assert run.model is not None and run.calibration is not None
    run.model.save(run_dir / KERAS_FILE, include_optimizer=False)
    (run_dir / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    history = json.loads((run_dir / HISTORY_FILE).read_text())
    history["stages"] = {**(history.get("stages") or {}), **run.clock.seconds}
    history.update(calibration=run.calibration, threshold=run.threshold, recalibrated=True)
    (run_dir / HISTORY_FILE).write_text(json.dumps(history, indent=2) + "\n")
    log.info("%s calibrated again: %s", run_dir, run.calibration)
    return dict(run.calibration)
