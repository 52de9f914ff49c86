"""The supervisor's start-up check of the bundle, run in a child process."""

from __future__ import annotations

import os
from pathlib import Path

from app.core.config import Settings
from app.server.supervisor import check_bundle


def _die(settings: Settings) -> str | None:
    os._exit(9)  # as if the OOM killer took the child


def test_a_missing_bundle_is_reported(tmp_path: Path) -> None:
    problem = check_bundle(Settings(bundle_path=tmp_path / "absent"))
    assert problem is not None and "bundle directory not found" in problem


def test_a_child_that_dies_is_reported_not_waited_for(tmp_path: Path) -> None:
    problem = check_bundle(Settings(bundle_path=tmp_path), check=_die)
    assert problem is not None and "died" in problem
