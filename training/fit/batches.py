"""Training batches of similar length, so short reviews are not padded to the longest one.

With the padding mask the model's output does not depend on padding, so grouping reviews of
similar length changes no result, only how many padded time steps the LSTM runs through:
at max length 400 about a third fewer.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import tensorflow as tf

from training.fit.tokenizer import PAD_ID, UNK_ID


def batch_count(rows: int, batch_size: int) -> int:
    """Batches an epoch of ``rows`` rows takes: the last one may be short."""
    return -(-rows // batch_size)


def length_bucketed_batches(
    input_ids: np.ndarray,
    labels: np.ndarray,
    lengths: np.ndarray,
    batch_size: int,
    seed: int,
    pool_batches: int = 64,
    weights: np.ndarray | None = None,
    word_dropout: float = 0.0,
) -> tf.data.Dataset:
    """Each epoch: shuffle, sort within pools of ``pool_batches`` batches by length, cut into
    batches trimmed to their longest row, and shuffle the batch order. Seeded. With ``weights``
    each batch also carries its rows' weights in the loss; with ``word_dropout`` each real token
    is replaced by the unknown id with that probability."""
    rng = np.random.default_rng(seed)
    # a generator of its own, so the batches' order is the same with and without word dropout
    dropout_rng = np.random.default_rng([seed, 1])
    targets = labels.astype(np.float32)
    pool_size = batch_size * pool_batches

    def epoch() -> Iterator[tuple[np.ndarray, ...]]:
        order = rng.permutation(len(input_ids))
        batches: list[np.ndarray] = []
        for start in range(0, len(order), pool_size):
            pool = order[start : start + pool_size]
            pool = pool[np.argsort(lengths[pool], kind="stable")]
            batches.extend(pool[i : i + batch_size] for i in range(0, len(pool), batch_size))
        for index in rng.permutation(len(batches)):
            rows = batches[index]
            width = max(1, int(lengths[rows].max()))
            ids = drop_words(input_ids[rows, :width], word_dropout, dropout_rng)
            if weights is None:
                yield ids, targets[rows]
            else:
                yield ids, targets[rows], weights[rows]

    signature: tuple[tf.TensorSpec, ...] = (
        tf.TensorSpec((None, None), tf.int64),
        tf.TensorSpec((None,), tf.float32),
    )
    if weights is not None:
        signature += (tf.TensorSpec((None,), tf.float32),)
    dataset = tf.data.Dataset.from_generator(epoch, output_signature=signature)
    return dataset.apply(
        tf.data.experimental.assert_cardinality(batch_count(len(input_ids), batch_size))
    ).prefetch(2)


def drop_words(ids: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    """``ids`` with each real (non-padding) token replaced by the unknown id with probability
    ``rate``; ``ids`` itself when the rate is 0."""
    if not rate:
        return ids
    dropped = (rng.random(ids.shape) < rate) & (ids != PAD_ID)
    return np.where(dropped, UNK_ID, ids)
