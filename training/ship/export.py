"""Keras -> ONNX with tf2onnx, with the recurrent layer as one fused op, and proof it is faithful.

tf2onnx 1.17 turns a masked Keras LSTM (``Embedding(mask_zero=True)``) into a generic ``Loop``,
3-10x slower than the fused ``LSTM`` op (tf2onnx issue #1871). So for ``lstm`` we convert the
unmasked twin holding the trained weights, which tf2onnx fuses into one ``LSTM`` node, and then
restore what the mask did: each row's ``sequence_lens`` = its number of non-pad tokens, and the
classifier reads ``Y_h`` (each row's state after its last real token, both directions for a
bidirectional layer) instead of ``Y`` at the last padded time step. GRU and simple RNN cells
are not fused by tf2onnx; they keep the masked model's ``Loop``. ``check_parity`` measures the
result against Keras and fails the export loudly when it is not faithful.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

import keras
import numpy as np
import onnx
import tensorflow as tf
import tf2onnx
from onnx import TensorProto, helper

from app.inference.bundle import RecurrentLayer
from app.inference.pipeline import SentimentClassifier
from training.fit.config import TrainConfig
from training.fit.ensemble import network_config
from training.fit.model import (
    INPUT_NAME,
    build_model,
    classes_of,
    has_length_feature,
    output_name,
)
from training.fit.quantize import QUANTIZED_LAYERS, quantize_gathers
from training.measure.metrics import served_probabilities

log = logging.getLogger(__name__)

OPSET = 17
BATCH_AXIS, SEQUENCE_AXIS = "batch", "sequence"
KERAS_ONNX_TOLERANCE = 1e-5
BATCH_INVARIANCE_TOLERANCE = 1e-6
PARITY_REVIEWS = 1_000


class ExportError(RuntimeError):
    """The exported graph is not what was trained, or is not the graph we promise."""


def to_onnx(
    model: keras.Model, config: TrainConfig, pad_id: int
) -> tuple[onnx.ModelProto, RecurrentLayer]:
    """Convert the trained model; returns the graph and how its recurrent layer runs."""
    fused = config.cell == "lstm"
    source = model
    classes = classes_of(model)
    if fused:
        source = build_model(
            network_config(config),
            classes=classes,
            mask_padding=False,
            length_feature=has_length_feature(model),
        )
        source.set_weights(model.get_weights())
    signature = (tf.TensorSpec((None, None), tf.int64, name=INPUT_NAME),)
    proto, _ = tf2onnx.convert.from_keras(
        source, input_signature=signature, opset=OPSET, output_path=None
    )
    if fused:
        _feed_sequence_lens(proto.graph, pad_id, config.pooling)
    if config.quantize_embeddings:
        _store_embeddings_as_int8(proto.graph, model)
    _name_dynamic_axes(proto.graph)
    proto.graph.output[0].name = _rename_output(proto.graph, output_name(classes))
    onnx.checker.check_model(proto, full_check=True)
    ops = {node.op_type for node in proto.graph.node}
    op: Literal["LSTM", "Loop"] = "LSTM" if fused else "Loop"
    if op not in ops or (fused and "Loop" in ops):
        raise ExportError(f"expected the recurrent layer as ONNX {op}, graph has ops {sorted(ops)}")
    layer = RecurrentLayer(
        cell=config.cell,
        bidirectional=config.bidirectional,
        onnx_op=op,
        uses_sequence_lens=fused,
        pooling=config.pooling,
    )
    return proto, layer


def _store_embeddings_as_int8(graph: onnx.GraphProto, model: keras.Model) -> None:
    tables = [layer.get_weights()[0] for layer in model.layers if layer.name in QUANTIZED_LAYERS]
    rewritten = quantize_gathers(graph, tables)
    if rewritten != len(tables):
        raise ExportError(f"{len(tables)} embedding tables to store as int8, found {rewritten}")


def _single(graph: onnx.GraphProto, op_type: str) -> onnx.NodeProto:
    nodes = [node for node in graph.node if node.op_type == op_type]
    if len(nodes) != 1:
        raise ExportError(f"expected one {op_type} node in the converted graph, found {len(nodes)}")
    return nodes[0]


def _feed_sequence_lens(graph: onnx.GraphProto, pad_id: int, pooling: str) -> None:
    """Make the fused LSTM stop at each row's last real token, and classify from ``Y_h``
    (pooling "last"), from the mean of ``Y`` over each row's real tokens (pooling "mean"), or
    from the graph's own masked mean and max of ``Y`` (pooling "mean_max")."""
    lstm = _single(graph, "LSTM")
    graph.initializer.extend(
        [
            helper.make_tensor("pad_id", TensorProto.INT64, [], [pad_id]),
            helper.make_tensor("time_axis", TensorProto.INT64, [1], [1]),
            helper.make_tensor("batch_by_features", TensorProto.INT64, [2], [0, -1]),
            helper.make_tensor("time_axis_0", TensorProto.INT64, [1], [0]),
            helper.make_tensor("mask_axes", TensorProto.INT64, [2], [1, 3]),
            helper.make_tensor("one_int32", TensorProto.INT32, [], [1]),
        ]
    )
    graph.node.extend(
        [
            helper.make_node("Equal", [INPUT_NAME, "pad_id"], ["is_pad"]),
            helper.make_node("Not", ["is_pad"], ["is_token"]),
            helper.make_node("Cast", ["is_token"], ["is_token_int32"], to=TensorProto.INT32),
            helper.make_node(
                "ReduceSum", ["is_token_int32", "time_axis"], ["sequence_lens"], keepdims=0
            ),
        ]
    )
    while len(lstm.input) < 5:
        lstm.input.append("")
    lstm.input[4] = "sequence_lens"
    if pooling == "mean_max":
        # The pooling reads its mask from the ids (MeanMaxOverTokens): the converted graph
        # already computes it; only the recurrent op must stop at each row's length.
        _prune_and_sort(graph)
        return
    classifier = _single(graph, "MatMul")  # the Dense layer; the embeddings are Gathers
    if pooling == "mean":
        graph.node.extend(_mean_over_tokens(lstm.output[0]))
        states = "summed_states"
    else:
        states = lstm.output[1]
        lstm.output[0] = ""  # the full sequence Y is not read: don't materialise it
    graph.node.extend(
        [
            # [directions, batch, units]; Keras concatenates [forward, backward].
            helper.make_node("Transpose", [states], ["states_by_row"], perm=[1, 0, 2]),
            helper.make_node("Reshape", ["states_by_row", "batch_by_features"], ["features"]),
        ]
    )
    features = "features"
    if pooling == "mean":
        graph.node.append(helper.make_node("Div", ["features", "token_counts"], ["mean"]))
        features = "mean"
    classifier.input[0] = features
    _prune_and_sort(graph)


def _mean_over_tokens(sequence: str) -> list[onnx.NodeProto]:
    """Sum ``Y`` [time, directions, batch, units] over each row's real tokens, and the counts
    to divide by (at least 1, so a text with no tokens gets zeros, as MaskedMean does)."""
    return [
        helper.make_node("Cast", ["is_token"], ["is_token_float"], to=TensorProto.FLOAT),
        helper.make_node("Transpose", ["is_token_float"], ["mask_by_time"], perm=[1, 0]),
        helper.make_node("Unsqueeze", ["mask_by_time", "mask_axes"], ["mask_4d"]),
        helper.make_node("Mul", [sequence, "mask_4d"], ["masked_sequence"]),
        helper.make_node(
            "ReduceSum", ["masked_sequence", "time_axis_0"], ["summed_states"], keepdims=0
        ),
        helper.make_node("Max", ["sequence_lens", "one_int32"], ["at_least_one"]),
        helper.make_node("Cast", ["at_least_one"], ["count_float"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["count_float", "time_axis"], ["token_counts"]),
    ]


def _prune_and_sort(graph: onnx.GraphProto) -> None:
    """Keep only nodes the outputs depend on, in topological order; drop unused initializers."""
    producer = {name: node for node in graph.node for name in node.output if name}
    ordered: list[onnx.NodeProto] = []
    seen: set[int] = set()

    def visit(name: str) -> None:
        node = producer.get(name)
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        for dependency in node.input:
            visit(dependency)
        ordered.append(node)

    for output in graph.output:
        visit(output.name)
    kept = [onnx.NodeProto.FromString(node.SerializeToString()) for node in ordered]
    del graph.node[:]
    graph.node.extend(kept)
    used = {name for node in graph.node for name in node.input}
    initializers = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(initializers)


def _name_dynamic_axes(graph: onnx.GraphProto) -> None:
    for value in (*graph.input, *graph.output):
        dims = value.type.tensor_type.shape.dim
        dims[0].dim_param = BATCH_AXIS
    graph.input[0].type.tensor_type.shape.dim[1].dim_param = SEQUENCE_AXIS


def _rename_output(graph: onnx.GraphProto, name: str) -> str:
    old = graph.output[0].name
    for node in graph.node:
        for i, output in enumerate(node.output):
            if output == old:
                node.output[i] = name
    return name


@dataclass(frozen=True)
class Parity:
    reviews: int
    keras_onnx_max_abs_diff: float
    alone_vs_batch_max_abs_diff: float
    empty_text_score: float
    empty_text_keras_score: float

    def as_dict(self) -> dict[str, float | int]:
        return {
            "reviews": self.reviews,
            "keras_onnx_max_abs_diff": self.keras_onnx_max_abs_diff,
            "alone_vs_batch_max_abs_diff": self.alone_vs_batch_max_abs_diff,
            "empty_text_score": self.empty_text_score,
            "empty_text_keras_score": self.empty_text_keras_score,
            "keras_onnx_tolerance": KERAS_ONNX_TOLERANCE,
            "batch_invariance_tolerance": BATCH_INVARIANCE_TOLERANCE,
        }


def check_parity(
    model: keras.Model, classifier: SentimentClassifier, texts: list[str], onnx_batch: int = 64
) -> Parity:
    """Keras vs the served ONNX graph on the same ids; each text alone vs in a padded batch;
    an empty text. Every label's probability is compared. Raises ExportError when a tolerance
    is exceeded."""
    if not texts:
        raise ExportError("no reviews to check the export against")
    encoded = classifier.encode(texts)
    keras_scores = _keras_probabilities(model, encoded.input_ids)
    batched = np.concatenate(
        [
            served_probabilities(classifier, texts[i : i + onnx_batch])
            for i in range(0, len(texts), onnx_batch)
        ]
    )
    alone = np.concatenate([served_probabilities(classifier, [text]) for text in texts])
    empty = served_probabilities(classifier, [""])[0]
    empty_keras = _keras_probabilities(model, classifier.encode([""]).input_ids)[0]
    parity = Parity(
        reviews=len(texts),
        keras_onnx_max_abs_diff=float(np.max(np.abs(keras_scores - batched))),
        alone_vs_batch_max_abs_diff=float(np.max(np.abs(alone - batched))),
        empty_text_score=float(np.max(empty)) if empty.ndim else float(empty),
        empty_text_keras_score=float(np.max(empty_keras))
        if empty_keras.ndim
        else float(empty_keras),
    )
    log.info("export parity: %s", parity)
    if not parity.keras_onnx_max_abs_diff <= KERAS_ONNX_TOLERANCE:
        raise ExportError(
            f"Keras and ONNX disagree by {parity.keras_onnx_max_abs_diff:.3g}"
            f" (> {KERAS_ONNX_TOLERANCE}) on {len(texts)} reviews"
        )
    if not parity.alone_vs_batch_max_abs_diff <= BATCH_INVARIANCE_TOLERANCE:
        raise ExportError(
            f"a review scores {parity.alone_vs_batch_max_abs_diff:.3g} differently alone than"
            f" in a padded batch (> {BATCH_INVARIANCE_TOLERANCE})"
        )
    in_range = bool(np.all((empty >= 0.0) & (empty <= 1.0)))
    if not in_range or float(np.max(np.abs(empty - empty_keras))) > KERAS_ONNX_TOLERANCE:
        raise ExportError(f"empty text scores {empty} in ONNX and {empty_keras} in Keras")
    return parity


def _keras_probabilities(model: keras.Model, input_ids: np.ndarray) -> np.ndarray:
    scores = np.asarray(model.predict(input_ids, batch_size=256, verbose=0))
    return scores.reshape(-1) if scores.shape[-1] == 1 else scores
