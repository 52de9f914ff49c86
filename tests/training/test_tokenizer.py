"""The tokenizer training fits and serving loads: normalisation, vocabulary, truncation."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer

from app.inference.pipeline import encode
from training.fit.tokenizer import PAD_ID, UNK_ID, fit_tokenizer

CORPUS = [
    "This movie was fantastic!<br /><br />Really fantastic.",
    "The worst film, truly the worst... Boring!",
    "Ｃａｆé crème was great",
] * 3


@pytest.fixture(scope="module")
def tokenizer() -> Tokenizer:
    return fit_tokenizer(CORPUS, vocab_size=30, max_length=8)


def tokens_of(tokenizer: Tokenizer, text: str) -> list[str]:
    return tokenizer.encode(text).tokens


def test_line_breaks_dropped_words_split_from_punctuation(tokenizer: Tokenizer) -> None:
    assert tokens_of(tokenizer, "Fantastic!<br />The") == ["fantastic", "!", "the"]
    assert tokens_of(tokenizer, "fantastic<br/>the") == ["fantastic", "the"]


def test_unicode_is_normalised_and_lower_cased(tokenizer: Tokenizer) -> None:
    # Full-width letters fold to ASCII (NFKC); a decomposed é equals the composed one.
    assert tokens_of(tokenizer, "ＣＡＦÉ") == ["café"]
    assert tokens_of(tokenizer, "cafe\u0301") == ["café"]


def test_pad_and_unknown_ids_and_vocab_size(tokenizer: Tokenizer) -> None:
    vocab = tokenizer.get_vocab()
    assert vocab["[PAD]"] == PAD_ID == 0 and vocab["[UNK]"] == UNK_ID == 1
    assert tokenizer.get_vocab_size() == len(vocab) <= 30
    assert tokenizer.encode("zyzzyva fantastic").ids == [UNK_ID, vocab["fantastic"]]


def test_most_frequent_tokens_are_kept() -> None:
    small = fit_tokenizer(CORPUS, vocab_size=5, max_length=8)
    kept = set(small.get_vocab()) - {"[PAD]", "[UNK]"}
    assert len(kept) == 3
    assert "fantastic" not in kept or "the" in kept  # "the" (most frequent) goes in first
    assert "the" in kept


def test_special_token_text_in_a_review_is_not_a_pad(tokenizer: Tokenizer) -> None:
    ids = tokenizer.encode("[PAD] [UNK] fantastic").ids
    assert PAD_ID not in ids


def test_truncation_keeps_the_first_tokens(tokenizer: Tokenizer) -> None:
    text = "the worst film was boring the worst film was great fantastic"
    encoding = tokenizer.encode(text)
    assert encoding.tokens == ["the", "worst", "film", "was", "boring", "the", "worst", "film"]
    assert encoding.overflowing  # the encoding says it was cut


def test_batch_is_post_padded_to_the_longest_row(tokenizer: Tokenizer) -> None:
    batch = encode(tokenizer, ["fantastic", "the worst film", ""], PAD_ID)
    assert batch.input_ids.shape == (3, 3)
    assert batch.input_ids.dtype == np.int64
    assert batch.input_ids[0, 1:].tolist() == [PAD_ID, PAD_ID]
    assert batch.lengths.tolist() == [1, 3, 0]
    assert batch.truncated.tolist() == [False, False, False]
    long = encode(tokenizer, ["the " * 20], PAD_ID)
    assert long.input_ids.shape == (1, 8) and long.truncated.tolist() == [True]


def test_only_empty_texts_keep_one_pad_column(tokenizer: Tokenizer) -> None:
    batch = encode(tokenizer, ["", "   "], PAD_ID)
    assert batch.input_ids.tolist() == [[PAD_ID], [PAD_ID]]
    assert batch.lengths.tolist() == [0, 0]


def test_fitting_is_deterministic() -> None:
    first = fit_tokenizer(CORPUS, vocab_size=30, max_length=8).to_str()
    assert fit_tokenizer(CORPUS, vocab_size=30, max_length=8).to_str() == first


def test_truncation_can_keep_the_last_tokens_as_the_recipe_does() -> None:
    tokenizer = fit_tokenizer(CORPUS, vocab_size=30, max_length=3, truncation="last")
    encoding = tokenizer.encode("the worst film was boring")
    assert encoding.tokens == ["film", "was", "boring"] and encoding.overflowing
