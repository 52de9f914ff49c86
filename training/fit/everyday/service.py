"""Being served: customer service and restaurants, as ``training.fit.everyday.DOMAINS`` reads."""

from __future__ import annotations

SERVICE = (
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
)

RESTAURANT = (
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
)
