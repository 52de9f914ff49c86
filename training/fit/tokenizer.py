"""Fit the word-level tokenizer that training and serving share as one ``tokenizer.json``.

Normalise (drop ``<br />``, Unicode NFKC, lower-case), split words from punctuation
("fantastic!" -> "fantastic", "!"), keep the most frequent tokens; id 0 pads, id 1 is unknown.
Truncation keeps the first ``max_length`` tokens (or the last, for the recipe preset);
padding goes after the text, to the longest row of a batch. Both settings live in the file,
so serving cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Sequence

from tokenizers import Regex, Tokenizer, normalizers, pre_tokenizers
from tokenizers.models import WordLevel
from tokenizers.trainers import WordLevelTrainer

from training.fit.config import Truncation

PAD_TOKEN, PAD_ID = "[PAD]", 0
UNK_TOKEN, UNK_ID = "[UNK]", 1
_RESERVED = 2


def empty_tokenizer(vocab: dict[str, int]) -> Tokenizer:
    """A tokenizer of this vocabulary with the shared normalisation and word splitting."""
    tokenizer = Tokenizer(WordLevel(vocab, unk_token=UNK_TOKEN))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"<br\s*/?>"), " "),
            normalizers.NFKC(),
            normalizers.Lowercase(),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return tokenizer


def fit_tokenizer(
    texts: Sequence[str], vocab_size: int, max_length: int, truncation: Truncation = "first"
) -> Tokenizer:
    """Learn the ``vocab_size`` most frequent tokens (pad and unknown included) from ``texts``.

    The pad and unknown tokens are ids in the vocabulary, not "added tokens": added tokens are
    matched in raw text, so a review containing "[PAD]" would otherwise produce a pad id inside
    the sequence and change the length the model sees.
    """
    if vocab_size <= _RESERVED:
        raise ValueError(f"vocab_size must exceed {_RESERVED} (pad and unknown)")
    counter = empty_tokenizer({UNK_TOKEN: 0})
    trainer = WordLevelTrainer(vocab_size=vocab_size - _RESERVED, special_tokens=[])
    counter.train_from_iterator(texts, trainer=trainer, length=len(texts))
    by_frequency = sorted(counter.get_vocab().items(), key=lambda item: item[1])
    vocab = {PAD_TOKEN: PAD_ID, UNK_TOKEN: UNK_ID}
    for word, _rank in by_frequency:
        vocab.setdefault(word, len(vocab))
    tokenizer = empty_tokenizer(vocab)
    set_lengths(tokenizer, max_length, truncation)
    return tokenizer


def set_lengths(tokenizer: Tokenizer, max_length: int, truncation: Truncation) -> None:
    """Truncate to ``max_length`` on the chosen side; post-pad to the longest row."""
    direction = "right" if truncation == "first" else "left"  # tokenizers cuts on that side
    tokenizer.enable_truncation(max_length=max_length, direction=direction)
    tokenizer.enable_padding(direction="right", pad_id=PAD_ID, pad_token=PAD_TOKEN)
