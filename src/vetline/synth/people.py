"""A synthetic population: households of people, generated column-wise with numpy.

Every record written to any file points back to a person id (`pid`) here; that is how the
ground truth knows which records are the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from vetline.synth.names import MALE, Names, NameTable
from vetline.synth.places import Households, Places, bulk_households

EPOCH = np.datetime64("1970-01-01", "D")
PROVIDERS = (
    ("gmail.com", 34),
    ("hotmail.co.uk", 12),
    ("hotmail.com", 6),
    ("outlook.com", 8),
    ("yahoo.co.uk", 8),
    ("btinternet.com", 6),
    ("icloud.com", 6),
    ("live.co.uk", 4),
    ("sky.com", 3),
    ("aol.com", 2),
    ("virginmedia.com", 3),
    ("talktalk.net", 2),
    ("googlemail.com", 2),
    ("protonmail.com", 1),
    ("me.com", 1),
    ("ntlworld.com", 1),
)
_SIZE_P = np.array([0.29, 0.35, 0.15, 0.13, 0.05, 0.03])


@dataclass
class Population:
    """People as parallel arrays; `hh` indexes `Households`, names index the name tables."""

    hh: np.ndarray
    sex: np.ndarray
    culture: np.ndarray
    first: np.ndarray
    middle: np.ndarray  # -1: none
    last: np.ndarray
    dob: np.ndarray  # days since 1970-01-01
    email: list[str] = field(default_factory=list)
    mobile: list[str] = field(default_factory=list)
    email_taken: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.hh)

    def append(self, rows: list[dict[str, int | str]]) -> np.ndarray:
        """Add people (planted namesakes, relatives); return their new pids."""
        start = len(self)
        for col in ("hh", "sex", "culture", "first", "middle", "last", "dob"):
            extra = np.array([int(r[col]) for r in rows], dtype=np.int64)
            setattr(self, col, np.concatenate([getattr(self, col), extra]))
        self.email.extend(str(r["email"]) for r in rows)
        self.mobile.extend(str(r["mobile"]) for r in rows)
        return np.arange(start, len(self))

    def row(self, pid: int) -> dict[str, int | str]:
        """One person as a dict of the raw columns (for planting variants of them)."""
        out: dict[str, int | str] = {
            c: int(getattr(self, c)[pid])
            for c in ("hh", "sex", "culture", "first", "middle", "last", "dob")
        }
        out["email"] = self.email[pid]
        out["mobile"] = self.mobile[pid]
        return out


def age_on(dob_days: np.ndarray, on: date) -> np.ndarray:
    """Whole years of age on a date, vectorised."""
    births = (EPOCH + dob_days.astype("timedelta64[D]")).astype("datetime64[D]")
    years = births.astype("datetime64[Y]").astype(int) + 1970
    months = births.astype("datetime64[M]").astype(int) % 12 + 1
    days = (births - births.astype("datetime64[M]")).astype(int) + 1
    before = (months > on.month) | ((months == on.month) & (days > on.day))
    return np.asarray(on.year - years - before.astype(int))


def dob_days_for_age(rng: np.random.Generator, ages: np.ndarray, on: date) -> np.ndarray:
    """Dates of birth (days since epoch) giving exactly `ages` whole years on `on`."""
    on_days = (np.datetime64(on, "D") - EPOCH).astype(int)
    # ages are whole years: subtract age years plus a uniform part of a year
    frac = rng.uniform(0.0, 0.997, size=len(ages))
    return np.asarray(on_days - np.floor((ages + frac) * 365.2425), dtype=np.int64)


def _adult_ages(rng: np.random.Generator, n: int) -> np.ndarray:
    ages = np.arange(20, 93)
    w = np.where(ages < 65, 1.0, 1.0 - (ages - 65) / 34.0)
    return rng.choice(ages, size=n, p=w / w.sum())


def build_population(
    rng: np.random.Generator, names: Names, places: Places, people: int, on: date
) -> tuple[Population, Households]:
    """About `people` persons in households of realistic size and make-up."""
    n_hh = max(1, int(people / 2.35))
    hhs = bulk_households(places, rng, n_hh)
    size = rng.choice(np.arange(1, 7), size=n_hh, p=_SIZE_P)
    sharers = (size >= 2) & (rng.random(n_hh) < 0.12)
    culture_h = rng.choice(len(names.cultures), size=n_hh, p=names.culture_p)
    head_age = _adult_ages(rng, n_hh)
    family = _surnames(rng, names, culture_h)

    hh = np.repeat(np.arange(n_hh), size)
    n = len(hh)
    starts = np.r_[0, np.cumsum(size)[:-1]]
    pos = np.arange(n) - np.repeat(starts, size)
    share = sharers[hh]
    culture = culture_h[hh].copy()
    # sharers and some partners come from other cultures
    mixed = (share | ((pos == 1) & (rng.random(n) < 0.2))) & (rng.random(n) < 0.5)
    culture[mixed] = rng.choice(len(names.cultures), size=int(mixed.sum()), p=names.culture_p)
    sex = rng.integers(0, 2, size=n)
    partner = (pos == 1) & ~share
    head_sex = np.repeat(sex[starts], size)
    opposite = partner & (rng.random(n) < 0.93)
    sex[opposite] = 1 - head_sex[opposite]

    ha = head_age[hh].astype(float)
    age = ha.copy()
    age[partner] = np.clip(ha[partner] + rng.normal(0, 4, int(partner.sum())), 18, 95)
    child = (pos >= 2) & ~share
    c_age = ha[child] - rng.uniform(20, 40, int(child.sum()))
    young = c_age < 0
    c_age[young] = rng.uniform(0, np.maximum(1, ha[child][young] - 18))
    age[child] = c_age
    age[share] = rng.uniform(19, 36, int(share.sum()))
    dob = dob_days_for_age(rng, np.floor(age).astype(np.int64), on)

    first = np.zeros(n, dtype=np.int64)
    middle = np.full(n, -1, dtype=np.int64)
    has_middle = rng.random(n) < np.where(culture == names.cultures.index("vietnamese"), 0.6, 0.33)
    for (ci, sx), pool in names.first_pools.items():
        m = (culture == ci) & (sex == sx)
        k = int(m.sum())
        if k:
            first[m] = pool.draw(rng, k)
            mm = m & has_middle
            middle[mm] = pool.draw(rng, int(mm.sum()))
    middle[middle == first] = -1
    # a few sons named after their father: a namesake at the same address
    junior = child & (sex == MALE) & (head_sex == MALE) & (rng.random(n) < 0.03)
    first[junior] = first[np.repeat(starts, size)][junior]

    last = family[hh].copy()
    own = (partner & (rng.random(n) < 0.28)) | share
    if own.any():
        last[own] = _surnames(rng, names, culture[own])
    pop = Population(hh, sex, culture, first, middle, last, dob)
    pop.email = emails(rng, names, pop, pop.email_taken)
    shared_email = partner & (rng.random(n) < 0.06)
    for i in np.flatnonzero(shared_email).tolist():
        pop.email[i] = pop.email[i - 1]
    pop.mobile = mobiles(rng, n, age >= 12)
    return pop, hhs


def _surnames(rng: np.random.Generator, names: Names, culture: np.ndarray) -> np.ndarray:
    out = np.zeros(len(culture), dtype=np.int64)
    for ci, pool in names.surname_pools.items():
        m = culture == ci
        if m.any():
            out[m] = pool.draw(rng, int(m.sum()))
    double = rng.random(len(culture))
    for i in np.flatnonzero(double < 0.035).tolist():
        other = int(names.surname_pools[int(culture[i])].draw(rng, 1)[0])
        a, b = names.surnames.text[out[i]], names.surnames.text[other]
        if a != b:
            out[i] = names.surnames.add(f"{a}-{b}" if double[i] < 0.03 else f"{a} {b}")
    return out


def emails(rng: np.random.Generator, names: Names, pop: Population, seen: set[str]) -> list[str]:
    """Addresses derived from each person's name at real-looking providers, unique in `seen`."""
    n = len(pop)
    prov = np.array([p for p, _ in PROVIDERS])
    w = np.array([w for _, w in PROVIDERS], dtype=float)
    provider = rng.choice(prov, size=n, p=w / w.sum())
    pattern = rng.integers(0, 8, size=n)
    num = rng.integers(1, 999, size=n)
    fa = _locals(names.firsts)
    la = _locals(names.surnames)
    yy = (((pop.dob // 365.2425).astype(np.int64) + 1970) % 100).tolist()
    out: list[str] = []
    nums = num.tolist()
    for f_i, l_i, p, k_num, y, dom in zip(
        pop.first.tolist(),
        pop.last.tolist(),
        pattern.tolist(),
        nums,
        yy,
        provider.tolist(),
        strict=True,
    ):
        f, last = fa[f_i], la[l_i]
        if p == 0:
            local = f"{f}.{last}"
        elif p == 1:
            local = f"{f}{last}"
        elif p == 2:
            local = f"{f[:1]}{last}"
        elif p == 3:
            local = f"{f}.{last}{k_num}"
        elif p == 4:
            local = f"{f}{last}{y:02d}"
        elif p == 5:
            local = f"{f}_{last}"
        elif p == 6:
            local = f"{last}{f[:1]}{k_num}"
        else:
            local = f"{f}{k_num}"
        addr = f"{local}@{dom}"
        k = 1
        while addr in seen:
            k += 1
            addr = f"{local}{k}@{dom}"
        seen.add(addr)
        out.append(addr)
    return out


def _locals(table: NameTable) -> list[str]:
    """E-mail local parts of a name table, cached on it and extended as the table grows."""
    done = table.email_parts
    done.extend(_local(s) for s in table.ascii[len(done) :])
    return done


def _local(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isascii() and c.isalnum()) or "x"


def mobiles(rng: np.random.Generator, n: int, eligible: np.ndarray) -> list[str]:
    """Unique UK mobile numbers ("07xxx xxxxxx") for ~80% of those old enough."""
    nums = rng.integers(400_000_000, 1_000_000_000, size=n)
    has = eligible & (rng.random(n) < 0.8)
    _, first_idx = np.unique(nums, return_index=True)
    dup = np.ones(n, dtype=bool)
    dup[first_idx] = False
    has &= ~dup
    return [f"07{s[:3]} {s[3:]}" if h else "" for s, h in zip(nums.astype(str), has, strict=True)]


def dob_string(days: np.ndarray) -> np.ndarray:
    """YYYY-MM-DD strings for days since epoch."""
    return np.datetime_as_string(EPOCH + days.astype("timedelta64[D]"), unit="D")
