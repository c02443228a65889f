"""Split a full name as a candidate list prints it into first and last name, keeping the text.

The last word is the surname, except that lower-order particles before it belong to it
("Vincent van Gogh", "Maria de la Cruz") and a generational suffix stays with it
("John Smith Jr"). Hyphenated and apostrophised surnames are one word already. The split
is a slice of the original string: spacing and spelling are kept exactly.
"""

from __future__ import annotations

import re

PARTICLES = frozenset(
    [
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "dela",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "st",
        "st.",
        "ter",
        "ten",
        "bin",
        "binti",
        "ibn",
        "al",
        "el",
        "ap",
        "ab",
        "mac",
    ]
)
SUFFIXES = frozenset(["jr", "jr.", "jnr", "jnr.", "snr", "snr.", "sr", "sr.", "ii", "iii", "iv"])
_WORD = re.compile(r"\S+")


def split_full_name(full: str) -> tuple[str | None, str | None]:
    """Return (first_name, last_name); a single word is a surname only."""
    words = list(_WORD.finditer(full))
    if not words:
        return None, None
    if len(words) == 1:
        return None, words[0].group()
    last = len(words) - 1
    while last > 1 and words[last].group().lower() in SUFFIXES:
        last -= 1
    start = last
    while start > 1 and words[start - 1].group().lower() in PARTICLES:
        start -= 1
    first = full[words[0].start() : words[start - 1].end()]
    surname = full[words[start].start() : words[-1].end()]
    return first, surname
