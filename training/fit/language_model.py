"""Pretrain the recurrent layer as a language model on unlabelled text (Dai & Le 2015; ULMFiT).

word2vec teaches the embedding which words are used alike; the recurrent layer still starts
random and learns only what separates the labelled reviews. Here it first learns to read: the
forward direction predicts each next word, the backward direction each previous word, on
windows of unlabelled reviews and the fit rows (never validation or test text). The classifier
then starts from that embedding and recurrent layer; its head starts fresh.

The word-pair table stays out: a pair embedding at step t holds the word before t, which the
backward direction is asked to predict. The network predicts the ``OUTPUT_WORDS`` most frequent
words and the unknown id for the rest, which keeps the softmax cheap on 2 cores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import keras
import numpy as np
from keras import layers
from tokenizers import Tokenizer

from training.fit.config import TrainConfig
from training.fit.model import CELL_LAYERS, recurrent_layer_name
from training.fit.tokenizer import UNK_ID

log = logging.getLogger(__name__)

WINDOW = 64  # tokens a window holds; the state starts afresh at each one
OUTPUT_WORDS = 4_000  # the most frequent ids are predicted, every other id as the unknown one
BATCH_SIZE = 128


def token_windows(tokenizer: Tokenizer, texts: Sequence[str], tokens: int, seed: int) -> np.ndarray:
    """[windows, WINDOW + 1] ids: the texts in a seeded order, encoded whole and joined end to
    end, cut into consecutive windows until about ``tokens`` tokens are held. Text too short for
    that is read again, in another order, as further epochs would."""
    whole = Tokenizer.from_str(tokenizer.to_str())
    whole.no_truncation()
    whole.no_padding()
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(texts))
    needed = tokens + WINDOW + 1
    pieces: list[np.ndarray] = []
    once = 0  # tokens in pieces
    for start in range(0, len(order), 1_000):  # only as much text as the budget needs
        chunk = [texts[i] for i in order[start : start + 1_000]]
        encoded = [np.asarray(e.ids, dtype=np.int64) for e in whole.encode_batch(chunk)]
        pieces += encoded
        once += sum(map(len, encoded))
        if once >= needed:
            break
    passes = [pieces]
    while once and once * len(passes) < needed:
        passes.append([pieces[i] for i in rng.permutation(len(pieces))])
    stream = np.concatenate([p for run in passes for p in run]) if once else np.zeros(0, np.int64)
    count = min(len(stream) // (WINDOW + 1), max(1, tokens // WINDOW))
    if not count:
        raise ValueError(f"a language model needs text: these {len(texts)} texts hold no tokens")
    return stream[: count * (WINDOW + 1)].reshape(count, WINDOW + 1)


def pretrain_recurrent(
    tokenizer: Tokenizer,
    texts: Sequence[str],
    config: TrainConfig,
    start: dict[str, list[np.ndarray]],
    *,
    verbose: int = 0,
) -> tuple[dict[str, list[np.ndarray]], dict[str, object]]:
    """The embedding's and the recurrent layer's weights after one pass of language modelling
    over ``config.recurrent_pretraining_tokens`` tokens, by the classifier's layer names; and
    what was done, for the card. ``start`` (word2vec's embedding, or a bundle's embedding and
    recurrent layer, by the same names) starts the language model."""
    started = time.perf_counter()
    windows = token_windows(tokenizer, texts, config.recurrent_pretraining_tokens, config.seed)
    words = min(OUTPUT_WORDS, config.vocab_size)
    inputs, targets = _directions(windows, config.bidirectional, words)
    model = _language_model(config, words)
    _set_start(model, config, start)
    history = model.fit(
        inputs, targets, batch_size=BATCH_SIZE, epochs=1, shuffle=True, verbose=verbose
    )
    loss = float(history.history["loss"][-1]) / len(targets)  # the pass's mean, per direction
    names = _directions_names(config)
    recurrent = [w for name in names for w in model.get_layer(name).get_weights()]
    weights = {
        "embedding": model.get_layer("embedding").get_weights(),
        recurrent_layer_name(config.cell, config.bidirectional): recurrent,
    }
    record: dict[str, object] = {
        "texts": len(texts),
        "tokens": int(windows.shape[0] * WINDOW),
        "window": WINDOW,
        "directions": list(names),
        "predicted_words": words,
        "mean_loss": round(loss, 4),
        "seconds": round(time.perf_counter() - started, 1),
    }
    log.info("recurrent layer pretrained as a language model: %s", record)
    return weights, record


def _directions_names(config: TrainConfig) -> tuple[str, ...]:
    return ("forward", "backward") if config.bidirectional else ("forward",)


def _set_start(model: keras.Model, config: TrainConfig, start: dict[str, list[np.ndarray]]) -> None:
    """The classifier's starting weights, where it has any, in the language model's layers (a
    Bidirectional layer's weights are the forward layer's, then the backward one's)."""
    if "embedding" in start:
        model.get_layer("embedding").set_weights(start["embedding"][:1])
    recurrent = start.get(recurrent_layer_name(config.cell, config.bidirectional))
    if recurrent:
        names = _directions_names(config)
        each = len(recurrent) // len(names)
        for index, name in enumerate(names):
            model.get_layer(name).set_weights(recurrent[index * each : (index + 1) * each])


def _directions(
    windows: np.ndarray, bidirectional: bool, words: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Each direction's inputs and next-word targets: the backward one reads each window
    reversed, as the Bidirectional wrapper's backward layer reads a text."""
    runs = [windows] + ([windows[:, ::-1]] if bidirectional else [])
    inputs = [np.ascontiguousarray(run[:, :-1]) for run in runs]
    targets = [np.where(run[:, 1:] < words, run[:, 1:], UNK_ID) for run in runs]
    return inputs, targets


def _language_model(config: TrainConfig, words: int) -> keras.Model:
    table = layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding")
    dropout = layers.Dropout(config.dropout, name="dropout_in")
    inputs, outputs = [], []
    for name in _directions_names(config):
        ids = keras.Input(shape=(WINDOW,), dtype="int64", name=f"{name}_ids")
        states = CELL_LAYERS[config.cell](config.units, return_sequences=True, name=name)(
            dropout(table(ids))
        )
        outputs.append(layers.Dense(words, name=f"{name}_words")(states))
        inputs.append(ids)
    model = keras.Model(inputs, outputs, name="language_model")
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate, clipnorm=1.0),
        loss=[loss] * len(outputs),
    )
    return model
