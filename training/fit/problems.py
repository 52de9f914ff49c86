"""Rows that cannot be learnt from, found and reported by line rather than silently dropped:
an empty text, a missing label, a label seen only once (it can be in neither both training and
test nor a stratified split). They are left out of the run; the log names each kind's lines and
the model card gives the counts."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

from training.fit.formats import RawRow

log = logging.getLogger(__name__)

LINES_LOGGED = 10  # per kind of problem; the count covers them all


@dataclass(frozen=True)
class Problems:
    """Where each kind of unusable row is (``file:line``), by kind."""

    by_kind: dict[str, list[str]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        return {kind: len(lines) for kind, lines in self.by_kind.items()}

    def describe(self) -> dict[str, object]:
        """Counts and the first lines of each kind, for the manifest and the card."""
        return {
            kind: {"rows": len(lines), "first": lines[:LINES_LOGGED]}
            for kind, lines in self.by_kind.items()
        }


def usable_rows(rows: list[RawRow]) -> tuple[list[RawRow], Problems]:
    """The rows a model can learn from, and where the others are; each kind is logged."""
    by_kind: dict[str, list[str]] = {"empty text": [], "missing label": [], "label seen once": []}
    kept = []
    for row in rows:
        if not row.text.strip():
            by_kind["empty text"].append(row.where)
        elif row.label is None:
            by_kind["missing label"].append(row.where)
        else:
            kept.append(row)
    seen = Counter(row.label for row in kept)
    once = {label for label, count in seen.items() if count == 1}
    by_kind["label seen once"] = [
        f"{row.where} ({row.label!r})" for row in kept if row.label in once
    ]
    kept = [row for row in kept if row.label not in once]
    problems = Problems({kind: lines for kind, lines in by_kind.items() if lines})
    for kind, lines in problems.by_kind.items():
        more = f" and {len(lines) - LINES_LOGGED} more" if len(lines) > LINES_LOGGED else ""
        log.warning(
            "left out %d row(s) with %s: %s%s",
            len(lines),
            kind,
            ", ".join(lines[:LINES_LOGGED]),
            more,
        )
    return kept, problems
