"""Short synthetic sentences that teach negation, which star-rated reviews hardly do.

In IMDB reviews "not bad" and "not terrible" sit mostly in lukewarm or negative reviews, and
"at all" mostly in complaints, so a model fitted on them alone reads "not bad at all" as a pan.
These sentences put clearly polar words (rated so by people in the VADER lexicon, weighted the
same way by the n-gram teacher, and used after "is"/"was" in the training reviews) into a few
plain templates, asserted and negated, with the label negation implies:

- asserted: "the story was {positive}." -> positive, "... {negative}." -> negative;
- a negated positive is negative: "the story was not {positive}." and "... wasn't
  {positive} at all." -> negative;
- a negated negative is only positive when the denial is complete: "the story was not
  {negative} at all." / "... wasn't {negative} at all." / "... never {negative}." -> positive
  (bare "not terrible" can mean "mediocre", so it is not generated).

The behavioural suite (``training.measure.behaviour``) is written separately and no generated
sentence equals one of its cases (tested).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import resources
from itertools import product

import numpy as np
from sklearn.pipeline import Pipeline

from training.fit.teacher import feature_weights

POLAR_WORDS_PER_SIDE = 40
MIN_PREDICATE_COUNT = 15  # "is/was WORD" at least this often in the training reviews
MIN_LEXICON_VALENCE = 1.5  # VADER's mean human rating, -4 .. 4: clearly polar words only
SUBJECTS = (
    "the story",
    "this picture",
    "the cast",
    "the ending",
    "the whole thing",
    "the screenplay",
    "the performances",
    "this one",
    "the soundtrack",
    "the characters",
)
MIN_GRADED_COUNT = 3  # "very/so/too/... WORD" at least this often: gradable, so adjectives
_PREDICATE = re.compile(r"\b(?:is|was|are|were)\s+([a-z]{3,})\b")
_GRADED = re.compile(r"\b(?:very|so|too|quite|pretty|really|extremely|incredibly)\s+([a-z]{3,})\b")


def lexicon_valence() -> dict[str, float]:
    """VADER's sentiment lexicon (Hutto & Gilbert 2014; 7,500 entries rated by people), as
    shipped inside the vaderSentiment package: word -> mean valence."""
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8")
    rows = (line.split("\t") for line in text.splitlines() if line.strip())
    return {row[0]: float(row[1]) for row in rows if row[0].isalpha()}


def polar_words(teacher: Pipeline, texts: Sequence[str]) -> tuple[list[str], list[str]]:
    """Clearly positive and negative predicate words: rated polar by people (VADER, |valence|
    >= 1.5), weighted the same way by the teacher on these reviews, and used after "is"/"was"
    in ``texts`` (adjectives, mostly); the teacher's strongest first."""
    lowered = [text.lower() for text in texts]
    predicate = Counter(match.group(1) for text in lowered for match in _PREDICATE.finditer(text))
    graded = Counter(match.group(1) for text in lowered for match in _GRADED.finditer(text))
    valence = lexicon_valence()
    vocabulary, weights = feature_weights(teacher)
    scored = [
        (float(weights[index]), word)
        for word, index in vocabulary.items()
        if abs(valence.get(word, 0.0)) >= MIN_LEXICON_VALENCE
        and predicate[word] >= MIN_PREDICATE_COUNT
        and graded[word] >= MIN_GRADED_COUNT
        and not _is_adverb(word, vocabulary)
        and valence[word] * float(weights[index]) > 0
    ]
    scored.sort()
    negative = [word for weight, word in scored if weight < 0][:POLAR_WORDS_PER_SIDE]
    positive = [word for weight, word in scored[::-1] if weight > 0][:POLAR_WORDS_PER_SIDE]
    return positive, negative


def _is_adverb(word: str, vocabulary: Mapping[str, int]) -> bool:
    """ "perfectly", "terribly", "truly", "happily": -ly words whose adjective is a word too
    (not "ugly" or "silly")."""
    if not word.endswith("ly"):
        return False
    stems = (word[:-2], word[:-2] + "le", word[:-2] + "e", word[:-3] + "y")
    return any(stem in vocabulary for stem in stems)


def _forms(subject: str) -> tuple[str, str, str]:
    plural = subject.endswith("s") and subject not in ("this one",)
    return ("are", "are not", "aren't") if plural else ("was", "was not", "wasn't")


# (the words, the template, its label, whether the verb is denied), in sampling order
NEGATION_PATTERNS: tuple[tuple[str, str, int, bool], ...] = (
    ("positive", "{subject} {verb} {word}.", 1, False),
    ("positive", "{subject} {verb} {word}.", 0, True),
    ("positive", "{subject} {verb} {word} at all.", 0, True),
    ("negative", "{subject} {verb} {word}.", 0, False),
    ("negative", "{subject} {verb} {word} at all.", 1, True),
    ("negative", "{subject} {verb} never {word}.", 1, False),
)


def _pattern_rows(
    template: str, words: Sequence[str], label: int, denied: bool
) -> list[tuple[str, int]]:
    """``template`` filled with every subject and word, with both negated forms when
    ``denied``."""
    rows = []
    for subject, word in product(SUBJECTS, words):
        be, *negated = _forms(subject)
        for verb in negated if denied else [be]:
            rows.append((template.format(subject=subject, verb=verb, word=word), label))
    return rows


def negation_sentences(
    positive: Sequence[str], negative: Sequence[str], count: int, seed: int
) -> tuple[list[str], np.ndarray]:
    """``count`` sentences (a seeded sample, balanced over the patterns) and their labels.

    Every negated pattern comes in both forms, "was not" and "wasn't", and "... at all" is
    used on both sides: were it only on one, the model would learn that "at all" (or the
    contraction) carries the label rather than the word that is denied."""
    words = {"positive": positive, "negative": negative}
    patterns = [
        _pattern_rows(template, words[side], label, denied)
        for side, template, label, denied in NEGATION_PATTERNS
    ]
    rng = np.random.default_rng(seed)
    chosen: list[tuple[str, int]] = []
    per_pattern = -(-count // len(patterns))
    for rows in patterns:
        picks = rng.choice(len(rows), size=min(per_pattern, len(rows)), replace=False)
        chosen += [rows[i] for i in picks]
    order = rng.permutation(len(chosen))[:count]
    texts = [chosen[i][0].capitalize() for i in order]
    labels = np.array([chosen[i][1] for i in order], dtype=np.int64)
    return texts, labels
