"""The bundle's model card (Markdown): what it is, how it was made, how good it is, its limits."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.inference.bundle import Manifest
from training.fit.config import PUBLISHED_RECIPE
from training.fit.formats import is_table
from training.measure import out_of_domain_card
from training.ship import calibration_card, card_lines, class_card
from training.ship.measured import CARD_FILE
from training.ship.measured import section as measured_section

_RECIPE = PUBLISHED_RECIPE.to_dict()
TRIALS_FILE = "trials.json"  # the trials the card lists, beside it in the report
_METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
_POOLED = {
    "last": "",
    "mean": " -> mean over the text's tokens",
    "mean_max": " -> mean and max over the text's tokens",
}


def write(
    report_dir: Path,
    manifest: Manifest,
    trials: list[dict[str, Any]],
    sections: Sequence[str] = (),
    measured: dict[str, list[str]] | None = None,
) -> None:
    """The report's trials.json and the card rendered from them (``render``)."""
    (report_dir / TRIALS_FILE).write_text(json.dumps(trials, indent=2) + "\n")
    (report_dir / CARD_FILE).write_text(render(manifest, trials, sections, measured))


def render(
    manifest: Manifest,
    trials: list[dict[str, Any]],
    sections: Sequence[str] = (),
    measured: dict[str, list[str]] | None = None,
) -> str:
    """The card; ``sections`` (Markdown, each with its own heading) follow the evaluation;
    ``measured`` holds figures measured on the finished bundle, by name (see
    ``training.ship.measured.MEASURED_TITLES``), shown in their own section."""
    metrics = manifest.metrics
    # A user's table gets the generic card; the movie-review wording is for the IMDB data only.
    generic = manifest.multiclass or is_table(Path(str(manifest.dataset["source"])))
    lines = [
        *(class_card.introduction(manifest) if generic else _introduction(manifest)),
        *(class_card.data(manifest) if generic else _data(manifest)),
        *_configuration(manifest.config),
        *_training(manifest),
        *(class_card.evaluation(metrics) if manifest.multiclass else _evaluation(metrics)),
        *out_of_domain_card.evaluation_lines(metrics),
        *card_lines.seeds(manifest.config, trials),
        *calibration_card.calibration(metrics),
        *[line for section in sections for line in (section, "")],
        *_export(manifest),
        *_trials(trials),
        "",
        *measured_section(measured or {}),
        "## Files",
        "",
        "`model.onnx`, `tokenizer.json`, `manifest.json` (interface, metrics, sha256 of every"
        " file), `report/` (this card, plots, `model_summary.txt`, `trials.json`).",
        "",
    ]
    return "\n".join(lines)


def _introduction(manifest: Manifest) -> list[str]:
    """What the model is and how good, then its intended use and limits."""
    metrics, config, recurrent = manifest.metrics, manifest.config, manifest.recurrent
    test, baseline = metrics["test"], metrics["baseline_tfidf_logreg"]
    cell = f"{'bidirectional ' if recurrent.bidirectional else ''}{recurrent.cell.upper()}"
    pooled = _POOLED[recurrent.pooling]
    return [
        f"# Model card: {manifest.name} {manifest.version}",
        "",
        "A binary sentiment classifier for English movie reviews:"
        f" {card_lines.embedding(config)} -> {cell} ({card_lines.units(config)}){pooled} ->"
        " sigmoid. It scores a review's probability of"
        f" being **{manifest.labels[1]}**; at or above {manifest.threshold} the label is"
        f" {manifest.labels[1]}, below it {manifest.labels[0]}.",
        "",
        f"Test accuracy **{test['accuracy']:.2%}** on {test['examples']:,} held-out reviews"
        f" (TF-IDF + logistic regression yardstick: {baseline['accuracy']:.2%}).",
        "",
        "## Intended use and limits",
        "",
        *card_lines.domain_limit(metrics),
        *card_lines.truncation_limit(manifest),
        f"- The vocabulary has {manifest.vocab_size:,} tokens"
        f"{class_card.vocabulary_source(manifest, 'reviews')};"
        " rarer words are all one unknown token.",
        *card_lines.calibration_limit(metrics),
        "- Labels in the data come from star ratings (<= 4 negative, >= 7 positive); neutral"
        " reviews were left out of it, so a neutral review gets an arbitrary side.",
        "",
    ]


def _data(manifest: Manifest) -> list[str]:
    data, metrics = manifest.dataset, manifest.metrics
    return [
        "## Data",
        "",
        f"- Source: `{data['source']}` (sha256 of its reviews `{data['sha256']}`).",
        f"- Train {data['train']:,} reviews ({data['train_positive']:,} positive), of which a"
        f" seeded, stratified {data['validation_fraction']:.0%} ({data['validation']:,}) is"
        f" held out for validation; test {data['test']:,} ({data['test_positive']:,} positive).",
        "- Tokenizer (`tokenizer.json`, fitted on the training rows only): drop `<br />`, Unicode"
        " NFKC, lower-case, split words from punctuation; id 0 pads, id 1 is unknown.",
        *card_lines.pretraining(data),
        *class_card.started_from(data),
        *card_lines.distillation(metrics),
        *out_of_domain_card.short_text_lines(metrics, manifest.config),
        *out_of_domain_card.quantization_lines(metrics),
        *class_card.balance(data),
        *class_card.left_out(data),
        *class_card.extras(metrics),
        "",
    ]


def _configuration(config: dict[str, Any]) -> list[str]:
    lines = [
        "## Configuration",
        "",
        f"Preset `{config.get('preset')}`; differences from the published recipe are in bold.",
        "",
        "| setting | value | recipe |",
        "|---|---|---|",
    ]
    for key, recipe_value in _RECIPE.items():
        # A setting added after the bundle was trained was off then: the recipe's value.
        value = config.get(key, recipe_value)
        shown = f"**{value}**" if value != recipe_value else str(value)
        lines.append(f"| {key} | {shown} | {recipe_value} |")
    return lines


def _training(manifest: Manifest) -> list[str]:
    metrics = manifest.metrics
    training = metrics["training"]
    lines = [
        "",
        "## Training",
        "",
        f"{training['epochs_run']} epochs in {training['train_seconds'] / 60:.1f} minutes on"
        f" {card_lines.machine(manifest)}; weights of epoch {training['best_epoch']} kept.",
        "",
        *card_lines.stages(metrics),
        "![accuracy per epoch](accuracy.png) ![loss per epoch](loss.png)",
        "",
        "| epoch | loss | accuracy | validation loss | validation accuracy |",
        "|---|---|---|---|---|",
    ]
    history = training["history"]
    columns = ("loss", "accuracy", "val_loss", "val_accuracy")
    for epoch, row in enumerate(zip(*(history[key] for key in columns), strict=True), start=1):
        lines.append(f"| {epoch} | " + " | ".join(f"{value:.4f}" for value in row) + " |")
    return lines


def _evaluation(metrics: dict[str, Any]) -> list[str]:
    test, baseline = metrics["test"], metrics["baseline_tfidf_logreg"]
    lines = [
        "",
        f"## Evaluation on the test split ({test['examples']:,} reviews)",
        "",
        "Scored through the exported bundle with onnxruntime, as the service scores them.",
        "",
        "| metric | this model | TF-IDF + logistic regression |",
        "|---|---|---|",
    ]
    for key in _METRICS:
        lines.append(f"| {key} | {test[key]:.4f} | {baseline[key]:.4f} |")
    confusion = test["confusion_matrix"]
    return [
        *lines,
        "",
        f"Confusion: {confusion['tn']:,} true negatives, {confusion['fp']:,} false positives,"
        f" {confusion['fn']:,} false negatives, {confusion['tp']:,} true positives."
        f" The yardstick uses word uni- and bigrams ({baseline['features']:,} features).",
        "",
        "![ROC curve](roc.png) ![confusion matrix](confusion_matrix.png)",
        "",
        *class_card.per_label(metrics),
    ]


def _export(manifest: Manifest) -> list[str]:
    config, recurrent = manifest.config, manifest.recurrent
    parity = manifest.metrics["export_parity"]
    return [
        "## Export",
        "",
        f"ONNX opset {config['onnx_opset']}; the recurrent layer runs as ONNX"
        f" `{recurrent.onnx_op}`"
        + (" with per-row `sequence_lens`." if recurrent.uses_sequence_lens else ".")
        + f" Checked on {parity['reviews']:,} test reviews: Keras vs ONNX max |difference|"
        f" {parity['keras_onnx_max_abs_diff']:.2e} (limit {parity['keras_onnx_tolerance']:g});"
        f" a review alone vs in a padded batch {parity['alone_vs_batch_max_abs_diff']:.2e}"
        f" (limit {parity['batch_invariance_tolerance']:g}); the empty text scores"
        f" {parity['empty_text_score']:.4f}.",
        "",
    ]


def _trials(trials: list[dict[str, Any]]) -> list[str]:
    """Every trial in the log, one row each, and the ablation table."""
    return [
        "## Tuning trials",
        "",
        "Every training run recorded in the trials log, in order. Pipeline runs score the test"
        " split through ONNX; exploratory runs (with a note) scored it with Keras after each"
        " epoch, and their test figure is at the epoch of lowest validation loss. Changes are"
        " relative to the published recipe.",
        "",
        "| # | name | preset | changes | epochs (best) | minutes | validation acc. |"
        " out of domain: books / DVD / tweets (balanced) | test acc. | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(card_lines.trial_row(number, trial) for number, trial in enumerate(trials, start=1)),
        *card_lines.ablation(trials),
    ]
