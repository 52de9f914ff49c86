"""Figures measured on a finished bundle (long-text readings, faithfulness of explanations):
written beside its report, and into its model card with the manifest's checksums refreshed.

The model card gets them as one section between markers, so a re-run replaces the section and
leaves the rest of the card as the exporter wrote it.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

from app.inference.bundle import Manifest, read_manifest
from app.paths import DEFAULT_BUNDLE
from training.fit.data import DEFAULT_DATA
from training.ship.manifest import write_manifest

log = logging.getLogger("training")

REPORT_DIR = "report"
CARD_FILE = "model_card.md"


def add_options(parser: argparse.ArgumentParser, out: bool = True) -> None:
    """The options every study of a bundle shares: which bundle, the labelled reviews, and where
    the figures go (``--out``; ``--update-card``: into the bundle's report and model card)."""
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the labelled reviews")
    if out:
        parser.add_argument("--out", type=Path, help="folder for the figures (default: report/)")
    parser.add_argument(
        "--update-card", action="store_true", help="also write the figures into the model card"
    )


def publish(
    args: argparse.Namespace,
    name: str,
    figures: dict[str, Any],
    lines: list[str],
    manifest_changes: dict[str, Any] | None = None,
) -> None:
    """Write a study's figures where ``add_options``' options say: into --out (by default the
    bundle's report folder), and with --update-card into the bundle and its card, with
    ``manifest_changes`` (fields the server reads, such as the chosen chunking) in its
    manifest."""
    if args.out is not None or not args.update_card:
        write(args.out or args.bundle / REPORT_DIR, name, figures, lines)
    if args.update_card:  # writes them into the report folder too
        update_bundle(args.bundle, name, figures, lines, manifest_changes)


def write(out_dir: Path, name: str, figures: dict[str, Any], lines: list[str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
    (out_dir / f"{name}.md").write_text("\n".join(lines) + "\n")
    log.info("wrote %s and %s", out_dir / f"{name}.json", out_dir / f"{name}.md")


def read_sections(report_dir: Path) -> dict[str, list[str]]:
    """The Markdown each study wrote into a report folder, by name."""
    return {
        name: (report_dir / f"{name}.md").read_text().splitlines()
        for name in MEASURED_TITLES
        if (report_dir / f"{name}.md").is_file()
    }


def update_bundle(
    bundle_dir: Path,
    name: str,
    figures: dict[str, Any],
    lines: list[str],
    manifest_changes: dict[str, Any] | None = None,
) -> None:
    """Store a study's ``figures`` and its Markdown ``lines`` in the bundle's report, put every
    study's lines into its model card, and record the new checksums and ``manifest_changes`` in
    its manifest (validated as the server reads it; the server verifies the checksums)."""
    report_dir = bundle_dir / REPORT_DIR
    manifest = read_manifest(bundle_dir)
    if manifest_changes:  # checked before anything is written
        changed = manifest.model_dump(exclude_unset=True) | manifest_changes
        manifest = Manifest.model_validate(changed)
    write(report_dir, name, figures, lines)
    card_path = report_dir / CARD_FILE
    card = card_path.read_text()
    card_path.write_text(with_measured_section(card, read_sections(report_dir)))
    write_manifest(bundle_dir, manifest)
    log.info("model card and checksums of %s updated", bundle_dir)


# The sections measured on a finished bundle, by name, in the card's order.
MEASURED_TITLES = {
    "long_text": "### Long reviews",
    "faithfulness": "### Explanations",
    "out_of_domain": "### Out-of-domain text beside earlier bundles and yardsticks",
}
_BEGIN = "<!-- measured on the bundle: begin -->"
_END = "<!-- measured on the bundle: end -->"


def section(measured: dict[str, list[str]]) -> list[str]:
    """The card's section of what was measured on the bundle: each study's own Markdown lines,
    by name (empty without any)."""
    if not measured:
        return []
    lines = [_BEGIN, "## Measured on the finished bundle", ""]
    for name, title in MEASURED_TITLES.items():
        if name in measured:
            lines += [title, "", *measured[name], ""]
    return [*lines, _END, ""]


def with_measured_section(card: str, measured: dict[str, list[str]]) -> str:
    """``card`` with its measured section replaced (or added before "## Files")."""
    text = "\n".join(section(measured)) + "\n" if measured else ""
    if _BEGIN in card and _END in card:
        head, rest = card.split(_BEGIN, 1)
        tail = rest.split(_END, 1)[1].removeprefix("\n").removeprefix("\n")
        return head + text + tail
    head, files, tail = card.partition("## Files")
    return head + text + files + tail
