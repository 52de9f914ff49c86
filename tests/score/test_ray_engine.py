"""``--engine ray``: Ray Data on a local Ray (started once for this module), same results as
the local engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SHIPPED_BUNDLE
from tests.score.conftest import read_output, review_rows, write_csv, write_parquet

ray = pytest.importorskip("ray", reason="the ray extra is not installed")


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    # Two actors and a CPU slot for reading, as `--engine ray` starts it on this machine.
    ray.init(num_cpus=3, include_dashboard=False, _node_ip_address="127.0.0.1")
    yield
    ray.shutdown()


def score(*args: object) -> int:
    from app.score.__main__ import main

    return main([str(arg) for arg in args] + ["--no-progress", "--bundle", str(SHIPPED_BUNDLE)])


@pytest.mark.parametrize(
    ("writer", "long_text"),
    [(write_csv, "chunk"), (write_parquet, "truncate")],
    ids=["csv-chunk", "parquet-truncate"],
)
def test_ray_writes_what_the_local_engine_writes(
    local_ray: None,
    writer: object,
    long_text: str,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    suffix = ".csv" if writer is write_csv else ".parquet"
    rows = review_rows(60, seed=3, repeat=12)  # some longer than the model's window
    source = writer(tmp_path / f"in{suffix}", rows)  # type: ignore[operator]
    on_ray, local = tmp_path / f"ray{suffix}", tmp_path / f"local{suffix}"
    options = ["--chunk-rows", 16, "--long-text", long_text]
    assert score(source, local, "--workers", 1, *options) == 0
    assert score(source, on_ray, "--engine", "ray", "--workers", 2, *options) == 0
    written = read_output(local)
    # Scores within 1e-6, as the server's and the local engine's in test_score.py: the engines
    # batch chunked windows differently, and a score may move in its last float digits.
    for ray_row, local_row in zip(read_output(on_ray), written, strict=True):
        assert _without_score(ray_row) == _without_score(local_row)
        if local_row["score"] in ("", None):  # an empty text: not scored
            assert ray_row["score"] == local_row["score"]
        else:
            assert abs(float(str(ray_row["score"])) - float(str(local_row["score"]))) <= 1e-6
    chunks = {str(row["chunks"]) for row in written}
    assert chunks >= {"1", "2"} if long_text == "chunk" else chunks == {"None"}
    assert "row 4: empty text (not scored)" in caplog.text  # Ray names rows, not lines


def _without_score(row: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in row.items() if key != "score"}


def test_more_actors_than_the_cluster_can_feed_are_refused(
    local_ray: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = write_csv(tmp_path / "in.csv", review_rows(5))
    assert score(source, tmp_path / "out.csv", "--engine", "ray", "--workers", 3) == 1
    assert "the Ray cluster has 3 CPUs; each actor takes one" in caplog.text
