"""Each install runs ``python -m app.score`` on its own: the ``score`` extra alone (CSV and
Parquet), and the serving image's install (dependencies + ``serve``: CSV and JSONL, and a
clear message for Parquet), each into a fresh virtualenv from pip's configured index."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.paths import REPOSITORY
from tests.conftest import SHIPPED_BUNDLE
from tests.score.conftest import review_rows, write_csv


def fresh_install(tmp_path: Path, extra: str) -> Path:
    """The project (a copy: the build leaves files behind) installed with ``extra`` into a new
    virtualenv; its python."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for folder in ("app", "training"):
        shutil.copytree(REPOSITORY / folder, source / folder, ignore=ignore)
    for file in ("pyproject.toml", "README.md"):
        shutil.copy(REPOSITORY / file, source / file)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = [str(python), "-m", "pip", "install", "--quiet", f"{source}[{extra}]"]
    result = subprocess.run(install, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    return python


def score_in(python: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(python), "-m", "app.score", *args, "--bundle", str(SHIPPED_BUNDLE)]
    command += ["--workers", "1", "--no-progress"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def installed(python: Path, module: str) -> bool:
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([str(python), "-c", probe], timeout=60).returncode == 0


@pytest.mark.install
def test_the_score_extra_alone_scores_csv_and_parquet(tmp_path: Path) -> None:
    python = fresh_install(tmp_path, "score")
    assert not installed(python, "pydantic_settings") and not installed(python, "fastapi")
    source = write_csv(tmp_path / "in.csv", review_rows(10))
    result = score_in(python, tmp_path, str(source), "out.csv")
    assert result.returncode == 0, result.stderr
    with (tmp_path / "out.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert [row["id"] for row in rows] == [str(i) for i in range(10)]
    assert {row["label"] for row in rows if row["text"].strip()} <= {"positive", "negative"}
    assert score_in(python, tmp_path, str(source), "out.parquet").returncode == 0


@pytest.mark.install
def test_the_serving_install_scores_csv_as_the_image_does(tmp_path: Path) -> None:
    python = fresh_install(tmp_path, "serve")
    source = write_csv(tmp_path / "in.csv", review_rows(6))
    result = score_in(python, tmp_path, str(source), "out.jsonl")
    assert result.returncode == 0, result.stderr
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 6
    refused = score_in(python, tmp_path, str(source), "out.parquet")
    assert refused.returncode == 1
    assert "Parquet needs pyarrow: pip install '.[score]'" in refused.stderr
