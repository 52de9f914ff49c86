"""The one writer of a bundle's ``manifest.json``: it lists the sha256 of every other file, so it
is written last, after the model card (the exporter) or after the card's measured section
(``training.ship.measured``)."""

from __future__ import annotations

from pathlib import Path

from app.inference.bundle import MANIFEST_FILE, Manifest, file_checksums


def write_manifest(bundle_dir: Path, manifest: Manifest) -> Manifest:
    """``manifest`` with the checksums of the bundle's files as they are now, written."""
    manifest = manifest.model_copy(update={"files": file_checksums(bundle_dir)})
    # A multiclass manifest has no threshold (its label is the most probable one).
    leave_out = {"threshold"} if manifest.multiclass else set()
    if manifest.chunking is None:  # recorded only once python -m training long-text chose it
        leave_out.add("chunking")
    (bundle_dir / MANIFEST_FILE).write_text(
        manifest.model_dump_json(indent=2, exclude=leave_out) + "\n"
    )
    return manifest
