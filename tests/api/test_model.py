"""GET /model describes the served bundle."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tokenizers import Tokenizer

from app.inference.bundle import read_manifest
from tests.conftest import SHIPPED_BUNDLE, SHIPPED_VERSION


def test_model_description(client: TestClient) -> None:
    response = client.get("/model")
    assert response.status_code == 200
    info = response.json()
    assert info["name"] == "imdb-sentiment" and info["version"] == SHIPPED_VERSION
    assert info["labels"] == ["negative", "positive"]
    assert info["threshold"] == read_manifest(SHIPPED_BUNDLE).threshold  # 0.50 for 2.5.0
    tokenizer = Tokenizer.from_file(str(SHIPPED_BUNDLE / "tokenizer.json"))
    assert info["vocab_size"] == tokenizer.get_vocab_size() and info["pad_id"] == 0
    assert info["max_length"] > 0 and info["truncation"] == "first"
    assert info["inputs"] == [
        {"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"]}
    ]
    assert info["outputs"] == [{"name": "probability", "dtype": "float32", "shape": ["batch", 1]}]
    assert info["recurrent"]["onnx_op"] == "LSTM"
    assert info["metrics"]["test"]["examples"] == 25_000
    assert 0.5 < info["metrics"]["test"]["accuracy"] <= 1.0
    assert "history" not in str(info["metrics"])  # the summary, not the training curves
