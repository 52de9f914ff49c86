"""The stages that make the training rows: read the data, vectorise it, and add what the network
learns from beside the labelled rows (the teacher's soft labels and negation sentences, review
crops and everyday sentences). Each reads and fills a ``RunState``."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
from tokenizers import Tokenizer

from app.inference.pipeline import EncodedBatch, encode
from training.fit.augment import negation_sentences, polar_words
from training.fit.config import TrainConfig
from training.fit.crops import review_crops
from training.fit.data import Split, fit_and_validation, load_dataset, load_unlabeled_texts
from training.fit.everyday import NEUTRAL_TARGET, everyday_sentences
from training.fit.everyday.facts import plain_statements
from training.fit.ngram import positive_scores
from training.fit.run import CONFIG_FILE, DATA_OPTIONS_FILE, TOKENIZER_FILE, Rows, RunState
from training.fit.teacher import DESCRIPTIONS as TEACHER_DESCRIPTIONS
from training.fit.teacher import bundle_scores, fit_teacher, mean_scores, teacher_bundle
from training.fit.tokenizer import PAD_ID, UNK_ID, fit_tokenizer
from training.fit.transfer import SourceBundle, extended_tokenizer

log = logging.getLogger(__name__)


def read_data(run: RunState) -> None:
    """The data's own splits; validation, unless the data gives it, is a seeded, stratified
    share of train."""
    config = run.config
    with run.clock.stage("read data"):
        run.dataset = load_dataset(run.data_path, config.seed, run.data_options)
        run.fit_split, run.validation = fit_and_validation(
            run.dataset, config.validation_fraction, config.seed
        )
        run.extra = _unlabeled_texts(config, run.unlabeled_path)
        options = json.dumps(run.data_options.to_dict(), indent=2) + "\n"
        (run.run_dir / DATA_OPTIONS_FILE).write_text(options)
    log.info(
        "data %s: %d train (%d fit, %d validation), %d test, %d unlabelled",
        run.dataset.source,
        len(run.dataset.train),
        len(run.fit_split),
        len(run.validation),
        len(run.dataset.test),
        len(run.extra),
    )


def vectorise(run: RunState) -> None:
    """The tokenizer learns from the fit rows only; we save it, read it back and encode with the
    serving code, so training sees exactly what the server will compute."""
    assert run.fit_split is not None and run.validation is not None
    with run.clock.stage("tokenizer"):
        tokenizer_path = run.run_dir / TOKENIZER_FILE
        _fitted_tokenizer(run).save(str(tokenizer_path))
        tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # A small corpus may have fewer distinct tokens than asked for: size the embedding to fit.
        run.config = run.config.replace(vocab_size=tokenizer.get_vocab_size())
        (run.run_dir / CONFIG_FILE).write_text(json.dumps(run.config.to_dict(), indent=2) + "\n")
        fit_batch = encode(tokenizer, run.fit_split.texts, PAD_ID)
        run.validation_ids = encode(tokenizer, run.validation.texts, PAD_ID).input_ids
    run.tokenizer = tokenizer
    _describe(fit_batch, tokenizer, run.config)
    run.rows = (fit_batch.input_ids, fit_batch.lengths, run.fit_split.labels.astype(np.float32))


def _fitted_tokenizer(run: RunState) -> Tokenizer:
    """The fit rows' most frequent words; or, starting from a bundle, its vocabulary extended by
    the fit rows' words it lacks."""
    assert run.fit_split is not None
    config = run.config
    if not config.init_from:
        return fit_tokenizer(
            run.fit_split.texts, config.vocab_size, config.max_length, config.truncation
        )
    source = SourceBundle.read(Path(config.init_from))
    tokenizer, added = extended_tokenizer(
        source, run.fit_split.texts, config.max_length, config.truncation
    )
    run.started_from = source.describe(added)
    log.info(
        "vocabulary of %s %s, plus %d words of the fit rows", source.name, source.version, added
    )
    return tokenizer


def distil(run: RunState) -> None:
    """An n-gram model fitted on the fit rows scores unlabelled reviews, and the network learns
    from those soft labels beside the labelled rows (knowledge distillation): three times the
    reviews to learn word order from, with no label taken from validation or test. Negation
    sentences are built from the teacher's most polar words."""
    config = run.config
    if not (config.distillation_reviews or config.negation_sentences):
        return
    assert run.fit_split is not None and run.validation is not None
    _refuse_for_more_labels(run, "distillation and negation sentences")
    with run.clock.stage("teacher"):
        teacher = run.teacher = fit_teacher(config.teacher, run.fit_split, config.seed)
        validation_scores = positive_scores(teacher, run.validation.texts)
        run.distillation = {
            "teacher": _teacher_description(config),
            "teacher_validation_accuracy": float(
                np.mean((validation_scores >= 0.5) == run.validation.labels)
            ),
            "reviews": 0,
        }
        if config.distillation_reviews:
            order = np.random.default_rng(config.seed).permutation(len(run.extra))
            taught = [run.extra[i] for i in order[: config.distillation_reviews]]
            scores = positive_scores(teacher, taught)
            if config.teacher_bundle:
                scores = _with_bundle_teacher(run, taught, scores, validation_scores)
            _add_rows(run, taught, scores)
            run.distillation["reviews"] = len(taught)
        if config.negation_sentences:
            positive, negative = polar_words(teacher, run.fit_split.texts)
            sentences, labels = negation_sentences(
                positive, negative, config.negation_sentences, config.seed
            )
            _add_rows(run, sentences, labels.astype(np.float32))
            run.distillation["negation_sentences"] = {
                "count": len(sentences),
                "positive_words": positive,
                "negative_words": negative,
            }
    log.info("teacher: %s", run.distillation)


def _teacher_description(config: TrainConfig) -> str:
    about = f"{TEACHER_DESCRIPTIONS[config.teacher]}, fitted on the fit rows"
    if config.teacher_bundle:  # it needs distillation reviews (TrainConfig)
        about += f"; on the reviews, its mean with the bundle {config.teacher_bundle}"
    return about


def _with_bundle_teacher(
    run: RunState, taught: list[str], scores: np.ndarray, validation_scores: np.ndarray
) -> np.ndarray:
    """The n-gram teacher's scores averaged with the teacher bundle's; the card gets each
    teacher's validation accuracy and the pair's."""
    assert run.validation is not None and run.distillation is not None
    bundle = teacher_bundle(Path(run.config.teacher_bundle))  # loaded once, for both sets
    on_validation = bundle_scores(bundle, run.validation.texts)
    both = mean_scores(validation_scores, on_validation)
    labels = run.validation.labels
    accuracy = {"bundle": on_validation, "teachers": both}
    for name, scored in accuracy.items():
        run.distillation[f"{name}_validation_accuracy"] = float(np.mean((scored >= 0.5) == labels))
    return mean_scores(scores, bundle_scores(bundle, taught))


def add_short_texts(run: RunState) -> None:
    """Crops of the fit rows with their review's label, everyday sentences and plain statements."""
    config = run.config
    if not (config.review_crops or config.everyday_sentences or config.plain_statements):
        return
    assert run.fit_split is not None
    _refuse_for_more_labels(run, "review crops, everyday sentences and plain statements")
    with run.clock.stage("short texts"):
        for name, (texts, targets) in _short_texts(config, run.fit_split, run.teacher).items():
            _add_rows(run, texts, targets)
            run.short_texts[name] = len(texts)


def _short_texts(
    config: TrainConfig, fit_split: Split, teacher: Any
) -> dict[str, tuple[list[str], np.ndarray]]:
    """Review crops and everyday sentences the config asks for, with their targets."""
    rows: dict[str, tuple[list[str], np.ndarray]] = {}
    if config.review_crops:
        crops, targets = review_crops(
            fit_split.texts,
            fit_split.labels,
            config.review_crops,
            config.seed,
            config.review_crop_smoothing,
        )
        if config.review_crop_teacher:
            share = config.review_crop_teacher
            targets = (1.0 - share) * targets + share * positive_scores(teacher, crops)
        rows["review_crops"] = (crops, targets.astype(np.float32))
    if config.everyday_sentences:
        rows["everyday_sentences"] = everyday_sentences(config.everyday_sentences, config.seed)
    if config.plain_statements:
        texts = plain_statements(config.plain_statements, config.seed)
        rows["plain_statements"] = (texts, np.full(len(texts), NEUTRAL_TARGET, dtype=np.float32))
    return rows


def _refuse_for_more_labels(run: RunState, what: str) -> None:
    """Teacher scores, negation sentences, crop targets and everyday sentences are all about a
    negative and a positive label."""
    assert run.dataset is not None
    if not run.dataset.binary:
        raise ValueError(
            f"{what} need two labels (negative, positive); this data has"
            f" {len(run.dataset.labels)}: set them to 0"
        )


def _unlabeled_texts(config: TrainConfig, path: Path | None) -> list[str]:
    """The unlabelled reviews, read once if word2vec, the language model or the teacher needs
    them (the first two can do without: they then learn from the fit rows alone)."""
    if not (
        config.embedding_pretraining_epochs
        or config.recurrent_pretraining_tokens
        or config.distillation_reviews
    ):
        return []
    if path is None:
        if config.distillation_reviews:
            raise ValueError("distillation needs unlabelled reviews (--unlabeled-data)")
        return []
    return load_unlabeled_texts(path)


def _add_rows(run: RunState, texts: list[str], targets: np.ndarray) -> None:
    assert run.rows is not None and run.tokenizer is not None
    run.rows = with_rows(run.rows, encode(run.tokenizer, texts, PAD_ID), targets)


def with_rows(rows: Rows, extra: EncodedBatch, targets: np.ndarray) -> Rows:
    """Training rows (post-padded ids, lengths, targets) with ``extra``'s rows after them."""
    ids, lengths, old_targets = rows
    width = max(ids.shape[1], extra.input_ids.shape[1])
    padded = [np.pad(part, ((0, 0), (0, width - part.shape[1]))) for part in (ids, extra.input_ids)]
    return (
        np.concatenate(padded),
        np.concatenate([lengths, extra.lengths]),
        np.concatenate([old_targets, targets]),
    )


def _describe(batch: EncodedBatch, tokenizer: Tokenizer, config: TrainConfig) -> None:
    """Look at the data the model will see: lengths, truncation, unknown tokens."""
    ids, lengths = batch.input_ids, batch.lengths
    unknown = np.count_nonzero(ids == UNK_ID) / max(1, int(lengths.sum()))
    log.info(
        "vocabulary %d tokens; review length median %d, 90th percentile %d tokens;"
        " %.1f%% truncated at %d; %.2f%% of tokens unknown",
        tokenizer.get_vocab_size(),
        np.median(lengths),
        np.percentile(lengths, 90),
        100 * batch.truncated.mean(),
        config.max_length,
        100 * unknown,
    )
