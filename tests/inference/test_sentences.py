"""Sentence splitting with offsets into the original text."""

from __future__ import annotations

import pytest

from app.inference.sentences import split_sentences


def texts_of(text: str) -> list[str]:
    sentences = split_sentences(text)
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
    return [sentence.text for sentence in sentences]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Dr. Smith saw it in the U.S. last week. He hated it, e.g. the ending.",
            ["Dr. Smith saw it in the U.S. last week.", "He hated it, e.g. the ending."],
        ),
        (
            "It was fine... really. Then it got worse!!! Why?! I gave it 4.5 stars.",
            ["It was fine... really.", "Then it got worse!!!", "Why?!", "I gave it 4.5 stars."],
        ),
        (
            'He said "Stop." She laughed. (It was bad.) The end.',
            ['He said "Stop."', "She laughed.", "(It was bad.)", "The end."],
        ),
        (
            "The plot was dull,but the acting was superb.It was worth it.",
            ["The plot was dull,but the acting was superb.", "It was worth it."],
        ),
        (
            "Great cast<br /><br />Terrible script. Avoid",
            ["Great cast", "Terrible script.", "Avoid"],
        ),
        ("  no full stop at all  ", ["no full stop at all"]),
    ],
    ids=["abbreviations", "ellipses-and-marks", "quotes", "missing-spaces", "br-tags", "one"],
)
def test_sentences(text: str, expected: list[str]) -> None:
    assert texts_of(text) == expected


def test_offsets_count_characters_not_bytes() -> None:
    full = "\uff26\uff55\uff4c\uff4c"  # "Full" in full-width letters
    text = f"Café 😀 was lovely. {full} marks!"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["Café 😀 was lovely.", f"{full} marks!"]
    assert sentences[1].start == text.index(full)


@pytest.mark.parametrize("text", ["", "   ", "<br /><br />", "\n\n"])
def test_nothing_to_split(text: str) -> None:
    assert split_sentences(text) == []
