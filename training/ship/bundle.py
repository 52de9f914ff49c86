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
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from app.inference.bundle import (
    BINARY_TASK,
    MODEL_FILE,
    MULTICLASS_TASK,
    TOKENIZER_FILE,
    Manifest,
    TensorSpec,
    file_checksums,
)
from app.inference.pipeline import SentimentClassifier, encode
from training.fit.calibration import plot_reliability
from training.fit.model import INPUT_NAME, output_name
from training.fit.stopwatch import Stopwatch
from training.fit.tokenizer import PAD_ID
from training.fit.train import SUMMARY_FILE, TrainedRun
from training.fit.train import TOKENIZER_FILE as RUN_TOKENIZER_FILE
from training.measure import out_of_domain
from training.measure.behaviour import render_markdown
from training.measure.metrics import plot_confusion_matrix, plot_history, plot_roc
from training.ship import model_card
from training.ship.evaluation import Measured, measure, metrics_of
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
    measured = measure(run, classifier, clock, ood_dir, progress=_progress("test"))
    metrics = metrics_of(run, parity, measured)
    metrics["stages_seconds"] = clock.seconds
    manifest = _write_report(run, staging, fields, metrics, measured, trials_path)
    if bundle_dir.exists():
        shutil.rmtree(bundle_dir)
    staging.rename(bundle_dir)
    log.info("bundle written to %s", bundle_dir)
    return manifest


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


def _write_report(
    run: TrainedRun,
    staging: Path,
    fields: dict[str, Any],
    metrics: dict[str, Any],
    measured: Measured,
    trials_path: Path | None,
) -> Manifest:
    """Plots, summary, token fixtures, trials and the model card; the manifest last, with the
    checksums of every file above."""
    report_dir, test = staging / REPORT_DIR, run.dataset.test
    plot_history(run.history, report_dir)
    if run.dataset.binary:
        plot_roc(test.labels, measured.test_scores, report_dir, measured.test["roc_auc"])
        plot_reliability(test.labels, measured.test_scores, report_dir)
    confusion = measured.test["confusion"]
    plot_confusion_matrix(np.array(confusion["matrix"]), confusion["labels"], report_dir)
    shutil.copyfile(run.run_dir / SUMMARY_FILE, report_dir / SUMMARY_FILE)
    (report_dir / TOKEN_FIXTURES_FILE).write_text(_token_fixtures(run) + "\n", encoding="utf-8")
    trials = record_trial(trials_path, fields, metrics)
    manifest = Manifest(**fields, metrics=metrics, files={})
    sections = [] if measured.behaviour is None else [render_markdown(measured.behaviour)]
    model_card.write(report_dir, manifest, trials, sections)
    return write_manifest(staging, manifest)


def _manifest_fields(
    run: TrainedRun, name: str, version: str, preset: str | None
) -> dict[str, Any]:
    """Every manifest field but the recurrent layer's (the export adds it), the metrics and the
    files."""
    config, labels = run.config, list(run.dataset.labels)
    binary = len(labels) == 2
    task: dict[str, Any] = {"task": BINARY_TASK, "labels": labels, "threshold": run.threshold}
    if not binary:  # the label is the most probable one: a multiclass manifest has no threshold
        task = {"task": MULTICLASS_TASK, "labels": labels}
    output_shape: list[int | str] = ["batch", 1 if binary else len(labels)]
    return {
        "name": name,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **task,
        "max_length": config.max_length,
        "truncation": config.truncation,
        "pad_id": PAD_ID,
        "vocab_size": run.tokenizer.get_vocab_size(),
        "inputs": [TensorSpec(name=INPUT_NAME, dtype="int64", shape=["batch", "sequence"])],
        "outputs": [TensorSpec(name=output_name(len(labels)), dtype="float32", shape=output_shape)],
        "config": {"preset": preset, **config.to_dict(), "onnx_opset": OPSET},
        "dataset": {
            **run.dataset.describe(),
            "validation": len(run.validation),
            "validation_fraction": config.validation_fraction,
            "unlabeled_for_embeddings": run.unlabeled,
            "started_from": run.started_from,
            "language_model": run.language_model,
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
