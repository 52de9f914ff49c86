"""``--recurrent-pretraining-tokens``: the embedding and recurrent layer first learn to predict
the next word (and, bidirectional, the previous one) on unlabelled text, then start the
classifier."""

from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np
import pytest
from tokenizers import Tokenizer

from app.inference.bundle import read_manifest
from tests.training.three_labels import three_label_rows, trained_moods
from training.fit.config import TrainConfig
from training.fit.language_model import WINDOW, _directions, pretrain_recurrent, token_windows
from training.fit.model import build_model, recurrent_layer_name
from training.fit.tokenizer import fit_tokenizer

TEXTS = [text for text, _label in three_label_rows(400)]


def _tokenizer() -> Tokenizer:
    return fit_tokenizer(TEXTS, vocab_size=300, max_length=24, truncation="first")


def test_windows_are_consecutive_runs_of_the_joined_texts_within_the_budget() -> None:
    tokenizer = _tokenizer()
    windows = token_windows(tokenizer, TEXTS, tokens=10 * WINDOW, seed=0)
    assert windows.shape == (10, WINDOW + 1)
    whole = Tokenizer.from_str(tokenizer.to_str())
    whole.no_truncation()
    whole.no_padding()
    order = np.random.default_rng(0).permutation(len(TEXTS))
    stream = np.concatenate([whole.encode(TEXTS[i]).ids for i in order])
    # every token, not only the first max_length of a text; no padding among them
    np.testing.assert_array_equal(windows.ravel(), stream[: windows.size])
    assert (windows != 0).all()
    again = token_windows(tokenizer, TEXTS, tokens=3 * len(stream), seed=0)  # text runs out:
    assert len(again) == 3 * len(stream) // WINDOW  # it is read three times, in new orders
    np.testing.assert_array_equal(again.ravel()[: len(stream)], stream)
    assert np.array_equal(np.sort(again.ravel()[len(stream) : 2 * len(stream)]), np.sort(stream))
    assert len(token_windows(tokenizer, TEXTS[:1], tokens=2 * WINDOW, seed=0)) == 2
    with pytest.raises(ValueError, match="2 texts hold no tokens"):
        token_windows(tokenizer, ["", "   "], tokens=WINDOW, seed=0)


def test_the_backward_direction_predicts_each_previous_word() -> None:
    windows = np.arange(2, 2 + 2 * (WINDOW + 1)).reshape(2, WINDOW + 1)
    (forward, backward), (next_words, previous_words) = _directions(windows, True, words=1_000)
    assert next_words[0, 0] == windows[0, 1] and forward[0, 0] == windows[0, 0]
    assert backward[0, 0] == windows[0, -1] and previous_words[0, 0] == windows[0, -2]
    (_, _), (_, rare) = _directions(windows, True, words=50)
    assert rare.max() < 50 and (rare == 1).any()  # ids past the predicted words: unknown (1)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_the_pretrained_layers_fit_the_classifier_and_have_learnt(bidirectional: bool) -> None:
    tokenizer = _tokenizer()
    config = TrainConfig(
        vocab_size=tokenizer.get_vocab_size(), embedding_dim=8, units=4, learning_rate=0.01,
        bidirectional=bidirectional, pooling="mean_max", bigram_buckets=11,
        recurrent_pretraining_tokens=20 * WINDOW,
    )  # fmt: skip
    keras.utils.set_random_seed(0)
    start = np.random.default_rng(0).normal(size=(config.vocab_size, 8)).astype(np.float32)
    weights, record = pretrain_recurrent(tokenizer, TEXTS, config, {"embedding": [start]})
    recurrent = recurrent_layer_name("lstm", bidirectional)
    assert set(weights) == {"embedding", recurrent}
    assert record["tokens"] == 20 * WINDOW and record["predicted_words"] == config.vocab_size
    assert record["directions"] == (["forward", "backward"] if bidirectional else ["forward"])
    classifier = build_model(config)
    fresh = classifier.get_layer(recurrent).get_weights()
    for name, values in weights.items():
        classifier.get_layer(name).set_weights(values)  # shapes and order fit the classifier
    assert not np.allclose(weights["embedding"][0], start)
    assert np.corrcoef(weights["embedding"][0].ravel(), start.ravel())[0, 1] > 0.9  # started there
    assert len(weights[recurrent]) == len(fresh)


def test_it_starts_from_a_given_recurrent_layer_forward_then_backward() -> None:
    tokenizer = _tokenizer()
    config = TrainConfig(
        vocab_size=tokenizer.get_vocab_size(), embedding_dim=8, units=4, bidirectional=True,
        learning_rate=1e-9, recurrent_pretraining_tokens=4 * WINDOW,
    )  # fmt: skip
    source = build_model(config)
    given = {
        "embedding": source.get_layer("embedding").get_weights(),
        "bi_lstm": source.get_layer("bi_lstm").get_weights(),
    }
    weights, _ = pretrain_recurrent(tokenizer, TEXTS, config, given)
    for name, values in given.items():
        for got, want in zip(weights[name], values, strict=True):
            np.testing.assert_allclose(got, want, atol=1e-5)


@pytest.mark.slow
def test_a_run_pretrained_as_a_language_model_says_so_in_its_card(tmp_path: Path) -> None:
    bundle = trained_moods(tmp_path, "--bidirectional", "--recurrent-pretraining-tokens", "3000")
    manifest = read_manifest(bundle)
    assert manifest.config["recurrent_pretraining_tokens"] == 3000
    history = json.loads((tmp_path / "runs" / "moods" / "history.json").read_text())
    assert history["language_model"]["tokens"] > 0
    assert "language model" in history["stages"]
    assert manifest.metrics["test"]["accuracy"] > 0.8
    card = (bundle / "report" / "model_card.md").read_text()
    assert "language model to predict the next word, and backward the word before" in card
