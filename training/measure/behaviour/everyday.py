"""Everyday text outside the movie domain: complaints and praise about products, service and
travel, and statements with no sentiment at all. Written for the suite, in other words than the
training sentences of ``training.fit.everyday`` (no case equals one of them: tested).

A complaint must be labelled negative and praise positive. A statement of fact ("I bought it on
Tuesday.") has no sentiment: its positive score must lie in ``NEUTRAL_RANGE``, "either way".
"""

from __future__ import annotations

from training.measure.behaviour.checks import Case, Expect, Within

EVERYDAY = "everyday"
NO_SENTIMENT = "no sentiment"
NEUTRAL_RANGE = (0.35, 0.65)

COMPLAINTS = {
    "products": [
        "The battery died after two days. Returned it.",
        "It stopped working after a week.",
        "The zipper broke the second time I wore it.",
        "Screen cracked within a month of normal use.",
        "The blender leaks every single time.",
        "Cheap plastic, and it snapped in half.",
        "My vacuum lost suction after three uses.",
        "The shoes gave me blisters and the sole is coming off.",
        "The printer jams on every page.",
        "These headphones hurt my ears after ten minutes.",
        "The instructions were useless and two screws were missing.",
        "Worst purchase I have made in years.",
    ],
    "service": [
        "I have emailed support four times and nobody has replied.",
        "The technician never showed up and nobody called.",
        "They billed me for a plan I cancelled in June.",
        "Forty minutes on the phone and my issue is still not fixed.",
        "The cashier rolled her eyes and ignored us.",
        "Our food came out cold and the waitress never came back.",
        "The plumber left a mess and the sink still drips.",
        "My refund request was denied without any explanation.",
        "The bank froze my account and nobody can tell me why.",
        "The room smelled like mold and the sheets were stained.",
        "They promised a callback that never came.",
        "The staff at the counter were incredibly rude.",
    ],
    "travel": [
        "flight delayed 3 hours and nobody at the gate can tell us anything",
        "Our train was cancelled and there was no replacement bus.",
        "The airline lost my suitcase and I have no clothes for the wedding.",
        "Missed my connection because the first leg left late.",
        "Stuck on the runway for two hours with no water.",
        "The rental car had a flat tire and the agency would not help.",
        "They changed our seats and split up my family.",
        "Overbooked again, and now I am stranded in Atlanta.",
        "The bus driver skipped our stop twice.",
        "The hotel shuttle never came and we paid for a taxi.",
        "Charged fifty dollars for a carry-on that fit under the seat.",
        "The check-in line took two hours and the kiosks were broken.",
    ],
}
PRAISE = {
    "products": [
        "Battery lasts all week, really impressed.",
        "Best kettle I have ever owned.",
        "The jacket kept me warm and dry all winter.",
        "Setup took two minutes and it works flawlessly.",
        "Sturdy, light and exactly as described.",
        "My kids love this game.",
        "The knife is razor sharp and feels great in the hand.",
        "Still going strong after three years of daily use.",
        "Great value for the price.",
        "The sound quality is amazing.",
    ],
    "service": [
        "The nurse was so kind to my mother.",
        "Support solved my problem in one call. Thank you!",
        "The waiter was attentive and the pasta was delicious.",
        "They fixed my car the same day and charged less than quoted.",
        "The receptionist went out of her way to help us.",
        "Quick, friendly and honest mechanics.",
        "The delivery guy carried the sofa up four flights, what a star.",
        "The bakery on the corner never disappoints.",
        "Thank you for replacing it so quickly!",
        "Excellent service from start to finish.",
    ],
    "travel": [
        "The crew were wonderful and we landed early.",
        "Smooth check-in, friendly staff, on-time departure.",
        "Thanks for getting me on an earlier flight, you saved my weekend!",
        "The upgrade was a lovely surprise, thank you!",
        "Our guide was funny and knew everything about the city.",
        "Clean train, comfortable seats, arrived right on time.",
        "The hotel staff remembered our names, such a nice touch.",
        "Best airline I have flown with, hands down.",
        "The pilot kept us informed and the landing was perfect.",
        "Lovely room with a view of the harbour.",
    ],
}
NO_SENTIMENT_TEXTS = [
    "I bought it on Tuesday.",
    "The film is 120 minutes long.",
    "The package weighs three kilograms.",
    "My flight is at 9:40 tomorrow morning.",
    "The store closes at 6 pm on Sundays.",
    "It comes with a charger and a cable.",
    "We checked in at the front desk around noon.",
    "The movie was released in 1998.",
    "I ordered the large size.",
    "The book has twelve chapters.",
    "The train goes from Boston to New York.",
    "My brother works at the airport.",
    "The phone has a six inch screen.",
    "We drove there on Saturday.",
    "The restaurant is on the corner of Fifth Street.",
    "I paid with my credit card.",
    "The second season has ten episodes.",
    "The hotel has 200 rooms.",
    "She called the office this afternoon.",
    "The manual is printed in four languages.",
    "The director also wrote the script.",
    "Delivery is scheduled for Thursday.",
    "I am writing this from the airport.",
    "The box contains two batteries.",
]


def everyday() -> list[Case]:
    cases: list[Case] = []
    for domain, texts in COMPLAINTS.items():
        cases += [Expect(EVERYDAY, f"{domain} complaint", text, "negative") for text in texts]
    for domain, texts in PRAISE.items():
        cases += [Expect(EVERYDAY, f"{domain} praise", text, "positive") for text in texts]
    low, high = NEUTRAL_RANGE
    cases += [
        Within(NO_SENTIMENT, "statement of fact", text, low, high) for text in NO_SENTIMENT_TEXTS
    ]
    return cases
