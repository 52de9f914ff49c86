"""Meaning-preserving edits for the invariance checks; deterministic (seeded ``random.Random``)."""

from __future__ import annotations

import random
import re

_WORD = re.compile(r"[A-Za-z]{4,}")
_PUNCTUATION = re.compile(r"[^\w\s']")


def typo(text: str, rng: random.Random) -> str:
    """Swap two neighbouring letters inside one word of four letters or more, chosen by ``rng``
    (as CheckList's ``Perturb.add_typos``): ``wonderful`` -> ``wondreful``."""
    words = [match for match in _WORD.finditer(text) if len(set(match.group().lower())) > 1]
    if not words:
        raise ValueError(f"no word of four letters or more to misspell in {text!r}")
    word = rng.choice(words)
    letters = word.group()
    while True:  # swap two different letters, so the word really changes
        at = rng.randrange(len(letters) - 1)
        if letters[at].lower() != letters[at + 1].lower():
            break
    misspelt = letters[:at] + letters[at + 1] + letters[at] + letters[at + 2 :]
    return text[: word.start()] + misspelt + text[word.end() :]


def without_punctuation(text: str) -> str:
    """Drop every punctuation mark but apostrophes (``isn't`` stays one word)."""
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def exclaimed(text: str) -> str:
    """End the text with ``!!!`` instead of its full stop."""
    return text.rstrip(".!? ") + "!!!"
