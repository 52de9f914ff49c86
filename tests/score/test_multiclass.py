"""``python -m app.score`` with a model of three labels: a ``score_<label>`` column per label,
equal to the server's scores, in every format and through the Ray engine's actor code."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from app.inference.chunking import ChunkPolicy, Reading
from app.inference.pipeline import SentimentClassifier
from app.score.__main__ import main
from app.score.rows import RESULT_COLUMNS, result_columns
from tests.multiclass_bundle import LABELS
from tests.score.conftest import (
    BAD_TEXTS,
    read_output,
    review_file,
)

LABEL_COLUMNS = [f"score_{label}" for label in LABELS]


def test_binary_models_add_the_columns_they_always_did() -> None:
    assert result_columns(["negative", "positive"]) == RESULT_COLUMNS
    assert result_columns(LABELS) == (*RESULT_COLUMNS, *LABEL_COLUMNS)


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_a_column_per_label_holds_the_servers_scores(
    fmt: str, tmp_path: Path, multiclass_bundle: Path
) -> None:
    rows, source = review_file(tmp_path, fmt, 12)
    output = tmp_path / f"out.{fmt}"
    args = [source, output, "--workers", 1, "--chunk-rows", 5, "--no-progress"]
    assert main([str(arg) for arg in args] + ["--bundle", str(multiclass_bundle)]) == 0
    written = read_output(output)
    classifier = SentimentClassifier.from_bundle(multiclass_bundle)
    if fmt == "csv":
        assert list(written[0])[-len(LABEL_COLUMNS) :] == LABEL_COLUMNS
    for index, (row, out) in enumerate(zip(rows, written, strict=True)):
        if index in BAD_TEXTS:
            assert all(out[column] in (None, "") for column in LABEL_COLUMNS)
            continue
        (alone,) = classifier.predict([str(row["text"])])
        assert alone.scores is not None and out["label"] == alone.label
        for label in LABELS:
            assert abs(float(out[f"score_{label}"]) - alone.scores[label]) <= 1e-6  # type: ignore[arg-type]


def test_the_ray_actor_writes_and_reads_back_the_label_columns(multiclass_bundle: Path) -> None:
    pytest.importorskip("ray", reason="the ray extra is not installed")
    from app.score.ray_engine import PROBLEM, ActorScorer, _prediction

    scorer = ActorScorer(
        str(multiclass_bundle), "text", 4, Reading("truncate", ChunkPolicy(0, "mean"))
    )
    batch = pa.table({"id": [1, 2], "text": ["A great film.", ""]})
    scored = scorer(batch).to_pylist()
    assert [row[PROBLEM] for row in scored] == [None, "empty text"]
    assert all(scored[1][column] is None for column in LABEL_COLUMNS)
    prediction = _prediction(scored[0], LABELS)
    assert prediction.label == "positive" and prediction.scores is not None
    assert list(prediction.scores) == LABELS
    assert prediction.score == prediction.scores["positive"]
