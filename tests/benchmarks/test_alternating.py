"""The A/B tools take their systems in turns, the order reversed every other round, and write
their request bodies to fresh files in the shape each load asks for."""

from __future__ import annotations

import json

from benchmarks.harness.alternating import in_turns
from benchmarks.harness.workload import bodies_files


def test_systems_take_turns_in_alternating_order() -> None:
    assert list(in_turns(["A", "B", "C"], 3)) == [
        (0, "A"), (0, "B"), (0, "C"),
        (1, "C"), (1, "B"), (1, "A"),
        (2, "A"), (2, "B"), (2, "C"),
    ]  # fmt: skip
    assert list(in_turns(["A"], 0)) == []


def test_bodies_files_write_one_request_a_line_per_shape() -> None:
    texts = ["one", "two", "three", "four"]
    files = bodies_files("test-", single=(texts, 1), pairs=(texts, 2))
    assert files["single"].parent == files["pairs"].parent
    single = [json.loads(line) for line in files["single"].read_text().splitlines()]
    pairs = [json.loads(line) for line in files["pairs"].read_text().splitlines()]
    assert single == [{"text": text} for text in texts]
    assert [len(body["texts"]) for body in pairs] == [2, 2]
