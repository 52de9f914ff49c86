"""``python -m app.score``: ``-`` for standard input and output, and an output format other
than the input's, with the same rows and scores as a same-format run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from app.paths import REPOSITORY
from tests.conftest import SHIPPED_BUNDLE
from tests.score.conftest import read_output, review_file, review_rows, write_csv
from tests.score.test_score import score


def scored(rows: list[dict[str, object]]) -> list[tuple[str, str, float | None]]:
    """Each row's id, label and score, as text or number whatever the format kept."""
    numbers = [(str(r["id"]), str(r["label"] or ""), r["score"]) for r in rows]
    return [(i, label, None if s in ("", None) else float(s)) for i, label, s in numbers]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("source_format", "output_format"),
    [("csv", "parquet"), ("parquet", "jsonl"), ("jsonl", "csv"), ("jsonl", "parquet")],
)
def test_the_output_format_may_differ_from_the_input(
    tmp_path: Path, source_format: str, output_format: str
) -> None:
    rows, source = review_file(tmp_path, source_format, 30)
    same = tmp_path / f"same.{source_format}"
    other = tmp_path / f"other.{output_format}"
    assert score(source, same, "--workers", "1") == 0
    assert score(source, other, "--workers", "1") == 0  # the format follows the output's name
    assert scored(read_output(other)) == scored(read_output(same))
    assert [r["text"] for r in read_output(other)] == [r["text"] for r in rows]
    if output_format == "parquet" and source_format != "parquet":
        assert str(pq.read_schema(other).field("id").type) == "string"  # input columns as text


def test_output_format_overrides_the_name(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(5))
    assert score(source, tmp_path / "out.txt", "--output-format", "jsonl", "--workers", "1") == 0
    lines = (tmp_path / "out.txt").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(i) for i in range(5)]


def test_dash_reads_stdin_and_writes_stdout(tmp_path: Path) -> None:
    rows = review_rows(12)
    expected_file = tmp_path / "expected.jsonl"
    assert score(write_csv(tmp_path / "in.csv", rows), expected_file, "--workers", "1") == 0
    command = [sys.executable, "-m", "app.score", "-", "-", "--input-format", "csv"]
    command += ["--output-format", "jsonl", "--workers", "1", "--bundle", str(SHIPPED_BUNDLE)]
    result = subprocess.run(
        command,
        input=(tmp_path / "in.csv").read_bytes(),
        capture_output=True,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert [json.loads(line) for line in lines] == read_output(expected_file)
    assert b"wrote " in result.stderr  # logs go to stderr, never into the output
    assert not list(tmp_path.glob("*.parts")) and sorted(p.name for p in tmp_path.iterdir()) == [
        "expected.jsonl",
        "in.csv",
    ]


def test_stdin_needs_its_format_and_dash_cannot_resume(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as no_format:
        score("-", tmp_path / "out.csv")
    with pytest.raises(SystemExit) as resume:
        score(tmp_path / "in.csv", "-", "--resume")
    assert no_format.value.code == 2 and resume.value.code == 2
