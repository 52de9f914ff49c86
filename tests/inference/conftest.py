from __future__ import annotations

import json
from pathlib import Path

SHIPPED_BUNDLE = Path(__file__).resolve().parents[2] / "models" / "imdb-sentiment"
# The shipped bundle's version, read from its manifest, so shipping a new bundle edits no test.
SHIPPED_VERSION: str = json.loads((SHIPPED_BUNDLE / "manifest.json").read_text())["version"]
