"""A bare ``make`` lists every target with one line, built from the Makefile's ``##`` comments."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from app.paths import REPOSITORY


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_bare_make_lists_every_phony_target_with_one_line() -> None:
    makefile = (REPOSITORY / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony is not None
    targets = phony.group(1).split()
    result = subprocess.run(
        ["make", "--no-print-directory"],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    listed = [line.split()[1] for line in lines]
    assert sorted(listed) == sorted(targets), result.stdout  # each once, none missed
    for line in lines:
        assert len(line.split()) > 3, f"no description: {line!r}"
