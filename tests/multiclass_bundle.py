"""A small three-label bundle made without TensorFlow, in the multiclass contract of
``app.inference.bundle``: an ONNX graph (embedding -> mean over the text's tokens -> dense ->
softmax, output ``probabilities`` [batch, 3]), a ``tokenizers`` word-level tokenizer and a
manifest with the files' checksums. Its words give the label away: "great" and friends push
toward positive, "awful" and friends toward negative, "okay" and friends toward neutral."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

from app.inference.bundle import MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE, sha256_file

LABELS = ["negative", "neutral", "positive"]
CUES = {
    "negative": ["awful", "boring", "terrible", "dull"],
    "neutral": ["okay", "average", "fine", "plain"],
    "positive": ["great", "wonderful", "superb", "fantastic"],
}
FILLER = ["the", "movie", "film", "plot", "acting", "was", "and", "a", "it", "really"]
MAX_LENGTH = 16
_DIM = 8


def _tokenizer(vocab: dict[str, int]) -> Tokenizer:
    tokenizer = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.enable_truncation(MAX_LENGTH)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return tokenizer


def _weights(vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Embedding rows with a little noise, and a dense layer reading one axis per label."""
    rng = np.random.default_rng(21)
    embedding = rng.normal(0, 0.1, (len(vocab), _DIM)).astype(np.float32)
    embedding[0] = 0.0
    for index, label in enumerate(LABELS):
        for word in CUES[label]:
            embedding[vocab[word], index] += 3.0
    dense = np.zeros((_DIM, len(LABELS)), dtype=np.float32)
    dense[: len(LABELS)] = np.eye(len(LABELS), dtype=np.float32) * 2.0
    dense += rng.normal(0, 0.05, dense.shape).astype(np.float32)
    return embedding, dense


def _graph(embedding: np.ndarray, dense: np.ndarray) -> onnx.ModelProto:
    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["vectors"]),
        helper.make_node("Equal", ["input_ids", "pad"], ["is_pad"]),
        helper.make_node("Not", ["is_pad"], ["is_token"]),
        helper.make_node("Cast", ["is_token"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
        helper.make_node("Mul", ["vectors", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "time_axis"], ["total"], keepdims=0),
        helper.make_node("ReduceSum", ["mask", "time_axis"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count_at_least_one"]),
        helper.make_node("Div", ["total", "count_at_least_one"], ["mean"]),
        helper.make_node("MatMul", ["mean", "dense"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=-1),
    ]
    initializers = [
        numpy_helper.from_array(embedding, "embedding"),
        numpy_helper.from_array(dense, "dense"),
        numpy_helper.from_array(np.array(0, dtype=np.int64), "pad"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "last_axis"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "time_axis"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
    ]
    graph = helper.make_graph(
        nodes,
        "multiclass-test",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def write_multiclass_bundle(folder: Path, name: str = "tri-sentiment") -> Path:
    """Write the three-label bundle into ``folder`` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    words = ["[PAD]", "[UNK]", *FILLER, *(word for label in LABELS for word in CUES[label])]
    vocab = {word: index for index, word in enumerate(words)}
    _tokenizer(vocab).save(str(folder / TOKENIZER_FILE))
    onnx.save(_graph(*_weights(vocab)), str(folder / MODEL_FILE))
    manifest = {
        "format_version": 1,
        "name": name,
        "version": "0.1.0",
        "created": "2026-12-04T00:00:00Z",
        "task": "multiclass-sentiment",
        "labels": LABELS,
        "max_length": MAX_LENGTH,
        "truncation": "first",
        "pad_id": 0,
        "vocab_size": len(vocab),
        "inputs": [{"name": "input_ids", "dtype": "int64", "shape": ["batch", "sequence"]}],
        "outputs": [{"name": "probabilities", "dtype": "float32", "shape": ["batch", 3]}],
        "recurrent": {
            "cell": "lstm",
            "bidirectional": False,
            "onnx_op": "LSTM",
            "uses_sequence_lens": True,
            "pooling": "mean",
        },
        "config": {},
        "metrics": {"test": {"accuracy": 1.0}},
        "dataset": {},
        "libraries": {},
        "files": {
            relative: sha256_file(folder / relative) for relative in (MODEL_FILE, TOKENIZER_FILE)
        },
    }
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return folder
