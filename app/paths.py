"""Where the repository keeps its artefacts, found from this file rather than the working
directory, so that every command (the service, bulk scoring, training's studies, the
benchmarks) has the same defaults wherever it is started from."""

from __future__ import annotations

from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
MODELS = REPOSITORY / "models"
DEFAULT_BUNDLE = MODELS / "imdb-sentiment"  # the shipped bundle (SENTIMENT_BUNDLE_PATH's default)
