"""The n-gram teachers: the naive Bayes scaling, what each kind learns, and the weights the
negation sentences' words are picked by; a bundle as a second teacher."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from scipy import sparse

from app.inference.bundle import read_manifest
from tests.conftest import SHIPPED_BUNDLE, write_aclimdb_tree, write_archive, write_unlabeled_tree
from tests.training.test_end_to_end import train_tiny
from training.fit.augment import polar_words
from training.fit.config import TrainConfig
from training.fit.data import Split, load_dataset
from training.fit.ngram import positive_scores
from training.fit.teacher import (
    NaiveBayesScaling,
    bundle_scores,
    feature_weights,
    fit_teacher,
    mean_scores,
    teacher_bundle,
)
from training.studies.teachers import cross_validate, main

if TYPE_CHECKING:
    from app.inference.pipeline import SentimentClassifier


def test_naive_bayes_ratio_is_the_smoothed_log_count_ratio() -> None:
    # feature 0 only in positives, feature 1 only in negatives, feature 2 in both alike
    features = sparse.csr_matrix(np.array([[1, 0, 1], [1, 0, 1], [0, 1, 1], [0, 1, 1]]))
    labels = np.array([1, 1, 0, 0])
    scaling = NaiveBayesScaling().fit(features, labels)
    positive = np.array([3.0, 1.0, 3.0])  # counts + 1
    negative = np.array([1.0, 3.0, 3.0])
    expected = np.log((positive / positive.sum()) / (negative / negative.sum()))
    np.testing.assert_allclose(scaling.ratio_, expected)
    assert scaling.ratio_[0] > 0 > scaling.ratio_[1] and scaling.ratio_[2] == pytest.approx(0)
    scaled = scaling.transform(features).toarray()
    np.testing.assert_allclose(scaled, features.toarray() * expected)


@pytest.mark.parametrize("kind", ["tfidf", "nb"])
def test_each_teacher_learns_the_split_and_names_polar_words(kind: str, tmp_path: Path) -> None:
    dataset = load_dataset(write_aclimdb_tree(tmp_path, per_class=100))
    teacher = fit_teacher(kind, dataset.train, seed=0)  # type: ignore[arg-type]
    scores = positive_scores(teacher, dataset.test.texts)
    assert np.mean((scores >= 0.5) == dataset.test.labels) > 0.9
    positive, negative = polar_words(teacher, dataset.train.texts * 20)
    assert positive and negative and not set(positive) & set(negative)


def test_weights_of_the_nb_teacher_include_the_scaling() -> None:
    # "fine" is as common in positives as "superb" but weaker evidence of them: the classifier's
    # coefficient alone does not say which feature pushes toward positive, coef x ratio does.
    texts = ["superb film"] * 30 + ["dull film"] * 30 + ["fine film"] * 20 + ["fine dull"] * 10
    labels = np.array([1] * 30 + [0] * 30 + [1] * 20 + [0] * 10)
    teacher = fit_teacher("nb", Split(texts, labels), seed=0)
    vocabulary, weights = feature_weights(teacher)
    ratio = teacher[1].ratio_
    np.testing.assert_allclose(weights, teacher[-1].coef_[0] * ratio)
    assert weights[vocabulary["superb"]] > weights[vocabulary["fine"]] > 0
    assert weights[vocabulary["dull"]] < 0


def test_an_unknown_teacher_is_refused() -> None:
    with pytest.raises(ValueError, match="teacher must be one of"):
        fit_teacher("bert", Split(["a"], np.array([1])), seed=0)  # type: ignore[arg-type]


def test_cross_validation_scores_each_teacher_on_the_same_folds(tmp_path: Path) -> None:
    dataset = load_dataset(write_aclimdb_tree(tmp_path, per_class=60))
    results = cross_validate(dataset.train, ("tfidf", "nb"), folds=3, seed=0)
    for kind in ("tfidf", "nb"):
        assert len(results[kind]["folds"]) == 3
        assert results[kind]["accuracy"] == pytest.approx(np.mean(results[kind]["folds"]))
        assert results[kind]["accuracy"] > 0.8


def test_the_command_prints_one_row_per_teacher(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write_aclimdb_tree(tmp_path, per_class=40)
    assert main(["--data", str(tree), "--folds", "2"]) == 0
    out = capsys.readouterr().out
    assert "2-fold cross-validation on 80 training reviews" in out
    assert out.count("| tfidf:") == 1 and out.count("| nb:") == 1


def test_a_bundle_teacher_scores_texts_as_the_service_does(
    classifier: SentimentClassifier,
) -> None:
    texts = ["A wonderful film.", "Dull, and far too long.", "word " * 900]  # the last truncated
    scores = bundle_scores(teacher_bundle(SHIPPED_BUNDLE, threads=1), texts)
    assert scores.dtype == np.float32
    served = [prediction.score for prediction in classifier.predict(texts)]
    np.testing.assert_allclose(scores, served, atol=1e-6)


def test_a_bundle_with_more_labels_is_no_teacher(multiclass_bundle: Path) -> None:
    with pytest.raises(ValueError, match="two labels"):
        teacher_bundle(multiclass_bundle)


def test_the_teachers_are_averaged_row_by_row() -> None:
    mean = mean_scores(np.array([0.2, 0.9]), np.array([0.4, 0.5], dtype=np.float32))
    np.testing.assert_allclose(mean, [0.3, 0.7], rtol=1e-6)
    assert mean.dtype == np.float32


def test_a_teacher_bundle_without_distillation_reviews_is_refused() -> None:
    with pytest.raises(ValueError, match="teacher_bundle scores the distillation reviews"):
        TrainConfig(teacher_bundle=str(SHIPPED_BUNDLE))


def test_a_run_taught_by_a_bundle_too_records_both_teachers(tmp_path: Path) -> None:
    archive = write_archive(write_aclimdb_tree(tmp_path / "l", per_class=60), tmp_path / "l.tgz")
    unlabeled = write_archive(write_unlabeled_tree(tmp_path / "u"), tmp_path / "u.tar.gz")
    taught = ["--distillation-reviews", "40", "--unlabeled-data", str(unlabeled)]
    bundle = train_tiny(
        archive, tmp_path, "tiny-taught", *taught, "--teacher-bundle", str(SHIPPED_BUNDLE)
    )
    distillation = read_manifest(bundle).metrics["distillation"]
    assert distillation["reviews"] == 40
    assert str(SHIPPED_BUNDLE) in distillation["teacher"]
    for teacher in ("teacher", "bundle", "teachers"):
        assert 0.5 <= distillation[f"{teacher}_validation_accuracy"] <= 1.0
    card = (bundle / "report" / "model_card.md").read_text()
    assert f"the mean's {distillation['teachers_validation_accuracy']:.2%}" in card
