"""Travel and hotels: what goes wrong or right on a trip, and where one sleeps."""

from __future__ import annotations

TRAVEL = (
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
)

HOTEL = (
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
)
