"""Coordinated sign-ups: groups of applications sharing contact or payment details in a short time.

These are leads for a person to look at, never verdicts: families share an address, couples a
phone, and a student hall a postcode. Each lead lists exactly what is shared, by whom and when,
so the reviewer can judge. Applications are linked when they share a normalised email, phone,
payment fingerprint, address (with postcode) or an uncommon email domain, and applied within
`window` of each other; the links are joined transitively into clusters.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import timedelta
from itertools import pairwise
from typing import Any

from vetline.oversight.records import ApplicationRecord
from vetline.people.addresses import normalise_address
from vetline.people.emails import DOTS_IGNORED, PLUS_TAGS, normalise_email
from vetline.people.phones import normalise_phone


def _email(r: ApplicationRecord) -> str | None:
    return normalise_email(r.email) or None  # Gmail dots and +tags reach one mailbox


def _phone(r: ApplicationRecord) -> str | None:
    return normalise_phone(r.phone) or None


def _payment(r: ApplicationRecord) -> str | None:
    return r.payment_ref.strip() if r.payment_ref and r.payment_ref.strip() else None


def _address(r: ApplicationRecord) -> str | None:
    if not r.address or not r.postcode:
        return None
    postcode = re.sub(r"\s+", "", r.postcode.upper())
    return f"{normalise_address(r.address)}|{postcode}"


def _domain(r: ApplicationRecord) -> str | None:
    email = normalise_email(r.email)
    domain = email.rpartition("@")[2]
    return domain if domain and domain not in COMMON_DOMAINS else None


KEYS: dict[str, Callable[[ApplicationRecord], str | None]] = {
    "email": _email,
    "phone": _phone,
    "payment_ref": _payment,
    "address": _address,
    "email_domain": _domain,
}
# A household shares an address: it alone is weak; a shared payment fingerprint is strong.
WEIGHT = {"payment_ref": 3, "email": 2, "phone": 2, "address": 1, "email_domain": 1}
# Mail providers and ISPs used by millions: sharing one says nothing.
COMMON_DOMAINS = (
    PLUS_TAGS
    | DOTS_IGNORED
    | frozenset(
        {
            "aol.com",
            "btinternet.com",
            "btopenworld.com",
            "gmx.com",
            "gmx.co.uk",
            "mail.com",
            "msn.com",
            "ntlworld.com",
            "sky.com",
            "talktalk.net",
            "tiscali.co.uk",
            "virginmedia.com",
            "ymail.com",
        }
    )
)
# An uncommon domain links applications only if few use it at all (an employer's domain
# shared by hundreds would chain a whole workforce into one "cluster").
RARE_DOMAIN_MAX = 25
# Sign-ups typically this close together look scripted or organised, not like a family.
RAPID_MINUTES = 30.0


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
    window: timedelta = timedelta(hours=24),
    min_size: int = 3,
    keys: Sequence[str] = ("email", "phone", "payment_ref", "address", "email_domain"),
) -> list[dict[str, Any]]:
    """Leads: clusters of >= `min_size` applications linked by shared details within `window`."""
    by_id = {a.id: a for a in apps}
    uf = _Union()
    shared: dict[tuple[int, int], set[str]] = defaultdict(set)
    # each value computed once per application (an address or email normalised once)
    address_of = {a.id: _address(a) for a in apps}
    email_of = {a.id: _email(a) for a in apps}
    cached = {"address": address_of, "email": email_of}
    for key in keys:
        groups: dict[str, list[ApplicationRecord]] = defaultdict(list)
        for a in apps:
            if key in cached:
                value = cached[key][a.id]
            elif key == "email_domain":
                email = email_of[a.id]
                domain = email.rpartition("@")[2] if email else ""
                value = domain if domain and domain not in COMMON_DOMAINS else None
            else:
                value = KEYS[key](a)
            if value is not None:
                groups[value].append(a)
        for members in groups.values():
            if len(members) < 2 or (key == "email_domain" and len(members) > RARE_DOMAIN_MAX):
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
    kinds_of: dict[int, Counter[str]] = defaultdict(Counter)
    for pair, ks in shared.items():
        # a shared domain is implied by a shared email: count the stronger link only
        kinds_of[uf.find(pair[0])].update(ks - {"email_domain"} if "email" in ks else ks)
    leads: list[dict[str, Any]] = []
    for root, ids in members_of.items():
        if len(ids) < min_size:
            continue
        ids.sort()
        kinds = kinds_of[root]
        records = [by_id[i] for i in ids]
        times = sorted(r.applied_at for r in records)
        sources = Counter(r.source for r in records)
        strength = sum(WEIGHT[k] for k in kinds)
        addresses = {address_of[r.id] for r in records}
        gaps = [(b - a).total_seconds() / 60 for a, b in pairwise(times)]
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
                # everyone at one address: most likely a family signing up together
                "one_household": len(addresses) == 1 and None not in addresses,
                "median_gap_minutes": round(sorted(gaps)[len(gaps) // 2], 1),
            }
        )
    # a single household last; rapid-fire sign-ups (minutes apart) first; then the strongest
    # evidence, the bigger group, the tighter in time
    leads.sort(
        key=lambda c: (
            c["one_household"] or c["address_only"],
            c["median_gap_minutes"] > RAPID_MINUTES,
            -c["strength"],
            -c["size"],
            c["median_gap_minutes"],
            c["application_ids"][0],
        )
    )
    for number, lead in enumerate(leads, 1):
        lead["lead"] = number
    return leads
