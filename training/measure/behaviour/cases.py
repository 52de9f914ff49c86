"""The behavioural suite: short movie-review sentences written for it (none from the dataset),
from small vocabularies crossed with templates plus hand-written cases, in a fixed order, and
everyday text from outside the movie domain (``training.measure.behaviour.everyday``).

How the expected labels were chosen, so that each is unambiguous for a binary classifier:

- Negation follows CheckList's rule: a negated positive is negative; a negated negative is "not
  negative", which for a two-label model means positive (score at or above the threshold).
  Bare "not terrible" can mean "mediocre", so negated negatives are only used in the strong
  forms "not ... at all", "never ...", "not a single ...", which deny the complaint outright.
- The group ``NOT_STRONG_ADJECTIVE`` ("This movie is not terrible at all." -> positive, "The film
  was not brilliant at all." -> negative) is the one every model we ship must pass in full.
- Contrast cases set a minor point against an *overall* verdict ("..., but overall I loved
  it"), so the verdict clause decides; aspect against aspect ("the plot was dull, but the
  acting was superb") has no single right answer and is left out.
- Intensity is checked as an order between two phrasings of the same verdict, never as a label.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from itertools import pairwise, product

from training.measure.behaviour.checks import Case, Expect, Label, Ordered, Same
from training.measure.behaviour.everyday import everyday
from training.measure.behaviour.perturb import exclaimed, typo, without_punctuation

NOT_STRONG_ADJECTIVE = "not + strong adjective"
TYPO_SEED = 9

# -- vocabulary --------------------------------------------------------------------------------

ASPECTS = ["acting", "plot", "direction", "score"]
ASPECT_ADJECTIVES: list[tuple[Label, list[str]]] = [
    ("positive", ["superb", "wonderful", "outstanding"]),
    ("negative", ["dreadful", "awful", "dull"]),
]
POSITIVE_VERDICTS = [
    "I loved this movie.",
    "One of the best films I have seen this year.",
    "A must see.",
    "Highly recommended.",
    "A beautiful, moving film.",
    "Two hours well spent.",
    "I would happily watch it again.",
    "An absolute gem.",
]
NEGATIVE_VERDICTS = [
    "I hated this movie.",
    "A complete waste of time.",
    "One of the worst films I have ever seen.",
    "Avoid this one.",
    "I walked out halfway through.",
    "Save your money.",
    "I want those two hours of my life back.",
    "The whole thing is a mess.",
]

# -- negation ----------------------------------------------------------------------------------

# (expected label once negated, strong adjectives)
STRONG_ADJECTIVES: list[tuple[Label, list[str]]] = [
    ("positive", ["terrible", "awful", "horrible", "dreadful", "atrocious"]),
    ("negative", ["brilliant", "amazing", "excellent", "wonderful", "fantastic"]),
]
NOT_AT_ALL_TEMPLATES = [
    "This movie is not {} at all.",
    "The film was not {} at all.",
    "This movie isn't {} at all.",
]
NEGATED_POSITIVE_SUBJECTS = ["The movie", "The acting", "The plot"]
MILD_POSITIVE = ["good", "great", "interesting", "convincing"]
NEGATED_POSITIVE = [
    "I did not like this movie.",
    "I didn't enjoy it at all.",
    "I can't recommend it.",
    "Not worth the ticket.",
    "Not worth your time.",
    "I would not watch it again.",
    "It was never funny.",
    "Nothing about this film works.",
    "I don't think this movie is good.",
    "Not good, not even close.",
]
NEGATED_NEGATIVE = [
    "Not bad at all.",
    "Never boring.",
    "Not a single dull moment.",
    "I was never bored.",
    "There is nothing to dislike here.",
    "Not one bad performance in the whole cast.",
    "I can't think of anything wrong with this film.",
    "It never fails to entertain.",
    "I have no complaints at all.",
    "The movie was not boring in the slightest.",
    "Not a bad movie at all.",
    "The acting was not bad at all.",
]

# -- contrast ----------------------------------------------------------------------------------

MINOR_FLAWS = [
    "The plot was a little slow",
    "The ending was predictable",
    "Some of the dialogue was clumsy",
    "The first half drags a bit",
]
OVERALL_POSITIVE = ["but overall I loved this movie.", "but it is still a wonderful film."]
MINOR_PRAISE = [
    "The cast is talented",
    "The cinematography is beautiful",
    "The soundtrack is nice",
    "The lead actor tries hard",
]
OVERALL_NEGATIVE = ["but overall the movie is a boring mess.", "but I would not recommend it."]
TURNED_POSITIVE = [
    "I expected to hate it, but I loved it.",
    "I expected to hate it, but it turned out to be wonderful.",
    "I thought it would be boring, but it was gripping from start to finish.",
    "Everyone said it was awful, but I really enjoyed it.",
    "The critics hated it, but I thought it was great.",
    "Despite a weak start, the film turns into something wonderful.",
    "Although it starts slowly, I ended up loving it.",
    "I was skeptical at first, but this is a fantastic film.",
]
TURNED_NEGATIVE = [
    "I expected to love it, but it was a huge disappointment.",
    "I wanted to like this film, but it was dull and lifeless.",
    "The trailer looked great, but the movie was terrible.",
    "Everyone raved about it, but I found it boring.",
    "I had high hopes, but it was a waste of time.",
    "Although the cast is talented, the movie is a boring mess.",
    "Despite the big names, this is a dull film.",
    "It starts well, but it falls apart into a tedious mess.",
]

# -- intensity: each list goes from weaker to stronger -----------------------------------------

VERDICT_LADDERS: list[tuple[Label, list[str]]] = [
    ("positive", ["good", "great", "a masterpiece"]),
    ("negative", ["bad", "terrible", "the worst film I have ever seen"]),
]
VERDICT_TEMPLATES = ["This movie is {}.", "I thought it was {}.", "In my opinion it is {}."]
FEELING_LADDERS: list[tuple[Label, list[str]]] = [
    ("positive", ["I liked it", "I loved it", "I absolutely loved it"]),
    ("negative", ["I disliked it", "I hated it", "I absolutely hated it"]),
]
FEELING_TEMPLATES = ["{}.", "Saw it last night. {}.", "{}, and so did my wife."]
ASPECT_LADDERS: list[tuple[Label, list[str]]] = [
    ("positive", ["decent", "good", "superb"]),
    ("negative", ["weak", "bad", "atrocious"]),
]
ASPECT_TEMPLATES = ["The acting was {}.", "The script is {}."]

# -- invariance --------------------------------------------------------------------------------

INVARIANCE_BASES = [
    "The acting was wonderful and I enjoyed every minute of this movie.",
    "A beautiful, moving story with a superb cast.",
    "I loved the soundtrack, and the direction is excellent.",
    "This film is funny, clever and full of heart.",
    "One of the most entertaining movies I have seen in years.",
    "The plot was boring and the acting was even worse.",
    "A dull, predictable film with terrible dialogue.",
    "I hated the characters, and the ending made no sense.",
    "The script is lazy and the jokes fall flat.",
    "This is a tedious mess that wastes a good cast.",
]
PEOPLE = ["Tom Hanks", "Meryl Streep", "Denzel Washington", "Kate Winslet"]
PERSON_TEMPLATES = [
    "{} was wonderful in this movie.",
    "{} gives a moving, brilliant performance.",
    "{} was dreadful in this movie.",
    "Even {} cannot save this boring script.",
]
TITLES = ["Casablanca", "The Matrix", "Jaws", "Titanic"]
TITLE_TEMPLATES = ["{} is a wonderful film.", "{} is a waste of time."]


def build_cases() -> list[Case]:
    """Every case of the suite, the same list on every call."""
    return [*vocabulary(), *negation(), *contrast(), *intensity(), *invariance(), *everyday()]


def _expect(capability: str, test: str, label: Label, texts: Iterable[str]) -> list[Case]:
    """One MFT per text, each expecting ``label``."""
    return [Expect(capability, test, text, label) for text in texts]


def vocabulary() -> list[Case]:
    cases: list[Case] = []
    for aspect, (label, adjectives) in product(ASPECTS, ASPECT_ADJECTIVES):
        aspect_texts = (f"The {aspect} was {adjective}." for adjective in adjectives)
        cases += _expect("vocabulary", "aspect + adjective", label, aspect_texts)
    cases += _expect("vocabulary", "verdict phrase", "positive", POSITIVE_VERDICTS)
    cases += _expect("vocabulary", "verdict phrase", "negative", NEGATIVE_VERDICTS)
    return cases


def negation() -> list[Case]:
    cases: list[Case] = []
    for template, (label, adjectives) in product(NOT_AT_ALL_TEMPLATES, STRONG_ADJECTIVES):
        cases += _expect("negation", NOT_STRONG_ADJECTIVE, label, map(template.format, adjectives))
    subject_not_adjective = (
        f"{subject} was not {adjective}."
        for subject, adjective in product(NEGATED_POSITIVE_SUBJECTS, MILD_POSITIVE)
    )
    negated_positive = [*subject_not_adjective, *NEGATED_POSITIVE]
    cases += _expect("negation", "negated positive", "negative", negated_positive)
    cases += _expect("negation", "negated negative", "positive", NEGATED_NEGATIVE)
    return cases


def contrast() -> list[Case]:
    flaws = (f"{flaw}, {verdict}" for flaw, verdict in product(MINOR_FLAWS, OVERALL_POSITIVE))
    praise = (f"{praise}, {verdict}" for praise, verdict in product(MINOR_PRAISE, OVERALL_NEGATIVE))
    return [
        *_expect("contrast", "minor flaw, overall verdict", "positive", flaws),
        *_expect("contrast", "minor praise, overall verdict", "negative", praise),
        *_expect("contrast", "opinion turns", "positive", TURNED_POSITIVE),
        *_expect("contrast", "opinion turns", "negative", TURNED_NEGATIVE),
    ]


def intensity() -> list[Case]:
    cases: list[Case] = []
    for test, ladders, templates in (
        ("verdict", VERDICT_LADDERS, VERDICT_TEMPLATES),
        ("feeling", FEELING_LADDERS, FEELING_TEMPLATES),
        ("aspect", ASPECT_LADDERS, ASPECT_TEMPLATES),
    ):
        for template, (direction, ladder) in product(templates, ladders):
            cases += [
                Ordered(
                    "intensity",
                    f"stronger {test}",
                    template.format(weaker),
                    template.format(stronger),
                    direction,
                )
                for weaker, stronger in pairwise(ladder)
            ]
    return cases


def invariance() -> list[Case]:
    rng = random.Random(TYPO_SEED)
    cases: list[Case] = []
    for number, text in enumerate(INVARIANCE_BASES):
        first_typo = typo(text, rng)
        second_typo = typo(first_typo, rng)
        cases += [
            Same("invariance", "typo", text, first_typo),
            Same("invariance", "two typos", text, second_typo),
            Same("invariance", "casing", text, text.upper() if number % 2 else text.lower()),
            Same("invariance", "punctuation", text, without_punctuation(text)),
            Same("invariance", "punctuation", text, exclaimed(text)),
        ]
    original, *others = PEOPLE
    for template, other in product(PERSON_TEMPLATES, others):
        cases.append(Same("invariance", "names", template.format(original), template.format(other)))
    original, *others = TITLES
    for template, other in product(TITLE_TEMPLATES, others):
        cases.append(Same("invariance", "names", template.format(original), template.format(other)))
    return cases
