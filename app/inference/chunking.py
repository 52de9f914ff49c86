"""Long texts read whole: overlapping windows of the model's length, pooled into one score.

The model reads at most ``max_length`` tokens. With chunking, a longer text is cut into
windows of exactly ``max_length`` tokens that start every ``max_length - overlap`` tokens, the
last one ending at the text's last token; each window is one more row of the batch (scored by
the same ``forward_grouped`` as every other text, so it shares ``session.run`` calls with the
texts of other requests), and the window probabilities are pooled by one rule:

- ``mean``: the mean probability;
- ``logit_mean``: the sigmoid of the mean log-odds (confident windows weigh more);
- ``max_confidence``: the probability of the window furthest from 0.5.

For a multiclass bundle each window has a probability per label and the rules apply to those
rows: the mean row; the softmax of the mean log-probabilities; the row whose top probability is
highest.

A text within the window is one window, scored exactly as without chunking. Each window's
probability depends only on its own tokens (the model ignores padding), and pooling only on
the text's own windows, so a text's score does not depend on its batch mates.

``python -m training long-text`` chooses the overlap and rule on validation reviews longer than
the window, reports test accuracy beside truncation, and with ``--update-card`` records its
choice in the bundle's manifest (``chunking``). ``served_policy`` reads a text as the settings
say (``SENTIMENT_CHUNK_OVERLAP``, ``SENTIMENT_CHUNK_POOLING``), else as the bundle chose, else
as ``FALLBACK_POLICY``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from app.inference.bundle import ChunkPooling, Manifest
from app.inference.pipeline import (
    Prediction,
    SentimentClassifier,
    encodable,
    pad_rows,
)
from app.inference.predictions import prediction_of
from app.observability.tracing import stage

LongText = Literal["truncate", "chunk"]
Pooling = ChunkPooling
POOLING_RULES: tuple[Pooling, ...] = get_args(Pooling)
# Log-odds of probabilities clipped here: below 1e-4 a float32 sigmoid output is quantised
# (2.4e-7 alone, 2.7e-7 in a batch), and log-odds would blow that up into a batch dependence.
_EPSILON = 1e-4


@dataclass(frozen=True)
class ChunkPolicy:
    """How long texts are read: window overlap in tokens and the pooling rule."""

    overlap: int
    pooling: Pooling

    def check(self, window: int) -> None:
        if not 0 <= self.overlap < window:
            raise ValueError(
                f"chunk overlap {self.overlap} must be at least 0 and below the model's window"
                f" of {window} tokens"
            )


# For a bundle that did not choose (made before the choice was recorded, or never measured):
# windows side by side, and the window furthest from 0.5 decides (README: Long reviews).
FALLBACK_POLICY = ChunkPolicy(0, "max_confidence")


def served_policy(manifest: Manifest, overlap: int | None, pooling: Pooling | None) -> ChunkPolicy:
    """How the service (or bulk scoring) chunks this model's texts: each of ``overlap`` and
    ``pooling`` as given, else as the bundle chose on validation, else the default."""
    chosen = manifest.chunking or FALLBACK_POLICY
    return ChunkPolicy(
        chosen.overlap if overlap is None else overlap,
        chosen.pooling if pooling is None else pooling,
    )


@dataclass(frozen=True)
class Reading:
    """How texts are read: cut to the model's window (``truncate``) or whole, in windows by
    ``policy`` (``chunk``). The service and bulk scoring (``app.score``) read through it."""

    long_text: LongText
    policy: ChunkPolicy

    def scorer(
        self, classifier: SentimentClassifier
    ) -> Callable[[Sequence[str]], list[Prediction]]:
        """The classifier's predict, or its chunked reading of long texts."""
        if self.long_text == "chunk":
            return ChunkedScorer(classifier, self.policy)
        return classifier.predict


def window_spans(tokens: int, window: int, overlap: int) -> list[tuple[int, int]]:
    """[start, end) token spans covering ``tokens`` tokens: one span when they fit the window,
    else full windows every ``window - overlap`` tokens, the last aligned to the end."""
    if tokens <= window:
        return [(0, tokens)]
    step = window - overlap
    starts = [*range(0, tokens - window, step), tokens - window]
    return [(start, start + window) for start in starts]


def pool(probabilities: np.ndarray, rule: Pooling) -> float:
    """One probability from a text's window probabilities (a single window is kept as is)."""
    if len(probabilities) == 1:
        return float(probabilities[0])
    values = probabilities.astype(np.float64)
    if rule == "mean":
        return float(values.mean())
    if rule == "logit_mean":
        clipped = np.clip(values, _EPSILON, 1 - _EPSILON)
        mean_logit = float(np.log(clipped / (1 - clipped)).mean())
        return float(1 / (1 + np.exp(-mean_logit)))
    if rule == "max_confidence":
        return float(values[np.argmax(np.abs(values - 0.5))])
    raise ValueError(f"unknown pooling rule {rule!r}; use one of {POOLING_RULES}")


def pool_rows(probabilities: np.ndarray, rule: Pooling) -> np.ndarray:
    """One row of label probabilities from a text's window rows ([windows, labels]; a single
    window is kept as is): the multiclass form of ``pool``."""
    if len(probabilities) == 1:
        return probabilities[0]
    values = probabilities.astype(np.float64)
    if rule == "mean":
        return values.mean(axis=0)
    if rule == "logit_mean":
        mean_log = np.log(np.clip(values, _EPSILON, 1.0)).mean(axis=0)
        exp = np.exp(mean_log - mean_log.max())
        return exp / exp.sum()
    if rule == "max_confidence":
        return values[int(np.argmax(values.max(axis=1)))]
    raise ValueError(f"unknown pooling rule {rule!r}; use one of {POOLING_RULES}")


def pool_any(probabilities: np.ndarray, rule: Pooling) -> np.ndarray | float:
    """``pool`` for a binary bundle's window probabilities ([windows]), ``pool_rows`` for a
    multiclass one's ([windows, labels])."""
    if probabilities.ndim == 2:
        return pool_rows(probabilities, rule)
    return pool(probabilities, rule)


def whole_token_ids(classifier: SentimentClassifier, texts: Sequence[str]) -> list[np.ndarray]:
    """Every token id of each text (no truncation), with the bundle's tokenizer."""
    encodings = classifier.whole_text_tokenizer.encode_batch_fast(
        [encodable(text) for text in texts], add_special_tokens=False
    )
    return [np.asarray(encoding.ids, dtype=np.int64) for encoding in encodings]


@dataclass(frozen=True, slots=True)
class Tokenized:
    """A text to be read whole with its every token id: tokenized once, when its cost in
    windows is counted (``windowed``), not again when ``ChunkedScorer`` scores it."""

    text: str
    ids: np.ndarray


def windowed(
    classifier: SentimentClassifier, texts: Sequence[str], overlap: int
) -> tuple[list[str | Tokenized], list[int]]:
    """The texts as ``ChunkedScorer`` takes them and the windows each is read in when chunked:
    the model rows it costs. A text of no more characters than the window has no more tokens
    than that (a token spans one character at least), so only longer ones are tokenized, and
    they come back ``Tokenized``."""
    window = classifier.manifest.max_length
    rows: list[str | Tokenized] = list(texts)
    counts = [1] * len(texts)
    long = [index for index, text in enumerate(texts) if len(text) > window]
    token_ids = whole_token_ids(classifier, [texts[index] for index in long]) if long else []
    for index, ids in zip(long, token_ids, strict=True):
        rows[index] = Tokenized(texts[index], ids)
        counts[index] = len(window_spans(len(ids), window, overlap))
    return rows, counts


def _token_ids(
    classifier: SentimentClassifier, texts: Sequence[str | Tokenized]
) -> list[np.ndarray]:
    """Every token id of each text: those ``windowed`` tokenized as they are, the rest now."""
    plain = [text for text in texts if not isinstance(text, Tokenized)]
    fresh = iter(whole_token_ids(classifier, plain) if plain else [])
    return [text.ids if isinstance(text, Tokenized) else next(fresh) for text in texts]


@dataclass(frozen=True)
class ChunkedScorer:
    """Scores texts read whole. Equal scorers (same classifier and policy) are one model to the
    batcher, so chunked texts of concurrent requests are batched together."""

    classifier: SentimentClassifier
    policy: ChunkPolicy

    def __call__(self, texts: Sequence[str | Tokenized]) -> list[Prediction]:
        classifier, manifest = self.classifier, self.classifier.manifest
        window = manifest.max_length
        rows: list[np.ndarray] = []
        windows_per_text: list[int] = []
        with stage("tokenize", manifest.name, manifest.version) as tokenized:
            token_ids = _token_ids(classifier, texts)
            tokenized.tokens([len(ids) for ids in token_ids])
        for ids in token_ids:
            spans = window_spans(len(ids), window, self.policy.overlap)
            rows.extend(ids[start:end] for start, end in spans)
            windows_per_text.append(len(spans))
        if not rows:
            return []
        probabilities = classifier.forward_grouped(pad_rows(rows, manifest.pad_id))
        classifier.record_batch([len(ids) for ids in token_ids], 0, windows_per_text)
        predictions = []
        first = 0
        for ids, count in zip(token_ids, windows_per_text, strict=True):
            pooled = pool_any(probabilities[first : first + count], self.policy.pooling)
            first += count
            predictions.append(prediction_of(pooled, manifest, len(ids), False, chunks=count))
        return classifier.record_labels(predictions)
