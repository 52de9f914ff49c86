"""Embedding tables as int8 rows with a scale per row: close to the floats, and the rewritten
ONNX graph reads exactly the fake-quantized Keras table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from training.fit.quantize import dequantized, quantize_gathers, quantized


def test_rows_round_to_within_half_a_step() -> None:
    table = np.random.default_rng(0).normal(size=(50, 16)).astype(np.float32)
    table[3] = 0.0  # a row of zeros keeps a usable scale
    rows, scales = quantized(table)
    assert rows.dtype == np.int8 and scales.shape == (50, 1)
    assert np.all(np.abs(dequantized(table) - table) <= scales / 2 + 1e-7)
    assert np.array_equal(dequantized(table)[3], np.zeros(16, dtype=np.float32))


def test_quantizing_twice_changes_nothing() -> None:
    table = dequantized(np.random.default_rng(1).normal(size=(20, 8)).astype(np.float32))
    assert np.allclose(dequantized(table), table, rtol=1e-6, atol=0)


def test_gather_of_int8_rows_equals_gather_of_the_fake_quantized_table(tmp_path: Path) -> None:
    table = dequantized(np.random.default_rng(2).normal(size=(30, 4)).astype(np.float32))
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "ids"], ["rows"], axis=0)],
        "lookup",
        [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "time"])],
        [helper.make_tensor_value_info("rows", TensorProto.FLOAT, ["batch", "time", 4])],
        [numpy_helper.from_array(table, "table")],
    )
    assert quantize_gathers(graph, [table]) == 1
    assert {init.data_type for init in graph.initializer} == {TensorProto.INT8, TensorProto.FLOAT}
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model, full_check=True)
    options = ort.SessionOptions()
    options.optimized_model_filepath = str(tmp_path / "optimised.onnx")
    session = ort.InferenceSession(model.SerializeToString(), options)
    ids = np.array([[0, 5, 29], [7, 7, 1]], dtype=np.int64)
    (rows,) = session.run(None, {"ids": ids})
    assert np.allclose(rows, table[ids], rtol=1e-6, atol=1e-7)
    # onnxruntime folds the Cast and Mul of initializers into one float table when it loads the
    # graph: requests gather float rows, with no per-token cast or scale
    optimised = onnx.load(str(tmp_path / "optimised.onnx"))
    assert [node.op_type for node in optimised.graph.node] == ["Gather"]
    (folded,) = optimised.graph.initializer
    assert np.array_equal(numpy_helper.to_array(folded), table)
