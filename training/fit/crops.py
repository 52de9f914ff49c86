"""Short crops of the labelled training reviews: one to three consecutive sentences, labelled by
their review.

A model fitted on whole reviews only never sees a short text with a label, so it reads a short
text by whatever its length and its few words correlate with in long reviews (2.2.0 gave
"It stopped working after a week." 0.71). Crops fix the length: trained with the review's label,
the model learns the probability that a review containing this passage is positive, which for a
plain plot sentence found in good and bad reviews alike is near 0.5, and for "I want those two
hours back" near 0. Only the fit rows are cropped: never validation or test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

MAX_SENTENCES = 3
MAX_WORDS = 60  # a crop longer than this keeps its first sentence only
# Sentence ends: ., ! or ? followed by space, and IMDB's line-break tags.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?:\s*<br\s*/?>\s*)+", re.IGNORECASE)


def sentences_of(text: str) -> list[str]:
    return [part.strip() for part in _SENTENCE_END.split(text) if part and part.strip()]


def review_crops(
    texts: Sequence[str], labels: np.ndarray, count: int, seed: int, smoothing: float = 0.0
) -> tuple[list[str], np.ndarray]:
    """``count`` crops of reviews drawn at random (seeded, with replacement), each with its
    review's label, pulled toward 0.5 by ``smoothing`` (0.2: targets 0.1 and 0.9)."""
    if count and not len(texts):
        raise ValueError("no reviews to crop")
    rng = np.random.default_rng(seed)
    crops: list[str] = []
    targets = np.empty(count, dtype=np.float32)
    for row, review in enumerate(rng.integers(len(texts), size=count)):
        sentences = sentences_of(texts[review]) or [texts[review]]
        size = min(int(rng.integers(1, MAX_SENTENCES + 1)), len(sentences))
        start = int(rng.integers(len(sentences) - size + 1))
        crop = " ".join(sentences[start : start + size])
        if size > 1 and len(crop.split()) > MAX_WORDS:
            crop = sentences[start]
        crops.append(crop)
        targets[row] = labels[review]
    return crops, targets * (1.0 - smoothing) + 0.5 * smoothing
