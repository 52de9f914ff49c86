"""Turn a trained run into a served bundle: ``models/<name>/``.

Export the graph, load it back through the serving code, prove it matches Keras, evaluate it on
the full test split, measure the TF-IDF yardstick, draw the plots, write the model card and,
last, the manifest with the sha256 of every file. The bundle is assembled beside its target and
moved into place only when every check has passed.
"""

from __future__ import annotations

import json
import logging
import platform
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from app.inference.bundle import (
    MODEL_FILE,
    TOKENIZER_FILE,
    Manifest,
    TensorSpec,
    file_checksums,
)
from app.inference.pipeline import SentimentClassifier, encode
from training.fit.calibration import ECE_BINS, expected_calibration_error, plot_reliability
from training.fit.data import LABELS
from training.fit.model import INPUT_NAME, OUTPUT_NAME
from training.fit.stopwatch import Stopwatch
from training.fit.tokenizer import PAD_ID
from training.fit.train import SUMMARY_FILE, TrainedRun
from training.fit.train import TOKENIZER_FILE as RUN_TOKENIZER_FILE
from training.measure import out_of_domain
from training.measure.behaviour import SuiteResult, render_markdown, run_suite
from training.measure.metrics import (
    binary_metrics,
    plot_confusion,
    plot_history,
    plot_roc,
    score_split,
)
from training.measure.yardstick import tfidf_logistic_regression
from training.ship import model_card
from training.ship.export import OPSET, PARITY_REVIEWS, Parity, check_parity, to_onnx
from training.ship.manifest import write_manifest
from training.ship.trials import record_trial

log = logging.getLogger(__name__)

REPORT_DIR = "report"
TOKEN_FIXTURES_FILE = "token_fixtures.json"
# Strings whose token ids training records, so serving can prove it tokenises identically.
TOKEN_FIXTURES = (
    "This movie was absolutely fantastic! The acting was brilliant and the plot was thrilling.",
    "This was the worst film I have ever seen. Boring, badly acted and far too long.",
    "Great!<br /><br />Loved it...<br/>10/10",
    "\uff26\uff35\uff2c\uff2c-width \uff54\uff45\uff58\uff54, café and cafe\u0301, straße",
    "I didn't like it; it wasn't good -- \"meh\" (4/10)",
    "[PAD] [UNK] <script>alert('x')</script> &amp;",
    "😀🎬 emoji, zero\u200bwidth and שלום עולם right-to-left",
    "?!... ,,, ;;;",
    "zyzzyva quokka floccinaucinihilipilification",
    "",
    "long " * 600,
)
_LIBRARIES = ("tensorflow-cpu", "keras", "tf2onnx", "onnx", "onnxruntime", "tokenizers", "numpy")


def export_bundle(
    run: TrainedRun,
    bundle_dir: Path,
    name: str,
    version: str,
    preset: str | None = None,
    trials_path: Path | None = None,
    ood_dir: Path = out_of_domain.DEFAULT_OOD_DIR,
) -> Manifest:
    staging = bundle_dir.with_name(bundle_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / REPORT_DIR).mkdir(parents=True)
    clock = Stopwatch(run.stages)
    fields = _manifest_fields(run, name, version, preset)
    with clock.stage("export and parity checks"):
        classifier, parity = _export(run, staging, fields)
    measured = _measure(run, classifier, clock, ood_dir)
    metrics = _metrics(run, parity, measured)
    metrics["stages_seconds"] = clock.seconds
    manifest = _write_report(run, staging, fields, metrics, measured, trials_path)
    if bundle_dir.exists():
        shutil.rmtree(bundle_dir)
    staging.rename(bundle_dir)
    log.info("bundle written to %s", bundle_dir)
    return manifest


@dataclass(frozen=True)
class _Measured:
    """What is measured on the exported graph, as the server will run it."""

    behaviour: SuiteResult
    test_scores: np.ndarray
    test: dict[str, Any]
    validation_scores: np.ndarray
    out_of_domain: dict[str, Any] | None
    baseline: dict[str, Any]


def _export(
    run: TrainedRun, staging: Path, fields: dict[str, Any]
) -> tuple[SentimentClassifier, Parity]:
    """Export and load back exactly as the server will, then prove the graph is the model:
    Keras vs ONNX, alone vs batched, the empty text."""
    proto, recurrent = to_onnx(run.model, run.config, PAD_ID)
    fields["recurrent"] = recurrent
    onnx.save(proto, staging / MODEL_FILE)
    shutil.copyfile(run.run_dir / RUN_TOKENIZER_FILE, staging / TOKENIZER_FILE)
    loading = Manifest(**fields, metrics={}, files=file_checksums(staging))
    classifier = SentimentClassifier.load(staging, loading)
    test = run.dataset.test
    sample = np.random.default_rng(run.config.seed).permutation(len(test))[:PARITY_REVIEWS]
    return classifier, check_parity(run.model, classifier, [test.texts[i] for i in sample])


def _measure(
    run: TrainedRun, classifier: SentimentClassifier, clock: Stopwatch, ood_dir: Path
) -> _Measured:
    """The behavioural suite; the whole test split beside the yardstick; the out-of-domain sets."""
    with clock.stage("behavioural tests"):
        behaviour = run_suite(classifier)
    log.info("behavioural tests: %s", behaviour.overall)
    test = run.dataset.test
    with clock.stage("evaluation on test"):
        log.info("evaluating the bundle on %d test reviews", len(test))
        scores = score_split(classifier, test, progress=_progress("test"))
        test_metrics = binary_metrics(test.labels, scores, run.threshold)
        validation_scores = score_split(classifier, run.validation)
    log.info("test accuracy %.4f, ROC-AUC %.4f", test_metrics["accuracy"], test_metrics["roc_auc"])
    out_of_domain_metrics = None
    if out_of_domain.available(ood_dir):
        with clock.stage("out-of-domain sets"):
            sets = out_of_domain.load_binary_sets(ood_dir)
            scorer = out_of_domain.classifier_scorer(classifier)
            out_of_domain_metrics = out_of_domain.evaluate(scorer, sets, run.threshold)
        log.info("out of domain: %s", out_of_domain.summary(out_of_domain_metrics))
    else:
        log.warning("%s: the out-of-domain sets are absent; the card will not report them", ood_dir)
    with clock.stage("yardstick"):
        log.info("fitting the TF-IDF + logistic regression yardstick")
        baseline = tfidf_logistic_regression(run.dataset.train, test, run.config.seed)
    log.info("yardstick test accuracy %.4f", baseline["accuracy"])
    return _Measured(
        behaviour, scores, test_metrics, validation_scores, out_of_domain_metrics, baseline
    )


def _metrics(run: TrainedRun, parity: Parity, measured: _Measured) -> dict[str, Any]:
    validation, test = run.validation, run.dataset.test
    return {
        "test": measured.test,
        "validation": binary_metrics(validation.labels, measured.validation_scores, run.threshold),
        "baseline_tfidf_logreg": measured.baseline,
        "export_parity": parity.as_dict(),
        "calibration": {
            **(run.calibration or {"temperature": None}),
            "bins": ECE_BINS,
            "validation_ece": expected_calibration_error(
                validation.labels, measured.validation_scores
            ),
            "test_ece": expected_calibration_error(test.labels, measured.test_scores),
            "threshold": run.threshold,
        },
        "distillation": run.distillation,
        "short_texts": run.short_texts,
        "quantization": run.quantization,
        "out_of_domain": measured.out_of_domain,
        "behaviour": measured.behaviour.summary(),
        "training": {
            "epochs_run": len(run.history["loss"]),
            "best_epoch": run.best_epoch,
            "train_seconds": round(run.train_seconds, 1),
            "history": run.history,
        },
    }


def _write_report(
    run: TrainedRun,
    staging: Path,
    fields: dict[str, Any],
    metrics: dict[str, Any],
    measured: _Measured,
    trials_path: Path | None,
) -> Manifest:
    """Plots, summary, token fixtures, trials and the model card; the manifest last, with the
    checksums of every file above."""
    report_dir, test = staging / REPORT_DIR, run.dataset.test
    plot_history(run.history, report_dir)
    plot_roc(test.labels, measured.test_scores, report_dir, measured.test["roc_auc"])
    plot_confusion(measured.test["confusion_matrix"], report_dir)
    plot_reliability(test.labels, measured.test_scores, report_dir)
    shutil.copyfile(run.run_dir / SUMMARY_FILE, report_dir / SUMMARY_FILE)
    (report_dir / TOKEN_FIXTURES_FILE).write_text(_token_fixtures(run) + "\n", encoding="utf-8")
    trials = record_trial(trials_path, fields, metrics)
    (report_dir / "trials.json").write_text(json.dumps(trials, indent=2) + "\n")
    manifest = Manifest(**fields, metrics=metrics, files={})
    (report_dir / "model_card.md").write_text(
        model_card.render(manifest, trials, [render_markdown(measured.behaviour)])
    )
    return write_manifest(staging, manifest)


def _manifest_fields(
    run: TrainedRun, name: str, version: str, preset: str | None
) -> dict[str, Any]:
    """Every manifest field but the recurrent layer's (the export adds it), the metrics and the
    files."""
    config = run.config
    return {
        "name": name,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "labels": list(LABELS),
        "threshold": run.threshold,
        "max_length": config.max_length,
        "truncation": config.truncation,
        "pad_id": PAD_ID,
        "vocab_size": run.tokenizer.get_vocab_size(),
        "inputs": [TensorSpec(name=INPUT_NAME, dtype="int64", shape=["batch", "sequence"])],
        "outputs": [TensorSpec(name=OUTPUT_NAME, dtype="float32", shape=["batch", 1])],
        "config": {"preset": preset, **config.to_dict(), "onnx_opset": OPSET},
        "dataset": {
            **run.dataset.describe(),
            "validation": len(run.validation),
            "validation_fraction": config.validation_fraction,
            "unlabeled_for_embeddings": run.unlabeled,
        },
        "libraries": _library_versions(),
    }


def _token_fixtures(run: TrainedRun) -> str:
    """Ids of TOKEN_FIXTURES as the training code path computes them (one text at a time)."""
    fixtures = [
        {"text": text, "ids": encode(run.tokenizer, [text], PAD_ID).input_ids[0].tolist()}
        for text in TOKEN_FIXTURES
    ]
    return json.dumps(fixtures, ensure_ascii=False, indent=1)


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in _LIBRARIES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _progress(what: str) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        if done == total or done % 5120 < 256:
            log.info("scoring %s: %d/%d", what, done, total)

    return report
