"""Each served model chunks long texts as its bundle chose on validation (the manifest's
``chunking``, written by ``python -m training long-text --update-card``), unless the settings
name an overlap or a pooling rule; /model says how each model reads them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.inference.chunking import FALLBACK_POLICY, ChunkedScorer, ChunkPolicy
from app.inference.pipeline import SentimentClassifier
from app.main import create_app
from tests.api.conftest import make_settings
from tests.conftest import SHIPPED_BUNDLE

# Bad for 130 sentences, then good: its windows disagree, so the reading decides its score.
LONG = "dull boring awful plot . " * 130 + "but the ending was superb and moving . " * 40
CHOSEN = ChunkPolicy(250, "logit_mean")


def _bundle(folder: Path, name: str, chunking: ChunkPolicy | None) -> Path:
    shutil.copytree(SHIPPED_BUNDLE, folder)
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text()) | {"name": name}
    manifest.pop("chunking", None)
    if chunking is not None:
        manifest["chunking"] = {"overlap": chunking.overlap, "pooling": chunking.pooling}
    path.write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def chose(tmp_path: Path) -> Path:
    return _bundle(tmp_path / "chose", "chose", CHOSEN)


@pytest.fixture
def unchosen(tmp_path: Path) -> Path:
    return _bundle(tmp_path / "unchosen", "unchosen", None)


def _expected(bundle: Path, policy: ChunkPolicy) -> tuple[float, int | None]:
    (prediction,) = ChunkedScorer(SentimentClassifier.from_bundle(bundle), policy)([LONG])
    return prediction.score, prediction.chunks


def _served(client: TestClient, model: str) -> tuple[float, int | None]:
    body = {"text": LONG, "long_text": "chunk", "model": model}
    (prediction,) = client.post("/predict", json=body).json()["predictions"]
    return prediction["score"], prediction["chunks"]


def test_each_model_chunks_as_its_bundle_chose(chose: Path, unchosen: Path) -> None:
    settings = make_settings(bundle_path=chose, extra_bundle_paths=[unchosen])
    with TestClient(create_app(settings)) as client:
        listed = {m["name"]: m["chunking"] for m in client.get("/model").json()["models"]}
        served = {name: _served(client, name) for name in ("chose", "unchosen")}
    assert listed == {
        "chose": {"overlap": 250, "pooling": "logit_mean"},
        "unchosen": {"overlap": 0, "pooling": "max_confidence"},
    }
    for name, bundle, policy in (("chose", chose, CHOSEN), ("unchosen", unchosen, FALLBACK_POLICY)):
        score, chunks = _expected(bundle, policy)
        assert served[name][0] == pytest.approx(score, abs=1e-6)
        assert served[name][1] == chunks
    # Same weights, two readings: the choice is what made the difference.
    assert abs(served["chose"][0] - served["unchosen"][0]) > 1e-3


def test_the_settings_override_the_bundles_choice(chose: Path) -> None:
    settings = make_settings(bundle_path=chose, chunk_pooling="mean")
    with TestClient(create_app(settings)) as client:
        (listed,) = client.get("/model").json()["models"]
        served = _served(client, "chose")
    assert listed["chunking"] == {"overlap": 250, "pooling": "mean"}
    score, chunks = _expected(chose, ChunkPolicy(250, "mean"))
    assert served == (pytest.approx(score, abs=1e-6), chunks)
