"""``python -m training card``: the shipped bundle's card written again with a trial logged after
its export keeps every line it had, gains the trial's rows, and the bundle still verifies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from app.inference.pipeline import SentimentClassifier
from tests.inference.conftest import SHIPPED_BUNDLE
from training.cli import main
from training.fit.data import IMDB_TRIALS


def test_card_gains_later_trials_and_the_bundle_still_verifies(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(SHIPPED_BUNDLE, bundle)
    before = (bundle / "report" / "model_card.md").read_text().splitlines()
    trials = [json.loads(line) for line in IMDB_TRIALS.read_text().splitlines() if line.strip()]
    later = {
        **trials[-1],
        "name": "explore-later",
        "note": "logged after the export",
        "ablation": {
            "technique": "a technique tried later",
            "against": "the shipped default",
            "left_out": True,
            "baseline_validation_accuracy": 0.92,
            "baseline_out_of_domain_mean": 0.86,
            "kept": True,
        },
    }
    log = tmp_path / "trials.jsonl"
    log.write_text("".join(json.dumps(trial) + "\n" for trial in [*trials, later]))

    assert main(["card", "--bundle", str(bundle), "--trials", str(log)]) == 0

    after = (bundle / "report" / "model_card.md").read_text().splitlines()
    added = [line for line in after if line not in before]
    assert any("explore-later" in line and "logged after the export" in line for line in added)
    assert any(line.startswith("| a technique tried later |") for line in added)
    # Only rows were added: every line of the card before is still there, in order.
    remaining = iter(after)
    assert all(line in remaining for line in before)
    recorded = json.loads((bundle / "report" / "trials.json").read_text())
    assert recorded[-1]["name"] == "explore-later"
    SentimentClassifier.from_bundle(bundle)  # checksums rewritten: the bundle verifies
