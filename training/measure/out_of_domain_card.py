"""The model card's lines about text that is not an IMDB review: the bundle's figures on the
``ood/`` sets, the comparison with earlier bundles and yardsticks (``make measure``), the spread
over seeds, and the short training texts that were added for it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

SET_TITLES = {
    "amazon_books": "`amazon_books.csv`",
    "amazon_dvd": "`amazon_dvd.csv`",
    "airline_tweets": "`airline_tweets.csv` (positive/negative)",
}


def render_table(results: Mapping[str, Mapping[str, Any]]) -> str:
    """Markdown: a row per set, a column per scorer: accuracy, the tweets' balanced accuracy,
    and ECE; the mean accuracy last."""
    names = list(results)
    lines = [
        "| set | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for key, title in SET_TITLES.items():
        cells = []
        for name in names:
            row = results[name][key]
            cell = f"{100 * row['accuracy']:.1f}%"
            if key == "airline_tweets":
                cell += f" (bal. {100 * row['balanced_accuracy']:.1f}%)"
            cells.append(f"{cell}, ECE {row['ece']:.3f}")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    means = [f"{100 * results[name]['mean_accuracy']:.1f}%" for name in names]
    lines.append("| mean accuracy of the three | " + " | ".join(means) + " |")
    return "\n".join(lines) + "\n"


def evaluation_lines(metrics: dict[str, Any]) -> list[str]:
    """The shipped model on each set, scored like the test split (through the bundle)."""
    figures = metrics.get("out_of_domain")
    if not figures:
        return []
    lines = [
        "## Out-of-domain text (validation only)",
        "",
        "Labelled sets that are not IMDB reviews (`ood/`): never trained on, and no threshold or"
        " temperature is fitted on them; model choices were made on them and on IMDB validation."
        " Scored through the exported bundle with its threshold. The tweets are the positive and"
        " negative rows (80% negative), so balanced accuracy stands beside accuracy.",
        "",
        "| set | texts | accuracy | balanced accuracy | ROC-AUC | ECE (15 bins) |",
        "|---|---|---|---|---|---|",
    ]
    for name in SET_TITLES:
        row = figures[name]
        lines.append(
            f"| {SET_TITLES[name]} | {row['examples']:,} | {row['accuracy']:.2%} |"
            f" {row['balanced_accuracy']:.2%} | {row['roc_auc']:.4f} | {row['ece']:.4f} |"
        )
    lines += [f"| mean of the three | | {figures['mean_accuracy']:.2%} | | | |", ""]
    return lines


def comparison_lines(figures: dict[str, Any]) -> list[str]:
    """``python -m training.out_of_domain --update-card``: this bundle beside earlier bundles,
    the TF-IDF yardstick and VADER, all scored in one run."""
    return [
        "Accuracy and ECE of each model on each set, scored in one run"
        f" ({figures['command']}). The TF-IDF + logistic regression yardstick is fitted on the"
        " IMDB training split; VADER is the rule-based lexicon scorer (compound >= 0 ->"
        " positive).",
        "",
        render_table(figures["results"]).rstrip("\n"),
    ]


def trial_cell(trial: dict[str, Any]) -> str:
    """A trial's out-of-domain accuracies, books / DVD / tweets (balanced) and their mean."""
    figures = trial.get("out_of_domain")
    if not figures:
        return "-"
    tweets = figures["airline_tweets"]
    return (
        f"{figures['amazon_books']['accuracy']:.3f} / {figures['amazon_dvd']['accuracy']:.3f} /"
        f" {tweets['accuracy']:.3f} ({tweets['balanced_accuracy']:.3f}); mean"
        f" {figures['mean_accuracy']:.3f}"
    )


def seed_lines(runs: Sequence[dict[str, Any]]) -> list[str]:
    """Mean ± standard deviation over seeds for each set, from trials that recorded them."""
    recorded = [trial["out_of_domain"] for trial in runs if trial.get("out_of_domain")]
    if len(recorded) < 2:
        return []
    lines = ["", "| out-of-domain set | mean ± sd over seeds |", "|---|---|"]
    columns: list[tuple[str, Callable[[dict[str, Any]], float]]] = [
        (SET_TITLES[name], _accuracy_of(name)) for name in SET_TITLES
    ]
    tweets = ("tweets, balanced accuracy", lambda f: f["airline_tweets"]["balanced_accuracy"])
    columns.insert(3, tweets)
    columns.append(("mean of the three", lambda f: f["mean_accuracy"]))
    for title, value in columns:
        values = np.array([value(figures) for figures in recorded])
        lines.append(f"| {title} | {values.mean():.2%} ± {values.std(ddof=1):.2%} |")
    return [*lines, ""]


def _accuracy_of(name: str) -> Callable[[dict[str, Any]], float]:
    return lambda figures: figures[name]["accuracy"]


# The card's line for each kind of short training text, filled with how many the run had.
SHORT_TEXT_LINES = {
    "review_crops": "- Short texts: {:,} crops of one to three consecutive sentences of the"
    " training rows, each with its review's label (`training/fit/crops.py`).",
    "everyday_sentences": "- Everyday sentences: {:,} complaints, praise (targets 0 and 1) and"
    " plain statements (target 0.5) about products, deliveries, service, travel, restaurants"
    " and hotels, written for training (`training/fit/everyday/`); none is a case of the"
    " behavioural suite.",
    "plain_statements": "- Plain statements: {:,} statements of fact (target 0.5) composed from"
    " templates of dates, places, sizes, people and things (`training/fit/everyday/facts.py`);"
    " none has the shape of a no-sentiment case of the behavioural suite.",
}


CROP_TEACHER_LINE = (
    " Each crop's target is {keep:.0%} its review's label and {share:.0%} the n-gram teacher's"
    " score of the crop itself (`review_crop_teacher`), so a passage with no polar words is"
    " not taught its review's label."
)


def short_text_lines(metrics: dict[str, Any], config: dict[str, Any]) -> list[str]:
    short = metrics.get("short_texts") or {}
    lines = [line.format(short[kind]) for kind, line in SHORT_TEXT_LINES.items() if short.get(kind)]
    share = config.get("review_crop_teacher", 0.0)
    if share and short.get("review_crops"):
        lines[0] += CROP_TEACHER_LINE.format(keep=1.0 - share, share=share)
    return lines


QUANTIZATION_LINE = (
    "- Embedding tables ({layer_names}) stored as int8 with one scale per row"
    " (`training/fit/quantize.py`), applied before calibration and every check: validation accuracy"
    " {validation_accuracy_float32:.2%} in float32, {validation_accuracy_int8:.2%} in int8 (at"
    " 0.5; largest change of a validation score {max_abs_score_change:.4f})."
)


def quantization_lines(metrics: dict[str, Any]) -> list[str]:
    """The card's line on int8 embedding tables, where the run quantized them."""
    quantization = metrics.get("quantization")
    if not quantization:
        return []
    layer_names = ", ".join(quantization["layers"])
    return [QUANTIZATION_LINE.format(**quantization, layer_names=layer_names)]
