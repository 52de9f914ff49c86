"""Label names and their order: what the model's outputs mean.

- ``--labels a,b,c`` fixes the names and their order; a row with any other label is an error.
- Otherwise, labels that all name the two IMDB classes (``0``/``1``, ``neg``/``pos``,
  ``negative``/``positive``, ``false``/``true``, any case) are ``negative, positive``, as they
  always were;
- integers (``1`` .. ``5`` stars) are in numeric order, and any other names in sorted order.

A binary model's score is the probability of the second label.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from training.fit.readers import DatasetError

BINARY_NAMES = ("negative", "positive")
MIN_LABELS, MAX_LABELS = 2, 50  # the bundle's contract (app.inference.bundle)
_BINARY_ALIASES = {
    "0": 0,
    "neg": 0,
    "negative": 0,
    "false": 0,
    "1": 1,
    "pos": 1,
    "positive": 1,
    "true": 1,
}


def parse_fixed(text: str | None) -> tuple[str, ...] | None:
    """``--labels a,b,c`` -> ("a", "b", "c"); None when not given."""
    if text is None:
        return None
    names = tuple(name.strip() for name in text.split(","))
    if any(not name for name in names) or len(set(names)) != len(names):
        raise DatasetError(f"--labels {text!r}: give distinct, non-empty names separated by commas")
    _check_count(names, "--labels")
    return names


def label_index(
    written: Iterable[str], fixed: Sequence[str] | None = None
) -> tuple[tuple[str, ...], dict[str, int]]:
    """The label names in order, and each written label's index among them."""
    distinct = set(written)
    if fixed is not None:
        return tuple(fixed), {name: index for index, name in enumerate(fixed)}
    aliases = {value: _BINARY_ALIASES.get(value.lower()) for value in distinct}
    if None not in aliases.values() and set(aliases.values()) == {0, 1}:
        return BINARY_NAMES, {value: int(index) for value, index in aliases.items()}  # type: ignore[arg-type]
    if all(_is_integer(value) for value in distinct):
        names = tuple(sorted(distinct, key=int))
    else:
        names = tuple(sorted(distinct))
    _check_count(names, "the label column")
    return names, {name: index for index, name in enumerate(names)}


def _is_integer(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _check_count(names: Sequence[str], where: str) -> None:
    if not MIN_LABELS <= len(names) <= MAX_LABELS:
        shown = ", ".join(list(names)[:8]) + (", ..." if len(names) > 8 else "")
        raise DatasetError(
            f"{where}: {len(names)} distinct labels ({shown}); a model needs {MIN_LABELS} to"
            f" {MAX_LABELS} (is --label-column the right column?)"
        )
