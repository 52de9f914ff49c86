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

NEUTRAL_TARGET = 0.5

# domain -> (subjects, complaints, praise, plain statements); each subject reads with each
# predicate of its domain.
DOMAINS: dict[str, tuple[list[str], list[str], list[str], list[str]]] = {
    "travel": (
        ["the flight", "my flight", "our connection", "the 6 am departure", "the return trip"],
        [
            "was delayed for four hours",
            "got cancelled and nobody told us",
            "left us stranded overnight",
            "sat on the tarmac for two hours with no updates",
            "was overbooked and they bumped me",
            "was a nightmare from start to finish",
            "made me miss my connection",
            "lost my luggage",
            "was cancelled again",
            "had the rudest crew I have ever dealt with",
        ],
        [
            "left on time and landed early",
            "was smooth and the crew was lovely",
            "was the easiest trip I have had in years",
            "got me home early",
            "had friendly staff and plenty of legroom",
            "was on time in both directions",
            "went perfectly",
            "was comfortable and quick",
        ],
        [
            "leaves at 7 am",
            "goes through Denver",
            "takes about three hours",
            "is booked for next Tuesday",
            "departs from gate 12",
            "lands in Chicago",
        ],
    ),
    "gadget": (
        ["the battery", "this phone", "the charger", "my new laptop", "the headphones"],
        [
            "stopped working after a week",
            "died after two days",
            "broke the first time I used it",
            "keeps shutting off for no reason",
            "overheats constantly",
            "is already falling apart",
            "never worked properly",
            "was dead on arrival",
            "is a complete waste of money",
            "crashed and lost all my files",
        ],
        [
            "works perfectly",
            "lasts all day",
            "is worth every penny",
            "still works like new after a year",
            "exceeded my expectations",
            "is the best purchase I have made this year",
            "does exactly what it promises",
            "is fast and reliable",
        ],
        [
            "comes in black and silver",
            "has a USB-C port",
            "weighs about 200 grams",
            "was released last spring",
            "came in a small box",
            "has two buttons on the side",
        ],
    ),
    "order": (
        ["my order", "the package", "the delivery", "my refund", "the replacement"],
        [
            "never arrived",
            "showed up three weeks late",
            "arrived damaged",
            "was missing half the parts",
            "still has not been processed after a month",
            "was sent to the wrong address twice",
            "took forever and came broken",
            "was a total mess",
        ],
        [
            "arrived a day early",
            "came quickly and well packed",
            "was handled fast and without any fuss",
            "arrived in perfect condition",
            "was processed within a day",
            "was quick and painless",
        ],
        [
            "was shipped on Monday",
            "is coming by courier",
            "has a tracking number",
            "was placed last week",
            "goes to my office address",
            "weighs two kilos",
        ],
    ),
    "service": (
        ["customer service", "the support team", "the agent", "the manager", "the staff"],
        [
            "kept me on hold for an hour and then hung up",
            "was rude and unhelpful",
            "never called me back",
            "could not answer a single question",
            "ignored my emails for two weeks",
            "gave me a different answer every time",
            "charged me twice and refused to fix it",
            "treated us like we were a nuisance",
            "wasted three hours of my day",
        ],
        [
            "was friendly and helpful",
            "fixed the problem in five minutes",
            "went above and beyond for us",
            "sorted everything out right away",
            "was patient and kind",
            "answered within minutes",
            "made it right and then some",
            "could not have been more helpful",
        ],
        [
            "is open from nine to five",
            "can be reached by phone or email",
            "asked for my order number",
            "sent me a form to fill in",
            "works in two shifts",
            "is based in Ohio",
        ],
    ),
    "restaurant": (
        ["the food", "our waiter", "the pizza", "the soup", "dinner"],
        [
            "was cold and bland",
            "took an hour to arrive",
            "was overpriced and tasteless",
            "made my husband sick",
            "was the worst meal we have had in years",
            "was burnt and greasy",
            "was rude the whole evening",
        ],
        [
            "was delicious",
            "was fresh and full of flavour",
            "was attentive and charming",
            "was the best we have had in town",
            "was perfect from start to finish",
            "was lovely and reasonably priced",
        ],
        [
            "was served at eight",
            "came with a side salad",
            "is on the second page of the menu",
            "was ordered for four people",
            "is made with tomatoes and cheese",
        ],
    ),
    "book": (
        ["the book", "this novel", "the author", "the sequel", "the cookbook"],
        [
            "was so boring I could not finish it",
            "rambles on for hundreds of pages",
            "was poorly written and full of errors",
            "was a chore to get through",
            "was not worth the paper it is printed on",
            "repeats the same idea over and over",
            "fell apart after one reading",
            "put me to sleep every night",
            "was a huge letdown after all the hype",
        ],
        [
            "kept me up all night reading",
            "was a joy to read",
            "is beautifully written",
            "is one I will read again and again",
            "taught me so much",
            "was a real page-turner",
            "is a gift I keep buying for friends",
        ],
        [
            "has 300 pages",
            "came out in paperback last year",
            "is the second in a series",
            "was translated from French",
            "is about a family in Ohio",
        ],
    ),
    "video": (
        ["the DVD", "the disc", "this box set", "the picture quality", "the workout video"],
        [
            "would not play in any of my players",
            "skips and freezes halfway through",
            "is grainy and the sound is out of sync",
            "was a rip-off with no extras",
            "stopped working after the first viewing",
            "was a total waste of money",
            "was so bad I returned it",
        ],
        [
            "looks and sounds fantastic",
            "is packed with great extras",
            "is worth every cent",
            "plays perfectly and looks gorgeous",
            "is something the whole family loves",
            "is even better than I remembered",
        ],
        [
            "has four discs",
            "runs for about two hours",
            "includes a director's commentary",
            "came out in 2005",
            "is region 1",
        ],
    ),
    "hotel": (
        ["the room", "the hotel", "the bed", "the front desk", "the wifi"],
        [
            "was filthy and smelled of smoke",
            "was noisy all night",
            "lost our reservation",
            "did not work for the whole stay",
            "was nothing like the pictures",
            "was tiny, dark and overpriced",
        ],
        [
            "was spotless and quiet",
            "was comfortable and clean",
            "was welcoming and helpful",
            "worked flawlessly",
            "was even better than the pictures",
            "made our stay wonderful",
        ],
        [
            "is on the fourth floor",
            "is near the train station",
            "has two single beds",
            "was booked for three nights",
            "faces the street",
        ],
    ),
}
# Whole sentences, not tied to a subject.
COMPLAINTS = [
    "I want my money back.",
    "Never again.",
    "Returned it the next day.",
    "Do not buy this.",
    "Avoid at all costs.",
    "Absolutely unacceptable.",
    "What a waste of time and money.",
    "I am so disappointed.",
    "Worst experience ever.",
    "I have been waiting for two hours and still nothing.",
    "Three calls and nobody can tell me where my bag is.",
    "I will never use this company again.",
    "Still waiting for a refund.",
    "This is ridiculous.",
    "Thanks for nothing.",
    # asking for help that has not come is a complaint
    "Can someone please help me? My booking disappeared.",
    "Is anyone there? I have been waiting all day.",
    "Why does nobody answer the phone?",
    "Please fix your website, it crashes every time I try to check in.",
    "I need a refund for the trip you cancelled.",
    "Still no seat assignment and nobody will tell me why.",
    "Day three and my bag is still missing.",
    "Your app logged me out again and my ticket is gone.",
    # praise words said of something bad are sarcasm: still a complaint
    "Thanks for losing my luggage.",
    "Great, another delay.",
    "Love waiting two hours for someone to pick up the phone.",
    "Awesome job cancelling my order without telling me.",
    "Fantastic, the replacement is broken too.",
    "Thanks a lot for the cold food and the hour-long wait.",
    "Best customer service ever: nobody answers.",
]
PRAISE = [
    "Thank you so much!",
    "Highly recommend.",
    "Love it!",
    "Would buy again.",
    "Five stars, no question.",
    "Thanks for the quick help!",
    "You made my day.",
    "Great job, thank you!",
    "I will definitely be back.",
    "Couldn't be happier.",
    "So glad I chose you.",
    "Best service I have ever had.",
    "Thanks for rebooking me so quickly!",
    "Got a seat on the earlier flight, thank you!",
    "The agent at the desk sorted out my ticket in two minutes. Thanks!",
    "Refund came through today, thanks for the help.",
    "Thank you for finding my bag and bringing it to the hotel!",
]
STATEMENTS = [
    "I bought it in March.",
    "We flew out on Friday.",
    "I called them this morning.",
    "The store is on Main Street.",
    "My sister ordered the same one.",
    "It is available in three sizes.",
    "We stayed there last weekend.",
    "I am flying to Boston tomorrow.",
    "The manual is in English and Spanish.",
    "I paid by card.",
    "The meeting is at noon.",
    "They changed the logo last year.",
]
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
