"""Start a new model from a trained bundle (``--init-from``): its embedding, word-pair table and
recurrent layer, read from the bundle's own ``model.onnx``, with a new head for the new labels.

Only the shipped files are needed, so any bundle the service can serve can start another run:
the fine-tuning recipe of Howard & Ruder (2018) with a sentiment model as the pretrained encoder.
The new tokenizer keeps every word of the bundle's vocabulary at its id and appends the words of
the new training rows it lacks (seen at least ``MIN_NEW_WORD_COUNT`` times); their embedding rows
start at zero, so an appended word starts as "no meaning" until the data teaches one.

The architecture (embedding size, pair buckets, cell, units, direction) must be the bundle's: it
is taken from the bundle's manifest, and a command line that asks for another one is refused.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import keras
import numpy as np
import onnx
from onnx import numpy_helper
from tokenizers import Tokenizer

from training.fit.config import TrainConfig, Truncation
from training.fit.model import recurrent_layer_name
from training.fit.quantize import float_tables
from training.fit.tokenizer import (
    PAD_ID,
    PAD_TOKEN,
    UNK_TOKEN,
    empty_tokenizer,
    set_lengths,
)

ARCHITECTURE = ("embedding_dim", "bigram_buckets", "cell", "units", "bidirectional")
MIN_NEW_WORD_COUNT = 2  # a word seen once in the new rows stays unknown (tried: 1 is worse)
_MANIFEST, _MODEL, _TOKENIZER = "manifest.json", "model.onnx", "tokenizer.json"
# Architecture settings added after the first bundles were shipped, with the value every bundle
# before them had: 1.0.0's manifest has no bigram_buckets because it has no word-pair table.
_ADDED_LATER = {"bigram_buckets": 0}


@dataclass(frozen=True)
class SourceBundle:
    """What a run starts from: the bundle's folder, name, version and training configuration."""

    path: Path
    name: str
    version: str
    config: dict[str, Any]

    @classmethod
    def read(cls, path: Path) -> SourceBundle:
        manifest_path = path / _MANIFEST
        if not manifest_path.is_file():
            raise FileNotFoundError(f"--init-from {path}: no {_MANIFEST}; is it a bundle folder?")
        manifest = json.loads(manifest_path.read_text())
        config = {**_ADDED_LATER, **(manifest.get("config") or {})}
        missing = [name for name in ARCHITECTURE if name not in config]
        if missing:
            raise ValueError(f"--init-from {path}: its manifest does not record {missing}")
        if config["cell"] != "lstm":
            raise ValueError(
                f"--init-from {path}: a {config['cell']} bundle; only an LSTM's weights are read"
                " back from the exported graph (one fused LSTM node)"
            )
        # An ensemble's members were merged into one network that many times as wide.
        members = int(config.get("ensemble", 1))
        widths = {name: int(config[name]) * members for name in ("embedding_dim", "units")}
        return cls(path, manifest["name"], manifest["version"], {**config, **widths})

    def describe(self, words_added: int) -> dict[str, object]:
        return {
            "bundle": self.name,
            "version": self.version,
            "path": str(self.path),
            "vocabulary": int(self.config["vocab_size"]),
            "words_added": words_added,
            "word_pairs": bool(self.config["bigram_buckets"]),
        }


def with_source_architecture(
    config: TrainConfig, source: SourceBundle, given: set[str]
) -> TrainConfig:
    """``config`` with the bundle's architecture; a setting the command line gave (``given``)
    that differs from the bundle's is an error rather than silently replaced."""
    clashes = [
        f"--{name.replace('_', '-')} {getattr(config, name)} (the bundle's: {source.config[name]})"
        for name in ARCHITECTURE
        if name in given and getattr(config, name) != source.config[name]
    ]
    if clashes:
        raise ValueError(f"--init-from {source.path} fixes the architecture: {'; '.join(clashes)}")
    return config.replace(**{name: source.config[name] for name in ARCHITECTURE})


def extended_tokenizer(
    source: SourceBundle, texts: Sequence[str], max_length: int, truncation: Truncation
) -> tuple[Tokenizer, int]:
    """The bundle's vocabulary, ids unchanged, plus the words of ``texts`` it lacks (seen at least
    MIN_NEW_WORD_COUNT times, most frequent first); and how many words were added."""
    vocab = dict(Tokenizer.from_file(str(source.path / _TOKENIZER)).get_vocab())
    if vocab.get(PAD_TOKEN) != PAD_ID or UNK_TOKEN not in vocab:
        raise ValueError(f"--init-from {source.path}: its tokenizer lacks {PAD_TOKEN}/{UNK_TOKEN}")
    words = empty_tokenizer({UNK_TOKEN: 0}).pre_tokenizer
    normalizer = empty_tokenizer({UNK_TOKEN: 0}).normalizer
    assert words is not None and normalizer is not None
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word for word, _ in words.pre_tokenize_str(normalizer.normalize_str(text)))
    before = len(vocab)
    for word, count in counts.most_common():
        if count >= MIN_NEW_WORD_COUNT:
            vocab.setdefault(word, len(vocab))
    tokenizer = empty_tokenizer(vocab)
    set_lengths(tokenizer, max_length, truncation)
    return tokenizer, len(vocab) - before


def starting_weights(source: SourceBundle, vocab_size: int) -> dict[str, list[np.ndarray]]:
    """The bundle's embedding, pair table and recurrent layer, by the layer names of
    ``build_model``, for a vocabulary of ``vocab_size``: the rows of words the bundle did not
    know start at zero."""
    tables, recurrent = _exported_weights(source)
    embedding = np.zeros((vocab_size, tables[0].shape[1]), dtype=np.float32)
    embedding[: len(tables[0])] = tables[0]
    name = recurrent_layer_name(source.config["cell"], bool(source.config["bidirectional"]))
    weights = {"embedding": [embedding], name: recurrent}
    if source.config["bigram_buckets"]:
        weights["bigram_embedding"] = [tables[1]]
    return weights


def set_layer_weights(model: keras.Model, weights: dict[str, list[np.ndarray]]) -> None:
    for name, values in weights.items():
        model.get_layer(name).set_weights(values)


def _exported_weights(source: SourceBundle) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The embedding tables (words, then pairs if any) and the Keras LSTM weights (kernel,
    recurrent kernel, bias per direction) from the bundle's ONNX graph."""
    graph = onnx.load(str(source.path / _MODEL)).graph
    values = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    values.update(float_tables(values))  # int8 tables (--quantize-embeddings) as served
    config = source.config
    dim = int(config["embedding_dim"])
    rows = [int(config["vocab_size"])]
    if config["bigram_buckets"]:
        rows.append(int(config["bigram_buckets"]) + 1)
    tables = []
    for count in rows:
        found = [v for v in values.values() if v.shape == (count, dim) and v.dtype == np.float32]
        if len(found) != 1:
            raise ValueError(f"--init-from {source.path}: no single {count} x {dim} table")
        tables.append(found[0])
    lstm = [node for node in graph.node if node.op_type == "LSTM"]
    if len(lstm) != 1:
        raise ValueError(f"--init-from {source.path}: {len(lstm)} LSTM nodes, expected one")
    w, r, b = (values[name] for name in lstm[0].input[1:4])
    return tables, [part for direction in range(len(w)) for part in _keras_lstm(w, r, b, direction)]


def _keras_lstm(w: np.ndarray, r: np.ndarray, b: np.ndarray, direction: int) -> list[np.ndarray]:
    """ONNX keeps the gates as input, output, forget, cell and two biases; Keras as input,
    forget, cell, output and one bias."""
    units = r.shape[-1]
    order = np.concatenate([np.arange(g * units, (g + 1) * units) for g in (0, 2, 3, 1)])
    bias = b[direction][: 4 * units] + b[direction][4 * units :]
    return [w[direction][order].T, r[direction][order].T, bias[order]]
