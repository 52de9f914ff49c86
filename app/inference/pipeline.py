"""Text in, sentiment out: preprocess -> forward -> postprocess.

- ``encode`` (preprocess): texts -> the bundle's tokenizer (normalise, tokenise, truncate at
  max length) -> int64 ids post-padded with the pad id to the longest row of the batch, plus the
  number of tokens used and whether each text was truncated.
- ``SentimentClassifier.forward``: ids -> probabilities; only ``session.run``. A binary bundle
  gives one per row (of the positive label, ``labels[1]``), a multiclass one a row of one per
  label (``app.inference.bundle`` has the contract). ``predict`` orders a batch's rows by
  length and runs them in micro-batches of ``forward_batch_size`` rows, each cut to its own
  longest row: short texts do not pay for long ones, and this LSTM runs fastest on a few rows
  at a time, as the gate activations of many long rows no longer fit in cache (measured by
  ``benchmarks``; README gives the figures).
- ``postprocess``: probabilities -> label (by threshold for two labels, the most probable for
  more) and ``scores``, the probability of every label.

Training vectorises its data with the same ``encode`` on the same ``tokenizer.json``, so what
the model learnt from and what it serves are one code path (no train/serve skew).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from tokenizers import Tokenizer

from app.inference.bundle import (
    MODEL_FILE,
    Manifest,
    load_tokenizer,
    read_manifest,
    verify_checksums,
)
from app.inference.predictions import Prediction, prediction_of
from app.inference.predictions import label_for as label_for  # re-exported: its long-time home
from app.inference.session import create_session, shared_session, verify_signature
from app.observability.metrics import ModelMetrics
from app.observability.tracing import stage

if TYPE_CHECKING:
    import onnxruntime as ort

# One core per tokenizer call: the service already runs one inference thread per core, and
# the `tokenizers` default of spreading each batch over every core makes them fight.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@dataclass(frozen=True)
class EncodedBatch:
    """Token ids of a batch: ``input_ids`` [batch, width] int64, post-padded."""

    input_ids: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray


def encode(tokenizer: Tokenizer, texts: Sequence[str], pad_id: int) -> EncodedBatch:
    """Tokenise a batch; rows are padded to the longest row (at least one column).

    Refuses to run on a tokenizer that does not pad: padding is part of the bundle's contract.
    """
    if tokenizer.padding is None or tokenizer.padding["pad_id"] != pad_id:
        raise ValueError(f"tokenizer must pad with pad id {pad_id}")
    encodings = tokenizer.encode_batch_fast(
        [encodable(text) for text in texts], add_special_tokens=False
    )
    if not encodings:
        empty = np.zeros((0, 1), dtype=np.int64)
        return EncodedBatch(empty, np.zeros(0, np.int64), np.zeros(0, bool))
    input_ids = np.array([encoding.ids for encoding in encodings], dtype=np.int64)
    if input_ids.shape[1] == 0:  # every text empty: keep one pad column so shapes stay valid
        input_ids = np.full((len(encodings), 1), pad_id, dtype=np.int64)
    lengths = np.count_nonzero(input_ids != pad_id, axis=1)
    truncated = np.fromiter(
        (len(encoding.overflowing) > 0 for encoding in encodings), dtype=bool, count=len(encodings)
    )
    return EncodedBatch(input_ids, lengths, truncated)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def pad_rows(rows: Sequence[np.ndarray], pad_id: int) -> EncodedBatch:
    """Token-id rows of any lengths -> one post-padded batch (at least one column)."""
    lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
    width = max(1, int(lengths.max(initial=0)))
    input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    for index, row in enumerate(rows):
        input_ids[index, : len(row)] = row
    return EncodedBatch(input_ids, lengths, np.zeros(len(rows), dtype=bool))


def encodable(text: str) -> str:
    """The text with lone UTF-16 surrogates (valid JSON escapes, but not Unicode characters the
    tokenizer accepts) replaced by U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _LONE_SURROGATE.sub("\ufffd", text)
    return text


def postprocess(
    probabilities: np.ndarray, batch: EncodedBatch, manifest: Manifest
) -> list[Prediction]:
    """Each row's probabilities -> its prediction (``prediction_of``)."""
    return [
        prediction_of(row, manifest, int(tokens), bool(truncated))
        for row, tokens, truncated in zip(
            probabilities, batch.lengths, batch.truncated, strict=True
        )
    ]


class SentimentClassifier:
    """A loaded, verified bundle: tokenizer + onnxruntime session + manifest."""

    def __init__(
        self,
        manifest: Manifest,
        tokenizer: Tokenizer,
        session: ort.InferenceSession,
        bundle_dir: Path,
        forward_batch_size: int = 4,  # the service's default (SENTIMENT_FORWARD_BATCH_SIZE)
    ) -> None:
        if forward_batch_size < 1:
            raise ValueError("forward_batch_size must be at least 1")
        self.manifest = manifest
        self.tokenizer = tokenizer
        self.session = session
        self.bundle_dir = bundle_dir
        self.forward_batch_size = forward_batch_size
        self._input_name = manifest.input.name
        self._output_names = [manifest.output.name]
        # One probability per row (binary), or a row of one per label (multiclass).
        self.row_shape: tuple[int, ...] = (len(manifest.labels),) if manifest.multiclass else ()
        # Set by the service once the model is warmed up; the training code records nothing.
        self.metrics: ModelMetrics | None = None

    @classmethod
    def from_bundle(
        cls,
        bundle_dir: Path,
        intra_op_threads: int = 1,
        forward_batch_size: int = 4,
        shared_graphs: Path | None = None,
    ) -> SentimentClassifier:
        """Load and verify a bundle; raise BundleError naming the file at fault. With
        ``shared_graphs``, its weights are mapped from a copy there that other processes map
        too (``app.inference.session.shared_graph``)."""
        manifest = read_manifest(bundle_dir)
        return cls.load(bundle_dir, manifest, intra_op_threads, forward_batch_size, shared_graphs)

    @classmethod
    def load(
        cls,
        bundle_dir: Path,
        manifest: Manifest,
        intra_op_threads: int = 1,
        forward_batch_size: int = 4,
        shared_graphs: Path | None = None,
    ) -> SentimentClassifier:
        """Load and verify the bundle's files against ``manifest`` (read from the bundle, or
        one being written, as the exporter does before the manifest is on disk)."""
        verify_checksums(bundle_dir, manifest)
        tokenizer = load_tokenizer(bundle_dir, manifest)
        model_path = bundle_dir / MODEL_FILE
        if shared_graphs is None:
            session = create_session(model_path, intra_op_threads)
        else:
            session, model_path = shared_session(
                shared_graphs, model_path, manifest, intra_op_threads
            )
        verify_signature(session, manifest, model_path)
        return cls(manifest, tokenizer, session, bundle_dir, forward_batch_size)

    def encode(self, texts: Sequence[str]) -> EncodedBatch:
        return encode(self.tokenizer, texts, self.manifest.pad_id)

    @cached_property
    def whole_text_tokenizer(self) -> Tokenizer:
        """The bundle's tokenizer without truncation or padding: every token of a text, for
        reading long texts in windows (``app.inference.chunking``)."""
        whole = Tokenizer.from_str(self.tokenizer.to_str())
        whole.no_truncation()
        whole.no_padding()
        return whole

    def forward(self, input_ids: np.ndarray) -> np.ndarray:
        """[batch, width] int64 ids -> [batch] probabilities of the positive label (binary), or
        [batch, labels] probabilities (multiclass)."""
        started = time.perf_counter()
        (probabilities,) = self.session.run(self._output_names, {self._input_name: input_ids})
        if self.metrics is not None:
            self.metrics.run_seconds.observe(time.perf_counter() - started)
        return np.asarray(probabilities, dtype=np.float32).reshape(len(input_ids), *self.row_shape)

    def forward_grouped(self, batch: EncodedBatch) -> np.ndarray:
        """Probabilities for a batch, run as length-ordered micro-batches of at most
        ``forward_batch_size`` rows, each cut to its longest row."""
        with stage("model run", self.manifest.name, self.manifest.version):
            return self._forward_grouped(batch)

    def _forward_grouped(self, batch: EncodedBatch) -> np.ndarray:
        rows = len(batch.input_ids)
        if rows <= self.forward_batch_size:
            width = max(1, int(batch.lengths.max()))
            return self.forward(batch.input_ids[:, :width])
        probabilities = np.empty((rows, *self.row_shape), dtype=np.float32)
        order = np.argsort(batch.lengths, kind="stable")
        for start in range(0, rows, self.forward_batch_size):
            group = order[start : start + self.forward_batch_size]
            width = max(1, int(batch.lengths[group[-1]]))
            probabilities[group] = self.forward(batch.input_ids[group, :width])
        return probabilities

    def record_batch(
        self, tokens: Sequence[int], truncated: int, windows: Sequence[int] = ()
    ) -> None:
        """Count a batch of texts this model scored in the service's metrics (when it has them),
        however the texts were read: each text's tokens, how many were truncated, and for
        texts read whole in windows, the windows of each."""
        if self.metrics is not None:
            self.metrics.observe_batch(tokens, truncated, windows)

    def record_labels(self, predictions: Sequence[Prediction]) -> list[Prediction]:
        """Count the labels of a batch's predictions in the service's metrics (when it has
        them), and hand the predictions back."""
        if self.metrics is not None:
            self.metrics.count_labels([prediction.label for prediction in predictions])
        return list(predictions)

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        with stage("tokenize", self.manifest.name, self.manifest.version) as tokenized:
            batch = self.encode(texts)
            tokens = batch.lengths.tolist()
            tokenized.tokens(tokens)
        if len(batch.input_ids) == 0:
            return []
        probabilities = self.forward_grouped(batch)
        self.record_batch(tokens, int(batch.truncated.sum()))
        return self.record_labels(postprocess(probabilities, batch, self.manifest))

    def warm_up(self) -> None:
        """Run the graph once at a short and at the full length so first requests are fast."""
        self.predict(["warm up", "warm up " * self.manifest.max_length, ""])
