"""The recipe's classifier: embedding -> dropout -> recurrent layer -> dropout -> sigmoid.

The recurrent layer's last state feeds the classifier (the recipe), or, with ``pooling="mean"``,
the mean of its outputs over the text's time steps.
"""

from __future__ import annotations

import keras
from keras import layers, ops

from training.config import TrainConfig

INPUT_NAME = "input_ids"
OUTPUT_NAME = "probability"
_CELLS = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}


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


def build_model(config: TrainConfig, *, mask_padding: bool = True) -> keras.Model:
    """Build (and compile) the classifier.

    ``mask_padding=False`` builds the export twin: the same layers and weights without the
    padding mask, which tf2onnx turns into one fused recurrent op; the exporter then restores
    the mask's effect with per-row ``sequence_lens`` (see ``training.export``).
    """
    ids = keras.Input(shape=(None,), dtype="int64", name=INPUT_NAME)
    x = layers.Embedding(
        config.vocab_size, config.embedding_dim, mask_zero=mask_padding, name="embedding"
    )(ids)
    x = layers.Dropout(config.dropout, name="dropout_in")(x)
    mean = config.pooling == "mean"
    recurrent = _CELLS[config.cell](config.units, return_sequences=mean, name=config.cell)
    if config.bidirectional:
        recurrent = layers.Bidirectional(recurrent, name=f"bi_{config.cell}")
    x = recurrent(x)
    if mean:
        x = MaskedMean(name="mean_over_time")(x)
    x = layers.Dropout(config.dropout, name="dropout_out")(x)
    probability = layers.Dense(1, activation="sigmoid", name=OUTPUT_NAME)(x)
    model = keras.Model(ids, probability, name=f"sentiment_{config.cell}")
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=config.learning_rate, clipnorm=config.clipnorm or None
        ),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model
