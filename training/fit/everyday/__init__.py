"""Short everyday sentences outside the movie domain, written for training: complaints, praise
and plain statements about products, deliveries, service, travel, restaurants and hotels.

IMDB teaches what people say about films. A user's first requests are more often "It stopped
working after a week." or "flight delayed 3 hours and nobody can tell us anything", which no
review of a film says, and a model trained on films alone reads them by their length and their
film-neutral words (2.2.0 called both positive). These sentences, written by us (no labelled
data from anywhere), cross a few subjects of each domain with things that go wrong or right for
them, and add plain statements that carry no sentiment:

- a complaint -> negative (0), praise -> positive (1);
- a statement of fact ("The flight leaves at 7 am.") -> 0.5: the target for a text with no
  sentiment is "either", so the model learns to say so instead of leaning on length;
- some sentences get a casual opening ("Honestly, ", "@shop ") or a closing verdict of the same
  polarity ("Never again."), as people write them.

The behavioural suite's everyday and no-sentiment cases (``training.measure.behaviour``) are written
separately, in other words, and no generated sentence equals one of them (tested).
"""

from __future__ import annotations

from itertools import product

import numpy as np

from training.fit.everyday.goods import BOOK, GADGET, ORDER, VIDEO
from training.fit.everyday.service import RESTAURANT, SERVICE
from training.fit.everyday.trips import HOTEL, TRAVEL
from training.fit.everyday.whole import COMPLAINTS, PRAISE, STATEMENTS

NEUTRAL_TARGET = 0.5

# domain -> (subjects, complaints, praise, plain statements), in the order the seeded sample
# draws from them.
DOMAINS = {
    "travel": TRAVEL,
    "gadget": GADGET,
    "order": ORDER,
    "service": SERVICE,
    "restaurant": RESTAURANT,
    "book": BOOK,
    "video": VIDEO,
    "hotel": HOTEL,
}
OPENINGS = ["", "", "", "Honestly, ", "Wow, ", "Well, ", "@shop ", "@airline ", "So "]
CLOSINGS = {
    0: ["", "", "", " Never again.", " So frustrating.", " Unbelievable."],
    1: ["", "", "", " Thank you!", " Highly recommend.", " Great job."],
}


def _sentence(opening: str, subject: str, predicate: str, closing: str) -> str:
    text = f"{opening}{subject} {predicate}.{closing}"
    return text if text.startswith("@") else text[0].upper() + text[1:]


def _candidates() -> list[tuple[list[tuple[str, str]], float]]:
    """(subject, predicate) pairs of every domain, grouped as complaints, praise, statements."""
    groups: list[tuple[list[tuple[str, str]], float]] = [([], 0.0), ([], 1.0), ([], NEUTRAL_TARGET)]
    for subjects, complaints, praise, statements in DOMAINS.values():
        for (pairs, _), predicates in zip(groups, (complaints, praise, statements), strict=True):
            pairs.extend(product(subjects, predicates))
    return groups


def everyday_sentences(count: int, seed: int) -> tuple[list[str], np.ndarray]:
    """``count`` sentences and their targets (0, 1 or 0.5), a seeded sample balanced between
    complaints, praise and plain statements."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, float]] = []
    per_group = -(-count // 3)
    for (pairs, target), whole in zip(_candidates(), (COMPLAINTS, PRAISE, STATEMENTS), strict=True):
        for _ in range(per_group):
            if rng.random() < 0.15:
                rows.append((str(rng.choice(whole)), target))
                continue
            subject, predicate = pairs[rng.integers(len(pairs))]
            opening = str(rng.choice(OPENINGS))
            closing = "" if target == NEUTRAL_TARGET else str(rng.choice(CLOSINGS[int(target)]))
            rows.append((_sentence(opening, subject, predicate, closing), target))
    order = rng.permutation(len(rows))[:count]
    return [rows[i][0] for i in order], np.array([rows[i][1] for i in order], dtype=np.float32)
