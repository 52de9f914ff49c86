"""Processes the tests start the same way: a fresh interpreter for a probe, and ``python -m
app`` as a service of two worker processes."""

from __future__ import annotations

import subprocess
import sys
from contextlib import AbstractContextManager

from app.paths import REPOSITORY
from benchmarks.harness.processes import Server, serving
from tests.conftest import SHIPPED_BUNDLE

SERVICE_DEFAULTS = {"workers": 2, "bundle_path": SHIPPED_BUNDLE, "log_level": "warning"}


def fresh_interpreter(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``code`` run by a new Python in the repository folder, output captured: what a module
    imports shows only there, as this test process may have imported it already."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def serving_app(**settings: object) -> AbstractContextManager[Server]:
    """``python -m app`` until stopped: two workers, the shipped bundle, warnings only, unless
    ``settings`` (the SENTIMENT_ variables by their lower-case names) say otherwise."""
    values = {**SERVICE_DEFAULTS, **settings}
    env = {f"SENTIMENT_{name.upper()}": str(value) for name, value in values.items()}
    return serving([sys.executable, "-m", "app"], env)
