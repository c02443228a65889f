"""Screening facts: what the rulebook sees about one application (or about one existing member
a reference list matched). Pure data, no database."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class HitFact:
    hit_id: int
    target: str  # reference | member | application
    list_kind: str | None  # for reference hits: candidates, party_members, ...
    band: str
    score: float
    # when the conduct happened (candidacy, expulsion, donation), where the record says
    event_date: date | None = None
    # for application duplicates: the other application came first
    other_is_earlier: bool = False
    # sha256 of both records' content: what people judged, and decision memory, key on it
    pair_hash: str = ""


@dataclass(frozen=True)
class Facts:
    application_id: int | None  # None for a member's facts (member_id below)
    as_of: date  # the application date (a member: the day the hit is judged): rules then apply
    age: int | None = None
    category: str = "member"
    payment_status: str | None = None
    register_checked: bool = False  # an electoral register is loaded, so absence means something
    hits: tuple[HitFact, ...] = ()
    cleared_hit_ids: tuple[int, ...] = field(default_factory=tuple)  # decision memory
    member_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        for hit in data["hits"]:
            if hit["event_date"] is not None:
                hit["event_date"] = hit["event_date"].isoformat()
        data["hits"] = list(data["hits"])
        data["cleared_hit_ids"] = list(data["cleared_hit_ids"])
        return data
