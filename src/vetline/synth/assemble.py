"""Assembling the applications file, coordinated sign-up clusters, the expelled list's dates
and the electoral register from the planned population."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from vetline.synth.corrupt import Corruptor
from vetline.synth.names import Names
from vetline.synth.people import Population, age_on
from vetline.synth.places import Households, Places
from vetline.synth.plant import AppPlan, fake_people
from vetline.synth.reference import register_rows, titles
from vetline.synth.render import APPLICANT_STYLE, Rows, render
from vetline.synth.surge import iso_times, payments, surge_times

_DOMAIN_WORDS = ("swift", "north", "tide", "wave", "spark", "beacon", "lantern", "harbour")
_SHARED_KINDS = ("phone", "payment_ref", "email_domain")


@dataclass
class Cluster:
    """Applicants who signed up within minutes of each other sharing contact or payment."""

    number: int
    rows: list[int]  # application rows, anchor first (plan rows until time-ordered)
    fakes: list[int] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    kind: str = "fake"

    @property
    def note(self) -> str:
        return f"cluster={self.number};kind={self.kind};shared={'+'.join(self.shared)}"


def coordinated(
    py: random.Random,
    rng: np.random.Generator,
    names: Names,
    pop: Population,
    places: Places,
    hhs: Households,
    plan: AppPlan,
    pm_pids: np.ndarray,
    used: set[int],
    total: int,
    on: date,
) -> list[Cluster]:
    """Plan clusters of 3-8: made-up identities, or a rival party's members joining en bloc."""
    clusters: list[Cluster] = []
    left = total
    spare = [p for p in pm_pids.tolist() if p not in used]
    shapes: list[tuple[int, str]] = []
    while left >= 3:
        size = min(left, py.randint(3, 8))
        if left - size < 3:
            size = left
        kind = "entryist" if py.random() < 0.4 and len(spare) >= size else "fake"
        shapes.append((size, kind))
        left -= size
        if kind == "entryist":
            spare = spare[size:]
    n_fake = sum(size for size, kind in shapes if kind == "fake")
    fakes = fake_people(rng, names, pop, places, hhs, n_fake, on)  # one batch: appends are dear
    spare = [p for p in pm_pids.tolist() if p not in used]
    for size, kind in shapes:
        if kind == "fake":
            pids, fakes = fakes[:size], fakes[size:]
        else:
            pids, spare = spare[:size], spare[size:]
            used.update(pids)
        shared = [k for k in _SHARED_KINDS if py.random() < 0.5] or [py.choice(_SHARED_KINDS)]
        c = Cluster(len(clusters) + 1, [], pids if kind == "fake" else [], shared, kind)
        for pid in pids:
            row = plan.add(pid, "coordinated")
            plan.cluster[row] = c.number
            c.rows.append(row)
        clusters.append(c)
    return clusters


def applications(
    py: random.Random,
    rng: np.random.Generator,
    names: Names,
    places: Places,
    hhs: Households,
    pop: Population,
    plan: AppPlan,
    clusters: list[Cluster],
    start: datetime,
    days: int,
) -> Rows:
    """Render, corrupt, time-stamp, attribute and order the applications."""
    pids = np.array(plan.pid, dtype=np.int64)
    n = len(pids)
    rows = Rows(pids, pop.hh[pids].copy())
    render(pop, names, places, hhs, rows, rng, APPLICANT_STYLE)
    adult = (start.date() - timedelta(days=21 * 365)).isoformat()
    corruptor = Corruptor(names, places, hhs, pop, rng, py, born_before=adult)
    for i in range(n):
        if plan.k[i] or i in plan.moved_only:
            rec = rows.record(i)
            d = rec["date_of_birth"]
            if "/" in d:  # keep planted dates in ISO so the corruption stays checkable
                rec["date_of_birth"] = f"{d[6:]}-{d[3:5]}-{d[:2]}"
            hh = int(rows.hh[i])
            if plan.k[i]:
                rec, hh, ops = corruptor.corrupt(rec, hh, plan.k[i], prefer=plan.prefer[i])
            else:
                hh, ops = corruptor.move(rec, hh), ["moved"]
            rows.put(i, rec)
            rows.hh[i] = hh
            if ops:
                rows.ops[i] = ops

    leader = names.surnames.text[int(names.surname_pools[0].draw(rng, 1)[0])]
    times, sources, cats = surge_times(rng, n, days, start, leader)
    perm = rng.permutation(n)
    t = times[perm]
    src = [sources[j] for j in perm.tolist()]
    cat = [cats[j] for j in perm.tolist()]
    refs, status = payments(rng, n)
    end = int(start.timestamp()) + days * 86400 - 1

    for twin, first in plan.first_of.items():
        quick = py.random() < 0.3
        delay = py.uniform(20, 600) if quick else py.expovariate(1 / (8 * 3600))
        t[twin] = min(end, int(t[first] + delay))
        src[twin], cat[twin] = src[first], cat[first]
        if py.random() < 0.8:
            refs[twin] = refs[first]
        if py.random() < 0.4:
            status[first], status[twin] = "failed", "paid"
    _share_household_payments(py, plan, rows, refs)
    for c in clusters:
        _shape_cluster(py, rng, c, rows, t, src, cat, refs, end)

    rows.cols["applied_at"] = iso_times(rng, t)
    rows.cols["source"] = src
    rows.cols["category"] = cat
    rows.cols["payment_ref"] = refs
    rows.cols["payment_status"] = status
    order = np.argsort(t, kind="stable")
    new_pos = rows.reorder(order)
    for c in clusters:
        c.rows = [new_pos[r] for r in c.rows]
    rows.cols["id"] = [f"A{i + 1:07d}" for i in range(n)]
    return rows


def _share_household_payments(
    py: random.Random, plan: AppPlan, rows: Rows, refs: list[str]
) -> None:
    """Families often pay for each other: the same card for applicants at one address."""
    first_at: dict[int, int] = {}
    for i, kind in enumerate(plan.kind):
        if kind != "fresh":
            continue
        h = int(rows.hh[i])
        if h in first_at:
            if py.random() < 0.3:
                refs[i] = refs[first_at[h]]
        else:
            first_at[h] = i


def _shape_cluster(
    py: random.Random,
    rng: np.random.Generator,
    c: Cluster,
    rows: Rows,
    t: np.ndarray,
    src: list[str],
    cat: list[str],
    refs: list[str],
    end: int,
) -> None:
    anchor = c.rows[0]
    phone = rows.cols["phone"][anchor] or f"07{py.randint(400, 999)} {py.randint(0, 999999):06d}"
    domain = f"{py.choice(_DOMAIN_WORDS)}{py.choice(['mail', 'post', 'inbox'])}.co.uk"
    custom = py.random() < 0.5
    base = rows.cols["email"][anchor].split("@")[0] or "signup"
    clock = int(t[anchor])
    for j, r in enumerate(c.rows):
        if j:
            clock = min(end, clock + py.randint(15, 240))
        t[r] = clock
        src[r], cat[r] = src[anchor], cat[anchor]
        if "phone" in c.shared:
            rows.cols["phone"][r] = phone
        if "payment_ref" in c.shared:
            refs[r] = refs[anchor]
        if "email_domain" in c.shared:
            first = "".join(ch for ch in rows.cols["first_name"][r].lower() if ch.isalnum())
            last = "".join(ch for ch in rows.cols["last_name"][r].lower() if ch.isalnum())
            rows.cols["email"][r] = (
                f"{first}.{last}{py.randint(1, 99)}@{domain}"
                if custom
                else f"{base}+{j + 1}@gmail.com"
            )


def expelled_dates(py: random.Random, start: datetime, mrows: Rows, xrows: Rows) -> list[str]:
    """The expulsion date: when the member's status changed, else years ago."""
    when = {
        int(p): changed[:10]
        for p, status, changed in zip(
            mrows.pid.tolist(), mrows.cols["status"], mrows.cols["status_changed_at"], strict=True
        )
        if status == "expelled"
    }
    today = start.date().toordinal()
    return [
        when.get(p) or date.fromordinal(today - py.randint(200, 15 * 365)).isoformat()
        for p in xrows.pid.tolist()
    ]


def register(
    py: random.Random,
    rng: np.random.Generator,
    pop: Population,
    places: Places,
    hhs: Households,
    names: Names,
    plan: AppPlan,
    member_pids: np.ndarray,
    unregistered: set[int],
    register_only: list[int],
    start: datetime,
) -> Rows:
    """The register: nearly every adult (and 16-17 year-old attainers) at their home address;
    a few percent of applicants and members are missing, as in 2015-16."""
    n = len(pop)
    ages = age_on(pop.dob, start.date())
    on = ages >= 16
    missing = rng.random(n) < 0.06  # the unregistered public
    fresh = np.array(
        [p for p, k in zip(plan.pid, plan.kind, strict=True) if k == "fresh"], dtype=np.int64
    )
    missing[fresh] = rng.random(len(fresh)) < 0.035
    missing[member_pids] = rng.random(len(member_pids)) < 0.03
    missing[np.array(register_only, dtype=np.int64)] = False
    on &= ~missing
    if unregistered:
        on[np.array(sorted(unregistered), dtype=np.int64)] = False
    pids = np.flatnonzero(on)
    pids, hh, attainer, numbers = register_rows(rng, pop, places, hhs, pids, pop.hh[pids], start)
    rows = Rows(pids, hh)
    ft, lt = names.firsts.text, names.surnames.text
    first = [
        f"{ft[f]} {ft[m]}" if m >= 0 else ft[f]
        for f, m in zip(pop.first[pids].tolist(), pop.middle[pids].tolist(), strict=True)
    ]
    married = ages[pids] >= 25
    dob = np.datetime_as_string(
        np.datetime64("1970-01-01", "D") + pop.dob[pids].astype("timedelta64[D]"), unit="D"
    ).tolist()
    rows.cols = {
        "elector_number": numbers,
        "title": titles(rng, pop.sex[pids], married),
        "first_name": first,
        "last_name": [lt[i] for i in pop.last[pids].tolist()],
        "address": [hhs.address[h] for h in hh.tolist()],
        "postcode": [places.postcodes[hhs.unit[h]] for h in hh.tolist()],
        "date_of_birth": [d if a else "" for d, a in zip(dob, attainer.tolist(), strict=True)],
    }
    return rows
