"""A tiny run through the whole pipeline: CLI -> train -> export -> parity checks -> bundle."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

from app.inference.bundle import read_manifest, sha256_file
from app.inference.pipeline import SentimentClassifier
from tests.conftest import write_aclimdb_tree, write_archive, write_unlabeled_tree
from training.cli import main

pytestmark = pytest.mark.slow

TINY = [
    "--epochs",
    "1",
    "--vocab-size",
    "300",
    "--max-length",
    "40",
    "--embedding-dim",
    "8",
    "--units",
    "4",
    "--batch-size",
    "16",
    "--quiet",
]
REPORT_FILES = {
    "token_fixtures.json",
    "model_card.md",
    "accuracy.png",
    "loss.png",
    "roc.png",
    "confusion_matrix.png",
    "model_summary.txt",
    "trials.json",
    "reliability.png",
}


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    return write_archive(write_aclimdb_tree(root, per_class=100), root / "aclImdb_v1.tar.gz")


def train_tiny(archive: Path, work: Path, name: str, *extra: str) -> Path:
    code = main(
        [
            "train",
            "--data",
            str(archive),
            "--preset",
            "recipe",
            "--name",
            name,
            "--models-dir",
            str(work / "models"),
            "--runs-dir",
            str(work / "runs"),
            "--trials",
            str(work / "trials.jsonl"),
            *TINY,
            *extra,
        ]
    )
    assert code == 0
    return work / "models" / name


@pytest.fixture(scope="module")
def lstm_bundle(archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_tiny(archive, tmp_path_factory.mktemp("work"), "tiny-lstm")


def test_bundle_holds_graph_tokenizer_manifest_and_report(lstm_bundle: Path) -> None:
    manifest = read_manifest(lstm_bundle)
    assert (lstm_bundle / "model.onnx").is_file() and (lstm_bundle / "tokenizer.json").is_file()
    assert {p.name for p in (lstm_bundle / "report").iterdir()} == REPORT_FILES
    files = {p.relative_to(lstm_bundle).as_posix() for p in lstm_bundle.rglob("*") if p.is_file()}
    assert set(manifest.files) == files - {"manifest.json"}
    for relative, digest in manifest.files.items():
        assert sha256_file(lstm_bundle / relative) == digest
    assert manifest.max_length == 40 and manifest.pad_id == 0
    assert manifest.labels == ["negative", "positive"]
    assert manifest.inputs[0].name == "input_ids" and manifest.inputs[0].shape == [
        "batch",
        "sequence",
    ]
    assert manifest.dataset["train"] == 200 and manifest.dataset["test"] == 200
    assert manifest.dataset["validation"] == 20
    assert {"tensorflow-cpu", "tf2onnx", "onnxruntime", "tokenizers"} <= set(manifest.libraries)


def test_tokenizer_in_bundle_is_the_one_training_used(lstm_bundle: Path) -> None:
    run_tokenizer = lstm_bundle.parent.parent / "runs" / "tiny-lstm" / "tokenizer.json"
    assert (lstm_bundle / "tokenizer.json").read_bytes() == run_tokenizer.read_bytes()


def test_lstm_exports_as_one_fused_node_fed_sequence_lens(lstm_bundle: Path) -> None:
    graph = onnx.load(lstm_bundle / "model.onnx").graph
    ops = [node.op_type for node in graph.node]
    assert ops.count("LSTM") == 1 and "Loop" not in ops
    (lstm,) = [node for node in graph.node if node.op_type == "LSTM"]
    assert lstm.input[4] == "sequence_lens" and lstm.output[0] == ""
    recurrent = read_manifest(lstm_bundle).recurrent
    assert recurrent.onnx_op == "LSTM" and recurrent.uses_sequence_lens


def test_parity_recorded_within_limits(lstm_bundle: Path) -> None:
    metrics = read_manifest(lstm_bundle).metrics
    parity = metrics["export_parity"]
    assert parity["reviews"] == 200
    assert parity["keras_onnx_max_abs_diff"] <= 1e-5
    assert parity["alone_vs_batch_max_abs_diff"] <= 1e-6
    assert 0.0 <= parity["empty_text_score"] <= 1.0
    test = metrics["test"]
    assert test["examples"] == 200 and 0.0 <= test["accuracy"] <= 1.0
    assert sum(test["confusion_matrix"].values()) == 200
    assert 0.0 <= metrics["baseline_tfidf_logreg"]["accuracy"] <= 1.0
    assert metrics["training"]["epochs_run"] == 1


def test_served_scores_do_not_depend_on_batch_or_padding(lstm_bundle: Path) -> None:
    classifier = SentimentClassifier.from_bundle(lstm_bundle)
    texts = ["great", "the movie was awful and boring " * 3, "", "Fantastic! " * 50, "dull"]
    together = [p.score for p in classifier.predict(texts)]
    alone = [classifier.predict([text])[0].score for text in texts]
    np.testing.assert_allclose(together, alone, atol=1e-6, rtol=0)
    assert classifier.predict(["Fantastic! " * 50])[0].truncated


def test_trials_log_and_model_card(lstm_bundle: Path) -> None:
    trials = [
        json.loads(line)
        for line in (lstm_bundle.parent.parent / "trials.jsonl").read_text().splitlines()
    ]
    assert trials[-1]["name"] == "tiny-lstm"
    card = (lstm_bundle / "report" / "model_card.md").read_text()
    for needle in (
        "# Model card: tiny-lstm",
        "TF-IDF",
        "Tuning trials",
        "tokens (words and punctuation) are read",  # the truncation limit
        "roc.png",
        "accuracy.png",
    ):
        assert needle in card


def test_export_command_re_exports_a_run(lstm_bundle: Path, archive: Path) -> None:
    work = lstm_bundle.parent.parent
    export = [
        "export",
        "--run",
        str(work / "runs" / "tiny-lstm"),
        "--data",
        str(archive),
        "--name",
        "again",
        "--models-dir",
        str(work / "models"),
        "--trials",
        str(work / "t.jsonl"),
    ]
    assert main(export) == 0
    trials = (work / "t.jsonl").read_text().splitlines()
    assert len(trials) == 1
    assert main(export) == 0
    assert (work / "t.jsonl").read_text().splitlines() == trials  # a re-export is no new trial
    texts = ["great fun", "awful, boring film", ""]
    original = SentimentClassifier.from_bundle(lstm_bundle).predict(texts)
    again = SentimentClassifier.from_bundle(work / "models" / "again").predict(texts)
    np.testing.assert_allclose([p.score for p in again], [p.score for p in original], atol=1e-6)


def test_parity_check_catches_a_graph_that_is_not_the_model(
    lstm_bundle: Path, archive: Path
) -> None:
    import keras

    from training.fit.config import TrainConfig
    from training.fit.model import build_model
    from training.ship.export import ExportError, check_parity

    config = TrainConfig(
        **json.loads((lstm_bundle.parent.parent / "runs" / "tiny-lstm" / "config.json").read_text())
    )
    keras.utils.set_random_seed(123)
    other = build_model(config)  # same shape, different (random) weights
    classifier = SentimentClassifier.from_bundle(lstm_bundle)
    with pytest.raises(ExportError, match="Keras and ONNX disagree"):
        check_parity(other, classifier, ["great movie", "awful film, boring"] * 10)


def test_embedding_pretrained_on_unlabelled_reviews(archive: Path, tmp_path: Path) -> None:
    unlabeled = write_archive(write_unlabeled_tree(tmp_path / "u"), tmp_path / "unsup.tar.gz")
    bundle = train_tiny(
        archive,
        tmp_path,
        "tiny-pretrained",
        "--embedding-pretraining-epochs",
        "2",
        "--unlabeled-data",
        str(unlabeled),
    )
    manifest = read_manifest(bundle)
    assert manifest.dataset["unlabeled_for_embeddings"] == {"source": "unsup.tar.gz", "reviews": 60}
    assert manifest.config["embedding_pretraining_epochs"] == 2
    assert manifest.metrics["export_parity"]["keras_onnx_max_abs_diff"] <= 1e-5


def test_pretraining_without_unlabelled_data_is_refused(archive: Path, tmp_path: Path) -> None:
    code = main(
        [
            "train",
            "--data",
            str(archive),
            "--unlabeled-data",
            str(tmp_path / "none.tgz"),
            "--runs-dir",
            str(tmp_path),
            "--models-dir",
            str(tmp_path),
            *TINY,
            "--embedding-pretraining-epochs",
            "1",
        ]
    )
    assert code == 1


@pytest.mark.parametrize(
    ("extra", "op"),
    [
        (["--bidirectional"], "LSTM"),
        (["--pooling", "mean"], "LSTM"),
        (["--bidirectional", "--pooling", "mean"], "LSTM"),
        (["--bidirectional", "--pooling", "mean_max", "--bigram-buckets", "97"], "LSTM"),
        (["--cell", "gru"], "Loop"),
        (["--cell", "gru", "--pooling", "mean"], "Loop"),
        (["--cell", "rnn"], "Loop"),
    ],
)
def test_other_cells_export_with_parity(
    archive: Path, tmp_path: Path, extra: list[str], op: str
) -> None:
    bundle = train_tiny(archive, tmp_path, "tiny-other", *extra)
    manifest = read_manifest(bundle)
    assert manifest.recurrent.onnx_op == op
    assert manifest.metrics["export_parity"]["keras_onnx_max_abs_diff"] <= 1e-5
    assert manifest.metrics["export_parity"]["alone_vs_batch_max_abs_diff"] <= 1e-6


def test_short_texts_and_int8_embeddings_export_with_parity(archive: Path, tmp_path: Path) -> None:
    extra = ["--bidirectional", "--pooling", "mean_max", "--bigram-buckets", "97"]
    short = ["--review-crops", "150", "--everyday-sentences", "90", "--plain-statements", "30"]
    short.append("--quantize-embeddings")
    bundle = train_tiny(archive, tmp_path, "tiny-short", *extra, *short, "--calibrate")
    manifest = read_manifest(bundle)
    parity = manifest.metrics["export_parity"]
    assert parity["keras_onnx_max_abs_diff"] <= 1e-5
    assert parity["alone_vs_batch_max_abs_diff"] <= 1e-6
    graph = onnx.load(bundle / "model.onnx").graph
    shapes = [[manifest.vocab_size, 8], [98, 8]]  # the word and the word-pair tables
    int8 = [list(i.dims) for i in graph.initializer if i.data_type == onnx.TensorProto.INT8]
    assert sorted(int8) == sorted(shapes)
    assert not [
        i
        for i in graph.initializer
        if list(i.dims) in shapes and i.data_type != onnx.TensorProto.INT8
    ]
    history = json.loads((tmp_path / "runs" / "tiny-short" / "history.json").read_text())
    assert history["short_texts"] == {
        "review_crops": 150,
        "everyday_sentences": 90,
        "plain_statements": 30,
    }
    assert "Log" not in {node.op_type for node in graph.node}


def test_a_run_calibrated_again_with_the_length_term(archive: Path, tmp_path: Path) -> None:
    extra = ["--bidirectional", "--pooling", "mean_max", "--calibrate", "--quantize-embeddings"]
    bundle = train_tiny(archive, tmp_path, "tiny-calibrated", *extra)
    before = read_manifest(bundle).metrics["calibration"]
    run, again = tmp_path / "runs" / "tiny-calibrated", tmp_path / "models" / "again"
    export = ["export", "--run", str(run), "--data", str(archive), "--name", "again"]
    export += ["--models-dir", str(tmp_path / "models"), "--trials", str(tmp_path / "t.jsonl")]
    export += ["--recalibrate", "length"]
    assert main(export) == 0
    manifest = read_manifest(again)
    calibration = manifest.metrics["calibration"]
    assert manifest.config["length_calibration"]
    # the folded calibration was undone first: the same validation rows give the same fit
    assert calibration["temperature"] == pytest.approx(before["temperature"], rel=1e-3)
    assert calibration["shift"] == pytest.approx(before["shift"], abs=1e-3)
    assert calibration["length"]["crops"] == 2 * manifest.metrics["validation"]["examples"]
    assert "Log" in {node.op_type for node in onnx.load(again / "model.onnx").graph.node}
    parity = manifest.metrics["export_parity"]
    assert parity["keras_onnx_max_abs_diff"] <= 1e-5
    assert parity["alone_vs_batch_max_abs_diff"] <= 1e-6
    assert "log tokens - m" in (again / "report" / "model_card.md").read_text()
    assert main(export) == 1  # the run has its length term now: refused, one clear line


def test_evaluate_command_reproduces_the_bundles_test_metrics(
    lstm_bundle: Path, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["evaluate", "--bundle", str(lstm_bundle), "--data", str(archive), "--out", str(tmp_path)]
    )
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads((tmp_path / "metrics.json").read_text())
    recorded = read_manifest(lstm_bundle).metrics["test"]
    assert printed == written
    assert written["accuracy"] == recorded["accuracy"]
    assert written["confusion_matrix"] == recorded["confusion_matrix"]
    assert (tmp_path / "roc.png").is_file() and (tmp_path / "confusion_matrix.png").is_file()


def test_bad_data_path_exits_with_one_clear_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    code = main(["train", "--data", str(tmp_path / "missing.tar.gz"), "--runs-dir", str(tmp_path)])
    assert code == 1
    assert "missing.tar.gz: no such file or directory" in caplog.text


def test_own_csv_leaves_the_imdb_only_parts_out(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The default preset on a user's CSV: no negation sentences, distillation, review crops or
    everyday sentences (all about IMDB reviews), nor subword vectors, int8 tables, weight
    averaging and word dropout (chosen on IMDB alone); word2vec on the training rows alone, the
    rest (pair embeddings, mean+max pooling, calibration) as usual; the card says what was
    used."""
    import csv

    from tests.conftest import synthetic_reviews

    data = tmp_path / "reviews.csv"
    with data.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["text", "label"])
        writer.writerows(synthetic_reviews(300, seed=5))
    code = main(
        [
            "train",
            "--preset",
            "default",
            "--data",
            str(data),
            "--models-dir",
            str(tmp_path / "models"),
            "--runs-dir",
            str(tmp_path / "runs"),
            *TINY,
            "--bigram-buckets",
            "97",
        ]
    )
    assert code == 0
    assert "is not the IMDB data" in caplog.text and "negation_sentences (2400)" in caplog.text
    manifest = read_manifest(tmp_path / "models" / "reviews")  # named after the file
    assert manifest.config["negation_sentences"] == 0
    assert manifest.config["distillation_reviews"] == 0
    for chosen_on_imdb in ("review_crops", "everyday_sentences"):
        assert manifest.config[chosen_on_imdb] == 0
    assert not manifest.config["subwords"] and not manifest.config["quantize_embeddings"]
    assert manifest.config["weight_averaging"] == 0 and manifest.config["word_dropout"] == 0
    assert manifest.config["embedding_pretraining_epochs"] == 5
    assert manifest.dataset["unlabeled_for_embeddings"]["source"] is None
    assert manifest.metrics["extras"]["negation_sentences"] == 0
    assert manifest.config["calibrate"] and manifest.recurrent.pooling == "mean_max"
    assert manifest.metrics["calibration"]["temperature"] > 0.0
    assert manifest.metrics["export_parity"]["keras_onnx_max_abs_diff"] <= 1e-5
    assert (tmp_path / "runs" / "reviews" / "trials.jsonl").is_file()  # its own trials log
    card = (tmp_path / "models" / "reviews" / "report" / "model_card.md").read_text()
    assert "negation sentences not used; unlabelled reviews not used" in card
    assert "learnt on the training rows alone" in card
