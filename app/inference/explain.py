"""Why a score: occlusion (leave one token out) through the served model.

For each text, every window the model reads is scored once as it is and once without each of
its tokens; all those rows of all texts go through ``forward_grouped`` in one call (the same
onnxruntime session and micro-batching as predictions). A token's weight is the text's score
minus its score with that token left out of every window that holds it: positive when the
token pushes toward the positive label, negative when it pushes toward the negative one. For a
multiclass bundle the score weighed is the probability of the predicted label: positive
weights push toward the predicted label, negative ones away from it.
Scores are pooled as in ``app.inference.chunking``; with truncation the only window is the
tokens the model reads, so tokens past it get no weight.

No gradients, no randomness: the same text gets the same weights every time. Token offsets
are the tokenizer's, into the original text. The cost is one row per token (plus one per
window), each as long as its window, so callers bound the tokens explained per request
(``SENTIMENT_MAX_EXPLAIN_TOKENS``) with ``plan`` before scoring, and the service scores the
rows through its batcher (``RowScorer``), a row at a time to the queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from app.inference.chunking import ChunkPolicy, LongText, pool_any, window_spans
from app.inference.pipeline import (
    Prediction,
    SentimentClassifier,
    encodable,
    pad_rows,
)
from app.inference.predictions import prediction_of, score_of
from app.observability.tracing import stage


@dataclass(frozen=True)
class TokenWeight:
    text: str
    start: int
    end: int
    weight: float


@dataclass(frozen=True)
class Explanation:
    prediction: Prediction
    tokens: list[TokenWeight]


@dataclass(frozen=True)
class ExplanationPlan:
    """One text's rows: its windows, then each window without each of its tokens."""

    ids: np.ndarray
    offsets: list[tuple[int, int]]
    spans: list[tuple[int, int]]
    truncated: bool

    @property
    def rows(self) -> int:
        """Model rows explaining the text costs: one per window and per token in it."""
        return sum(1 + end - start for start, end in self.spans)


def occlusion_rows(plans: Sequence[ExplanationPlan]) -> list[np.ndarray]:
    """Every row to score, plan by plan: each window, then it without each of its tokens."""
    rows: list[np.ndarray] = []
    for plan in plans:
        for start, end in plan.spans:
            window = plan.ids[start:end]
            rows.append(window)
            rows.extend(np.delete(window, position) for position in range(end - start))
    return rows


@dataclass(frozen=True)
class RowScorer:
    """Scores token-id rows with the classifier, one probability row per row. Equal scorers are
    one model to the batcher: explanation rows of concurrent requests share batches, and go
    through the batcher row by row, so they can be cut into short slices of model time."""

    classifier: SentimentClassifier

    def __call__(self, rows: Sequence[np.ndarray]) -> list[np.ndarray]:
        return list(self.forward(rows))

    def forward(self, rows: Sequence[np.ndarray]) -> np.ndarray:
        return self.classifier.forward_grouped(pad_rows(rows, self.classifier.manifest.pad_id))


@dataclass(frozen=True)
class Explainer:
    """Explains texts with the classifier, reading long ones as ``long_text`` says. Equal
    explainers are one model to the batcher, so texts of concurrent requests share a batch."""

    classifier: SentimentClassifier
    long_text: LongText
    policy: ChunkPolicy

    def count_tokens(self, texts: Sequence[str]) -> int:
        """Tokens that explaining ``texts`` would weigh: what bounds a request's cost."""
        return sum(len(plan.ids) for plan in self.plan(texts))

    def __call__(self, texts: Sequence[str]) -> list[Explanation]:
        plans = self.plan(texts)
        rows = occlusion_rows(plans)
        if not rows:
            return []
        return self.assemble(texts, plans, RowScorer(self.classifier).forward(rows))

    def plan(self, texts: Sequence[str]) -> list[ExplanationPlan]:
        """Each text's tokens and windows (tokenized once): what ``occlusion_rows`` scores."""
        manifest = self.classifier.manifest
        with stage("tokenize", manifest.name, manifest.version) as tokenized:
            plans = self._plans(texts)
            tokenized.tokens([len(plan.ids) for plan in plans])
        return plans

    def assemble(
        self, texts: Sequence[str], plans: Sequence[ExplanationPlan], probabilities: np.ndarray
    ) -> list[Explanation]:
        """The explanations from the scores of the plans' ``occlusion_rows``, in order."""
        self.classifier.record_batch(
            [len(plan.ids) for plan in plans],
            sum(plan.truncated for plan in plans),
            [len(plan.spans) for plan in plans] if self.long_text == "chunk" else (),
        )
        explanations = []
        first = 0
        for text, plan in zip(texts, plans, strict=True):
            used = plan.rows
            explanations.append(self._explain(text, plan, probabilities[first : first + used]))
            first += used
        self.classifier.record_labels([explanation.prediction for explanation in explanations])
        return explanations

    def _plans(self, texts: Sequence[str]) -> list[ExplanationPlan]:
        classifier = self.classifier
        prepared = [encodable(text) for text in texts]  # same length: offsets stay valid
        # encode_batch, not encode_batch_fast: only it tracks offsets into the text.
        if self.long_text == "chunk":
            encodings = classifier.whole_text_tokenizer.encode_batch(
                prepared, add_special_tokens=False
            )
            window, overlap = classifier.manifest.max_length, self.policy.overlap
            return [
                ExplanationPlan(
                    np.asarray(encoding.ids, dtype=np.int64),
                    encoding.offsets,
                    window_spans(len(encoding.ids), window, overlap),
                    truncated=False,
                )
                for encoding in encodings
            ]
        # The tokens the model reads (the bundle's tokenizer truncates); batches are padded at
        # the end, so a text's own tokens come first.
        encodings = classifier.tokenizer.encode_batch(prepared, add_special_tokens=False)
        pad_id = classifier.manifest.pad_id
        plans = []
        for encoding in encodings:
            ids = np.asarray(encoding.ids, dtype=np.int64)
            length = int(np.count_nonzero(ids != pad_id))
            plans.append(
                ExplanationPlan(
                    ids[:length],
                    encoding.offsets[:length],
                    [(0, length)],
                    truncated=len(encoding.overflowing) > 0,
                )
            )
        return plans

    def _explain(self, text: str, plan: ExplanationPlan, probabilities: np.ndarray) -> Explanation:
        manifest = self.classifier.manifest
        window_scores = np.empty((len(plan.spans), *self.classifier.row_shape), dtype=np.float32)
        without: list[np.ndarray] = []  # per window: its score without each of its tokens
        row = 0
        for index, (start, end) in enumerate(plan.spans):
            window_scores[index] = probabilities[row]
            without.append(probabilities[row + 1 : row + 1 + end - start])
            row += 1 + end - start
        pooled = pool_any(window_scores, self.policy.pooling)
        prediction = prediction_of(
            pooled,
            manifest,
            len(plan.ids),
            plan.truncated,
            chunks=len(plan.spans) if self.long_text == "chunk" else None,
        )
        # Binary: toward labels[1], as always; multiclass: toward the predicted label.
        target = manifest.labels.index(prediction.label) if manifest.multiclass else None
        score = score_of(pooled, target)
        tokens = []
        for position, (start, end) in enumerate(plan.offsets):
            occluded = window_scores.copy()
            for index, (first, last) in enumerate(plan.spans):
                if first <= position < last:
                    occluded[index] = without[index][position - first]
            weight = score - score_of(pool_any(occluded, self.policy.pooling), target)
            tokens.append(TokenWeight(text[start:end], start, end, weight))
        return Explanation(prediction, tokens)
