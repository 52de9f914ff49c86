from __future__ import annotations

from pathlib import Path

from app.inference.bundle import read_manifest

SHIPPED_BUNDLE = Path(__file__).resolve().parents[2] / "models" / "imdb-sentiment"
# The shipped bundle's version, read from its manifest, so shipping a new bundle edits no test.
SHIPPED_VERSION = read_manifest(SHIPPED_BUNDLE).version
