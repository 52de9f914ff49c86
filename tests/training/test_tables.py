"""Any labelled table: CSV, TSV, JSON Lines and Parquet, chosen columns, any 2-50 labels in a
documented order, given or drawn splits, and bad rows reported by line (never dropped silently)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from training.fit.data import DataOptions, DatasetError, fit_and_validation, load_dataset
from training.fit.formats import Columns
from training.fit.labels import parse_fixed

MOODS = ("negative", "neutral", "positive")


def _rows(count: int, labels: tuple[str, ...] = MOODS) -> list[dict[str, str]]:
    return [{"text": f"tweet number {i}", "label": labels[i % len(labels)]} for i in range(count)]


def _write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    header = list(rows[0])
    lines = [delimiter.join(header)] + [delimiter.join(row[key] for key in header) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_tsv_jsonl_and_parquet_read_the_same_rows(tmp_path: Path) -> None:
    rows = _rows(60)
    tsv = _write_csv(tmp_path / "t.tsv", rows, delimiter="\t")
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    parquet = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    datasets = [load_dataset(path, seed=3) for path in (tsv, jsonl, parquet)]
    assert all(d.labels == MOODS for d in datasets)
    assert datasets[0].sha256 == datasets[1].sha256 == datasets[2].sha256
    assert datasets[0].test.texts == datasets[2].test.texts


def test_columns_are_chosen_and_labels_sorted(tmp_path: Path) -> None:
    rows = [{"tweet": r["text"], "mood": r["label"].upper()} for r in _rows(30)]
    path = _write_csv(tmp_path / "t.csv", rows)
    with pytest.raises(DatasetError, match=r"header lacks column\(s\) \['text', 'label'\]"):
        load_dataset(path)
    dataset = load_dataset(path, options=DataOptions(Columns(text="tweet", label="mood")))
    assert dataset.labels == ("NEGATIVE", "NEUTRAL", "POSITIVE")
    assert dataset.describe()["class_balance"]["test"] == {  # type: ignore[index]
        "NEGATIVE": 2,
        "NEUTRAL": 2,
        "POSITIVE": 2,
    }


def test_integer_labels_in_numeric_order_and_fixed_order(tmp_path: Path) -> None:
    stars = tuple(str(n) for n in (1, 2, 3, 4, 5, 10))
    path = _write_csv(tmp_path / "stars.csv", _rows(60, stars))
    assert load_dataset(path).labels == stars  # 10 last, not after 1
    fixed = parse_fixed("10,5,4,3,2,1")
    dataset = load_dataset(path, options=DataOptions(labels=fixed))
    assert dataset.labels == ("10", "5", "4", "3", "2", "1")
    texts = dataset.train.texts + dataset.test.texts
    labels = np.concatenate([dataset.train.labels, dataset.test.labels])
    assert labels[texts.index("tweet number 5")] == 0  # written label "10"
    with pytest.raises(DatasetError, match=r"label not in --labels: .*stars.csv:\d+ \('10'\)"):
        load_dataset(path, options=DataOptions(labels=parse_fixed("1,2,3,4,5")))


def test_imdb_label_names_still_map_to_negative_positive(tmp_path: Path) -> None:
    path = _write_csv(tmp_path / "b.csv", _rows(20, ("0", "1")))
    assert load_dataset(path).labels == ("negative", "positive")
    other = _write_csv(tmp_path / "spam.csv", _rows(20, ("spam", "ham")))
    assert load_dataset(other).labels == ("ham", "spam")


def test_seeded_stratified_holdout(tmp_path: Path) -> None:
    rows = _rows(100, ("a", "b")) + _rows(10, ("c",))
    path = _write_csv(
        tmp_path / "t.csv", [{**r, "text": f"{r['text']} {i}"} for i, r in enumerate(rows)]
    )
    dataset = load_dataset(path, seed=5)
    assert np.bincount(dataset.test.labels).tolist() == [10, 10, 2]
    fit, validation = fit_and_validation(dataset, 0.1, seed=5)
    assert np.bincount(validation.labels).tolist() == [4, 4, 1]
    assert len(fit) + len(validation) == len(dataset.train)
    assert load_dataset(path, seed=5).test.texts == dataset.test.texts


def test_split_column_and_split_files(tmp_path: Path) -> None:
    rows = [
        {**row, "split": ["train", "validation", "test"][i // 3 % 3]}
        for i, row in enumerate(_rows(90))
    ]
    dataset = load_dataset(_write_csv(tmp_path / "t.csv", rows))
    assert dataset.validation is not None and len(dataset.validation) == 30
    assert fit_and_validation(dataset, 0.1, 1)[1].texts == dataset.validation.texts
    train = _write_csv(tmp_path / "train.csv", _rows(30))
    valid = _write_csv(tmp_path / "valid.csv", _rows(6))
    test = tmp_path / "test.jsonl"
    test.write_text("\n".join(json.dumps(r) for r in _rows(9)) + "\n")
    given = load_dataset(train, options=DataOptions(validation=valid, test=test))
    assert (len(given.train), len(given.validation or []), len(given.test)) == (30, 6, 9)
    assert given.describe()["validation_given"] is True
    with pytest.raises(DatasetError, match="go with a table, not aclImdb"):
        load_dataset(tmp_path, options=DataOptions(test=test))


def test_bad_rows_are_reported_by_line_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "t.csv"
    lines = ["text,label"] + [f"tweet {i},{MOODS[i % 3]}" for i in range(30)]
    lines += [" ,positive", "no label here,", "lonely,surprise"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        dataset = load_dataset(path)
    assert len(dataset.train) + len(dataset.test) == 30
    left_out = dataset.describe()["left_out"]
    assert left_out == {
        "empty text": {"rows": 1, "first": [f"{path}:32"]},
        "missing label": {"rows": 1, "first": [f"{path}:33"]},
        "label seen once": {"rows": 1, "first": [f"{path}:34 ('surprise')"]},
    }
    assert f"{path}:33" in caplog.text and "missing label" in caplog.text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("t.parquet", b"text,label\nok,1\n", r"not a Parquet file .* looks like text"),
        ("t.csv", b"PAR1\x00\x00PAR1", r"not \.csv text: the file is a Parquet file"),
        ("t.csv", b"\x1f\x8b\x08\x00", "gzip-compressed"),
        ("t.csv", b"text\tlabel\nok\t1\n", "looks tab-separated"),
        ("t.tsv", b"text,label\nok,1\n", "looks comma-separated"),
        ("t.jsonl", b'[{"text": "ok", "label": 1}]', "a JSON array, not JSON Lines"),
        ("t.csv", b'{"text": "ok", "label": 1}\n', "looks like JSON"),
    ],
)
def test_a_file_that_is_not_what_its_extension_says(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


def test_label_counts_outside_2_to_50_are_refused(tmp_path: Path) -> None:
    many = tuple(f"l{i}" for i in range(51))
    with pytest.raises(DatasetError, match="51 distinct labels"):
        load_dataset(_write_csv(tmp_path / "many.csv", _rows(102, many)))
    with pytest.raises(DatasetError, match="1 distinct labels"):
        load_dataset(_write_csv(tmp_path / "one.csv", _rows(10, ("x",))))
    with pytest.raises(DatasetError, match="distinct, non-empty"):
        parse_fixed("a,,b")
