"""The out-of-domain sets: read as binary sets, scored with the bundle's threshold, rendered in
the model card; and, where ``../shared/data/ood`` is present, the shipped bundle's figures."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from app.inference.pipeline import SentimentClassifier
from tests.inference.conftest import SHIPPED_BUNDLE
from training.measure import out_of_domain, out_of_domain_card

OOD_DIR = Path(
    os.environ.get("OOD_DIR", Path(__file__).resolve().parents[2].parent / "shared/data/ood")
)


def _write_sets(folder: Path) -> Path:
    rows = {
        "amazon_books.csv": [("A great read.", "positive"), ("Dull and long.", "negative")],
        "amazon_dvd.csv": [("Loved it.", "positive"), ("Scratched disc, awful.", "negative")],
        "airline_tweets.csv": [
            ("@air thanks!", "positive"),
            ("@air lost my bag", "negative"),
            ("@air flying tomorrow", "neutral"),
        ],
    }
    for file, texts in rows.items():
        with (folder / file).open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(["text", "label"])
            writer.writerows(texts)
    return folder


def test_sets_are_binary_and_leave_neutral_tweets_out(tmp_path: Path) -> None:
    sets = out_of_domain.load_binary_sets(_write_sets(tmp_path))
    assert list(sets) == ["amazon_books", "amazon_dvd", "airline_tweets"]
    assert sets["airline_tweets"].texts == ["@air thanks!", "@air lost my bag"]
    assert sets["airline_tweets"].labels.tolist() == [1, 0]
    assert out_of_domain.available(tmp_path) and not out_of_domain.available(tmp_path / "no")


def test_scores_are_judged_at_the_given_threshold(tmp_path: Path) -> None:
    sets = out_of_domain.load_binary_sets(_write_sets(tmp_path))
    # Every text scores 0.6: right on positives only at threshold 0.5, on negatives at 0.7.
    constant = lambda texts: np.full(len(texts), 0.6, dtype=np.float32)  # noqa: E731
    low, high = (
        out_of_domain.evaluate(constant, sets, 0.5),
        out_of_domain.evaluate(constant, sets, 0.7),
    )
    assert low["airline_tweets"]["accuracy"] == 0.5 and low["airline_tweets"]["positive_rate"] == 1
    assert high["amazon_books"]["accuracy"] == 0.5 and high["amazon_books"]["positive_rate"] == 0
    assert low["airline_tweets"]["balanced_accuracy"] == 0.5
    assert low["mean_accuracy"] == pytest.approx(0.5)
    summary = out_of_domain.summary(low)
    assert set(summary) == {"amazon_books", "amazon_dvd", "airline_tweets", "mean_accuracy"}


def test_card_lines_show_every_set_and_scorer(tmp_path: Path) -> None:
    sets = out_of_domain.load_binary_sets(_write_sets(tmp_path))
    perfect = out_of_domain.evaluate(lambda texts: np.array([1.0, 0.0] * (len(texts) // 2)), sets)
    table = out_of_domain_card.render_table({"new 3.0.0": perfect, "VADER": perfect})
    assert "| set | new 3.0.0 | VADER |" in table and table.count("100.0%") == 10
    lines = out_of_domain_card.evaluation_lines({"out_of_domain": perfect})
    assert lines[0].startswith("## Out-of-domain") and sum("|" in line for line in lines) == 6
    trial = {"out_of_domain": out_of_domain.summary(perfect)}
    assert out_of_domain_card.trial_cell(trial).endswith("mean 1.000")
    assert out_of_domain_card.seed_lines([trial, trial])[-2].endswith("100.00% ± 0.00% |")


@pytest.mark.real_data
@pytest.mark.skipif(
    not out_of_domain.available(OOD_DIR),
    reason=f"out-of-domain sets not found at {OOD_DIR} (set OOD_DIR to their folder to run this)",
)
def test_shipped_bundle_figures_are_the_ones_it_records() -> None:
    classifier = SentimentClassifier.from_bundle(SHIPPED_BUNDLE)
    manifest = classifier.manifest
    recorded = manifest.metrics.get("out_of_domain")
    if recorded is None:  # exported before bundles recorded them: make measure's figures
        measured = json.loads((SHIPPED_BUNDLE / "report" / "out_of_domain.json").read_text())
        recorded = measured["results"][f"{manifest.name} {manifest.version}"]
    sets = out_of_domain.load_binary_sets(OOD_DIR)
    scorer = out_of_domain.classifier_scorer(classifier)
    measured = out_of_domain.evaluate(scorer, sets, classifier.manifest.threshold)
    for name in sets:
        assert measured[name]["accuracy"] == pytest.approx(recorded[name]["accuracy"], abs=1e-9)
