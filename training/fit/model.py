"""The classifier: embedding -> dropout -> recurrent layer -> pooling -> dropout -> sigmoid for two
labels (one output: the probability of the second), softmax for more (a probability per label).

The recipe classifies from the recurrent layer's last state. The shipped default adds two
things around the same recurrent layer:

- word-pair (bigram) embeddings: each token's pair with the token before it is hashed into
  ``bigram_buckets`` rows of a second table, added to the word's own embedding, so the LSTM
  reads "not good" as a unit from its first step (Johnson & Zhang's region embeddings);
- pooling over every step: the mean, or the mean and the maximum side by side, of the
  recurrent layer's outputs over the text's real tokens.
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops

from training.fit.config import TrainConfig
from training.fit.subwords import SubwordEmbedding, Subwords
from training.fit.tokenizer import PAD_ID

INPUT_NAME = "input_ids"
POOLING_NAME = "mean_max_over_tokens"
OUTPUT_NAME = "probability"  # two labels: [batch, 1], the probability of the second
MULTICLASS_OUTPUT_NAME = "probabilities"  # more: [batch, labels], softmax in the labels' order
CELL_LAYERS = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}
# Odd multipliers of the pair hash; ids stay far below 2**63 / 40503 for any vocabulary.
_PREVIOUS_FACTOR, _TOKEN_FACTOR = 40503, 7919


@keras.saving.register_keras_serializable(package="sentiment")
class MaskedMean(layers.Layer):
    """Mean over the time steps the padding mask keeps; 0 for a text with no tokens (Keras'
    GlobalAveragePooling1D would divide 0 by 0 there)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: keras.KerasTensor, mask: keras.KerasTensor | None = None) -> object:
        if mask is None:
            return ops.mean(inputs, axis=1)
        weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return ops.sum(inputs * weights, axis=1) / ops.maximum(ops.sum(weights, axis=1), 1.0)

    def compute_mask(self, inputs: object, mask: object = None) -> None:
        return None


@keras.saving.register_keras_serializable(package="sentiment")
class HashedBigrams(layers.Layer):
    """Each position's pair (previous token, token) hashed to an id in 1..buckets; 0 at padding.

    The first token pairs with the pad id, i.e. "start of text". A position's id depends only on
    its own and the previous token, never on padding or on other rows.
    """

    def __init__(self, buckets: int, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.buckets = buckets

    def call(self, ids: keras.KerasTensor) -> object:
        previous = ops.concatenate([ops.zeros_like(ids[:, :1]), ids[:, :-1]], axis=1)
        hashed = ops.mod(previous * _PREVIOUS_FACTOR + ids * _TOKEN_FACTOR, self.buckets) + 1
        return hashed * ops.cast(ops.not_equal(ids, PAD_ID), "int64")

    def get_config(self) -> dict[str, object]:
        return {**super().get_config(), "buckets": self.buckets}


@keras.saving.register_keras_serializable(package="sentiment")
class MeanMaxOverTokens(layers.Layer):
    """[mean, max] of a sequence over the positions whose input id is not padding; zeros for a
    text with no tokens. The mask comes from the ids themselves, so the exported graph (whose
    recurrent layer stops at each row's length) computes exactly what the masked model does.

    With ``length_feature``, a last column holds log(tokens) (0 for an empty text): the
    calibration's length term (``training.fit.calibrating``) is its weight in the
    classifier. Training never sees it; calibration adds it."""

    def __init__(self, length_feature: bool = False, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.length_feature = length_feature

    def call(self, inputs: list[keras.KerasTensor], mask: object = None) -> object:
        sequence, ids = inputs
        keep = ops.expand_dims(ops.cast(ops.not_equal(ids, PAD_ID), sequence.dtype), -1)
        count = ops.sum(keep, axis=1)
        mean = ops.sum(sequence * keep, axis=1) / ops.maximum(count, 1.0)
        # Padded steps are pushed far below any LSTM output (|h| < 1) before the max.
        largest = ops.max(sequence * keep - (1.0 - keep) * 1e4, axis=1) * ops.minimum(count, 1.0)
        if self.length_feature:
            return ops.concatenate([mean, largest, ops.log(ops.maximum(count, 1.0))], axis=-1)
        return ops.concatenate([mean, largest], axis=-1)

    def get_config(self) -> dict[str, object]:
        return {**super().get_config(), "length_feature": self.length_feature}

    def compute_mask(self, inputs: object, mask: object = None) -> None:
        return None


def output_name(classes: int) -> str:
    return OUTPUT_NAME if classes == 2 else MULTICLASS_OUTPUT_NAME


def classes_of(model: keras.Model) -> int:
    """How many labels a built classifier tells apart (a single sigmoid output: two)."""
    return max(2, int(model.output_shape[-1]))


def predicted(probabilities: np.ndarray) -> np.ndarray:
    """Each row's label index: the second label at or above 0.5 for one sigmoid column, else
    the most probable label."""
    if probabilities.ndim == 1 or probabilities.shape[-1] == 1:
        return (probabilities.reshape(-1) >= 0.5).astype(np.int64)
    return np.argmax(probabilities, axis=-1).astype(np.int64)


def has_length_feature(model: keras.Model) -> bool:
    """Whether calibration gave the classifier the text's length (``MeanMaxOverTokens``)."""
    names = {layer.name for layer in model.layers}
    return POOLING_NAME in names and bool(model.get_layer(POOLING_NAME).length_feature)


def recurrent_layer_name(cell: str, bidirectional: bool) -> str:
    """The name build_model gives the recurrent layer (the Bidirectional wrapper, if any)."""
    return f"bi_{cell}" if bidirectional else cell


def build_model(
    config: TrainConfig,
    *,
    classes: int = 2,
    mask_padding: bool = True,
    steps_per_epoch: int = 1,
    subwords: Subwords | None = None,
    length_feature: bool = False,
) -> keras.Model:
    """Build (and compile) the classifier for ``classes`` labels.

    ``steps_per_epoch`` sizes the cosine learning-rate schedule, if the config asks for one.
    ``subwords`` (training with ``--subwords``) gives the embedding its n-gram rows; without
    them it is the plain table that ``fold_subwords`` fills and the export reads.

    ``length_feature`` gives the classifier the text's log length as one more input (mean_max
    pooling only; see ``MeanMaxOverTokens``).

    ``mask_padding=False`` builds the export twin: the same layers and weights without the
    padding mask, which tf2onnx turns into one fused recurrent op; the exporter then restores
    the mask's effect with per-row ``sequence_lens`` (see ``training.ship.export``).
    """
    ids = keras.Input(shape=(None,), dtype="int64", name=INPUT_NAME)
    embedded = _embedded(config, ids, mask_padding, subwords)
    x = layers.Dropout(config.dropout, name="dropout_in")(embedded)
    sequences = config.pooling != "last"
    recurrent = CELL_LAYERS[config.cell](config.units, return_sequences=sequences, name=config.cell)
    if config.bidirectional:
        recurrent = layers.Bidirectional(
            recurrent, name=recurrent_layer_name(config.cell, bidirectional=True)
        )
    x = recurrent(x)
    if config.pooling == "mean":
        x = MaskedMean(name="mean_over_time")(x)
    elif config.pooling == "mean_max":
        x = MeanMaxOverTokens(length_feature, name=POOLING_NAME)([x, ids])
    x = layers.Dropout(config.dropout, name="dropout_out")(x)
    if classes == 2:
        output = layers.Dense(1, activation="sigmoid", name=OUTPUT_NAME)(x)
    else:
        output = layers.Dense(classes, activation="softmax", name=MULTICLASS_OUTPUT_NAME)(x)
    model = keras.Model(ids, output, name=f"sentiment_{config.cell}")
    model.compile(
        optimizer=_optimizer(config, steps_per_epoch),
        loss="binary_crossentropy" if classes == 2 else "sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def fold_subwords(model: keras.Model, config: TrainConfig, steps_per_epoch: int) -> keras.Model:
    """The same network with each word's n-grams folded into its row of a plain table
    (training.fit.subwords); ``model`` itself if it has no n-gram rows."""
    embedding = model.get_layer("embedding")
    if not isinstance(embedding, SubwordEmbedding):
        return model
    plain = build_model(config, classes=classes_of(model), steps_per_epoch=steps_per_epoch)
    for layer in plain.layers:
        if layer.name == "embedding":
            layer.set_weights([embedding.folded()])
        elif layer.weights:
            layer.set_weights(model.get_layer(layer.name).get_weights())
    return plain


def _embedded(
    config: TrainConfig, ids: keras.KerasTensor, mask_padding: bool, subwords: Subwords | None
) -> object:
    """Each token's embedding (with its n-grams', if ``subwords``), plus its pair's with the
    token before it (if bigram_buckets)."""
    if subwords is None:
        embedding: layers.Layer = layers.Embedding(
            config.vocab_size, config.embedding_dim, mask_zero=mask_padding, name="embedding"
        )
    else:
        embedding = SubwordEmbedding(
            subwords, config.embedding_dim, mask_zero=mask_padding, name="embedding"
        )
    x = embedding(ids)
    if config.bigram_buckets:
        pairs = HashedBigrams(config.bigram_buckets, name="bigram_ids")(ids)
        bigrams = layers.Embedding(
            config.bigram_buckets + 1,
            config.embedding_dim,
            mask_zero=mask_padding,
            embeddings_initializer="zeros",  # start as the plain word model, learn the pairs
            name="bigram_embedding",
        )(pairs)
        x = layers.Add(name="word_and_pair")([x, bigrams])
    return x


def _optimizer(config: TrainConfig, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """Adam, optionally with a learning rate that decays along a cosine to 0 over all epochs."""
    rate: float | keras.optimizers.schedules.LearningRateSchedule = config.learning_rate
    if config.learning_rate_schedule == "cosine":
        rate = keras.optimizers.schedules.CosineDecay(
            config.learning_rate, decay_steps=config.epochs * steps_per_epoch
        )
    momentum = averaging_momentum(config, steps_per_epoch)
    return keras.optimizers.Adam(
        learning_rate=rate,
        clipnorm=config.clipnorm or None,
        use_ema=momentum > 0,
        ema_momentum=momentum or 0.99,
    )


def averaging_momentum(config: TrainConfig, steps_per_epoch: int) -> float:
    """The weight average's momentum: the config's, but spanning at most one epoch's steps, so
    that a run of few steps on a small data set is not an average of its first, untrained
    weights (0.999 is kept for the IMDB default's 1,343 steps an epoch)."""
    if not config.weight_averaging:
        return 0.0
    return min(config.weight_averaging, 1.0 - 1.0 / max(1, steps_per_epoch))
