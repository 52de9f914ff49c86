"""``--subwords``: each word's vector is its own row plus its character n-grams' mean while
training; folded into one plain table afterwards, so the exported network computes exactly
what was trained, with the tokenizer and graph unchanged."""

from __future__ import annotations

from pathlib import Path

import keras
import numpy as np
import onnx
import pytest

from app.inference.bundle import read_manifest
from tests.training.three_labels import trained_moods
from training.fit.config import TrainConfig
from training.fit.model import build_model, fold_subwords
from training.fit.subwords import SubwordEmbedding, Subwords

VOCAB = {"[PAD]": 0, "[UNK]": 1, "delay": 2, "delayed": 3, "delays": 4, "ok": 5, "great": 6}


def test_words_share_the_ngrams_they_have_in_common_and_only_those() -> None:
    subwords = Subwords.of(VOCAB)
    assert subwords.grams.shape[0] == len(VOCAB)
    assert not subwords.grams[:2].any()  # pad and unknown have no characters
    delay, delayed, great = (
        set(subwords.grams[VOCAB[w]]) - {0} for w in ("delay", "delayed", "great")
    )
    assert delay and delay <= delayed  # "<de", "del", "ela", "lay", ... are shared
    assert not great  # no n-gram of "<great>" is in another word: its own row says it all
    for i in range(2, len(VOCAB)):
        present = subwords.grams[i] > 0
        assert np.allclose(subwords.weights[i][~present], 0)
        if present.any():
            assert subwords.weights[i][present].sum() == pytest.approx(1.0)
    assert subwords.rows - 1 == len(set(subwords.grams.ravel()) - {0})


@pytest.mark.parametrize("classes", [2, 3])
def test_the_folded_network_computes_what_was_trained(classes: int) -> None:
    rng = np.random.default_rng(0)
    config = TrainConfig(
        vocab_size=len(VOCAB), embedding_dim=4, units=3, bidirectional=True, bigram_buckets=7,
        pooling="mean_max",
    )  # fmt: skip
    keras.utils.set_random_seed(0)
    trained = build_model(config, classes=classes, subwords=Subwords.of(VOCAB))
    for layer in trained.layers:  # n-gram rows far from zero, so folding them matters
        layer.set_weights(
            [w + rng.normal(0, 0.5, w.shape).astype(np.float32) for w in layer.get_weights()]
        )
    ids = np.array([[2, 3, 4, 5, 0, 0], [6, 1, 3, 0, 0, 0], [4, 4, 2, 6, 5, 3]])
    plain = fold_subwords(trained, config, steps_per_epoch=1)
    assert not isinstance(plain.get_layer("embedding"), SubwordEmbedding)
    np.testing.assert_allclose(
        plain.predict(ids, verbose=0), trained.predict(ids, verbose=0), atol=1e-6
    )
    words, _ngrams = trained.get_layer("embedding").get_weights()
    table = plain.get_layer("embedding").get_weights()[0]
    np.testing.assert_allclose(table[VOCAB["great"]], words[VOCAB["great"]])  # no shared n-grams
    assert not np.allclose(table[VOCAB["delayed"]], words[VOCAB["delayed"]])


def test_a_word_table_alone_starts_the_words_and_zeroes_the_ngrams() -> None:
    config = TrainConfig(vocab_size=len(VOCAB), embedding_dim=4, units=3)
    model = build_model(config, subwords=Subwords.of(VOCAB))
    table = np.arange(len(VOCAB) * 4, dtype=np.float32).reshape(len(VOCAB), 4)
    model.get_layer("embedding").set_weights([table])
    words, ngrams = model.get_layer("embedding").get_weights()
    np.testing.assert_array_equal(words, table)
    assert not ngrams.any()
    np.testing.assert_allclose(model.get_layer("embedding").folded(), table)


@pytest.mark.slow
def test_a_subword_run_exports_a_plain_table_and_its_card_says_so(tmp_path: Path) -> None:
    bundle = trained_moods(tmp_path, "--subwords", "--ensemble", "2")
    manifest = read_manifest(bundle)
    assert manifest.config["subwords"] is True
    graph = onnx.load(bundle / "model.onnx").graph
    assert [n.op_type for n in graph.node].count("LSTM") == 1
    vocab_rows = [t for t in graph.initializer if t.dims[:1] == [manifest.vocab_size]]
    assert len(vocab_rows) == 1  # one word table: the n-grams live inside it
    assert manifest.metrics["export_parity"]["keras_onnx_max_abs_diff"] <= 1e-5
    assert manifest.metrics["test"]["accuracy"] > 0.8
    card = (bundle / "report" / "model_card.md").read_text()
    assert "character 3-5-grams'" in card
