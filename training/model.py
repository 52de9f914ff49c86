"""The recipe's classifier: embedding -> dropout -> recurrent layer -> dropout -> sigmoid."""

from __future__ import annotations

import keras
from keras import layers

from training.config import TrainConfig

INPUT_NAME = "input_ids"
OUTPUT_NAME = "probability"
_CELLS = {"lstm": layers.LSTM, "gru": layers.GRU, "rnn": layers.SimpleRNN}


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
    recurrent = _CELLS[config.cell](config.units, name=config.cell)
    if config.bidirectional:
        recurrent = layers.Bidirectional(recurrent, name=f"bi_{config.cell}")
    x = recurrent(x)
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
