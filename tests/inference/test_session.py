"""Sessions of a bundle's graph, and the copy of it whose weights the workers share
(app.inference.session.shared_graph)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from app.inference.bundle import MODEL_FILE, BundleError, read_manifest
from app.inference.pipeline import SentimentClassifier
from app.inference.session import WEIGHTS_FILE, shared_graph, shared_session
from tests.conftest import SHIPPED_BUNDLE

REVIEWS = [
    "A slow, thoughtful and quite wonderful film about patience. " * 30,
    "Dreadful. I walked out.",
    "Not bad at all, though the ending drags.",
]


def mapped_files() -> str:
    return Path("/proc/self/maps").read_text()


def test_a_shared_copy_scores_as_the_bundle_does_and_its_weights_are_mapped(
    classifier: SentimentClassifier, tmp_path: Path
) -> None:
    shared = SentimentClassifier.from_bundle(SHIPPED_BUNDLE, shared_graphs=tmp_path)
    [copy] = tmp_path.iterdir()  # one folder, named by the model's sha256
    assert copy.name == read_manifest(SHIPPED_BUNDLE).files[MODEL_FILE]
    weights = copy / WEIGHTS_FILE
    # the embedding tables (int8 since 2.3.0) left the graph: almost all of its bytes
    assert weights.stat().st_size > 0.9 * (SHIPPED_BUNDLE / MODEL_FILE).stat().st_size
    assert str(weights) in mapped_files()  # mapped, not read into the process's own memory
    expected = [p.score for p in classifier.predict(REVIEWS)]
    actual = [p.score for p in shared.predict(REVIEWS)]
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)


def test_a_saved_copy_is_used_as_it_is(tmp_path: Path) -> None:
    manifest = read_manifest(SHIPPED_BUNDLE)
    first = shared_graph(tmp_path, SHIPPED_BUNDLE / MODEL_FILE, manifest)
    saved = first.stat().st_mtime_ns
    assert shared_graph(tmp_path, SHIPPED_BUNDLE / MODEL_FILE, manifest) == first
    assert first.stat().st_mtime_ns == saved
    assert [p.name for p in tmp_path.iterdir()] == [manifest.files[MODEL_FILE]]


def test_a_folder_it_cannot_save_to_leaves_the_bundle_s_own_graph(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    model = SHIPPED_BUNDLE / MODEL_FILE
    _session, graph = shared_session(not_a_folder, model, read_manifest(SHIPPED_BUNDLE))
    assert graph == model
    assert "its weights are not shared" in caplog.text


def test_a_graph_onnxruntime_refuses_is_reported_as_the_bundle_s(
    bundle_copy: Path, tmp_path: Path
) -> None:
    (bundle_copy / MODEL_FILE).write_bytes(b"not a graph")
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    with pytest.raises(BundleError, match=f"{bundle_copy / MODEL_FILE}: onnxruntime cannot"):
        shared_session(graphs, bundle_copy / MODEL_FILE, read_manifest(SHIPPED_BUNDLE))
    assert list(graphs.iterdir()) == []  # nothing half-saved left behind


def test_a_changed_bundle_gets_a_copy_of_its_own(bundle_copy: Path, tmp_path: Path) -> None:
    """The copy is keyed by the graph's checksum: a reload of changed files never maps the
    weights of the graph they replaced."""
    manifest = read_manifest(SHIPPED_BUNDLE)
    shared_graph(tmp_path, SHIPPED_BUNDLE / MODEL_FILE, manifest)
    other = manifest.model_copy(update={"files": {**manifest.files, MODEL_FILE: "0" * 64}})
    path = shared_graph(tmp_path, bundle_copy / MODEL_FILE, other)
    assert path == tmp_path / ("0" * 64) / MODEL_FILE and path.is_file()
