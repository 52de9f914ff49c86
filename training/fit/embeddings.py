"""Word embeddings pretrained on unlabelled reviews (word2vec), to start the Embedding layer.

The labelled training split is small (22,500 reviews); the 50,000 unlabelled aclImdb reviews
teach the embedding which words are used alike, so words rare in the labelled data still land
near their synonyms. Tokens come from the very tokenizer the model uses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
from gensim.models import Word2Vec
from tokenizers import Tokenizer

from training.fit.tokenizer import PAD_ID

log = logging.getLogger(__name__)


def pretrain_embeddings(
    tokenizer: Tokenizer, texts: Sequence[str], dim: int, epochs: int, seed: int, workers: int = 2
) -> np.ndarray:
    """A [vocab_size, dim] matrix: word2vec (CBOW) vectors for tokens it saw, small random
    vectors for the others, zeros for padding."""
    started = time.perf_counter()
    whole = Tokenizer.from_str(tokenizer.to_str())
    whole.no_truncation()  # learn from every token, not only the first max_length
    whole.no_padding()
    sentences = [encoding.tokens for encoding in whole.encode_batch(list(texts))]
    word2vec = Word2Vec(
        sentences,
        vector_size=dim,
        window=5,
        min_count=1,
        sg=0,
        epochs=epochs,
        seed=seed,
        workers=workers,
    )
    vocab = tokenizer.get_vocab()
    rng = np.random.default_rng(seed)
    scale = float(np.std(word2vec.wv.vectors))
    weights = rng.normal(0.0, scale, size=(len(vocab), dim)).astype(np.float32)
    found = 0
    for token, index in vocab.items():
        if token in word2vec.wv.key_to_index:
            weights[index] = word2vec.wv[token]
            found += 1
    weights[PAD_ID] = 0.0
    log.info(
        "pretrained %d-dimensional embeddings on %d reviews in %.0f s; %d of %d tokens covered",
        dim,
        len(texts),
        time.perf_counter() - started,
        found,
        len(vocab),
    )
    return weights
