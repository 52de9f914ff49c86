"""The readers: aclImdb folder and archive, CSV and JSONL, and errors that name the culprit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import add_to_archive, write_aclimdb_tree, write_archive, write_unlabeled_tree
from training.fit.data import DatasetError, load_dataset, load_unlabeled_texts, validation_split


def test_reads_aclimdb_tree_with_official_split(aclimdb_tree: Path) -> None:
    dataset = load_dataset(aclimdb_tree.parent)
    assert len(dataset.train) == 40 and len(dataset.test) == 40
    assert dataset.train.labels.sum() == 20 and dataset.test.labels.sum() == 20
    assert all("<br />" in text for text in dataset.train.texts)


def test_archive_and_tree_give_the_same_reviews(aclimdb_tree: Path, tmp_path: Path) -> None:
    archive = write_archive(aclimdb_tree, tmp_path / "aclImdb_v1.tar.gz")
    from_tree, from_archive = load_dataset(aclimdb_tree), load_dataset(archive)
    assert from_archive.sha256 == from_tree.sha256
    assert sorted(from_archive.test.texts) == sorted(from_tree.test.texts)
    assert from_archive.source == "aclImdb_v1.tar.gz"


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"nowhere\.tar\.gz: no such file"):
        load_dataset(tmp_path / "nowhere.tar.gz")


def test_wrong_layout_names_the_missing_folder(tmp_path: Path) -> None:
    (tmp_path / "aclImdb" / "train" / "pos").mkdir(parents=True)
    with pytest.raises(DatasetError, match=r"train/neg: missing"):
        load_dataset(tmp_path)


def test_archive_without_reviews_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other"
    (other / "docs").mkdir(parents=True)
    (other / "docs" / "a.txt").write_text("hello")
    with pytest.raises(DatasetError, match="no reviews in the aclImdb layout"):
        load_dataset(write_archive(other, tmp_path / "other.tar.gz"))


def test_non_utf8_file_is_named(aclimdb_tree: Path, tmp_path: Path) -> None:
    archive = write_archive(aclimdb_tree, tmp_path / "a.tar.gz")
    add_to_archive(archive, "aclImdb/train/pos/999_9.txt", b"caf\xe9 latin-1")
    with pytest.raises(DatasetError, match=r"train/pos/999_9.txt: not UTF-8"):
        load_dataset(archive)
    (aclimdb_tree / "test" / "neg" / "5_1.txt").write_bytes(b"\xff\xfe bad")
    with pytest.raises(DatasetError, match=r"test/neg/5_1.txt: not UTF-8"):
        load_dataset(aclimdb_tree)


def test_empty_class_is_refused(tmp_path: Path) -> None:
    tree = write_aclimdb_tree(tmp_path)
    for file in (tree / "test" / "pos").iterdir():
        file.unlink()
    with pytest.raises(DatasetError, match="the test split has no positive rows"):
        load_dataset(tree)


def test_badly_named_review_file_is_refused(aclimdb_tree: Path) -> None:
    (aclimdb_tree / "train" / "pos" / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match=r"notes\.txt: file name is not <id>_<rating>\.txt"):
        load_dataset(aclimdb_tree)


def test_csv_with_label_names_and_holdout(tmp_path: Path) -> None:
    path = tmp_path / "reviews.csv"
    rows = ["text,label"] + [
        f'"review {i}, with a comma",{["neg", "Positive"][i % 2]}' for i in range(50)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    dataset = load_dataset(path, seed=1)
    assert len(dataset.train) == 40 and len(dataset.test) == 10
    assert set(dataset.train.labels.tolist()) == {0, 1}
    assert dataset.train.texts[0].startswith("review ") and "," in dataset.train.texts[0]
    assert load_dataset(path, seed=1).test.texts == dataset.test.texts  # seeded


def test_jsonl_with_explicit_split(tmp_path: Path) -> None:
    path = tmp_path / "reviews.jsonl"
    records = [
        {"text": f"text {i}", "label": i % 2, "split": "test" if i < 4 else "train"}
        for i in range(12)
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n", encoding="utf-8")
    dataset = load_dataset(path)
    assert dataset.test.texts == ["text 0", "text 1", "text 2", "text 3"]
    np.testing.assert_array_equal(dataset.test.labels, [0, 1, 0, 1])
    assert len(dataset.train) == 8


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,stars\nnice,5\n", r"header lacks column\(s\) \['label'\]"),
        ("text,label,split\nnice,1,dev\n", r"reviews.csv:2: unknown split 'dev'"),
    ],
)
def test_csv_errors_name_line_and_value(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "reviews.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "ok"', "reviews.jsonl:1: not valid JSON"),
        ('"ok"', "reviews.jsonl:1: expected a JSON object"),
        ('{"label": 1}', "reviews.jsonl:1: no 'text' field"),
        ('{"text": 5, "label": 1}', "reviews.jsonl:1: 'text' must be a string"),
    ],
)
def test_jsonl_errors_name_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "reviews.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=message):
        load_dataset(path)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "reviews.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DatasetError, match="unknown format"):
        load_dataset(path)


def test_validation_split_is_seeded_stratified_and_disjoint(aclimdb_tree: Path) -> None:
    train = load_dataset(aclimdb_tree).train
    fit, validation = validation_split(train, 0.1, seed=7)
    assert len(fit) == 36 and len(validation) == 4
    assert validation.labels.sum() == 2  # both classes, unlike Keras' validation_split
    assert not set(fit.texts) & set(validation.texts)
    again_fit, again_validation = validation_split(train, 0.1, seed=7)
    assert again_validation.texts == validation.texts and again_fit.texts == fit.texts


def test_unlabeled_reviews_from_tree_archive_and_csv(tmp_path: Path) -> None:
    tree = write_unlabeled_tree(tmp_path / "u")
    archive = write_archive(tree, tmp_path / "aclImdb_v1_unsup.tar.gz")
    from_tree, from_archive = load_unlabeled_texts(tree), load_unlabeled_texts(archive)
    assert len(from_tree) == 60 and sorted(from_tree) == sorted(from_archive)
    csv_path = tmp_path / "more.csv"
    csv_path.write_text('text\n"one, review"\ntwo\n', encoding="utf-8")
    assert load_unlabeled_texts(csv_path) == ["one, review", "two"]
    with pytest.raises(DatasetError, match="no unlabelled reviews"):
        load_unlabeled_texts(write_archive(write_aclimdb_tree(tmp_path / "l"), tmp_path / "l.tgz"))
