"""python -m benchmarks.bundles: the two bundles take turns on the same batches, and the table
compares medians."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks.bundles import Round, main, measure_round, summarise
from benchmarks.harness.workload import Workload
from tests.conftest import SHIPPED_BUNDLE, synthetic_reviews


class Recorder:
    """Stub predict functions that log which side scored which batch, on which thread."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, int]] = []

    def side(self, name: str) -> Callable[[Sequence[str]], None]:
        def predict(texts: Sequence[str]) -> None:
            self.calls.append((name, texts[0], threading.get_ident()))

        return predict


def test_each_batch_is_scored_by_both_bundles_in_alternating_order() -> None:
    recorder = Recorder()
    predicts = {side: recorder.side(side) for side in ("baseline", "candidate")}
    batches = [[f"batch {number}"] for number in range(5)]
    result = measure_round(predicts, batches, callers=1, seconds=0.05)
    calls = recorder.calls
    assert len(calls) >= 4 and len(calls) % 2 == 0
    for turn in range(len(calls) // 2):
        first, second = calls[2 * turn], calls[2 * turn + 1]
        assert first[1] == second[1] == f"batch {turn % 5}"
        expected = ("baseline", "candidate") if turn % 2 == 0 else ("candidate", "baseline")
        assert (first[0], second[0]) == expected
    assert result.reviews_per_s["baseline"] > 0 and result.reviews_per_s["candidate"] > 0


def test_two_callers_share_the_batches_between_two_threads() -> None:
    recorder = Recorder()
    predicts = {side: recorder.side(side) for side in ("baseline", "candidate")}
    batches = [[f"batch {number}"] for number in range(4)]
    measure_round(predicts, batches, callers=2, seconds=0.05)
    by_thread: dict[int, set[str]] = {}
    for _, batch, thread in recorder.calls:
        by_thread.setdefault(thread, set()).add(batch)
    assert sorted(map(sorted, by_thread.values())) == [
        ["batch 0", "batch 2"],
        ["batch 1", "batch 3"],
    ]


def test_summary_takes_medians_over_rounds_per_setting() -> None:
    def round_(callers: int, baseline: float, candidate: float) -> Round:
        rates = {"baseline": baseline, "candidate": candidate}
        return Round(callers, rates, {side: 1000 / rate for side, rate in rates.items()})

    rounds = [
        round_(1, 100.0, 90.0),
        round_(2, 200.0, 150.0),
        round_(1, 110.0, 99.0),
        round_(1, 500.0, 95.0),  # one noisy round does not move the medians
    ]
    one, two = summarise(rounds)
    assert one["callers"] == 1
    assert one["reviews_per_s"] == {"baseline": 110.0, "candidate": 95.0}
    assert one["ratio"] == 0.9  # median of 0.9, 0.9, 0.19
    assert one["ratio_range"] == [95.0 / 500.0, 0.9]
    assert abs(one["cpu_ratio"] - 95.0 / 110.0) < 1e-12
    assert (two["callers"], two["ratio"]) == (2, 0.75)


def test_the_shipped_bundle_against_itself(tmp_path: Path) -> None:
    """Smoke run on real sessions: both sides score, and the result files name both bundles."""
    texts = [text for text, _ in synthetic_reviews(130)]
    workload = tmp_path / "workload.json"
    Workload(texts, texts).save(workload)
    out = tmp_path / "out"
    argv = [
        "--baseline", str(SHIPPED_BUNDLE), "--candidate", str(SHIPPED_BUNDLE),
        "--workload", str(workload), "--repeats", "1", "--seconds", "0.3", "--callers", "1", "2",
        "--out", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    result = json.loads((out / "bundles.json").read_text())
    assert [row["callers"] for row in result["summary"]] == [1, 2]
    for row in result["rounds"]:
        assert row["reviews_per_s"]["baseline"] > 0 and row["reviews_per_s"]["candidate"] > 0
    assert result["bundles"]["candidate"]["version"] == result["bundles"]["baseline"]["version"]
    table = (out / "bundles.md").read_text()
    assert "| 1 |" in table and "| 2 |" in table
