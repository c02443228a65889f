"""Name pools by naming culture, built from Faker's en_GB lists plus real-world variety.

Names are drawn per household culture so that combinations look real (no "Nguyễn Mohammed"),
and the pools deliberately include apostrophes, accents, Vietnamese, CJK and particles because
those are exactly what breaks naive matchers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from faker.providers.person.en_GB import Provider as FakerPerson
from nicknames import NickNamer

MALE, FEMALE = 0, 1

DATA_FILE = Path(__file__).with_name("data.yaml")


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    """Name pools and places for the generator (src/vetline/synth/data.yaml)."""
    loaded: dict[str, Any] = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    return loaded


@dataclass
class NameTable:
    """A flat table of name strings with parallel metadata arrays (indexed by int)."""

    text: list[str] = field(default_factory=list)
    ascii: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    email_parts: list[str] = field(default_factory=list)  # filled lazily by people.emails

    def add(self, name: str, roman: str | None = None) -> int:
        """Intern a name (and its romanised form for e-mails); return its index."""
        got = self.index.get(name)
        if got is not None:
            return got
        self.index[name] = len(self.text)
        self.text.append(name)
        self.ascii.append(roman if roman is not None else to_ascii(name))
        return len(self.text) - 1


@dataclass
class Pool:
    """Weighted choices of table indices for one culture and sex (or surnames)."""

    idx: np.ndarray
    p: np.ndarray

    def __post_init__(self) -> None:
        self.cdf = np.cumsum(self.p)
        self.cdf[-1] = 1.0

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.asarray(self.idx[np.searchsorted(self.cdf, rng.random(n), side="right")])


@dataclass
class Names:
    """All name tables and per-culture pools."""

    cultures: list[str]
    culture_p: np.ndarray
    firsts: NameTable
    surnames: NameTable
    first_pools: dict[tuple[int, int], Pool]  # (culture, sex) -> pool
    surname_pools: dict[int, Pool]
    first_sex: dict[int, int]


_ASCII_MAP = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})


def to_ascii(text: str) -> str:
    """Strip accents the way an e-mail address or a careless typist would."""
    text = text.translate(_ASCII_MAP)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive key (for truth bookkeeping only)."""
    return " ".join(to_ascii(text).casefold().replace("'", "").replace("-", " ").split())


def _zipf(n: int, offset: float = 25.0) -> np.ndarray:
    w = 1.0 / (np.arange(n, dtype=float) + offset)
    return np.asarray(w / w.sum())


def _split(entry: str) -> tuple[str, str | None]:
    name, _, roman = entry.partition("|")
    return name.replace("_", " "), (roman or None)


def build_names() -> Names:
    """Build the tables once (a few thousand strings; no per-row Faker calls)."""
    firsts, surnames = NameTable(), NameTable()
    first_pools: dict[tuple[int, int], Pool] = {}
    surname_pools: dict[int, Pool] = {}
    first_sex: dict[int, int] = {}

    def pool_of(table: NameTable, entries: list[str], weights: np.ndarray) -> Pool:
        idx = np.array([table.add(*_split(e)) for e in entries], dtype=np.int64)
        return Pool(idx, weights / weights.sum())

    male = list(FakerPerson.first_names_male)
    female = list(FakerPerson.first_names_female) + data()["english_extra_female"]
    cultures = [
        (c["name"], float(c["share"]), c["male"], c["female"], c["surnames"])
        for c in data()["cultures"]
    ]
    last_w: dict[str, float] = dict(FakerPerson.last_names)
    names = ["english"] + [c[0] for c in cultures]
    shares = [1.0 - sum(c[1] for c in cultures)] + [c[1] for c in cultures]
    first_pools[(0, MALE)] = pool_of(firsts, male, _zipf(len(male)))
    first_pools[(0, FEMALE)] = pool_of(firsts, female, _zipf(len(female)))
    surname_pools[0] = pool_of(surnames, list(last_w), np.array(list(last_w.values()), dtype=float))
    for ci, (_, _, m, f, s) in enumerate(cultures, start=1):
        first_pools[(ci, MALE)] = pool_of(firsts, m, _zipf(len(m), 3.0))
        first_pools[(ci, FEMALE)] = pool_of(firsts, f, _zipf(len(f), 3.0))
        surname_pools[ci] = pool_of(surnames, s, _zipf(len(s), 3.0))
    for (_, sex), pool in first_pools.items():
        for i in pool.idx.tolist():
            first_sex.setdefault(i, sex)
    return Names(
        cultures=names,
        culture_p=np.array(shares) / sum(shares),
        firsts=firsts,
        surnames=surnames,
        first_pools=first_pools,
        surname_pools=surname_pools,
        first_sex=first_sex,
    )


@lru_cache(maxsize=1)
def nicknamer() -> NickNamer:
    return NickNamer()


# Familiar short forms first: the nicknames package also lists archaic ones (Robert → Hob).
@lru_cache(maxsize=4096)
def nicknames_for(first: str) -> tuple[str, ...]:
    """Known nicknames of a first name, familiar ones first, title-cased, deterministic order."""
    found = sorted(nicknamer().nicknames_of(first.casefold()))
    familiar = set(data()["common_nicknames"].split())
    common = [n for n in found if n in familiar]
    return tuple(n.title() for n in (common or found))
