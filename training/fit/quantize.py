"""Embedding tables as int8 with one float scale per row: a quarter of the bytes.

The embedding tables are almost all of the bundle (2.2.0: 4.5 million of its 4.6 million
weights). Each row is stored as int8 values ``q`` and one scale ``s`` = max |row| / 127, and read
back as ``q * s``. Two steps keep the exported graph exactly what was evaluated:

- ``fake_quantize_embeddings`` replaces the Keras tables by ``q * s`` (float32) right after
  training, before calibration and every check, so the temperature, the threshold and the parity
  checks all see the quantized model;
- ``quantize_gathers`` rewrites the ONNX graph: each table becomes its int8 rows and row scales
  and a ``Cast`` and a ``Mul`` that rebuild the float32 table ``q * s``, which every ``Gather``
  reads as before. Those two nodes read only initializers, so onnxruntime folds them into one
  float table when it loads the graph (constant folding, at its basic level already): the file
  is small, and serving gathers float rows, as fast as from a float table, instead of casting
  and scaling every token's row on every request. The service's shared copy of the optimised
  graph (``app.inference.session.shared_graph``) holds the folded table once for all workers.
"""

from __future__ import annotations

import keras
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QUANTIZED_LAYERS = ("embedding", "bigram_embedding")
# A quantized table ``T`` is stored as the initializers ``T_int8`` (rows) and ``T_scale``.
_ROWS, _SCALES = "_int8", "_scale"
_LEVELS = 127


def quantized(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int8 rows, float32 scales of shape [rows, 1]) with ``q * s`` close to ``table``."""
    scales = np.abs(table).max(axis=1, keepdims=True).astype(np.float32) / np.float32(_LEVELS)
    scales[scales == 0] = 1.0
    rows = np.clip(np.rint(table / scales), -_LEVELS, _LEVELS).astype(np.int8)
    return rows, scales.astype(np.float32)


def dequantized(table: np.ndarray) -> np.ndarray:
    rows, scales = quantized(table)
    return rows.astype(np.float32) * scales


def float_tables(initializers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The float32 tables an exported graph computes from its int8 rows and row scales (what
    ``quantize_gathers`` stored), by the name the table had before: ``q * s``."""
    tables = {}
    for name, rows in initializers.items():
        table = name.removesuffix(_ROWS)
        scales = initializers.get(table + _SCALES)
        if table != name and rows.dtype == np.int8 and scales is not None:
            tables[table] = rows.astype(np.float32) * scales
    return tables


def fake_quantize_embeddings(model: keras.Model) -> list[str]:
    """Round the model's embedding tables to their int8 form; returns the layers changed."""
    changed = []
    for layer in model.layers:
        if layer.name in QUANTIZED_LAYERS:
            (table,) = layer.get_weights()
            layer.set_weights([dequantized(table)])
            changed.append(layer.name)
    return changed


def quantize_gathers(graph: onnx.GraphProto, tables: list[np.ndarray]) -> int:
    """Store each initializer equal to one of ``tables`` (already fake-quantized) and read only by
    ``Gather`` nodes as int8 rows and row scales, rebuilt into the float table by a ``Cast`` and a
    ``Mul`` at the start of the graph; returns how many tables were rewritten."""
    initializers = {init.name: init for init in graph.initializer}
    rewritten = 0
    for name, init in list(initializers.items()):
        values = numpy_helper.to_array(init)
        if values.ndim != 2 or not any(
            values.shape == table.shape and np.array_equal(values, table) for table in tables
        ):
            continue
        readers = [n for n in graph.node if n.op_type == "Gather" and n.input[0] == name]
        if not readers or any(name in node.input and node not in readers for node in graph.node):
            continue
        rows, scales = quantized(values)
        graph.initializer.remove(init)
        graph.initializer.extend(
            [
                numpy_helper.from_array(rows, name + _ROWS),
                numpy_helper.from_array(scales, name + _SCALES),
            ]
        )
        rebuilt = [
            helper.make_node(
                "Cast", [name + _ROWS], [name + "_float"], to=TensorProto.FLOAT, name=name + "_cast"
            ),
            helper.make_node("Mul", [name + "_float", name + _SCALES], [name], name=name + "_mul"),
        ]
        for offset, node in enumerate(rebuilt):
            graph.node.insert(offset, node)
        rewritten += 1
    return rewritten
