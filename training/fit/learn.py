"""The stages that make and fit the network, in the Keras examples' order: build the model, start
its embedding from word2vec, fit it, round its tables to int8, calibrate it on validation, and
save the run. Each reads and fills a ``RunState``."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import keras
import numpy as np

from training.fit.batches import batch_count, length_bucketed_batches
from training.fit.config import TrainConfig
from training.fit.embeddings import pretrain_embeddings
from training.fit.ensemble import merge
from training.fit.language_model import pretrain_recurrent
from training.fit.model import build_model, classes_of, fold_subwords, predicted
from training.fit.quantize import fake_quantize_embeddings
from training.fit.run import HISTORY_FILE, KERAS_FILE, SUMMARY_FILE, RunState
from training.fit.subwords import Subwords
from training.fit.transfer import SourceBundle, set_layer_weights, starting_weights

log = logging.getLogger(__name__)


def build(run: RunState) -> None:
    """The layers of training.fit.model; the summary goes to the log and the report."""
    assert run.rows is not None and run.dataset is not None
    steps = batch_count(len(run.rows[0]), run.config.batch_size)
    classes = len(run.dataset.labels)
    if run.config.subwords:
        assert run.tokenizer is not None
        run.subwords = Subwords.of(run.tokenizer.get_vocab())
        log.info("subwords: %s", run.subwords.describe())
    run.model = build_model(
        run.config, classes=classes, steps_per_epoch=steps, subwords=run.subwords
    )
    summary: list[str] = []
    run.model.summary(print_fn=lambda line, **_: summary.append(line))
    (run.run_dir / SUMMARY_FILE).write_text("\n".join(summary) + "\n")
    log.info("model summary:\n%s", "\n".join(summary))


def start_from_bundle(run: RunState) -> None:
    """Optionally start the embedding, pair table and recurrent layer from a trained bundle
    (``init_from``); the head for this data's labels starts fresh."""
    if not run.config.init_from:
        return
    assert run.model is not None
    with run.clock.stage("start from bundle"):
        source = SourceBundle.read(Path(run.config.init_from))
        run.start_weights.update(starting_weights(source, run.config.vocab_size))
        set_layer_weights(run.model, run.start_weights)


def start_embedding(run: RunState) -> None:
    """Optionally start the embedding from word2vec on unlabelled reviews plus the fit rows
    (never validation or test text)."""
    config = run.config
    if not config.embedding_pretraining_epochs:
        return
    assert run.model is not None and run.tokenizer is not None and run.fit_split is not None
    with run.clock.stage("word2vec"):
        weights = pretrain_embeddings(
            run.tokenizer,
            [*run.fit_split.texts, *run.extra],
            config.embedding_dim,
            config.embedding_pretraining_epochs,
            config.seed,
        )
    run.start_weights["embedding"] = [weights]  # further ensemble members start from it too
    run.model.get_layer("embedding").set_weights([weights])
    run.unlabeled = {"source": _unlabeled_source(run), "reviews": len(run.extra)}


def start_recurrent(run: RunState) -> None:
    """Optionally pretrain the embedding and recurrent layer as a language model on unlabelled
    reviews plus the fit rows (never validation or test text), from where they start."""
    config = run.config
    if not config.recurrent_pretraining_tokens:
        return
    assert run.model is not None and run.tokenizer is not None and run.fit_split is not None
    with run.clock.stage("language model"):
        weights, record = pretrain_recurrent(
            run.tokenizer,
            [*run.fit_split.texts, *run.extra],
            config,
            run.start_weights,
            verbose=run.verbose,
        )
    run.start_weights.update(weights)  # further ensemble members start from it too
    set_layer_weights(run.model, weights)
    run.language_model = {**record, "source": _unlabeled_source(run)}


def _unlabeled_source(run: RunState) -> str | None:
    """The unlabelled reviews' file name, if any were read beside the fit rows."""
    return run.unlabeled_path.name if run.unlabeled_path and run.extra else None


def fit(run: RunState) -> None:
    """Batches of similar length (the mask makes padding irrelevant to the result); optionally
    stop early on validation loss, and/or keep the best epoch's weights."""
    config = run.config
    assert run.model is not None
    started = time.perf_counter()
    with run.clock.stage("training"):
        history = _fit_model(run, run.model, config.seed)
        run.model = _folded(run, run.model)
    run.train_seconds = time.perf_counter() - started
    run.history = {key: [float(v) for v in values] for key, values in history.history.items()}
    epochs_run = len(run.history["val_loss"])
    best = int(np.argmin(run.history["val_loss"])) + 1
    run.best_epoch = best if config.restore_best_epoch else epochs_run
    log.info(
        "trained %d epochs in %.0f s; kept epoch %d",
        len(run.history["loss"]),
        run.train_seconds,
        run.best_epoch,
    )


def _fit_model(run: RunState, model: keras.Model, seed: int) -> keras.callbacks.History:
    assert run.rows is not None and run.validation is not None
    config = run.config
    ids, targets, lengths = run.rows[0], run.rows[2], run.rows[1]
    batches = length_bucketed_batches(
        ids,
        targets,
        lengths,
        config.batch_size,
        seed,
        weights=_row_weights(run),
        word_dropout=config.word_dropout,
    )
    return model.fit(
        batches,
        validation_data=(run.validation_ids, run.validation.labels.astype(np.float32)),
        epochs=config.epochs,
        shuffle=False,  # the batches are shuffled, seeded, by length_bucketed_batches
        callbacks=fit_callbacks(config, run.verbose, averaged=model.optimizer.use_ema),
        verbose=run.verbose,
    )


def ensemble(run: RunState) -> None:
    """Optionally train ``ensemble - 1`` more members with the next seeds, each started as the
    first was, and merge all into one network (training.fit.ensemble); the card's history is
    the first member's."""
    config = run.config
    if config.ensemble == 1:
        return
    assert run.model is not None and run.rows is not None and run.validation_ids is not None
    members = [run.model]
    steps = batch_count(len(run.rows[0]), config.batch_size)
    started = time.perf_counter()
    with run.clock.stage("ensemble members"):
        for seed in range(config.seed + 1, config.seed + config.ensemble):
            keras.utils.set_random_seed(seed)
            member = build_model(
                config, classes=classes_of(run.model), steps_per_epoch=steps, subwords=run.subwords
            )
            set_layer_weights(member, run.start_weights)  # started as the first was
            _fit_model(run, member, seed)
            members.append(_folded(run, member))
        run.model = merge(members, config)
    run.train_seconds += time.perf_counter() - started
    accuracies = [_validation_accuracy(run, model) for model in (*members, run.model)]
    log.info(
        "ensemble of %d: validation accuracy %s alone, %.4f merged",
        config.ensemble,
        ", ".join(f"{accuracy:.4f}" for accuracy in accuracies[:-1]),
        accuracies[-1],
    )


def _folded(run: RunState, model: keras.Model) -> keras.Model:
    """``model`` with its words' n-grams folded into the word table (if trained with them)."""
    assert run.rows is not None
    steps = batch_count(len(run.rows[0]), run.config.batch_size)
    return fold_subwords(model, run.config, steps)


def _validation_accuracy(run: RunState, model: keras.Model) -> float:
    assert run.validation is not None
    scores = model.predict(run.validation_ids, batch_size=256, verbose=0)
    return float(np.mean(predicted(scores) == run.validation.labels))


def _row_weights(run: RunState) -> np.ndarray | None:
    """With class_weight "balanced": each labelled fit row weighs rows / (labels x rows of its
    label); rows added beside them (soft labels, sentences) weigh 1. None: every row weighs 1."""
    if run.config.class_weight != "balanced":
        return None
    assert run.rows is not None and run.fit_split is not None and run.dataset is not None
    labels = run.fit_split.labels
    counts = np.bincount(labels, minlength=len(run.dataset.labels))
    per_label = len(labels) / (len(counts) * np.maximum(counts, 1))
    weights = np.ones(len(run.rows[0]), dtype=np.float32)
    weights[: len(labels)] = per_label[labels]
    shown = dict(zip(run.dataset.labels, per_label.round(3).tolist(), strict=True))
    log.info("class weights (balanced): %s", shown)
    return weights


def fit_callbacks(
    config: TrainConfig, verbose: int = 0, averaged: bool = False
) -> list[keras.callbacks.Callback]:
    """Early stopping on validation loss, and/or keeping the best epoch's weights; if the
    optimizer ``averaged`` the weights, the average is what is validated and kept."""
    callbacks: list[keras.callbacks.Callback] = []
    if averaged:
        callbacks.append(keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
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


def quantize(run: RunState) -> None:
    """Optionally round the embedding tables to int8 rows now, so that calibration and every
    later check see the model as it will be served; measure what that did on validation."""
    if not run.config.quantize_embeddings:
        return
    model, validation = run.model, run.validation
    assert model is not None and validation is not None
    before = model.predict(run.validation_ids, batch_size=256, verbose=0)
    layers = fake_quantize_embeddings(model)
    after = model.predict(run.validation_ids, batch_size=256, verbose=0)
    run.quantization = {
        "layers": layers,
        "validation_accuracy_float32": float(np.mean(predicted(before) == validation.labels)),
        "validation_accuracy_int8": float(np.mean(predicted(after) == validation.labels)),
        "max_abs_score_change": float(np.max(np.abs(after - before))),
    }
    log.info("embedding tables stored as int8: %s", run.quantization)


def save(run: RunState) -> None:
    """The Keras model and what the exporter and the card need of the run's history."""
    assert run.model is not None
    run.model.save(run.run_dir / KERAS_FILE, include_optimizer=False)
    record = {
        "history": run.history,
        "best_epoch": run.best_epoch,
        "train_seconds": run.train_seconds,
        "unlabeled": run.unlabeled,
        "distillation": run.distillation,
        "short_texts": run.short_texts,
        "quantization": run.quantization,
        "started_from": run.started_from,
        "language_model": run.language_model,
        "calibration": run.calibration,
        "threshold": run.threshold,
        "stages": run.clock.seconds,
    }
    (run.run_dir / HISTORY_FILE).write_text(json.dumps(record, indent=2) + "\n")
