"""Figures measured on a finished bundle: the long-text comparison, the deletion test of
explanations, and their section in the model card (with the manifest's checksums kept true)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.inference.pipeline import SentimentClassifier
from tests.conftest import synthetic_reviews
from tests.inference.conftest import SHIPPED_BUNDLE
from training.fit.data import Split
from training.ship import measured
from training.studies import faithfulness, long_text


def split_of(count: int, seed: int) -> Split:
    rows = synthetic_reviews(count, seed=seed)
    return Split([text for text, _ in rows], np.array([label for _, label in rows]))


@pytest.fixture(scope="module")
def short_window() -> SentimentClassifier:
    """The shipped model reading windows of 24 tokens, so synthetic reviews are 'long'."""
    shipped = SentimentClassifier.from_bundle(SHIPPED_BUNDLE)
    return SentimentClassifier(
        shipped.manifest.model_copy(update={"max_length": 24}),
        shipped.tokenizer,
        shipped.session,
        shipped.bundle_dir,
    )


def test_long_text_measure_chooses_on_validation_and_compares_on_test(
    short_window: SentimentClassifier,
) -> None:
    figures = long_text.measure(short_window, split_of(40, seed=1), split_of(60, seed=2))
    validation, test = figures["validation"], figures["test"]
    assert 0 < validation["reviews"] < 40 and 0 < test["reviews"] < 60
    assert len(validation["grid"]) == len(long_text.OVERLAP_FRACTIONS) * 3
    best = max(row["accuracy"] for row in validation["grid"])
    chosen = validation["chosen"]
    assert any(
        row["accuracy"] == best and (row["overlap"], row["pooling"]) == tuple(chosen.values())
        for row in validation["grid"]
    )
    assert set(test["accuracy"]) == {"truncate", "head_tail", "chunk"}
    assert test["windows_per_review"] > 1
    assert "| reading | validation (long reviews) | test (long reviews) |" in "\n".join(
        long_text.card_lines(figures)
    )


def test_head_and_tail_keep_both_ends() -> None:
    ids = np.arange(1000)
    kept = long_text.head_and_tail(ids, 500)
    assert len(kept) == 500 and kept[0] == 0 and kept[127] == 127 and kept[128] == 628
    assert kept[-1] == 999


def test_faithfulness_measure(short_window: SentimentClassifier) -> None:
    shipped = SentimentClassifier.from_bundle(SHIPPED_BUNDLE)
    figures = faithfulness.measure(shipped, split_of(40, seed=3), reviews=12, seed=1)
    assert figures["reviews"] == 12
    assert figures["mean_move_top"] > figures["mean_move_random"]
    assert 0 <= figures["share_top_moves_more"] <= 1
    assert "12 test reviews" in faithfulness.card_lines(figures)[0]


def test_the_card_section_is_added_once_and_checksums_stay_true(bundle_copy: Path) -> None:
    figures = {
        "reviews": 3,
        "deleted_tokens": 5,
        "seed": 1,
        "long_text": "truncate",
        "mean_move_top": 0.2,
        "mean_move_random": 0.01,
        "share_top_moves_more": 1.0,
        "median_move_top": 0.2,
        "median_move_random": 0.01,
        "share_label_flipped_top": 0.5,
        "share_label_flipped_random": 0.0,
    }
    card = bundle_copy / "report" / "model_card.md"
    for _ in range(2):
        measured.update_bundle(
            bundle_copy, "faithfulness", figures, faithfulness.card_lines(figures)
        )
        text = card.read_text()
        assert text.count("## Measured on the finished bundle") == 1
        assert text.index("### Explanations") < text.index("## Files")
        SentimentClassifier.from_bundle(bundle_copy)  # verifies every checksum
    figures["share_top_moves_more"] = 0.9
    measured.update_bundle(bundle_copy, "faithfulness", figures, faithfulness.card_lines(figures))
    assert "**90.0%**" in card.read_text() and "**100.0%**" not in card.read_text()
    assert (bundle_copy / "report" / "faithfulness.json").is_file()


def test_the_long_text_choice_is_recorded_in_the_manifest_the_server_reads(
    short_window: SentimentClassifier, bundle_copy: Path
) -> None:
    figures = long_text.measure(short_window, split_of(40, seed=1), split_of(60, seed=2))
    changes = long_text.manifest_chunking(figures)
    assert changes is not None
    chosen = figures["validation"]["chosen"]
    measured.update_bundle(
        bundle_copy, "long_text", figures, long_text.card_lines(figures), changes
    )
    served = SentimentClassifier.from_bundle(bundle_copy)  # checksums still true
    assert served.manifest.chunking is not None
    assert (served.manifest.chunking.overlap, served.manifest.chunking.pooling) == (
        chosen["overlap"],
        chosen["pooling"],
    )
    assert f"on the {figures['validation']['reviews']} validation reviews" in (
        served.manifest.chunking.chosen_on
    )
    # Another study's update keeps it; a choice the bundle's window cannot hold is refused
    # before anything is written.
    measured.update_bundle(bundle_copy, "long_text", figures, long_text.card_lines(figures))
    assert (
        SentimentClassifier.from_bundle(bundle_copy).manifest.chunking == served.manifest.chunking
    )
    before = (bundle_copy / "manifest.json").read_text()
    too_long = {"chunking": {"overlap": served.manifest.max_length, "pooling": "mean"}}
    with pytest.raises(ValueError, match=r"chunking\.overlap \d+ must be below max_length"):
        measured.update_bundle(bundle_copy, "long_text", figures, [], too_long)
    assert (bundle_copy / "manifest.json").read_text() == before


def test_no_long_validation_review_means_no_choice_is_recorded() -> None:
    figures = {"validation": {"reviews": 0, "grid": [], "chosen": None}}
    assert long_text.manifest_chunking(figures) is None
