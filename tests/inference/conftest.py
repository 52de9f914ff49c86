from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHIPPED_BUNDLE = Path(__file__).resolve().parents[2] / "models" / "imdb-sentiment"


@pytest.fixture
def bundle_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped bundle that a test may damage."""
    return Path(shutil.copytree(SHIPPED_BUNDLE, tmp_path / "bundle"))
