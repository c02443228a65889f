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
    """The house number: the last number in a normalised address ("flat 3 12 high st" → "12");
    "" if none."""
    found = _NUMBER.findall(normalised)
    return str(found[-1]) if found else ""


def address_key(normalised: str) -> str:
    """House number and the word after it ("flat 3 12 high st sheffield" → "12 high"): the
    part of an address people write the same way whether or not they add flat or town."""
    return number_and_key(normalised)[1]


def number_and_key(normalised: str) -> tuple[str, str]:
    """`house_number` and `address_key` of a normalised address, in one pass."""
    found = _NUMBER.findall(normalised)
    if not found:
        return "", ""
    number = str(found[-1])
    tokens = normalised.split()
    at = len(tokens) - 1 - tokens[::-1].index(number)
    return number, " ".join(tokens[at : at + 2])
