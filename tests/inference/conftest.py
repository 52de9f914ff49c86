from __future__ import annotations

from app.inference.bundle import read_manifest
from app.paths import DEFAULT_BUNDLE

SHIPPED_BUNDLE = DEFAULT_BUNDLE
# The shipped bundle's version, read from its manifest, so shipping a new bundle edits no test.
SHIPPED_VERSION = read_manifest(SHIPPED_BUNDLE).version
