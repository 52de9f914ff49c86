"""``python -m app.score``: formats, order, bad rows, scores equal to the server's, resume."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.inference.pipeline import SentimentClassifier
from app.main import create_app
from app.paths import REPOSITORY
from app.score.__main__ import main, model_identity, parse_args, reading_of
from app.score.formats import Source
from app.score.job import JobIdentity
from benchmarks.harness.processes import eventually
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_BUNDLE
from tests.score.conftest import (
    BAD_TEXTS,
    read_output,
    review_file,
    review_rows,
    write_csv,
    write_jsonl,
)


def score(*args: object) -> int:
    return main([str(arg) for arg in args] + ["--no-progress", "--bundle", str(SHIPPED_BUNDLE)])


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_rows_come_back_in_order_with_their_columns_and_scores(
    fmt: str, tmp_path: Path, classifier: SentimentClassifier, caplog: pytest.LogCaptureFixture
) -> None:
    rows, source = review_file(tmp_path, fmt, 40)
    output = tmp_path / f"out.{fmt}"
    with caplog.at_level(logging.WARNING, "app.score"):
        assert score(source, output, "--workers", 2, "--chunk-rows", 9) == 0
    written = read_output(output)
    assert [str(row["id"]) for row in written] == [row["id"] for row in rows]
    assert [row["source"] for row in written] == [row["source"] for row in rows]
    for index, (row, out) in enumerate(zip(rows, written, strict=True)):
        if index in BAD_TEXTS:
            assert out["label"] in (None, "") and out["score"] in (None, "")
            continue
        (alone,) = classifier.predict([str(row["text"])])
        assert abs(float(out["score"]) - alone.score) <= 1e-6  # type: ignore[arg-type]
        assert out["label"] == alone.label
        assert int(out["tokens"]) == alone.tokens  # type: ignore[call-overload]
        assert str(out["truncated"]).lower() == str(alone.truncated).lower()
    # Bad rows are reported where they are: CSV counts the header line, Parquet counts rows.
    first = {"csv": 2, "jsonl": 1, "parquet": 1}[fmt]
    unit = "row" if fmt == "parquet" else "line"
    reported = [r.getMessage() for r in caplog.records if "not scored" in r.getMessage()]
    assert reported == [f"{unit} {first + i}: empty text (not scored)" for i in sorted(BAD_TEXTS)]
    assert not list(tmp_path.glob("*.parts")) and not list(tmp_path.glob(".*.tmp"))


def test_scores_equal_the_servers(tmp_path: Path) -> None:
    rows = [row for index, row in enumerate(review_rows(30, seed=5)) if index not in BAD_TEXTS]
    output = tmp_path / "out.jsonl"
    assert score(write_jsonl(tmp_path / "in.jsonl", rows), output, "--workers", 1) == 0
    with TestClient(create_app(make_settings())) as client:
        answer = client.post("/predict", json={"texts": [row["text"] for row in rows]})
    assert answer.status_code == 200
    for served, scored in zip(answer.json()["predictions"], read_output(output), strict=True):
        assert abs(served["score"] - scored["score"]) <= 1e-6  # type: ignore[operator]
        assert (served["label"], served["tokens"], served["truncated"]) == (
            scored["label"],
            scored["tokens"],
            scored["truncated"],
        )
        assert "chunks" not in served and scored["chunks"] is None


def test_chunked_scores_equal_the_servers_chunked_predictions(tmp_path: Path) -> None:
    rows = review_rows(24, seed=6, repeat=16)  # up to about 1,000 tokens
    rows = [row for index, row in enumerate(rows) if index not in BAD_TEXTS]
    output = tmp_path / "out.jsonl"
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    assert score(source, output, "--workers", 1, "--long-text", "chunk") == 0
    with TestClient(create_app(make_settings())) as client:
        texts = [row["text"] for row in rows]
        answer = client.post("/predict", json={"texts": texts, "long_text": "chunk"})
    assert answer.status_code == 200
    served = answer.json()["predictions"]
    assert {prediction["chunks"] for prediction in served} >= {1, 2}  # short and long texts
    for prediction, scored in zip(served, read_output(output), strict=True):
        assert abs(prediction["score"] - scored["score"]) <= 1e-6  # type: ignore[operator]
        assert {key: prediction[key] for key in ("label", "tokens", "truncated", "chunks")} == {
            key: scored[key] for key in ("label", "tokens", "truncated", "chunks")
        }


def test_wrong_types_and_broken_lines_are_reported_not_fatal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "in.jsonl"
    lines = ['{"text": "A fine film."}', '{"text": 5}', "[1, 2]", "{oops", "", '{"id": 1}']
    source.write_text("\n".join(lines) + "\n")
    with caplog.at_level(logging.WARNING, "app.score"):
        assert score(source, tmp_path / "out.jsonl", "--workers", 1) == 0
    reported = [r.getMessage() for r in caplog.records if "not scored" in r.getMessage()]
    assert [message.split(":")[0] for message in reported] == [
        "line 2",
        "line 3",
        "line 4",
        "line 6",
    ]
    assert "text is int, not a string" in reported[0]
    written = read_output(tmp_path / "out.jsonl")
    assert len(written) == 5 and written[0]["label"] == "positive"


def test_strict_stops_at_the_first_bad_row_and_writes_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(12))
    output = tmp_path / "out.csv"
    with caplog.at_level(logging.ERROR, "app.score"):
        assert score(source, output, "--workers", 1, "--strict") == 1
    assert "line 5: empty text" in caplog.text
    assert not output.exists() and not list(tmp_path.glob("out.csv*"))


def test_a_missing_text_column_or_format_is_refused_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = tmp_path / "in.csv"
    source.write_text("review,id\nGood,1\n")
    assert score(source, tmp_path / "out.csv") == 1
    assert "no 'text' column (columns: review, id)" in caplog.text
    source.write_text("text,id\nGood,1\n")
    assert score(source, tmp_path / "out.txt") == 1
    assert "out.txt: unknown format; name it .csv, .jsonl or .parquet" in caplog.text


def test_an_interrupted_run_resumes_without_rescoring(tmp_path: Path) -> None:
    rows = review_rows(1200, repeat=8)  # long enough that the run can be caught midway
    source = write_csv(tmp_path / "in.csv", rows)
    output = tmp_path / "out.csv"
    output.write_text("the previous output\n")
    command = [sys.executable, "-m", "app.score", str(source), str(output), "--workers", "1"]
    command += ["--chunk-rows", "50", "--no-progress", "--bundle", str(SHIPPED_BUNDLE)]
    env = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    first = subprocess.Popen(command, cwd=REPOSITORY, env=env, start_new_session=True)
    parts = tmp_path / "out.csv.parts"

    def two_parts_written() -> bool:
        assert first.poll() is None, "the run ended before it could be interrupted"
        return len(list(parts.glob("part-*.csv"))) >= 2

    eventually(two_parts_written, 60, "two parts written")
    os.killpg(first.pid, signal.SIGKILL)  # the scorer and its worker process
    first.wait(timeout=30)
    assert output.read_text() == "the previous output\n"  # untouched until the end
    kept = 50 * len(list(parts.glob("part-*.csv")))

    refused = subprocess.run(command, cwd=REPOSITORY, env=env, capture_output=True, text=True)
    assert refused.returncode == 1 and "pass --resume" in refused.stderr
    resumed = subprocess.run(
        [*command, "--resume"], cwd=REPOSITORY, env=env, capture_output=True, text=True, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = resumed.stderr.strip().splitlines()[-1]
    scored_now = int(summary.split(": ")[-1].split(" rows in")[0])
    assert scored_now + kept == len(rows) and kept >= 100, summary
    assert f"{kept} kept from an interrupted run" in summary
    written = read_output(output)
    assert [row["id"] for row in written] == [row["id"] for row in rows]
    assert not parts.exists()


def test_resume_refuses_a_changed_input(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(10))
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    (parts / "job.json").write_text('{"input": "elsewhere"}')
    assert score(source, tmp_path / "out.csv", "--resume") == 1
    assert "cannot resume:" in caplog.text and "input" in caplog.text


def test_resume_refuses_another_reading_of_long_texts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(10))
    # The state an interrupted run with the defaults (--long-text truncate) leaves.
    truncating = reading_of(parse_args([str(source), str(tmp_path / "out.csv")]))
    identity = JobIdentity.of(
        Source.open(source, "text"), 2048, model_identity(SHIPPED_BUNDLE, truncating), truncating
    )
    parts = tmp_path / "out.csv.parts"
    parts.mkdir()
    (parts / "job.json").write_text(json.dumps(asdict(identity)))
    assert score(source, tmp_path / "out.csv", "--resume", "--long-text", "chunk") == 1
    assert "cannot resume: reading changed" in caplog.text
    assert score(source, tmp_path / "out.csv", "--resume") == 0


def test_a_chunk_overlap_the_window_cannot_hold_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(5))
    command = [source, tmp_path / "out.csv", "--long-text", "chunk", "--chunk-overlap", 500]
    assert score(*command) == 1
    assert "--chunk-overlap: chunk overlap 500 must be" in caplog.text
    assert not (tmp_path / "out.csv.parts").exists()


def test_bulk_scoring_loads_neither_the_web_stack_nor_tensorflow(tmp_path: Path) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(5))
    check = (
        "import sys; from app.score.__main__ import main; "
        f"assert main([{str(source)!r}, {str(tmp_path / 'out.csv')!r}, '--workers', '1',"
        " '--no-progress']) == 0; "
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'fastapi', 'starlette', 'uvicorn', 'tensorflow', 'keras', 'app.main'}); "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=REPOSITORY,
        env={**os.environ, "PYTHONPATH": str(REPOSITORY)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
