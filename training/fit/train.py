"""Train the classifier: setup, load data, look at it, vectorise, build, train.

Writes a run directory (``runs/<name>/``): ``tokenizer.json``, ``model.keras``,
``history.json``, ``config.json`` and the model summary. ``training.ship.bundle`` turns a run into a
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

from app.inference.pipeline import EncodedBatch, encode
from training.fit.augment import negation_sentences, polar_words
from training.fit.batches import batch_count, length_bucketed_batches
from training.fit.calibration import (
    choose_threshold,
    expected_calibration_error,
    fit_temperature,
    fold_temperature,
)
from training.fit.config import TrainConfig
from training.fit.crops import review_crops
from training.fit.data import Dataset, Split, load_dataset, load_unlabeled_texts, validation_split
from training.fit.embeddings import pretrain_embeddings
from training.fit.everyday import everyday_sentences
from training.fit.model import build_model
from training.fit.ngram import positive_scores
from training.fit.quantize import fake_quantize_embeddings
from training.fit.stopwatch import Stopwatch
from training.fit.teacher import DESCRIPTIONS as TEACHER_DESCRIPTIONS
from training.fit.teacher import fit_teacher
from training.fit.tokenizer import PAD_ID, UNK_ID, fit_tokenizer

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
    distillation: dict[str, object] | None = None  # the teacher and what it labelled, if any
    calibration: dict[str, float] | None = None  # temperature and ECE on validation, if any
    threshold: float = 0.5  # the positive label's cut, chosen on validation when calibrated
    stages: dict[str, float] | None = None  # wall seconds of each stage so far
    short_texts: dict[str, int] | None = None  # rows of each kind of short text added, if any
    quantization: dict[str, object] | None = None  # int8 embeddings' effect on validation


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
    clock = Stopwatch()

    # Load: the official train/test split; validation is a seeded 10% of train, both classes.
    with clock.stage("read data"):
        dataset = load_dataset(data_path, seed=config.seed)
        fit_split, validation = validation_split(
            dataset.train, config.validation_fraction, config.seed
        )
        extra = _unlabeled_texts(config, unlabeled_path)
    log.info(
        "data %s: %d train (%d fit, %d validation), %d test, %d unlabelled",
        dataset.source,
        len(dataset.train),
        len(fit_split),
        len(validation),
        len(dataset.test),
        len(extra),
    )

    # Vectorise: the tokenizer learns from the fit rows only; we save it, read it back and encode
    # with the serving code, so training sees exactly what the server will compute.
    with clock.stage("tokenizer"):
        tokenizer_path = run_dir / TOKENIZER_FILE
        fit_tokenizer(
            fit_split.texts, config.vocab_size, config.max_length, config.truncation
        ).save(str(tokenizer_path))
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # A small corpus may have fewer distinct tokens than asked for: size the embedding to fit.
        config = config.replace(vocab_size=tokenizer.get_vocab_size())
        (run_dir / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n")
        fit_batch = encode(tokenizer, fit_split.texts, PAD_ID)
        validation_batch = encode(tokenizer, validation.texts, PAD_ID)
    _describe(fit_batch.input_ids, fit_batch.lengths, fit_batch.truncated, tokenizer, config)
    ids, lengths = fit_batch.input_ids, fit_batch.lengths
    targets = fit_split.labels.astype(np.float32)

    # Teacher: an n-gram model fitted on the fit rows scores unlabelled reviews, and the network
    # learns from those soft labels beside the labelled rows (knowledge distillation): three
    # times the reviews to learn word order from, with no label taken from validation or test.
    distillation: dict[str, object] | None = None
    if config.distillation_reviews or config.negation_sentences:
        with clock.stage("teacher"):
            teacher = fit_teacher(config.teacher, fit_split, config.seed)
            teacher_accuracy = float(
                np.mean((positive_scores(teacher, validation.texts) >= 0.5) == validation.labels)
            )
            distillation = {
                "teacher": f"{TEACHER_DESCRIPTIONS[config.teacher]}, fitted on the fit rows",
                "teacher_validation_accuracy": teacher_accuracy,
                "reviews": 0,
            }
            if config.distillation_reviews:
                order = np.random.default_rng(config.seed).permutation(len(extra))
                taught = [extra[i] for i in order[: config.distillation_reviews]]
                ids, lengths, targets = _with_rows(
                    (ids, lengths, targets),
                    encode(tokenizer, taught, PAD_ID),
                    positive_scores(teacher, taught),
                )
                distillation["reviews"] = len(taught)
            # Negation: short sentences built from the teacher's most polar words.
            if config.negation_sentences:
                positive, negative = polar_words(teacher, fit_split.texts)
                sentences, labels = negation_sentences(
                    positive, negative, config.negation_sentences, config.seed
                )
                ids, lengths, targets = _with_rows(
                    (ids, lengths, targets),
                    encode(tokenizer, sentences, PAD_ID),
                    labels.astype(np.float32),
                )
                distillation["negation_sentences"] = {
                    "count": len(sentences),
                    "positive_words": positive,
                    "negative_words": negative,
                }
        log.info("teacher: %s", distillation)

    # Short texts: crops of the fit rows with their review's label, and everyday sentences.
    short_texts: dict[str, tuple[list[str], np.ndarray]] = {}
    if config.review_crops or config.everyday_sentences:
        with clock.stage("short texts"):
            short_texts = _short_texts(config, fit_split)
            for texts, short_targets in short_texts.values():
                ids, lengths, targets = _with_rows(
                    (ids, lengths, targets), encode(tokenizer, texts, PAD_ID), short_targets
                )

    # Build: the layers of training.fit.model; the summary goes to the log and the report.
    model = build_model(config, steps_per_epoch=batch_count(len(ids), config.batch_size))
    summary: list[str] = []
    model.summary(print_fn=lambda line, **_: summary.append(line))
    (run_dir / SUMMARY_FILE).write_text("\n".join(summary) + "\n")
    log.info("model summary:\n%s", "\n".join(summary))

    # Optionally start the embedding from word2vec on unlabelled reviews plus the fit rows
    # (never validation or test text).
    unlabeled = None
    if config.embedding_pretraining_epochs:
        with clock.stage("word2vec"):
            weights = pretrain_embeddings(
                tokenizer,
                [*fit_split.texts, *extra],
                config.embedding_dim,
                config.embedding_pretraining_epochs,
                config.seed,
            )
        model.get_layer("embedding").set_weights([weights])
        assert unlabeled_path is not None  # _unlabeled_texts refused the run otherwise
        unlabeled = {"source": unlabeled_path.name, "reviews": len(extra)}

    # Train: batches of similar length (the mask makes padding irrelevant to the result);
    # optionally stop early on validation loss, and/or keep the best epoch's weights.
    callbacks = fit_callbacks(config, verbose)
    batches = length_bucketed_batches(ids, targets, lengths, config.batch_size, config.seed)
    started = time.perf_counter()
    with clock.stage("training"):
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

    # Optionally round the embedding tables to int8 rows now, so that calibration and every
    # later check see the model as it will be served.
    quantization = None
    if config.quantize_embeddings:
        quantization = _quantize(model, validation_batch.input_ids, validation)

    # Calibrate on validation: one temperature, folded into the classifier's weights; then the
    # threshold, also on validation.
    calibration, threshold = None, 0.5
    if config.calibrate:
        with clock.stage("calibration"):
            calibration, threshold = _calibrate(model, validation_batch.input_ids, validation)

    short_counts = {name: len(rows[0]) for name, rows in short_texts.items()}
    model.save(run_dir / KERAS_FILE, include_optimizer=False)
    (run_dir / HISTORY_FILE).write_text(
        json.dumps(
            {
                "history": curves,
                "best_epoch": best_epoch,
                "train_seconds": train_seconds,
                "unlabeled": unlabeled,
                "distillation": distillation,
                "short_texts": short_counts,
                "quantization": quantization,
                "calibration": calibration,
                "threshold": threshold,
                "stages": clock.seconds,
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
        distillation,
        calibration,
        threshold,
        clock.seconds,
        short_counts,
        quantization,
    )


def fit_callbacks(config: TrainConfig, verbose: int = 0) -> list[keras.callbacks.Callback]:
    """Early stopping on validation loss, and/or keeping the best epoch's weights."""
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
    return callbacks


def _short_texts(config: TrainConfig, fit_split: Split) -> dict[str, tuple[list[str], np.ndarray]]:
    """Review crops and everyday sentences the config asks for, with their targets."""
    rows: dict[str, tuple[list[str], np.ndarray]] = {}
    if config.review_crops:
        rows["review_crops"] = review_crops(
            fit_split.texts,
            fit_split.labels,
            config.review_crops,
            config.seed,
            config.review_crop_smoothing,
        )
    if config.everyday_sentences:
        rows["everyday_sentences"] = everyday_sentences(config.everyday_sentences, config.seed)
    return rows


def _unlabeled_texts(config: TrainConfig, path: Path | None) -> list[str]:
    """The unlabelled reviews, read once if word2vec or the teacher needs them."""
    if not (config.embedding_pretraining_epochs or config.distillation_reviews):
        return []
    if path is None:
        raise ValueError(
            "embedding pretraining and distillation need unlabelled reviews (--unlabeled-data)"
        )
    return load_unlabeled_texts(path)


def _with_rows(
    rows: tuple[np.ndarray, np.ndarray, np.ndarray], extra: EncodedBatch, targets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training rows (post-padded ids, lengths, targets) with ``extra``'s rows after them."""
    ids, lengths, old_targets = rows
    width = max(ids.shape[1], extra.input_ids.shape[1])
    padded = [np.pad(part, ((0, 0), (0, width - part.shape[1]))) for part in (ids, extra.input_ids)]
    return (
        np.concatenate(padded),
        np.concatenate([lengths, extra.lengths]),
        np.concatenate([old_targets, targets]),
    )


def _quantize(
    model: keras.Model, validation_ids: np.ndarray, validation: Split
) -> dict[str, object]:
    """Round the embedding tables to int8 rows, and measure what that did on validation."""
    before = model.predict(validation_ids, batch_size=256, verbose=0).reshape(-1)
    layers = fake_quantize_embeddings(model)
    after = model.predict(validation_ids, batch_size=256, verbose=0).reshape(-1)
    quantization = {
        "layers": layers,
        "validation_accuracy_float32": float(np.mean((before >= 0.5) == validation.labels)),
        "validation_accuracy_int8": float(np.mean((after >= 0.5) == validation.labels)),
        "max_abs_score_change": float(np.max(np.abs(after - before))),
    }
    log.info("embedding tables stored as int8: %s", quantization)
    return quantization


def _calibrate(
    model: keras.Model, validation_ids: np.ndarray, validation: Split
) -> tuple[dict[str, float], float]:
    before = model.predict(validation_ids, batch_size=256, verbose=0).reshape(-1)
    temperature = fit_temperature(before, validation.labels)
    fold_temperature(model, temperature)
    after = model.predict(validation_ids, batch_size=256, verbose=0).reshape(-1)
    threshold = choose_threshold(validation.labels, after)
    calibration = {
        "temperature": temperature,
        "validation_ece_before": expected_calibration_error(validation.labels, before),
        "validation_ece_after": expected_calibration_error(validation.labels, after),
    }
    log.info("calibration on validation: %s; threshold %.2f", calibration, threshold)
    return calibration, threshold


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
        distillation=record.get("distillation"),
        calibration=record.get("calibration"),
        threshold=record.get("threshold", 0.5),
        stages=record.get("stages"),
        short_texts=record.get("short_texts"),
        quantization=record.get("quantization"),
    )
