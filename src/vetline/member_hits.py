"""Hits on existing members, for people to review.

A new version of a reference list is screened against the current membership as well as the
applications (vetline.rescreen), and so is a member whose own record changed
(vetline.member_rescreen). What it finds on a member is a flag, not a decision: it never
changes the membership. This list is where a reviewer sees a member who turns up on another
party's list, the expelled or a candidate list; where the rulebook referred the hits, the
case about the member (vetline.cases.members) is named beside them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Member, ReferenceEntry, ReferenceList
from vetline.db.review import Case, CaseKind
from vetline.db.screening import Hit


@dataclass(frozen=True)
class MemberHit:
    hit_id: int
    member_id: int
    member_external_id: str
    member_name: str
    member_status: str
    list_name: str
    list_kind: str
    list_version: int | None
    new_in_version: int | None
    entry_external_id: str
    entry_name: str
    score: float
    band: str
    explanation: list[dict[str, Any]]
    created_at: datetime
    case_id: int | None = None  # the latest case about the member, if the rulebook opened one


def _name(first: str | None, last: str | None) -> str:
    return " ".join(p for p in (first, last) if p)


def member_hits(
    session: Session,
    *,
    list_name: str | None = None,
    new_in_version: int | None = None,
    limit: int | None = None,
) -> list[MemberHit]:
    """Standing member hits, best first: not superseded, entry still listed, list active."""
    query = (
        select(Hit, Member, ReferenceList, ReferenceEntry)
        .join(Member, Hit.subject_member_id == Member.id)
        .join(ReferenceList, Hit.list_id == ReferenceList.id)
        .join(ReferenceEntry, Hit.reference_entry_id == ReferenceEntry.id)
        .where(
            Hit.superseded_at.is_(None),
            ReferenceList.active.is_(True),
            ReferenceEntry.removed_in_version.is_(None),
        )
        .order_by(Hit.score.desc(), Hit.id)
    )
    if list_name is not None:
        query = query.where(ReferenceList.name == list_name)
    if new_in_version is not None:
        query = query.where(Hit.new_in_version == new_in_version)
    if limit is not None:
        query = query.limit(limit)
    rows = session.execute(query).all()
    members = {member.id for _hit, member, _lst, _entry in rows}
    cases: dict[int, int] = (
        {
            int(m): int(c)
            for m, c in session.execute(
                select(Case.member_id, func.max(Case.id))
                .where(Case.member_id.in_(members), Case.kind == CaseKind.REVIEW)
                .group_by(Case.member_id)
            )
            if m is not None
        }
        if members
        else {}
    )
    return [
        MemberHit(
            hit_id=hit.id,
            member_id=member.id,
            member_external_id=member.external_id,
            member_name=_name(member.first_name, member.last_name),
            member_status=member.status,
            list_name=lst.name,
            list_kind=lst.kind,
            list_version=hit.list_version,
            new_in_version=hit.new_in_version,
            entry_external_id=entry.external_id,
            entry_name=_name(entry.first_name, entry.last_name),
            score=hit.score,
            band=hit.band,
            explanation=hit.explanation,
            created_at=hit.created_at,
            case_id=cases.get(member.id),
        )
        for hit, member, lst, entry in rows
    ]
