"""Which values are scorable texts, and their scores from the server's own pipeline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.inference.pipeline import Prediction

# Added to every output row; a row that could not be scored has them empty (null), and
# ``chunks`` is empty unless long texts are read whole (--long-text chunk).
RESULT_COLUMNS = ("label", "score", "tokens", "truncated", "chunks")

# What each row is scored as: its prediction, or why it could not be scored.
Outcome = Prediction | str


def problem_with(value: object) -> str | None:
    """Why ``value`` cannot be scored (the API refuses the same texts with 422), or None."""
    if value is None:
        return "no text"
    if not isinstance(value, str):
        return f"text is {type(value).__name__}, not a string"
    if not value.strip():
        return "empty text"
    return None


def score_values(
    scorer: Callable[[Sequence[str]], list[Prediction]], values: Sequence[object]
) -> list[Outcome]:
    """One outcome per value, in order: scorable texts are scored in one call of ``scorer``
    (a ``Reading``'s scorer of the classifier, as the server scores them)."""
    problems = [problem_with(value) for value in values]
    texts = [value for value, problem in zip(values, problems, strict=True) if problem is None]
    predictions = iter(scorer(texts))  # type: ignore[arg-type]
    return [next(predictions) if problem is None else problem for problem in problems]


def label_column(label: str) -> str:
    """The column holding a label's probability (models with more than two labels)."""
    return f"score_{label}"


def result_columns(labels: Sequence[str] = ()) -> tuple[str, ...]:
    """The columns added to every row: RESULT_COLUMNS, then, for a model with more than two
    labels, one ``score_<label>`` column per label, in the model's order (a binary model's
    ``score`` already is the probability of positive, so its rows are as they always were)."""
    if len(labels) <= 2:
        return RESULT_COLUMNS
    return (*RESULT_COLUMNS, *(label_column(label) for label in labels))


def result_values(outcome: Outcome, labels: Sequence[str] = ()) -> dict[str, object]:
    """The result columns of one row (``labels``: the model's, as for ``result_columns``)."""
    if isinstance(outcome, str):
        return dict.fromkeys(result_columns(labels))
    values: dict[str, object] = {
        "label": outcome.label,
        "score": outcome.score,
        "tokens": outcome.tokens,
        "truncated": outcome.truncated,
        "chunks": outcome.chunks,
    }
    if len(labels) > 2:
        scores = outcome.scores or {}
        values.update({label_column(label): scores.get(label) for label in labels})
    return values


@dataclass(frozen=True)
class Chunk:
    """Consecutive records of the input; ``index`` counts chunks from 0.

    ``numbers`` locate each record for error reports (its line, or its row in Parquet);
    ``unreadable`` holds records the reader could not parse (by position in the chunk)."""

    index: int
    records: list[dict[str, object]]
    numbers: list[int]
    unreadable: dict[int, str]


@dataclass(frozen=True)
class ScoredChunk:
    chunk: Chunk
    outcomes: list[Outcome]

    @classmethod
    def of(cls, chunk: Chunk, outcomes: list[Outcome]) -> ScoredChunk:
        """The outcomes of a chunk's texts, with the reader's problem for unreadable records."""
        for position, problem in chunk.unreadable.items():
            outcomes[position] = problem
        return cls(chunk, outcomes)

    def problems(self) -> list[tuple[int, str]]:
        """(line or row, problem) of each row that could not be scored."""
        return [
            (number, outcome)
            for number, outcome in zip(self.chunk.numbers, self.outcomes, strict=True)
            if isinstance(outcome, str)
        ]
