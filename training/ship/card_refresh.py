"""Write a finished bundle's model card again from its manifest, the trials log and what was
measured on it: trials logged after its export (explorations, ablation runs) then reach its
trials and ablation tables without exporting it again. The graph, the tokenizer and every figure
in the manifest stay as they are; the report's trials.json, the card and the manifest's checksums
are rewritten."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from app.inference.bundle import read_manifest
from app.inference.pipeline import SentimentClassifier
from training.measure.behaviour import render_markdown, run_suite
from training.ship import model_card
from training.ship.manifest import write_manifest
from training.ship.measured import CARD_FILE, REPORT_DIR, read_sections

log = logging.getLogger("training")

SENTIMENT_LABELS = ("negative", "positive")


def read_trials(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def refresh_card(bundle_dir: Path, trials: list[dict[str, Any]]) -> None:
    """Render ``bundle_dir``'s card with ``trials``, the behavioural suite run again (as the
    exporter runs it, for a negative/positive bundle) and the measured sections it has."""
    manifest = read_manifest(bundle_dir)
    sections = []
    if tuple(manifest.labels) == SENTIMENT_LABELS:
        suite = run_suite(SentimentClassifier.from_bundle(bundle_dir))
        sections.append(render_markdown(suite))
    report_dir = bundle_dir / REPORT_DIR
    (report_dir / "trials.json").write_text(json.dumps(trials, indent=2) + "\n")
    card = model_card.render(manifest, trials, sections, read_sections(report_dir))
    (report_dir / CARD_FILE).write_text(card)
    write_manifest(bundle_dir, manifest)
    log.info("model card of %s written again with %d trials", bundle_dir, len(trials))
