"""Subword embeddings (``--subwords``): a word's vector is its own row plus the mean of its
character n-grams' rows, learnt while training and folded into one word table when it ends.

fastText's word vectors (Bojanowski et al. 2017): the 3- to 5-grams of ``<word>``, so that rare
words, misspellings and inflections ("delayed", "delays", "delayyy") share what they have in
common instead of each learning alone from its few rows. The n-grams are those of the
tokenizer's own vocabulary, so once training ends every word's vector is fixed:
``training.fit.model.fold_subwords`` writes each word's sum into a plain embedding table, and
the exported graph, the tokenizer and serving are exactly as without subwords. A word outside
the vocabulary is still unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf
from keras import layers

SMALLEST, LARGEST = 3, 5  # fastText's n-gram sizes
MIN_WORDS = 2  # an n-gram of one word alone adds nothing that word's own row does not
_RESERVED = 2  # pad and unknown have no characters
_FOLD_ROWS = 4_096


@dataclass(frozen=True)
class Subwords:
    """Each word id's n-gram rows (0: none) and the weight of each (1 / its n-grams)."""

    grams: np.ndarray  # int32 [vocabulary, most n-grams of one word]
    weights: np.ndarray  # float32, the same shape
    rows: int  # rows of the n-gram table, the unused row 0 included

    @classmethod
    def of(cls, vocab: Mapping[str, int]) -> Subwords:
        """The n-grams shared by at least MIN_WORDS words of ``vocab`` (word -> id)."""
        per_word = {i: _ngrams(word) for word, i in vocab.items() if i >= _RESERVED}
        counts = Counter(gram for grams in per_word.values() for gram in grams)
        shared = sorted(gram for gram, count in counts.items() if count >= MIN_WORDS)
        index = {gram: row for row, gram in enumerate(shared, start=1)}
        kept = {
            i: [index[gram] for gram in sorted(grams) if gram in index]
            for i, grams in per_word.items()
        }
        width = max([1, *(len(rows) for rows in kept.values())])
        grams = np.zeros((len(vocab), width), np.int32)
        weights = np.zeros((len(vocab), width), np.float32)
        for i, rows in kept.items():
            grams[i, : len(rows)] = rows
            weights[i, : len(rows)] = 1.0 / max(len(rows), 1)
        return cls(grams, weights, len(index) + 1)

    def describe(self) -> dict[str, int]:
        return {"smallest": SMALLEST, "largest": LARGEST, "ngrams": self.rows - 1}


def _ngrams(word: str) -> set[str]:
    marked = f"<{word}>"
    grams = {
        marked[start : start + size]
        for size in range(SMALLEST, LARGEST + 1)
        for start in range(len(marked) - size + 1)
    }
    grams.discard(marked)  # a short word's whole self is its own row already
    return grams


class SubwordEmbedding(layers.Layer):
    """An ``Embedding`` (same name, ``input_dim``, mask) whose rows add their n-grams' mean.

    Only the rows of the words in a batch are computed, each once, so a step costs the batch's
    distinct words times their n-grams, not the vocabulary's.
    """

    def __init__(
        self, subwords: Subwords, output_dim: int, mask_zero: bool, **kwargs: object
    ) -> None:
        super().__init__(**kwargs)
        self.input_dim, self.output_dim, self.mask_zero = len(subwords.grams), output_dim, mask_zero
        self.subwords = subwords

    def build(self, input_shape: object) -> None:
        self.words = self.add_weight(
            shape=(self.input_dim, self.output_dim), initializer="uniform", name="words"
        )
        self.ngrams = self.add_weight(
            shape=(self.subwords.rows, self.output_dim), initializer="zeros", name="ngrams"
        )

    def call(self, ids: tf.Tensor) -> tf.Tensor:
        ids = tf.cast(ids, tf.int32)
        distinct, where = tf.unique(tf.reshape(ids, [-1]))
        grams = tf.gather(tf.constant(self.subwords.grams), distinct)
        weights = tf.gather(tf.constant(self.subwords.weights), distinct)
        rows = tf.gather(self.words, distinct) + tf.einsum(
            "wgd,wg->wd", tf.gather(self.ngrams, grams), weights
        )
        return tf.reshape(tf.gather(rows, where), tf.concat([tf.shape(ids), [self.output_dim]], 0))

    def compute_mask(self, ids: object, mask: object = None) -> object:
        return keras.ops.not_equal(ids, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*input_shape, self.output_dim)

    def set_weights(self, weights: list[np.ndarray]) -> None:
        """``[words, ngrams]``, or a word table alone (a bundle's, word2vec's), as an
        ``Embedding`` takes it: the n-grams then start at zero."""
        if len(weights) == 1:
            weights = [weights[0], np.zeros((self.subwords.rows, self.output_dim), np.float32)]
        super().set_weights(weights)

    def folded(self) -> np.ndarray:
        """Every word's own row plus its n-grams' mean: the plain table to export."""
        words, ngrams = (np.asarray(weight) for weight in self.get_weights())
        table = words.copy()
        for start in range(0, len(table), _FOLD_ROWS):  # in slices: grams x dim floats a row
            part = slice(start, start + _FOLD_ROWS)
            table[part] += np.einsum(
                "wgd,wg->wd", ngrams[self.subwords.grams[part]], self.subwords.weights[part]
            )
        return table
