from __future__ import annotations

from pathlib import Path

SHIPPED_BUNDLE = Path(__file__).resolve().parents[2] / "models" / "imdb-sentiment"
