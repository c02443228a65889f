"""Coordinated sign-ups: groups of applications sharing contact or payment details in a short time.

These are leads for a person to look at, never verdicts: families share an address, couples a
phone, and a student hall a postcode. Each lead lists exactly what is shared, by whom and when,
so the reviewer can judge. Applications are linked when they share a normalised email, phone,
payment fingerprint or address (with postcode) and applied within `window` of each other; the
links are joined transitively into clusters.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

from vetline.oversight.records import ApplicationRecord


def _email(r: ApplicationRecord) -> str | None:
    return r.email.strip().lower() if r.email and r.email.strip() else None


def _phone(r: ApplicationRecord) -> str | None:
    digits = re.sub(r"\D", "", r.phone or "")
    if digits.startswith("44"):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else None


def _payment(r: ApplicationRecord) -> str | None:
    return r.payment_ref.strip() if r.payment_ref and r.payment_ref.strip() else None


def _address(r: ApplicationRecord) -> str | None:
    if not r.address or not r.postcode:
        return None
    street = re.sub(r"[^a-z0-9]+", " ", r.address.lower()).strip()
    postcode = re.sub(r"\s+", "", r.postcode.upper())
    return f"{street}|{postcode}"


KEYS: dict[str, Callable[[ApplicationRecord], str | None]] = {
    "email": _email,
    "phone": _phone,
    "payment_ref": _payment,
    "address": _address,
}
# A household shares an address: it alone is weak; a shared payment fingerprint is strong.
WEIGHT = {"payment_ref": 3, "email": 2, "phone": 2, "address": 1}


class _Union:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def clusters(
    apps: Sequence[ApplicationRecord],
    *,
    window: timedelta = timedelta(hours=48),
    min_size: int = 3,
    keys: Sequence[str] = ("email", "phone", "payment_ref", "address"),
) -> list[dict[str, Any]]:
    """Leads: clusters of >= `min_size` applications linked by shared details within `window`."""
    by_id = {a.id: a for a in apps}
    uf = _Union()
    shared: dict[tuple[int, int], set[str]] = defaultdict(set)
    for key in keys:
        groups: dict[str, list[ApplicationRecord]] = defaultdict(list)
        for a in apps:
            value = KEYS[key](a)
            if value is not None:
                groups[value].append(a)
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort(key=lambda r: (r.applied_at, r.id))
            # consecutive neighbours within the window: a chain links the whole burst
            for prev, cur in pairwise(members):
                if cur.applied_at - prev.applied_at <= window:
                    uf.union(prev.id, cur.id)
                    shared[(min(prev.id, cur.id), max(prev.id, cur.id))].add(key)
    members_of: dict[int, list[int]] = defaultdict(list)
    for a_id in {i for pair in shared for i in pair}:
        members_of[uf.find(a_id)].append(a_id)
    leads: list[dict[str, Any]] = []
    for root, ids in members_of.items():
        if len(ids) < min_size:
            continue
        ids.sort()
        kinds: Counter[str] = Counter()
        for pair, ks in shared.items():
            if uf.find(pair[0]) == root:
                kinds.update(ks)
        records = [by_id[i] for i in ids]
        times = sorted(r.applied_at for r in records)
        sources = Counter(r.source for r in records)
        strength = sum(WEIGHT[k] for k in kinds)
        leads.append(
            {
                "application_ids": ids,
                "size": len(ids),
                "shared": dict(sorted(kinds.items())),
                "first_at": times[0].isoformat(),
                "last_at": times[-1].isoformat(),
                "span_hours": round((times[-1] - times[0]).total_seconds() / 3600, 1),
                "sources": dict(sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
                "strength": strength,
                "address_only": set(kinds) == {"address"},
            }
        )
    leads.sort(key=lambda c: (-c["strength"], -c["size"], c["application_ids"][0]))
    for number, lead in enumerate(leads, 1):
        lead["lead"] = number
    return leads
