"""Reference lists: other parties' candidates (Democracy Club), members and officers,
previously expelled members, and an electoral-register extract."""

from __future__ import annotations

import random
import re
from datetime import date, datetime

import numpy as np

from vetline.synth.names import Names, nicknames_for
from vetline.synth.people import Population, age_on
from vetline.synth.places import COUNCILS, Households, Places, ward_of

DC_COLUMNS = (
    "person_id",
    "person_name",
    "election_id",
    "ballot_paper_id",
    "election_date",
    "election_current",
    "party_name",
    "party_id",
    "post_label",
    "cancelled_poll",
    "seats_contested",
    "elected",
    "votes_cast",
)
REGISTER_COLUMNS = (
    "elector_number",
    "title",
    "first_name",
    "last_name",
    "address",
    "postcode",
    "date_of_birth",
)
# (name, Democracy Club id, weight; nations: e = England, w = Wales, s = Scotland)
PARTIES = (
    ("Conservative and Unionist Party", "party:52", 26, "ews"),
    ("Liberal Democrats", "party:90", 18, "ews"),
    ("Green Party", "party:63", 22, "ew"),
    ("Scottish Green Party", "party:130", 22, "s"),
    ("Scottish National Party (SNP)", "party:102", 40, "s"),
    ("Plaid Cymru - The Party of Wales", "party:77", 25, "w"),
    ("Reform UK", "party:7931", 8, "ews"),
    ("Trade Unionist and Socialist Coalition", "party:804", 4, "ews"),
    ("UK Independence Party (UKIP)", "party:85", 2, "ew"),
    ("Yorkshire Party", "party:2055", 3, "y"),
    ("Workers Party of Britain", "party:11382", 2, "ews"),
    ("Social Democratic Party", "party:243", 1, "ew"),
    ("Women's Equality Party", "party:2755", 1, "ews"),
    ("Independent", "ynmp-party:2", 6, "ews"),
)
_NATION = {"cardiff": "w", "glasgow": "s"}
_YORKSHIRE = {"sheffield", "rotherham", "barnsley", "doncaster", "leeds"}
LOCAL_ELECTION_DATES = (
    "2016-05-05",
    "2018-05-03",
    "2019-05-02",
    "2021-05-06",
    "2022-05-05",
    "2023-05-04",
    "2024-05-02",
    "2025-05-01",
    "2026-05-07",
)
OFFICES = (
    "Branch Secretary",
    "Treasurer",
    "Chair",
    "Campaigns Officer",
    "Membership Secretary",
    "Youth Officer",
    "Women's Officer",
)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def full_name(first: str, last: str) -> str:
    """As a ballot paper prints it: family name first, unspaced, for a name in Han script."""
    if not (first + last).isascii() and all("\u4e00" <= c <= "\u9fff" for c in first + last):
        return f"{last}{first}"
    return f"{first} {last}"


def parties_for(council: int) -> tuple[list[int], np.ndarray]:
    """Indices into PARTIES standing in a council, with weights."""
    c = COUNCILS[council]
    nation = _NATION.get(c.slug, "e")
    idx = [
        i for i, p in enumerate(PARTIES) if nation in p[3] or (p[3] == "y" and c.slug in _YORKSHIRE)
    ]
    w = np.array([PARTIES[i][2] for i in idx], dtype=float)
    return idx, w / w.sum()


def candidacies(
    py: random.Random,
    rng: np.random.Generator,
    pop: Population,
    names: Names,
    places: Places,
    hhs: Households,
    pids: np.ndarray,
    start: datetime,
) -> tuple[dict[str, list[str]], list[int], list[int], dict[int, list[str]]]:
    """Democracy Club rows for candidates `pids` (1-3 candidacies each).

    Returns the columns, the row -> pid map, each candidate's party index, and target-side
    corruptions (a candidate standing under a familiar name: `known_as`).
    """
    dates = [d for d in LOCAL_ELECTION_DATES if date.fromisoformat(d) < start.date()]
    if not dates:
        dates = [LOCAL_ELECTION_DATES[0]]
    person_ids = rng.choice(
        np.arange(2000, 2000 + max(10 * len(pids), 1000)), size=len(pids), replace=False
    )
    cols: dict[str, list[str]] = {c: [] for c in (*DC_COLUMNS, "first_name", "last_name")}
    row_pid: list[int] = []
    party_of: list[int] = []
    ops: dict[int, list[str]] = {}
    ft, lt = names.firsts.text, names.surnames.text
    for k, pid in enumerate(pids.tolist()):
        unit = hhs.unit[int(pop.hh[pid])]
        council, ward = ward_of(places, unit)
        c = COUNCILS[council]
        idx, w = parties_for(council)
        party = idx[int(rng.choice(len(idx), p=w))]
        party_of.append(party)
        first = ft[pop.first[pid]]
        known_as = False
        if py.random() < 0.05 and nicknames_for(first):
            first, known_as = nicknames_for(first)[0], True
        elif pop.middle[pid] >= 0 and py.random() < 0.4:
            first = f"{first} {ft[pop.middle[pid]]}"
        last = lt[pop.last[pid]]
        n_runs = py.choice([1, 1, 1, 1, 1, 1, 2, 2, 2, 3])
        for d in sorted(py.sample(dates, min(n_runs, len(dates)))):
            if py.random() < 0.25:  # stood somewhere else in the council
                ward = py.randrange(len(c.wards))
            post = c.wards[ward]
            row = len(row_pid)
            if known_as:
                ops[row] = ["known_as"]
            row_pid.append(pid)
            pname, pid_dc = PARTIES[party][0], PARTIES[party][1]
            values = {
                "person_id": str(person_ids[k]),
                "person_name": full_name(first, last),
                "election_id": f"local.{c.slug}.{d}",
                "ballot_paper_id": f"local.{c.slug}.{slug(post)}.{d}",
                "election_date": d,
                "election_current": "False",
                "party_name": pname,
                "party_id": pid_dc,
                "post_label": post,
                "cancelled_poll": "False",
                "seats_contested": "",
                "elected": "True" if py.random() < 0.25 else "False",
                "votes_cast": str(py.randint(40, 4200)),
                "first_name": first,
                "last_name": last,
            }
            for col, v in values.items():
                cols[col].append(v)
    return cols, row_pid, party_of, ops


def party_columns(
    rng: np.random.Generator,
    councils: list[int],
    start: datetime,
    fixed: dict[int, tuple[int, str]],
) -> dict[str, list[str]]:
    """`party`, `role`, `event_date` for other parties' members (officers have a date)."""
    n = len(councils)
    council_arr = np.array(councils, dtype=np.int64)
    party = np.zeros(n, dtype=np.int64)
    for council in np.unique(council_arr).tolist():
        m = council_arr == council
        idx, _ = parties_for(council)
        idx = [j for j in idx if PARTIES[j][0] != "Independent"]
        w = np.array([PARTIES[j][2] for j in idx], dtype=float)
        party[m] = np.array(idx)[rng.choice(len(idx), size=int(m.sum()), p=w / w.sum())]
    officer = rng.random(n) >= 0.86
    office = rng.integers(0, len(OFFICES), size=n)
    since = rng.integers(30, 3000, size=n)
    today = start.date().toordinal()
    out: dict[str, list[str]] = {"party": [], "role": [], "event_date": []}
    for i, (p, o, k, d) in enumerate(
        zip(party.tolist(), officer.tolist(), office.tolist(), since.tolist(), strict=True)
    ):
        role = OFFICES[k] if o else "member"
        if i in fixed:
            p, role = fixed[i]
        out["party"].append(PARTIES[p][0])
        out["role"].append(role)
        out["event_date"].append(
            "" if role == "member" else date.fromordinal(today - d).isoformat()
        )
    return out


def register_rows(
    rng: np.random.Generator,
    pop: Population,
    places: Places,
    hhs: Households,
    pids: np.ndarray,
    hh_of: np.ndarray,
    start: datetime,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Order electors as a register is (by polling district, street, house) and number them.

    Returns pids, households, attainer flags and elector numbers, all in register order.
    """
    units = np.array(hhs.unit)[hh_of]
    order = np.lexsort((pop.dob[pids], hh_of, units))
    pids, hh_of, units = pids[order], hh_of[order], units[order]
    ages = age_on(pop.dob[pids], start.date())
    attainer = ages < 18
    numbers: list[str] = []
    seq: dict[str, int] = {}
    cache: dict[int, str] = {}
    for u in units.tolist():
        code = cache.get(u)
        if code is None:
            council, ward = ward_of(places, u)
            code = f"{chr(65 + council % 26)}{chr(65 + ward % 26)}"
            sector = places.unit_sector[u]
            code += "" if sector < 5 else str(1 + sector // 5)
            cache[u] = code
        k = seq.get(code, 0) + 1
        seq[code] = k
        numbers.append(f"{code}-{k}")
    return pids, hh_of, attainer, numbers


def titles(rng: np.random.Generator, sex: np.ndarray, married: np.ndarray) -> list[str]:
    """Titles as electors give them (often none)."""
    r = rng.random(len(sex)).tolist()
    out = []
    for s, m, x in zip(sex.tolist(), married.tolist(), r, strict=True):
        if x < 0.3:
            out.append("")
        elif x < 0.32:
            out.append("Dr")
        elif x < 0.325:
            out.append("Mx")
        elif s == 0:
            out.append("Mr")
        else:
            out.append("Mrs" if m and x < 0.75 else ("Ms" if x < 0.88 else "Miss"))
    return out
