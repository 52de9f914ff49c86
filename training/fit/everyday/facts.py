"""Plain statements of fact, composed from templates and slots: the target 0.5, many times over.

The everyday sentences' statements (``training.fit.everyday``) are a few hundred subject and
predicate pairs, and the model learnt them by heart: they scored 0.36 on average after
calibration with 90% of them within 0.33-0.40, while statements it had not seen ranged from 0.03
to 0.90, read by the words' polarity in film reviews ("script", "episodes", "languages"). These
templates compose thousands of different statements (dates, times, places, sizes, people and
things, about films, books, goods, trips, shops and daily life) so that what is learnt is "a
statement of fact says neither", not a list.

Written by us and no labelled data from anywhere. The behavioural suite's no-sentiment cases
(``training.measure.behaviour.everyday``) were written first and separately; these templates
avoid their sentence shapes (a test checks that no statement equals one of them, numbers
ignored), so the suite still measures what the model does with statements it has not seen.
"""

from __future__ import annotations

import numpy as np

PEOPLE = [
    "I", "We", "My brother", "My sister", "My neighbour", "A friend of mine", "My wife",
    "My husband", "My mother", "My father", "Our team", "She", "He", "They", "My colleague",
    "My son", "My daughter", "Our teacher", "The manager", "My roommate",
]  # fmt: skip
THIRD_PERSON = [
    "My brother", "My sister", "My neighbour", "A friend of mine", "My mother", "My father",
    "She", "He", "My colleague", "My cousin", "The author", "Our driver",
]  # fmt: skip
THINGS = [
    "the laptop", "the kettle", "the blender", "the printer", "the headphones", "the camera",
    "the jacket", "the shoes", "the backpack", "the lamp", "the desk", "the chair", "the rug",
    "the tablet", "the charger", "the watch", "the speaker", "the vacuum", "the toaster",
    "the suitcase", "the umbrella", "the mattress", "the router", "the keyboard", "the monitor",
]  # fmt: skip
WORKS = [
    "the film", "the movie", "the documentary", "the series", "the show", "the sequel",
    "the novel", "the album", "the play", "the cartoon", "the pilot episode", "the remake",
    "the trailer", "the soundtrack", "the biography", "the musical", "the short film",
]  # fmt: skip
CREW = [
    "the director", "the writer", "the lead actor", "the lead actress", "the composer",
    "the producer", "the author", "the narrator", "the cast", "the screenwriter", "the studio",
]  # fmt: skip
PLACES = [
    "the pharmacy", "the bakery", "the library", "the post office", "the bank", "the gym",
    "the cinema", "the museum", "the dentist", "the clinic", "the garage", "the school",
    "the supermarket", "the bookshop", "the cafe", "the town hall", "the station",
]  # fmt: skip
CITIES = [
    "Denver", "Chicago", "Seattle", "Dallas", "Miami", "Toronto", "London", "Paris", "Madrid",
    "Berlin", "Dublin", "Atlanta", "Phoenix", "Houston", "Montreal", "Lisbon", "Rome", "Oslo",
]  # fmt: skip
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WHEN = [
    "last week", "last month", "yesterday", "two days ago", "in the spring", "in January",
    "in October", "this morning", "last night", "on my birthday", "after work", "in the summer",
]  # fmt: skip
LANGUAGES = ["French", "German", "Spanish", "Italian", "Japanese", "Portuguese", "Korean"]
COLOURS = ["grey", "black", "white", "blue", "green", "red", "silver", "brown", "yellow"]
MATERIALS = ["plastic", "steel", "wood", "aluminium", "cotton", "glass", "leather", "wool"]
VEHICLES = ["the bus", "the ferry", "the shuttle", "the night train", "the tram", "the coach"]
PAYMENT = ["in cash", "by bank transfer", "with my phone", "with a gift card", "by cheque"]

TEMPLATES = [
    "{person} picked up {thing} {when}.",
    "{person} got {thing} from {place_name} {when}.",
    "{Thing} is {colour} and made of {material}.",
    "{Thing} is {number} centimetres tall.",
    "{Thing} uses {number} watts.",
    "{Thing} was made in {city}.",
    "{Thing} has {number} buttons on the side.",
    "{Thing} runs on {number} volts.",
    "{person} kept {thing} in the hallway.",
    "{person} moved {thing} to the other room {when}.",
    "{Work} came out on a {day}.",
    "{Work} was filmed in {city} {when_past}.",
    "{Work} is in {language}.",
    "{person} watched {work} {when}.",
    "{person} read about {work} {when}.",
    "{Crew} grew up in {city}.",
    "{Crew} lives in {city} now.",
    "{Crew} studied in {city}.",
    "{Crew} gave an interview {when}.",
    "{Crew} worked on {work} for {number} months.",
    "{Work} was translated into {language}.",
    "The script of {work} runs to {number} pages.",
    "{person} went to {place} on {day}.",
    "{third} goes to {place} every {day}.",
    "{Place} is next to {place_name}.",
    "{Place} moved to a new building {when}.",
    "{Place} is open until {hour} on {day}s.",
    "{person} walked to {place} after lunch.",
    "{Vehicle} to {city} stops at {number} stations.",
    "{Vehicle} leaves from platform {number}.",
    "{person} took {vehicle} to {city} {when}.",
    "{person} will be in {city} from {day} to {day2}.",
    "{third} lives about {number} miles from {city}.",
    "{person} paid {payment}.",
    "{person} spoke to the agent on {day}.",
    "The appointment is at {hour} on {day}.",
    "The order was placed on a {day}.",
    "The parcel went out from {city} {when}.",
    "{person} sent the form by email {when}.",
    "The receipt lists {number} items.",
    "{third} has lived in {city} since {year}.",
    "{person} visited {city} in {year}.",
    "The building went up in {year}.",
    "{person} started the new job {when}.",
    "The lesson lasts {number} minutes.",
    "The bridge is {number} metres long.",
    "{third} usually gets up at {hour}.",
    "The kids start school on {day}.",
]


def _capitalised(phrase: str) -> str:
    return phrase[0].upper() + phrase[1:]


def _slots(rng: np.random.Generator) -> dict[str, str]:
    def pick(options: list[str]) -> str:
        return str(options[rng.integers(len(options))])

    day, day2 = (str(day) for day in rng.choice(DAYS, size=2, replace=False))
    thing, work, crew = pick(THINGS), pick(WORKS), pick(CREW)
    place, vehicle = pick(PLACES), pick(VEHICLES)
    return {
        "person": pick(PEOPLE),
        "third": pick(THIRD_PERSON),
        "thing": thing,
        "Thing": _capitalised(thing),
        "work": work,
        "Work": _capitalised(work),
        "Crew": _capitalised(crew),
        "place": place,
        "Place": _capitalised(place),
        "place_name": pick(PLACES),
        "vehicle": vehicle,
        "Vehicle": _capitalised(vehicle),
        "city": pick(CITIES),
        "day": day,
        "day2": day2,
        "when": pick(WHEN),
        "when_past": pick([when for when in WHEN if when != "this morning"]),
        "language": pick(LANGUAGES),
        "colour": pick(COLOURS),
        "material": pick(MATERIALS),
        "payment": pick(PAYMENT),
        "number": str(int(rng.integers(2, 400))),
        "year": str(int(rng.integers(1950, 2025))),
        "hour": f"{int(rng.integers(1, 13))} {pick(['am', 'pm'])}",
    }


def plain_statements(count: int, seed: int) -> list[str]:
    """``count`` seeded statements of fact, each a template filled with its own slots."""
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(count):
        template = TEMPLATES[rng.integers(len(TEMPLATES))]
        texts.append(_capitalised(template.format(**_slots(rng))))
    return texts
