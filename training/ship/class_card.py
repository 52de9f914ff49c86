"""Lines of the model card about labels, for any number of them: class balance, rows left out,
what was learnt from beside the labelled rows, each label's precision/recall/F1 beside the
yardstick's, macro-F1 and the confusion matrix; and, for a user's table (any number of labels),
the card's introduction and data section (``training.ship.model_card`` writes the IMDB ones)."""

from __future__ import annotations

from typing import Any

from app.inference.bundle import Manifest
from training.ship import card_lines


def introduction(manifest: Manifest) -> list[str]:
    metrics, config, recurrent = manifest.metrics, manifest.config, manifest.recurrent
    test, baseline = metrics["test"], metrics["baseline_tfidf_logreg"]
    cell = f"{'bidirectional ' if recurrent.bidirectional else ''}{recurrent.cell.upper()}"
    labels = ", ".join(f"**{label}**" for label in manifest.labels)
    return [
        f"# Model card: {manifest.name} {manifest.version}",
        "",
        f"A text classifier with {len(manifest.labels)} labels ({labels}), trained on"
        f" `{manifest.dataset['source']}`: {card_lines.embedding(config)} -> {cell}"
        f" ({card_lines.units(config)}) -> {_head(manifest)}",
        "",
        f"Test accuracy **{test['accuracy']:.2%}**, macro-F1 **{test['macro_f1']:.4f}** on"
        f" {test['examples']:,} held-out rows (TF-IDF + logistic regression yardstick:"
        f" {baseline['accuracy']:.2%}, macro-F1 {baseline['macro_f1']:.4f}).",
        "",
        "## Intended use and limits",
        "",
        f"- Text like the training rows of `{manifest.dataset['source']}`; other kinds of text,"
        " other languages and sarcasm will be scored less reliably.",
        f"- Only the {manifest.truncation} {manifest.max_length} tokens of a text are read.",
        f"- The vocabulary has {manifest.vocab_size:,} tokens{vocabulary_source(manifest)};"
        " rarer words are all one unknown token.",
        _calibration_limit(manifest),
        "",
    ]


def _head(manifest: Manifest) -> str:
    if manifest.multiclass:
        return "softmax. It gives each label's probability; the label is the most probable one."
    first, second = manifest.labels
    return (
        f"sigmoid. It gives the probability of **{second}**; at or above {manifest.threshold}"
        f" the label is {second}, below it {first}."
    )


def _calibration_limit(manifest: Manifest) -> str:
    calibration = manifest.metrics.get("calibration") or {}
    if calibration.get("temperature") is not None:
        return (
            f"- The probabilities were calibrated on validation (temperature"
            f" {calibration['temperature']:.2f}; expected calibration error on test"
            f" {calibration['test_ece']:.3f}); on traffic whose label mix differs from the class"
            " balance below, they will be off by that much."
        )
    kind = "softmax" if manifest.multiclass else "sigmoid"
    return (
        f"- The probabilities are the {kind}'s, not calibrated; on traffic whose label mix"
        " differs from the class balance below, they will be off by that much."
    )


def vocabulary_source(manifest: Manifest, rows: str = "rows") -> str:
    """Where the vocabulary came from, for the card's limits."""
    source = manifest.dataset.get("started_from")
    if not source:
        return f" learnt from the training {rows}"
    return f": `{source['bundle']}`'s and {source['words_added']:,} more from the training {rows}"


def data(manifest: Manifest) -> list[str]:
    described = manifest.dataset
    return [
        "## Data",
        "",
        f"- Source: `{described['source']}` (sha256 of its rows `{described['sha256']}`).",
        f"- Train {described['train']:,} rows, validation {described['validation']:,}"
        f" ({_validation(described)}), test {described['test']:,}.",
        *started_from(described),
        *card_lines.pretraining(described),
        *card_lines.distillation(manifest.metrics),
        *balance(described),
        *left_out(described),
        *extras(manifest.metrics),
        "",
    ]


def started_from(data: dict[str, Any]) -> list[str]:
    source = data.get("started_from")
    if not source:
        return []
    tables = "embedding, word-pair table" if source.get("word_pairs", True) else "embedding"
    return [
        f"- Started from `{source['bundle']}` {source['version']} (`{source['path']}`): its"
        f" {tables} and recurrent layer, fine-tuned here with a new head. Its"
        f" {source['vocabulary']:,} words keep their ids; {source['words_added']:,} words of the"
        " training rows it lacked were added, their embeddings starting at zero."
    ]


def _validation(described: dict[str, Any]) -> str:
    if described.get("validation_given"):
        return "given by the data"
    return f"a seeded, stratified {described['validation_fraction']:.0%} of train"


def balance(described: dict[str, Any]) -> list[str]:
    splits = described.get("class_balance")
    if not splits:
        return []
    names = list(splits)
    lines = [
        "",
        "Class balance:",
        "",
        f"| label | {' | '.join(names)} |",
        "|---" * (len(names) + 1) + "|",
    ]
    for label in described["labels"]:
        counts = [splits[name].get(label, 0) for name in names]
        shares = [
            f"{count:,} ({count / max(1, sum(splits[n].values())):.0%})"
            for n, count in zip(names, counts, strict=True)
        ]
        lines.append(f"| {label} | {' | '.join(shares)} |")
    return [*lines, ""]


def left_out(described: dict[str, Any]) -> list[str]:
    problems = described.get("left_out")
    if problems is None:
        return []
    if not problems:
        return ["- No row was left out (none had an empty text, a missing label or a lone label)."]
    kinds = "; ".join(
        f"{kind}: {found['rows']:,} (first: {_places(found['first'])})"
        for kind, found in problems.items()
    )
    return [f"- Rows left out, each named in the training log: {kinds}."]


def _places(lines: list[str]) -> str:
    return ", ".join(f"`{where}`" for where in lines[:3])


def extras(metrics: dict[str, Any]) -> list[str]:
    used = metrics.get("extras")
    if not used:
        return []
    negation = f"{used['negation_sentences']:,}" if used["negation_sentences"] else "not used"
    unlabeled = f"`{used['unlabeled_reviews']}`" if used["unlabeled_reviews"] else "not used"
    return [
        f"- Beside the labelled rows: negation sentences {negation}; unlabelled reviews"
        f" {unlabeled}; teacher {used['teacher'] or 'not used'}. Class weights:"
        f" {used['class_weight']}."
    ]


def per_label(metrics: dict[str, Any]) -> list[str]:
    """Each label's precision, recall and F1 (and the yardstick's F1), macro-F1, confusion."""
    test, baseline = metrics["test"], metrics["baseline_tfidf_logreg"]
    if "per_label" not in test:
        return []
    yardstick = baseline.get("per_label", {})
    lines = [
        "### Per label",
        "",
        "| label | precision | recall | F1 | rows | yardstick F1 |",
        "|---|---|---|---|---|---|",
    ]
    for label, figures in test["per_label"].items():
        other = yardstick.get(label, {}).get("f1")
        shown = "-" if other is None else f"{other:.4f}"
        lines.append(
            f"| {label} | {figures['precision']:.4f} | {figures['recall']:.4f} |"
            f" {figures['f1']:.4f} | {figures['support']:,} | {shown} |"
        )
    lines.append(
        f"| **macro** | | | **{test['macro_f1']:.4f}** | {test['examples']:,} |"
        f" {baseline.get('macro_f1', float('nan')):.4f} |"
    )
    return [*lines, "", *confusion(test), ""]


def confusion(test: dict[str, Any]) -> list[str]:
    found = test.get("confusion")
    if not found:
        return []
    labels = found["labels"]
    lines = [
        "Confusion matrix (rows: true label, columns: predicted):",
        "",
        f"| true \\ predicted | {' | '.join(labels)} |",
        "|---" * (len(labels) + 1) + "|",
    ]
    for label, row in zip(labels, found["matrix"], strict=True):
        lines.append(f"| {label} | {' | '.join(f'{count:,}' for count in row)} |")
    return lines


def evaluation(metrics: dict[str, Any]) -> list[str]:
    """The evaluation section of a model with more than two labels."""
    test, baseline = metrics["test"], metrics["baseline_tfidf_logreg"]
    return [
        "",
        f"## Evaluation on the test split ({test['examples']:,} rows)",
        "",
        "Scored through the exported bundle with onnxruntime, as the service scores them.",
        "",
        "| metric | this model | TF-IDF + logistic regression |",
        "|---|---|---|",
        f"| accuracy | {test['accuracy']:.4f} | {baseline['accuracy']:.4f} |",
        f"| macro-F1 | {test['macro_f1']:.4f} | {baseline['macro_f1']:.4f} |",
        f"| log-loss | {test['log_loss']:.4f} | {baseline['log_loss']:.4f} |",
        "",
        f"The yardstick uses word uni- and bigrams ({baseline['features']:,} features).",
        "",
        *per_label(metrics),
        "![confusion matrix](confusion_matrix.png)",
        "",
    ]
