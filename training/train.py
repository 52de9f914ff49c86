"""Train the classifier: setup, load data, look at it, vectorise, build, train.

Writes a run directory (``runs/<name>/``): ``tokenizer.json``, ``model.keras``,
``history.json``, ``config.json`` and the model summary. ``training.bundle`` turns a run into a
served bundle.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter out

import keras
import numpy as np
from tokenizers import Tokenizer

from app.inference.pipeline import encode
from training.batches import length_bucketed_batches
from training.config import TrainConfig
from training.data import Dataset, Split, load_dataset, load_unlabeled_texts, validation_split
from training.embeddings import pretrain_embeddings
from training.model import build_model
from training.tokenizer import PAD_ID, UNK_ID, fit_tokenizer

log = logging.getLogger(__name__)

TOKENIZER_FILE = "tokenizer.json"
KERAS_FILE = "model.keras"
HISTORY_FILE = "history.json"
CONFIG_FILE = "config.json"
SUMMARY_FILE = "model_summary.txt"


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


def train(
    config: TrainConfig,
    data_path: Path,
    run_dir: Path,
    verbose: int = 1,
    unlabeled_path: Path | None = None,
) -> TrainedRun:
    # Setup: one seed for Python, NumPy and TensorFlow, so a run can be repeated.
    keras.utils.set_random_seed(config.seed)
    run_dir.mkdir(parents=True, exist_ok=True)

    # Load: the official train/test split; validation is a seeded 10% of train, both classes.
    dataset = load_dataset(data_path, seed=config.seed)
    fit_split, validation = validation_split(dataset.train, config.validation_fraction, config.seed)
    log.info(
        "data %s: %d train (%d fit, %d validation), %d test",
        dataset.source,
        len(dataset.train),
        len(fit_split),
        len(validation),
        len(dataset.test),
    )

    # Vectorise: the tokenizer learns from the fit rows only; we save it, read it back and encode
    # with the serving code, so training sees exactly what the server will compute.
    tokenizer_path = run_dir / TOKENIZER_FILE
    fit_tokenizer(fit_split.texts, config.vocab_size, config.max_length, config.truncation).save(
        str(tokenizer_path)
    )
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    # A small corpus may have fewer distinct tokens than asked for: size the embedding to fit.
    config = config.replace(vocab_size=tokenizer.get_vocab_size())
    (run_dir / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n")
    fit_batch = encode(tokenizer, fit_split.texts, PAD_ID)
    validation_batch = encode(tokenizer, validation.texts, PAD_ID)
    _describe(fit_batch.input_ids, fit_batch.lengths, fit_batch.truncated, tokenizer, config)

    # Build: the recipe's layers; the summary goes to the log and the report.
    model = build_model(config)
    summary: list[str] = []
    model.summary(print_fn=lambda line, **_: summary.append(line))
    (run_dir / SUMMARY_FILE).write_text("\n".join(summary) + "\n")
    log.info("model summary:\n%s", "\n".join(summary))

    # Optionally start the embedding from word2vec on unlabelled reviews plus the fit rows
    # (never validation or test text).
    unlabeled = None
    if config.embedding_pretraining_epochs:
        if unlabeled_path is None:
            raise ValueError("embedding pretraining needs unlabelled reviews (--unlabeled-data)")
        extra = load_unlabeled_texts(unlabeled_path)
        weights = pretrain_embeddings(
            tokenizer,
            [*fit_split.texts, *extra],
            config.embedding_dim,
            config.embedding_pretraining_epochs,
            config.seed,
        )
        model.get_layer("embedding").set_weights([weights])
        unlabeled = {"source": unlabeled_path.name, "reviews": len(extra)}

    # Train: batches of similar length (the mask makes padding irrelevant to the result);
    # optionally stop early on validation loss, and/or keep the best epoch's weights.
    callbacks: list[keras.callbacks.Callback] = []
    if config.early_stopping_patience or config.restore_best_epoch:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=config.early_stopping_patience or config.epochs,
                restore_best_weights=config.restore_best_epoch,
                verbose=verbose,
            )
        )
    batches = length_bucketed_batches(
        fit_batch.input_ids, fit_split.labels, fit_batch.lengths, config.batch_size, config.seed
    )
    started = time.perf_counter()
    history = model.fit(
        batches,
        validation_data=(validation_batch.input_ids, validation.labels.astype(np.float32)),
        epochs=config.epochs,
        shuffle=False,  # the batches are shuffled, seeded, by length_bucketed_batches
        callbacks=callbacks,
        verbose=verbose,
    )
    train_seconds = time.perf_counter() - started
    curves = {key: [float(v) for v in values] for key, values in history.history.items()}
    epochs_run = len(curves["val_loss"])
    best_epoch = int(np.argmin(curves["val_loss"])) + 1 if config.restore_best_epoch else epochs_run
    log.info(
        "trained %d epochs in %.0f s; kept epoch %d", len(curves["loss"]), train_seconds, best_epoch
    )

    model.save(run_dir / KERAS_FILE, include_optimizer=False)
    (run_dir / HISTORY_FILE).write_text(
        json.dumps(
            {
                "history": curves,
                "best_epoch": best_epoch,
                "train_seconds": train_seconds,
                "unlabeled": unlabeled,
            },
            indent=2,
        )
        + "\n"
    )
    return TrainedRun(
        run_dir,
        config,
        model,
        tokenizer,
        dataset,
        validation,
        curves,
        best_epoch,
        train_seconds,
        unlabeled,
    )


def _describe(
    ids: np.ndarray,
    lengths: np.ndarray,
    truncated: np.ndarray,
    tokenizer: Tokenizer,
    config: TrainConfig,
) -> None:
    """Look at the data the model will see: lengths, truncation, unknown tokens."""
    unknown = np.count_nonzero(ids == UNK_ID) / max(1, int(lengths.sum()))
    log.info(
        "vocabulary %d tokens; review length median %d, 90th percentile %d tokens;"
        " %.1f%% truncated at %d; %.2f%% of tokens unknown",
        tokenizer.get_vocab_size(),
        np.median(lengths),
        np.percentile(lengths, 90),
        100 * truncated.mean(),
        config.max_length,
        100 * unknown,
    )


def load_run(run_dir: Path, data_path: Path) -> TrainedRun:
    """Read back a finished run (to export it again) with the dataset it was trained on."""
    for name in (CONFIG_FILE, HISTORY_FILE, KERAS_FILE, TOKENIZER_FILE):
        if not (run_dir / name).is_file():
            raise FileNotFoundError(f"{run_dir / name}: missing; is {run_dir} a finished run?")
    config = TrainConfig(**json.loads((run_dir / CONFIG_FILE).read_text()))
    record = json.loads((run_dir / HISTORY_FILE).read_text())
    dataset = load_dataset(data_path, seed=config.seed)
    _, validation = validation_split(dataset.train, config.validation_fraction, config.seed)
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
    )
