"""Things bought: gadgets, orders and their delivery, books and videos.

Each domain is (subjects, complaints, praise, plain statements), and each subject reads with each
predicate of its domain (``training.fit.everyday.DOMAINS``)."""

from __future__ import annotations

GADGET = (
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
)

ORDER = (
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
)

BOOK = (
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
)

VIDEO = (
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
)
