"""Bundles with more than two labels: the manifest contract, prediction, chunking and
explanations on a small three-label bundle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.inference.bundle import BundleError, read_manifest
from app.inference.chunking import ChunkPolicy, LongText, Reading, pool_rows
from app.inference.explain import Explainer
from app.inference.pipeline import SentimentClassifier
from tests.conftest import SHIPPED_BUNDLE
from tests.multiclass_bundle import LABELS

TEXTS = [
    "A great film, really wonderful.",
    "The plot was awful and the acting dull.",
    "It was okay, an average movie.",
    "great",
    "the movie was fine but the plot was terrible and the acting was superb really",
]


@pytest.fixture(scope="module")
def tri(multiclass_bundle: Path) -> SentimentClassifier:
    return SentimentClassifier.from_bundle(multiclass_bundle)


def _edit(bundle: Path, tmp_path: Path, **changes: object) -> Path:
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest.update(changes)
    folder = tmp_path / "edited"
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_binary_bundle_keeps_its_contract() -> None:
    manifest = read_manifest(SHIPPED_BUNDLE)
    assert manifest.task == "binary-sentiment" and not manifest.multiclass
    assert manifest.output.shape[-1] == 1


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"threshold": 0.5}, "no threshold"),
        ({"labels": ["a", "b"]}, "3 or more labels"),
        ({"labels": ["a", "b", "a"]}, "distinct"),
        ({"labels": [f"l{i}" for i in range(51)]}, "labels"),
        ({"outputs": [{"name": "p", "dtype": "float32", "shape": ["batch", 4]}]}, "[batch, 3]"),
        ({"task": "binary-sentiment"}, "exactly 2 labels"),
    ],
)
def test_manifest_rules_are_checked(
    multiclass_bundle: Path, tmp_path: Path, changes: dict[str, object], problem: str
) -> None:
    with pytest.raises(BundleError, match=problem.replace("[", r"\[")):
        read_manifest(_edit(multiclass_bundle, tmp_path, **changes))


def test_every_prediction_has_a_probability_per_label(tri: SentimentClassifier) -> None:
    predictions = tri.predict(TEXTS)
    assert [p.label for p in predictions[:4]] == ["positive", "negative", "neutral", "positive"]
    for prediction in predictions:
        assert prediction.scores is not None and list(prediction.scores) == LABELS
        assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-5)
        assert (
            prediction.score
            == prediction.scores[prediction.label]
            == max(prediction.scores.values())
        )


def test_binary_predictions_score_both_labels(classifier: SentimentClassifier) -> None:
    (prediction,) = classifier.predict(["A wonderful film."])
    assert prediction.scores == {"negative": 1.0 - prediction.score, "positive": prediction.score}


@pytest.mark.parametrize("long_text", ["truncate", "chunk"])
@pytest.mark.parametrize("forward_batch_size", [1, 3, 64])
def test_scores_do_not_depend_on_the_batch(
    multiclass_bundle: Path, long_text: LongText, forward_batch_size: int
) -> None:
    classifier = SentimentClassifier.from_bundle(
        multiclass_bundle, forward_batch_size=forward_batch_size
    )
    scorer = Reading(long_text, ChunkPolicy(4, "logit_mean")).scorer(classifier)
    long = "great awful okay the movie " * 10
    texts = [*TEXTS, long] * 3
    together = scorer(texts)
    for text, prediction in zip(texts, together, strict=True):
        (alone,) = scorer([text])
        assert alone.label == prediction.label
        assert alone.scores is not None and prediction.scores is not None
        for label in LABELS:
            assert abs(alone.scores[label] - prediction.scores[label]) <= 1e-6


def test_chunked_reading_pools_rows_of_label_probabilities(tri: SentimentClassifier) -> None:
    text = "great " * 20 + "awful " * 14
    (prediction,) = Reading("chunk", ChunkPolicy(0, "mean")).scorer(tri)([text])
    ids = np.asarray(tri.whole_text_tokenizer.encode(text).ids, dtype=np.int64)
    windows = np.stack([tri.forward(ids[None, start : start + 16])[0] for start in (0, 16, 18)])
    expected = pool_rows(windows, "mean")
    assert prediction.chunks == 3 and prediction.scores is not None
    assert list(prediction.scores.values()) == pytest.approx(expected.tolist(), abs=1e-6)


def test_pool_rows_rules() -> None:
    rows = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], dtype=np.float32)
    assert pool_rows(rows, "mean") == pytest.approx([0.4, 0.15, 0.45])
    assert pool_rows(rows, "max_confidence") == pytest.approx([0.1, 0.1, 0.8])
    geometric = np.sqrt(rows[0] * rows[1])
    assert pool_rows(rows, "logit_mean") == pytest.approx(geometric / geometric.sum())


def test_explanations_weigh_tokens_toward_the_predicted_label(tri: SentimentClassifier) -> None:
    text = "The plot was okay but the acting fine"
    (explanation,) = Explainer(tri, "truncate", ChunkPolicy(0, "mean"))([text])
    prediction = explanation.prediction
    assert prediction.label == "neutral"
    index = LABELS.index("neutral")
    ids = np.asarray(tri.encode([text]).input_ids[0], dtype=np.int64)
    full = tri.forward(ids[None, :])[0][index]
    for position, token in enumerate(explanation.tokens):
        without = tri.forward(np.delete(ids, position)[None, :])[0][index]
        assert token.weight == pytest.approx(full - without, abs=1e-6)
    weights = {token.text: token.weight for token in explanation.tokens}
    assert weights["okay"] > 0 and weights["fine"] > 0 and weights["okay"] > weights["plot"]
