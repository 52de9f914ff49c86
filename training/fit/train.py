"""Train the classifier: a list of named stages run in order over one ``RunState``, the Keras
examples' story (data -> vectorise -> extra rows -> model -> fit -> calibrate -> save).

Writes a run directory (``runs/<name>/``); ``training.ship.bundle`` turns a run into a served
bundle.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out

import keras

from training.fit import calibrating, learn, rows
from training.fit.config import TrainConfig
from training.fit.data import DataOptions
from training.fit.learn import fit_callbacks
from training.fit.run import SUMMARY_FILE, TOKENIZER_FILE, RunState, TrainedRun, load_run

__all__ = ["SUMMARY_FILE", "TOKENIZER_FILE", "TrainedRun", "fit_callbacks", "load_run", "train"]

Stage = Callable[[RunState], None]

STAGES: tuple[Stage, ...] = (
    rows.read_data,  # labelled reviews; validation held out of train; unlabelled if needed
    rows.vectorise,  # tokenizer fitted on the fit rows, everything encoded as serving does
    rows.distil,  # the teacher's soft labels on unlabelled reviews, and negation sentences
    rows.add_short_texts,  # review crops, everyday sentences, plain statements
    learn.build,  # the Keras model
    learn.start_from_bundle,  # a trained bundle's encoder, if asked (--init-from)
    learn.start_embedding,  # word2vec on unlabelled reviews and the fit rows
    learn.start_recurrent,  # then the recurrent layer as a language model on the same text
    learn.fit,  # model.fit on length-bucketed batches, validation loss watched
    learn.ensemble,  # more members with the next seeds, merged into one network, if asked
    learn.quantize,  # int8 embedding tables, before anything is measured
    calibrating.calibrate,  # temperature, shift, length term and threshold, on validation
    learn.save,  # model.keras and history.json
)


def train(
    config: TrainConfig,
    data_path: Path,
    run_dir: Path,
    verbose: int = 1,
    unlabeled_path: Path | None = None,
    data_options: DataOptions | None = None,
) -> TrainedRun:
    # One seed for Python, NumPy and TensorFlow, so a run can be repeated.
    keras.utils.set_random_seed(config.seed)
    run_dir.mkdir(parents=True, exist_ok=True)
    run = RunState(
        config, data_path, run_dir, verbose, unlabeled_path, data_options or DataOptions()
    )
    for stage in STAGES:
        stage(run)
    return run.finished()
