"""Write a finished bundle's model card again from its manifest, the trials log and what was
measured on it: trials logged after its export (explorations, ablation runs) then reach its
trials and ablation tables without exporting it again. The graph, the tokenizer and every figure
in the manifest stay as they are; the report's trials.json, the card and the manifest's checksums
are rewritten."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from app.inference.bundle import read_manifest
from app.inference.pipeline import SentimentClassifier
from training.fit.data import LABELS
from training.measure.behaviour import render_markdown, run_suite
from training.ship import model_card
from training.ship.manifest import write_manifest
from training.ship.measured import REPORT_DIR, read_sections

log = logging.getLogger("training")


def refresh_card(bundle_dir: Path, trials: list[dict[str, Any]]) -> None:
    """Render ``bundle_dir``'s card with ``trials``, the behavioural suite run again (as the
    exporter runs it, for a negative/positive bundle) and the measured sections it has."""
    manifest = read_manifest(bundle_dir)
    sections = []
    if tuple(manifest.labels) == LABELS:
        sections.append(render_markdown(run_suite(SentimentClassifier.from_bundle(bundle_dir))))
    report_dir = bundle_dir / REPORT_DIR
    model_card.write(report_dir, manifest, trials, sections, read_sections(report_dir))
    write_manifest(bundle_dir, manifest)
    log.info("model card of %s written again with %d trials", bundle_dir, len(trials))
