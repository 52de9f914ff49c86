"""README's walk-through on small generated data with three labels: a CSV with its own column
names -> ``python -m training train`` -> a multiclass bundle with a softmax head -> served beside
the default model through the app -> ``/predict`` with ``model``."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
from fastapi.testclient import TestClient

from app.inference.bundle import MULTICLASS_TASK, read_manifest
from app.main import create_app
from tests.api.conftest import make_settings
from tests.multiclass_bundle import LABELS
from tests.training.three_labels import TINY_TRAINING, write_three_label_csv
from training.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("own")
    data = write_three_label_csv(work / "moods.csv", count=300)
    code = main(
        [
            "train",
            "--data", str(data),
            "--text-column", "review",
            "--label-column", "mood",
            "--class-weight", "balanced",
            "--models-dir", str(work / "models"),
            "--runs-dir", str(work / "runs"),
            *TINY_TRAINING,
        ]
    )  # fmt: skip
    assert code == 0
    return work / "models" / "moods"


def test_the_bundle_has_a_softmax_head_and_lists_its_labels(bundle: Path) -> None:
    manifest = read_manifest(bundle)
    assert manifest.task == MULTICLASS_TASK and manifest.labels == LABELS
    assert "threshold" not in json.loads((bundle / "manifest.json").read_text())
    output = manifest.outputs[0]
    assert (output.name, output.shape) == ("probabilities", ["batch", 3])
    graph = onnx.load(bundle / "model.onnx").graph
    assert [o.name for o in graph.output] == ["probabilities"]
    assert "Softmax" in {node.op_type for node in graph.node}
    parity = manifest.metrics["export_parity"]
    assert parity["keras_onnx_max_abs_diff"] <= 1e-5
    assert parity["alone_vs_batch_max_abs_diff"] <= 1e-6


def test_the_card_reports_labels_yardstick_and_what_was_used(bundle: Path) -> None:
    manifest = read_manifest(bundle)
    test, baseline = manifest.metrics["test"], manifest.metrics["baseline_tfidf_logreg"]
    assert set(test["per_label"]) == set(LABELS) and 0.0 <= test["macro_f1"] <= 1.0
    assert sum(map(sum, test["confusion"]["matrix"])) == test["examples"] == 60
    assert "macro_f1" in baseline and manifest.metrics["calibration"] is None
    assert manifest.dataset["class_balance"]["test"] == dict.fromkeys(LABELS, 20)
    assert manifest.metrics["extras"]["class_weight"] == "balanced"
    card = (bundle / "report" / "model_card.md").read_text()
    for line in ("| neutral |", "**macro**", "Confusion matrix", "Class weights: balanced"):
        assert line in card
    assert test["accuracy"] > 0.8  # the cue words give the label away
    assert (bundle.parent.parent / "runs" / "moods" / "trials.jsonl").is_file()


def test_served_beside_the_default_and_predicted(bundle: Path) -> None:
    settings = make_settings(extra_bundle_paths=[bundle])
    with TestClient(create_app(settings)) as client:
        names = [model["name"] for model in client.get("/model").json()["models"]]
        assert names == ["imdb-sentiment", "moods"]
        texts = ["The film was great and wonderful.", "An awful, dull plot.", "It was okay."]
        answer = client.post("/predict", json={"texts": texts, "model": "moods"})
        assert answer.status_code == 200
        predictions = answer.json()["predictions"]
        assert [p["label"] for p in predictions] == ["positive", "negative", "neutral"]
        for prediction in predictions:
            assert list(prediction["scores"]) == LABELS
            assert sum(prediction["scores"].values()) == pytest.approx(1.0, abs=1e-5)
        default = client.post("/predict", json={"text": texts[0]}).json()
        assert set(default["predictions"][0]["scores"]) == {"negative", "positive"}


def test_evaluate_scores_a_multiclass_bundle_on_its_data(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = bundle.parent.parent / "moods.csv"
    arguments = ["--text-column", "review", "--label-column", "mood", "--threads", "1"]
    assert main(["evaluate", "--bundle", str(bundle), "--data", str(data), *arguments]) == 0
    printed = json.loads(capsys.readouterr().out)
    recorded = read_manifest(bundle).metrics["test"]
    assert printed["accuracy"] == recorded["accuracy"]
    assert printed["confusion"] == recorded["confusion"]
