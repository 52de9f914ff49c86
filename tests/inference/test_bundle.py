"""Loading a bundle verifies it, and refuses a damaged one with the file and problem named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.inference.bundle import BundleError
from app.inference.pipeline import SentimentClassifier
from tests.conftest import SHIPPED_BUNDLE


def edit_manifest(bundle: Path, **changes: object) -> None:
    path = bundle / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_shipped_bundle_loads_and_describes_itself() -> None:
    classifier = SentimentClassifier.from_bundle(SHIPPED_BUNDLE)
    manifest = classifier.manifest
    assert manifest.name == "imdb-sentiment"
    assert manifest.labels == ["negative", "positive"] and manifest.pad_id == 0
    assert manifest.recurrent.onnx_op == "LSTM" and manifest.recurrent.uses_sequence_lens
    assert manifest.metrics["test"]["examples"] == 25_000
    assert (SHIPPED_BUNDLE / "model.onnx").stat().st_size + (
        SHIPPED_BUNDLE / "tokenizer.json"
    ).stat().st_size <= 10_000_000  # issue 19: at most 10 MB (int8 tables since 2.3.0)


def test_corrupt_model_is_refused(bundle_copy: Path) -> None:
    model = bundle_copy / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(BundleError, match=r"model\.onnx: checksum mismatch"):
        SentimentClassifier.from_bundle(bundle_copy)


def test_missing_tokenizer_is_refused(bundle_copy: Path) -> None:
    (bundle_copy / "tokenizer.json").unlink()
    with pytest.raises(BundleError, match=r"tokenizer\.json: listed in the manifest but missing"):
        SentimentClassifier.from_bundle(bundle_copy)


def test_missing_bundle_and_manifest_are_named(tmp_path: Path, bundle_copy: Path) -> None:
    with pytest.raises(BundleError, match="bundle directory not found"):
        SentimentClassifier.from_bundle(tmp_path / "nowhere")
    (bundle_copy / "manifest.json").unlink()
    with pytest.raises(BundleError, match=r"manifest\.json: manifest not found"):
        SentimentClassifier.from_bundle(bundle_copy)


def test_malformed_manifest_is_named(bundle_copy: Path) -> None:
    (bundle_copy / "manifest.json").write_text("{not json")
    with pytest.raises(BundleError, match="not valid JSON"):
        SentimentClassifier.from_bundle(bundle_copy)
    (bundle_copy / "manifest.json").write_text('{"name": "x"}')
    with pytest.raises(BundleError, match=r"invalid manifest \(.*version: Field required"):
        SentimentClassifier.from_bundle(bundle_copy)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format_version": 2}, r"invalid manifest \(format_version: Input should be 1"),
        (
            {"inputs": [{"name": "tokens", "dtype": "int64", "shape": ["b", "s"]}]},
            r"model\.onnx: graph inputs .* do not match",
        ),
        (
            {"max_length": 7, "chunking": None},
            r"tokenizer\.json: truncates at \d+, but the manifest",
        ),
    ],
    ids=["another-format-version", "signature-mismatch", "max-length-disagreeing-with-tokenizer"],
)
def test_a_manifest_that_cannot_be_served_is_refused(
    bundle_copy: Path, changes: dict[str, object], message: str
) -> None:
    edit_manifest(bundle_copy, **changes)
    with pytest.raises(BundleError, match=message):
        SentimentClassifier.from_bundle(bundle_copy)


def test_truncation_side_disagreeing_with_tokenizer_is_refused(bundle_copy: Path) -> None:
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    other = "last" if manifest.get("truncation", "first") == "first" else "first"
    edit_manifest(bundle_copy, truncation=other)
    with pytest.raises(BundleError, match=r"tokenizer\.json: truncation direction"):
        SentimentClassifier.from_bundle(bundle_copy)
