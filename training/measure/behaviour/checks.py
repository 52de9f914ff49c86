"""The three kinds of behavioural check of CheckList (Ribeiro et al. 2020), each judging itself.

- ``Expect`` (a minimum functionality test, MFT): one text, the label it must get.
- ``Same`` (an invariance test, INV): a text and a perturbed copy (typo, casing, punctuation, a
  name swapped) whose positive score may move by at most ``tolerance`` (0.1).
- ``Within`` (an MFT for a text with no sentiment): its positive score lies in a range.
- ``Ordered`` (a directional test, DIR): a weaker and a stronger phrasing of one verdict; the
  stronger one must not score less extreme than the weaker one, beyond ``tolerance`` (0.01,
  so that two scores both saturated at 0.999 are not called out of order).

Scores are the probability of *positive*; labels are ``"positive"`` and ``"negative"``, as the
bundle's manifest names them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal, Protocol

Label = Literal["positive", "negative"]

INVARIANCE_TOLERANCE = 0.1
ORDER_TOLERANCE = 0.01


class Scored(Protocol):
    """What a classifier returns per text (``app.inference.pipeline.Prediction`` is one)."""

    @property
    def label(self) -> str: ...

    @property
    def score(self) -> float: ...


@dataclass(frozen=True)
class Verdict:
    passed: bool
    observed: str  # what the model did, in a few words, for the failure list


@dataclass(frozen=True)
class _Check:
    """What every check has: the capability and test it counts towards, and, named where a
    kind of check is declared (``class Same(_Check, kind="INV", text_fields=...)``; a subclass
    keeps its parent's), its kind and the fields that hold the texts it has scored."""

    capability: str
    test: str

    kind: ClassVar[str]
    text_fields: ClassVar[tuple[str, ...]]

    def __init_subclass__(
        cls, kind: str = "", text_fields: tuple[str, ...] = (), **kwargs: object
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.kind = kind or cls.kind
        cls.text_fields = text_fields or cls.text_fields

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(getattr(self, name) for name in self.text_fields)


@dataclass(frozen=True)
class _OneText(_Check, kind="MFT", text_fields=("text",)):
    """An MFT: one text, judged alone."""

    text: str


@dataclass(frozen=True)
class Expect(_OneText):
    """MFT: ``text`` must be labelled ``label``."""

    label: Label

    def describe(self) -> str:
        return f"{self.text!r} -> {self.label}"

    def judge(self, predictions: Mapping[str, Scored]) -> Verdict:
        got = predictions[self.text]
        return Verdict(got.label == self.label, f"scored {got.score:.3f} ({got.label})")


@dataclass(frozen=True)
class Same(_Check, kind="INV", text_fields=("original", "perturbed")):
    """INV: ``original`` and ``perturbed`` score within ``tolerance`` of each other."""

    original: str
    perturbed: str
    tolerance: float = INVARIANCE_TOLERANCE

    def describe(self) -> str:
        return f"{self.original!r} ~ {self.perturbed!r}"

    def judge(self, predictions: Mapping[str, Scored]) -> Verdict:
        before, after = predictions[self.original].score, predictions[self.perturbed].score
        moved = abs(after - before)
        return Verdict(moved <= self.tolerance, f"{before:.3f} -> {after:.3f} (moved {moved:.3f})")


@dataclass(frozen=True)
class Ordered(_Check, kind="DIR", text_fields=("weaker", "stronger")):
    """DIR: ``stronger`` is at least as ``direction`` as ``weaker`` (within ``tolerance``)."""

    weaker: str
    stronger: str
    direction: Label
    tolerance: float = ORDER_TOLERANCE

    def describe(self) -> str:
        relation = "<" if self.direction == "positive" else ">"
        return f"{self.weaker!r} {relation} {self.stronger!r}"

    def judge(self, predictions: Mapping[str, Scored]) -> Verdict:
        weaker, stronger = predictions[self.weaker].score, predictions[self.stronger].score
        if self.direction == "positive":
            passed = stronger >= weaker - self.tolerance
        else:
            passed = stronger <= weaker + self.tolerance
        return Verdict(passed, f"weaker {weaker:.3f}, stronger {stronger:.3f}")


@dataclass(frozen=True)
class Within(_OneText):
    """MFT for a text with no sentiment: its positive score lies in [``low``, ``high``]."""

    low: float
    high: float

    def describe(self) -> str:
        return f"{self.text!r} in [{self.low:.2f}, {self.high:.2f}]"

    def judge(self, predictions: Mapping[str, Scored]) -> Verdict:
        score = predictions[self.text].score
        return Verdict(self.low <= score <= self.high, f"scored {score:.3f}")


Case = Expect | Same | Ordered | Within
