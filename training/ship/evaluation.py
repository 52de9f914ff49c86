"""What the exporter measures on the exported graph, as the server will run it: the behavioural
suite and the out-of-domain sets (for negative/positive models), the test and validation splits
with per-label figures, and the TF-IDF yardstick on the same test split."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.inference.pipeline import SentimentClassifier
from training.fit.calibration import ECE_BINS, expected_calibration_error
from training.fit.data import LABELS, Split
from training.fit.stopwatch import Stopwatch
from training.fit.train import TrainedRun
from training.measure import out_of_domain
from training.measure.behaviour import SuiteResult, run_suite
from training.measure.classes import class_metrics, multiclass_metrics
from training.measure.metrics import binary_metrics, score_split
from training.measure.yardstick import tfidf_logistic_regression
from training.ship.export import Parity

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Measured:
    """What is measured on the exported graph, as the server will run it."""

    behaviour: SuiteResult | None  # movie-review sentiment cases: negative/positive models only
    test_scores: np.ndarray
    test: dict[str, Any]
    validation_scores: np.ndarray
    out_of_domain: dict[str, Any] | None
    baseline: dict[str, Any]


def is_sentiment_pair(run: TrainedRun) -> bool:
    """Labels negative and positive: what the behavioural suite and out-of-domain sets check."""
    return tuple(run.dataset.labels) == LABELS


def split_metrics(run: TrainedRun, split: Split, scores: np.ndarray) -> dict[str, Any]:
    """Binary metrics at the run's threshold and per-label figures (two labels), or the
    multiclass figures (more)."""
    labels = run.dataset.labels
    if len(labels) > 2:
        return multiclass_metrics(split.labels, scores, labels)
    result = binary_metrics(split.labels, scores, run.threshold)
    per_label = class_metrics(split.labels, (scores >= run.threshold).astype(np.int64), labels)
    result.update(macro_f1=per_label["macro_f1"], per_label=per_label["per_label"])
    result["confusion"] = per_label["confusion"]
    return result


def measure(
    run: TrainedRun,
    classifier: SentimentClassifier,
    clock: Stopwatch,
    ood_dir: Any,
    progress: Callable[[int, int], None] | None = None,
) -> Measured:
    """The behavioural suite; the whole test split beside the yardstick; the out-of-domain sets."""
    behaviour = None
    if is_sentiment_pair(run):
        with clock.stage("behavioural tests"):
            behaviour = run_suite(classifier)
        log.info("behavioural tests: %s", behaviour.overall)
    test = run.dataset.test
    with clock.stage("evaluation on test"):
        log.info("evaluating the bundle on %d test rows", len(test))
        scores = score_split(classifier, test, progress=progress)
        test_metrics = split_metrics(run, test, scores)
        validation_scores = score_split(classifier, run.validation)
    log.info(
        "test accuracy %.4f, macro-F1 %.4f", test_metrics["accuracy"], test_metrics["macro_f1"]
    )
    with clock.stage("yardstick"):
        log.info("fitting the TF-IDF + logistic regression yardstick")
        baseline = tfidf_logistic_regression(
            run.dataset.train, test, run.config.seed, run.dataset.labels
        )
    log.info(
        "yardstick test accuracy %.4f, macro-F1 %.4f", baseline["accuracy"], baseline["macro_f1"]
    )
    return Measured(
        behaviour,
        scores,
        test_metrics,
        validation_scores,
        _out_of_domain(run, classifier, clock, ood_dir),
        baseline,
    )


def _out_of_domain(
    run: TrainedRun, classifier: SentimentClassifier, clock: Stopwatch, ood_dir: Any
) -> dict[str, Any] | None:
    if not is_sentiment_pair(run):
        return None
    if not out_of_domain.available(ood_dir):
        log.warning("%s: the out-of-domain sets are absent; the card will not report them", ood_dir)
        return None
    with clock.stage("out-of-domain sets"):
        sets = out_of_domain.load_binary_sets(ood_dir)
        scorer = out_of_domain.classifier_scorer(classifier)
        result = out_of_domain.evaluate(scorer, sets, run.threshold)
    log.info("out of domain: %s", out_of_domain.summary(result))
    return result


def metrics_of(run: TrainedRun, parity: Parity, measured: Measured) -> dict[str, Any]:
    validation = run.validation
    return {
        "test": measured.test,
        "validation": split_metrics(run, validation, measured.validation_scores),
        "baseline_tfidf_logreg": measured.baseline,
        "export_parity": parity.as_dict(),
        "calibration": _calibration(run, measured),
        "distillation": run.distillation,
        "short_texts": run.short_texts,
        "quantization": run.quantization,
        "out_of_domain": measured.out_of_domain,
        "behaviour": None if measured.behaviour is None else measured.behaviour.summary(),
        "extras": extras_used(run),
        "training": {
            "epochs_run": len(run.history["loss"]),
            "best_epoch": run.best_epoch,
            "train_seconds": round(run.train_seconds, 1),
            "history": run.history,
        },
    }


def _calibration(run: TrainedRun, measured: Measured) -> dict[str, Any] | None:
    """Temperature, threshold and expected calibration error: two labels only."""
    if not run.dataset.binary:
        return None
    validation, test = run.validation, run.dataset.test
    return {
        **(run.calibration or {"temperature": None}),
        "bins": ECE_BINS,
        "validation_ece": expected_calibration_error(validation.labels, measured.validation_scores),
        "test_ece": expected_calibration_error(test.labels, measured.test_scores),
        "threshold": run.threshold,
    }


def extras_used(run: TrainedRun) -> dict[str, Any]:
    """What was learnt from beside the labelled rows, and how rows were weighed: the card's
    list of what applied to this run."""
    distillation: dict[str, Any] = run.distillation or {}
    negation: dict[str, Any] = distillation.get("negation_sentences") or {}
    unlabeled = run.unlabeled or {}
    language_model = run.language_model or {}
    return {
        "negation_sentences": int(negation.get("count", 0)),
        # word2vec's or the language model's unlabelled reviews
        "unlabeled_reviews": unlabeled.get("source") or language_model.get("source"),
        "teacher": distillation.get("teacher") if distillation.get("reviews") else None,
        "class_weight": run.config.class_weight,
        "validation": "given by the data" if run.dataset.validation is not None else "held out",
    }
