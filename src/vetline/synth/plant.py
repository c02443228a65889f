"""Planting: who applies, who is secretly already known, and who merely looks like them.

True matches reuse the target's person id (then get corrupted when rendered); hard
non-matches are new people who share a name (namesakes) or a surname and an address
(household members) with a genuine applicant.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from vetline.synth.corrupt import GROUPS
from vetline.synth.names import MALE, Names
from vetline.synth.people import Population, dob_days_for_age, emails, mobiles
from vetline.synth.places import Households, Places, add_household, random_unit

MATCH_OPS = [op for op in GROUPS if op != "new_email"]


def pick(rng: np.random.Generator, weights: np.ndarray, k: int, taken: np.ndarray) -> np.ndarray:
    """Weighted sample of `k` people without replacement (Gumbel top-k), marking them taken."""
    w = np.where(taken, 0.0, weights)
    k = min(k, int((w > 0).sum()))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore"):
        keys = np.log(w) + rng.gumbel(size=len(w))
    chosen = np.argpartition(-keys, k - 1)[:k]
    chosen = np.sort(chosen)
    rng.shuffle(chosen)
    taken[chosen] = True
    return chosen.astype(np.int64)


def n_corruptions(py: random.Random, allow_none: float = 0.0) -> int:
    if py.random() < allow_none:
        return 0
    r = py.random()
    return 1 if r < 0.45 else (2 if r < 0.83 else 3)


@dataclass
class AppPlan:
    """The applications to render, one entry per row (before time ordering)."""

    pid: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    k: list[int] = field(default_factory=list)
    prefer: list[str | None] = field(default_factory=list)
    first_of: dict[int, int] = field(default_factory=dict)  # twice: row -> earlier row
    cluster: dict[int, int] = field(default_factory=dict)  # row -> cluster number
    moved_only: set[int] = field(default_factory=set)  # registered at an old address

    def add(self, pid: int, kind: str, k: int = 0, prefer: str | None = None) -> int:
        self.pid.append(pid)
        self.kind.append(kind)
        self.k.append(k)
        self.prefer.append(prefer)
        return len(self.pid) - 1


@dataclass
class Lookalikes:
    """New people planted into a target file, each tied to the applicant they resemble."""

    members: list[int] = field(default_factory=list)
    party_members: list[int] = field(default_factory=list)
    candidates: list[int] = field(default_factory=list)
    expelled: list[int] = field(default_factory=list)

    def add(self, target: str, pid: int) -> None:
        getattr(self, target).append(pid)


def plant_lookalikes(
    py: random.Random,
    rng: np.random.Generator,
    names: Names,
    pop: Population,
    places: Places,
    hhs: Households,
    anchors: list[int],
    n_namesakes: int,
    on: date,
) -> tuple[Lookalikes, list[int]]:
    """Namesakes for the first `n_namesakes` anchors, household members for the rest.

    Returns the planted people by target file and the people added only to the population
    (a father of the same name, who appears on the register).
    """
    on_days = on.toordinal() - date(1970, 1, 1).toordinal()
    out = Lookalikes()
    register_only: list[int] = []
    rows: list[dict[str, int | str]] = []
    targets: list[str] = []
    for j, anchor in enumerate(anchors):
        base = pop.row(anchor)
        new = dict(base)
        if j < n_namesakes:
            r = py.random()
            old = on_days - int(base["dob"]) > 50 * 365
            if r < 0.12 and base["sex"] == MALE and not old:
                # the father of the same name at the same address
                new["dob"] = int(base["dob"]) - int(py.uniform(22, 38) * 365.25)
                target = py.choice(["members", "register", "party_members", "expelled"])
            else:
                age = float(py.uniform(19, 85))
                new["dob"] = int(dob_days_for_age(rng, np.array([int(age)]), on)[0])
                if abs(int(new["dob"]) - int(base["dob"])) < 200:
                    new["dob"] = int(new["dob"]) + 400
                near = hhs.district[int(base["hh"])] if r < 0.45 else None
                unit = random_unit(places, rng, near)
                new["hh"] = add_household(hhs, places, rng, unit, py.random() < 0.35)
                target = py.choices(
                    ["members", "party_members", "candidates", "expelled", "register"],
                    weights=[30, 30, 18, 10, 12],
                )[0]
            new["middle"] = -1
        else:
            sex = py.randrange(2)
            pool = names.first_pools[(int(base["culture"]), sex)]
            first = int(base["first"])
            while first == int(base["first"]):
                first = int(pool.draw(rng, 1)[0])
            new.update(sex=sex, first=first, middle=-1)
            new["dob"] = relative_dob(py, int(base["dob"]), on_days)
            target = py.choices(
                ["party_members", "members", "expelled", "candidates"], weights=[45, 35, 12, 8]
            )[0]
        rows.append(new)
        targets.append(target)
    fresh_email = emails(rng, names, _as_pop(rows), pop.email_taken)
    fresh_mobile = mobiles(rng, len(rows), np.ones(len(rows), dtype=bool))
    for j, row in enumerate(rows):
        shared = j >= n_namesakes and py.random() < 0.3
        row["email"] = row["email"] if shared else fresh_email[j]
        row["mobile"] = fresh_mobile[j]
    pids = pop.append(rows).tolist()
    for pid, target in zip(pids, targets, strict=True):
        if target == "register":
            register_only.append(pid)
        else:
            out.add(target, pid)
    return out, register_only


# Intake rejects a date of birth before this (vetline.intake.values.parse_birth_date).
EARLIEST_DOB_DAYS = date(1900, 1, 1).toordinal() - date(1970, 1, 1).toordinal()
ADULT_DAYS = 17 * 365  # younger than this is on no list


def _draw_relative_dob(py: random.Random, base_dob: int, on_days: int) -> int:
    kind = py.random()
    years = py.uniform(-6, 6) if kind < 0.55 else py.choice([-1, 1]) * py.uniform(20, 35)
    dob = base_dob + int(years * 365.25) + py.choice([-1, 1]) * 90
    if on_days - dob < ADULT_DAYS:  # too young for any list: a parent instead
        dob = base_dob - int(py.uniform(22, 36) * 365.25)
    return dob


def relative_dob(py: random.Random, base_dob: int, on_days: int) -> int:
    """Date of birth (days since 1970) of a household member of someone born on `base_dob`:
    a sibling or partner (within 6 years), a parent or a grown-up child (20-35 years apart).

    A draw that lands before 1900 (the parent of a 90-year-old) is one intake would rightly
    reject, so it is drawn again from the same distribution. The re-draws use their own
    generator seeded by the inputs, so `py` advances exactly as before and every other record
    of a seed stays the same.
    """
    dob = _draw_relative_dob(py, base_dob, on_days)
    retry = random.Random(f"relative-dob:{base_dob}:{on_days}")
    for _ in range(1000):
        if dob >= EARLIEST_DOB_DAYS and on_days - dob >= ADULT_DAYS:
            return dob
        dob = _draw_relative_dob(retry, base_dob, on_days)
    # unreachable for adults born since 1900; keep the person's own birthday as a last resort
    return base_dob


def _as_pop(rows: list[dict[str, int | str]]) -> Population:
    def col(c: str) -> np.ndarray:
        return np.array([int(r[c]) for r in rows], dtype=np.int64)

    return Population(
        col("hh"), col("sex"), col("culture"), col("first"), col("middle"), col("last"), col("dob")
    )


def fake_people(
    rng: np.random.Generator,
    names: Names,
    pop: Population,
    places: Places,
    hhs: Households,
    n: int,
    on: date,
) -> list[int]:
    """Made-up identities (coordinated sign-ups): real-looking, on no register."""
    rows: list[dict[str, int | str]] = []
    for _ in range(n):
        culture = int(rng.choice(len(names.cultures), p=names.culture_p))
        sex = int(rng.integers(0, 2))
        unit = int(rng.integers(0, len(places.postcodes)))
        rows.append(
            {
                "hh": add_household(hhs, places, rng, unit, False),
                "sex": sex,
                "culture": culture,
                "first": int(names.first_pools[(culture, sex)].draw(rng, 1)[0]),
                "middle": -1,
                "last": int(names.surname_pools[culture].draw(rng, 1)[0]),
                "dob": int(dob_days_for_age(rng, np.array([int(rng.integers(18, 60))]), on)[0]),
            }
        )
    if not rows:
        return []
    mails = emails(rng, names, _as_pop(rows), pop.email_taken)
    phones = mobiles(rng, n, np.ones(n, dtype=bool))
    for r, e, p in zip(rows, mails, phones, strict=True):
        r["email"], r["mobile"] = e, p
    return [int(p) for p in pop.append(rows)]
