"""Merge several trained copies of the classifier into one network of the same shape.

``k`` members of one configuration (embedding ``d``, ``u`` units), trained with different seeds,
become one model of the configuration with embedding ``k*d`` and ``k*u`` units: the embedding
tables side by side, the recurrent weights block-diagonal (each gate's block holds every
member's gate in turn, so member ``j``'s state only ever sees member ``j``'s inputs and state),
and one head whose logit is the members' mean logit. The merged network computes exactly each
member's recurrent layer in its own slice, so it is the ensemble, exported as before: one
fused LSTM node, every export check unchanged. What it costs in serving: ``k`` times the
embedding work and about ``k**2`` times the recurrent matrix work, since the blocks are stored
densely.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

from training.fit.config import TrainConfig
from training.fit.model import build_model, classes_of, output_name, recurrent_layer_name

GATES = 4  # Keras LSTM: input, forget, cell, output, each a block of `units` columns


def merged_config(config: TrainConfig, members: int) -> TrainConfig:
    """The configuration of the merged network: ``members`` times the width."""
    return config.replace(
        embedding_dim=config.embedding_dim * members, units=config.units * members, ensemble=1
    )


def network_config(config: TrainConfig) -> TrainConfig:
    """The shape of the network a run of ``config`` ends with (its members merged, if several)."""
    return merged_config(config, config.ensemble)


def merge(models: Sequence[keras.Model], config: TrainConfig) -> keras.Model:
    """One model computing the mean logit of ``models`` (all built from ``config``)."""
    if config.cell != "lstm":
        raise ValueError("only LSTM members can be merged (one fused LSTM node in the export)")
    count = len(models)
    classes = classes_of(models[0])
    merged = build_model(merged_config(config, count), classes=classes)
    for name in ["embedding"] + (["bigram_embedding"] if config.bigram_buckets else []):
        tables = [model.get_layer(name).get_weights()[0] for model in models]
        merged.get_layer(name).set_weights([np.concatenate(tables, axis=1)])
    recurrent = recurrent_layer_name(config.cell, config.bidirectional)
    directions = 2 if config.bidirectional else 1
    parts = [model.get_layer(recurrent).get_weights() for model in models]
    weights = []
    for direction in range(directions):
        mine = [member[3 * direction : 3 * direction + 3] for member in parts]
        weights.extend(_block_diagonal_lstm(mine, config.units))
    merged.get_layer(recurrent).set_weights(weights)
    pools = 2 if config.pooling == "mean_max" else 1
    head = output_name(classes)
    kernels, biases = zip(*(model.get_layer(head).get_weights() for model in models), strict=True)
    kernel = np.zeros((pools * directions * count * config.units, kernels[0].shape[1]), np.float32)
    for member, member_kernel in enumerate(kernels):
        for block in range(pools * directions):  # member blocks: (pool, direction) of `units`
            source = member_kernel[block * config.units : (block + 1) * config.units]
            start = block * count * config.units + member * config.units
            kernel[start : start + config.units] = source / count
    merged.get_layer(head).set_weights([kernel, np.mean(biases, axis=0)])
    return merged


def _block_diagonal_lstm(members: list[list[np.ndarray]], units: int) -> list[np.ndarray]:
    """Kernel, recurrent kernel and bias of one direction, member ``j`` in block ``j``."""
    count = len(members)
    inputs = members[0][0].shape[0]
    kernel = np.zeros((count * inputs, GATES * count * units), np.float32)
    recurrent = np.zeros((count * units, GATES * count * units), np.float32)
    bias = np.zeros((GATES * count * units,), np.float32)
    for j, (member_kernel, member_recurrent, member_bias) in enumerate(members):
        for gate in range(GATES):
            source = slice(gate * units, (gate + 1) * units)
            target = slice(gate * count * units + j * units, gate * count * units + (j + 1) * units)
            kernel[j * inputs : (j + 1) * inputs, target] = member_kernel[:, source]
            recurrent[j * units : (j + 1) * units, target] = member_recurrent[:, source]
            bias[target] = member_bias[source]
    return [kernel, recurrent, bias]
