"""Names: fold case/accents/punctuation, drop titles, split initials and middle names,
hyphenated and double-barrelled surnames, and nicknames (the `nicknames` package).

Accents are kept in the display value; comparison uses the folded form, so "Siobhán" and
"Siobhan" agree while the reviewer still sees what the applicant wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

TITLES = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "professor",
        "sir",
        "dame",
        "rev",
        "revd",
        "reverend",
        "lord",
        "lady",
        "cllr",
        "councillor",
        "hon",
        "rt",
        "fr",
        "father",
        "sister",
        "brother",
        "capt",
        "major",
        "col",
    ]
)
# Surname particles are part of the name but too common to identify anyone on their own.
PARTICLES = frozenset(
    [
        "de",
        "da",
        "di",
        "du",
        "del",
        "della",
        "der",
        "den",
        "van",
        "von",
        "le",
        "la",
        "al",
        "el",
        "bin",
        "ap",
        "st",
    ]
)
_SEPARATORS = re.compile("[\\s\\-\u2010\u2011\u2013\u2014_/]+")


# ASCII fast path: separators become spaces, apostrophes vanish, other punctuation is dropped.
_ASCII_TABLE = str.maketrans(
    {
        chr(i): (" " if chr(i) in "-_/. \t\n\r\f\v\x1c\x1d\x1e\x1f" else None)
        for i in range(128)
        if not chr(i).isalnum()
    }
)


def fold(text: str | None) -> str:
    """Lower-case, strip accents and punctuation, turn hyphens into spaces, squeeze spaces."""
    if not text:
        return ""
    text = str(text)
    if text.isascii():
        return " ".join(text.lower().translate(_ASCII_TABLE).split())
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    lowered = stripped.casefold().replace("ß", "ss").replace("ø", "o").replace("ł", "l")
    lowered = lowered.replace("æ", "ae").replace("đ", "d").replace("\u0131", "i")
    spaced = _SEPARATORS.sub(" ", lowered.replace(".", " "))
    # apostrophes vanish without a space: O'Brien → obrien
    kept = "".join(c for c in spaced if c.isalnum() or c == " ")
    return " ".join(kept.split())


@dataclass(frozen=True)
class ParsedName:
    """A folded name: `first` is the given name used for comparison, `others` the rest."""

    first: str
    others: tuple[str, ...]

    @property
    def is_initial(self) -> bool:
        return len(self.first) == 1


def _tokens_without_titles(text: str | None) -> list[str]:
    tokens = fold(text).split()
    while len(tokens) > 1 and tokens[0] in TITLES:
        tokens = tokens[1:]
    return tokens


def parse_first_names(text: str | None) -> ParsedName:
    """Split given names into the first name and middle names/initials ("Dr J. R." → j, (r,))."""
    tokens = _tokens_without_titles(text)
    if not tokens:
        return ParsedName("", ())
    return ParsedName(tokens[0], tuple(tokens[1:]))


def parse_last_name(text: str | None) -> ParsedName:
    """Fold a surname: `first` is the whole name without spaces ("smithjones"), `others` the
    identifying parts of a hyphenated or double-barrelled name (particles dropped)."""
    tokens = _tokens_without_titles(text)
    if not tokens:
        return ParsedName("", ())
    whole = "".join(tokens)
    parts = tuple(t for t in tokens if t not in PARTICLES and len(t) > 1)
    return ParsedName(whole, parts if len(parts) > 1 else ())


@lru_cache(maxsize=1)
def _nicknamer() -> object:
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=200_000)
def name_variants(folded_first: str) -> frozenset[str]:
    """The name itself plus the names the `nicknames` package links it to (both directions)."""
    if len(folded_first) < 2:
        return frozenset({folded_first}) if folded_first else frozenset()
    nn = _nicknamer()
    related = set(nn.canonicals_of(folded_first)) | set(nn.nicknames_of(folded_first))  # type: ignore[attr-defined]
    return frozenset({folded_first} | {fold(r) for r in related})


def is_nickname(a: str, b: str) -> bool:
    """True when one folded first name is a listed nickname/diminutive of the other."""
    return a != "" and b != "" and a != b and (b in name_variants(a) or a in name_variants(b))
