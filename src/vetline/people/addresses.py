"""Street addresses: fold and abbreviate the usual street words so that spelling variants of
the same address compare equal; pull out the house number."""

from __future__ import annotations

import re

from vetline.people.names import fold

_ABBREVIATIONS = {
    "street": "st",
    "road": "rd",
    "avenue": "ave",
    "av": "ave",
    "lane": "ln",
    "drive": "dr",
    "close": "cl",
    "court": "ct",
    "crescent": "cres",
    "place": "pl",
    "square": "sq",
    "terrace": "ter",
    "gardens": "gdns",
    "grove": "gr",
    "park": "pk",
    "mount": "mt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "apartment": "flat",
    "apt": "flat",
}
_NUMBER = re.compile(r"\b(\d+[a-z]?)\b")


def normalise_address(text: str | None) -> str:
    """Fold an address line and abbreviate street words ("12 High Street" → "12 high st")."""
    tokens = fold(text).split()
    return " ".join(_ABBREVIATIONS.get(t, t) for t in tokens)


def house_number(normalised: str) -> str:
    """The first number in a normalised address ("flat 3 12 high st" → "3"); "" if none."""
    m = _NUMBER.search(normalised)
    return m.group(1) if m else ""
