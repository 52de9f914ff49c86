"""What a training run is: the state its stages hand each other while it runs (``RunState``), and
what it leaves behind (``TrainedRun``, read back by ``load_run`` to export it again).

A run directory (``runs/<name>/``) holds ``tokenizer.json``, ``model.keras``, ``history.json``,
``config.json``, ``data.json`` and the model summary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
from tokenizers import Tokenizer

from training.fit.config import TrainConfig
from training.fit.data import DataOptions, Dataset, Split, fit_and_validation, load_dataset
from training.fit.stopwatch import Stopwatch
from training.fit.subwords import Subwords

TOKENIZER_FILE = "tokenizer.json"
KERAS_FILE = "model.keras"
HISTORY_FILE = "history.json"
CONFIG_FILE = "config.json"
DATA_OPTIONS_FILE = "data.json"  # how the data was read (columns, labels, split files)
SUMMARY_FILE = "model_summary.txt"

# The training rows: post-padded token ids, lengths, and targets (labels or soft labels).
Rows = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True)
class TrainedRun:
    run_dir: Path
    config: TrainConfig
    model: keras.Model
    tokenizer: Tokenizer
    dataset: Dataset
    validation: Split
    history: dict[str, list[float]]
    best_epoch: int
    train_seconds: float
    unlabeled: dict[str, object] | None = None  # what pretrained the embeddings, if anything
    distillation: dict[str, object] | None = None  # the teacher and what it labelled, if any
    calibration: dict[str, Any] | None = None  # temperature, shift, ECE on validation, if any
    threshold: float = 0.5  # the positive label's cut, chosen on validation when calibrated
    stages: dict[str, float] | None = None  # wall seconds of each stage so far
    short_texts: dict[str, int] | None = None  # rows of each kind of short text added, if any
    quantization: dict[str, object] | None = None  # int8 embeddings' effect on validation
    started_from: dict[str, object] | None = None  # the bundle whose encoder started it, if any
    language_model: dict[str, object] | None = None  # the recurrent layer's pretraining, if any


@dataclass
class RunState:
    """Filled in stage by stage (``training.fit.train.STAGES``); each stage reads what the stages
    before it wrote. The arguments first, then what the stages add, in the order they add it."""

    config: TrainConfig
    data_path: Path
    run_dir: Path
    verbose: int = 1
    unlabeled_path: Path | None = None
    data_options: DataOptions = field(default_factory=DataOptions)
    clock: Stopwatch = field(default_factory=Stopwatch)
    dataset: Dataset | None = None
    fit_split: Split | None = None
    validation: Split | None = None
    extra: list[str] = field(default_factory=list)  # unlabelled reviews, if any stage needs them
    tokenizer: Tokenizer | None = None
    validation_ids: np.ndarray | None = None
    rows: Rows | None = None
    distillation: dict[str, object] | None = None
    teacher: Any = None  # the fitted n-gram teacher (a scikit-learn pipeline), if one was
    short_texts: dict[str, int] = field(default_factory=dict)
    subwords: Subwords | None = None  # the vocabulary's n-grams, if trained with subwords
    model: keras.Model | None = None
    unlabeled: dict[str, object] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int = 0
    train_seconds: float = 0.0
    quantization: dict[str, object] | None = None
    calibration: dict[str, Any] | None = None
    started_from: dict[str, object] | None = None
    language_model: dict[str, object] | None = None  # the recurrent layer's pretraining, if any
    # what the start stages set (a bundle's encoder, word2vec), by layer: every member starts so
    start_weights: dict[str, list[np.ndarray]] = field(default_factory=dict)
    threshold: float = 0.5

    def finished(self) -> TrainedRun:
        assert self.model is not None and self.tokenizer is not None
        assert self.dataset is not None and self.validation is not None
        return TrainedRun(
            self.run_dir,
            self.config,
            self.model,
            self.tokenizer,
            self.dataset,
            self.validation,
            self.history,
            self.best_epoch,
            self.train_seconds,
            self.unlabeled,
            self.distillation,
            self.calibration,
            self.threshold,
            self.clock.seconds,
            self.short_texts,
            self.quantization,
            self.started_from,
            self.language_model,
        )


def load_run(run_dir: Path, data_path: Path) -> TrainedRun:
    """Read back a finished run (to export it again) with the dataset it was trained on."""
    for name in (CONFIG_FILE, HISTORY_FILE, KERAS_FILE, TOKENIZER_FILE):
        if not (run_dir / name).is_file():
            raise FileNotFoundError(f"{run_dir / name}: missing; is {run_dir} a finished run?")
    config = TrainConfig(**json.loads((run_dir / CONFIG_FILE).read_text()))
    record = json.loads((run_dir / HISTORY_FILE).read_text())
    options = DataOptions()
    if (run_dir / DATA_OPTIONS_FILE).is_file():
        options = DataOptions.from_dict(json.loads((run_dir / DATA_OPTIONS_FILE).read_text()))
    dataset = load_dataset(data_path, config.seed, options)
    _, validation = fit_and_validation(dataset, config.validation_fraction, config.seed)
    return TrainedRun(
        run_dir=run_dir,
        config=config,
        model=keras.models.load_model(run_dir / KERAS_FILE, compile=False),
        tokenizer=Tokenizer.from_file(str(run_dir / TOKENIZER_FILE)),
        dataset=dataset,
        validation=validation,
        history=record["history"],
        best_epoch=record["best_epoch"],
        train_seconds=record["train_seconds"],
        unlabeled=record.get("unlabeled"),
        distillation=record.get("distillation"),
        calibration=record.get("calibration"),
        threshold=record.get("threshold", 0.5),
        stages=record.get("stages"),
        short_texts=record.get("short_texts"),
        quantization=record.get("quantization"),
        started_from=record.get("started_from"),
        language_model=record.get("language_model"),
    )
