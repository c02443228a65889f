"""What the case page shows: applicant (or member) and matched record side by side, each field's
agreement, the score explained, the clauses, notices, responses and the decision history.

Read-only presentation of the review domain's tables; every change goes through vetline.cases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline.cases.subject import hits_about
from vetline.db.people import Application, Member, ReferenceEntry, ReferenceList
from vetline.db.review import (
    Appeal,
    Case,
    CaseKind,
    CaseStatus,
    Decision,
    Notice,
    Response,
    User,
)
from vetline.db.screening import Hit
from vetline.errors import NotFound
from vetline.matching.explain import level_agreement

FIELDS: tuple[tuple[str, str], ...] = (
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("date_of_birth", "Date of birth"),
    ("address", "Address"),
    ("postcode", "Postcode"),
    ("email", "Email"),
    ("phone", "Phone"),
)
# the comparison that decides each displayed field's highlight
_COMPARED_AS = {"postcode": "address"}
BAND_TEXT = {
    "match": "strong evidence beyond the name that it is the same person",
    "possible": "some agreement: a person must check",
    "name-only": "only the name could be compared: the name alone cannot show it is the "
    "same person",
}


def agreement(level: str | None) -> tuple[str, str]:
    """(css class, words for screen readers) for a comparison level."""
    said = level_agreement(level)
    if said == "missing":
        return "missing", "not compared (missing on one side)"
    if said == "agrees":
        return "agree", "agrees"
    if said == "differs":
        return "disagree", "differs"
    return "partial", f"partly agrees ({level})"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class FieldRow:
    label: str
    applicant: str
    matched: str
    css: str
    words: str
    level: str
    weight: float | None
    detail: str


@dataclass
class Evidence:
    hit: Hit
    source: str  # "Expelled members list 'expelled' v3", "existing member", ...
    matched_id: str
    rows: list[FieldRow]
    other_terms: list[dict[str, Any]]  # prior, name-only penalty: the rest of the score
    log2_odds: float
    band_text: str
    matched_extra: dict[str, str] = field(default_factory=dict)


@dataclass
class _Matched:
    """Every record the hits point at, loaded in one query per table (not one per hit)."""

    entries: dict[int, ReferenceEntry]
    lists: dict[int, ReferenceList]
    members: dict[int, Member]
    applications: dict[int, Application]


def _by_id(session: Session, model: Any, ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows: list[Any] = list(session.scalars(select(model).where(model.id.in_(ids))))
    return {row.id: row for row in rows}


def load_matched(session: Session, hits: list[Hit]) -> _Matched:
    def ids(attr: str) -> set[int]:
        return {v for h in hits if (v := getattr(h, attr)) is not None}

    on_lists = [h for h in hits if h.reference_entry_id is not None]
    return _Matched(
        entries=_by_id(session, ReferenceEntry, ids("reference_entry_id")),
        lists=_by_id(session, ReferenceList, {h.list_id for h in on_lists if h.list_id}),
        members=_by_id(session, Member, ids("member_id")),
        applications=_by_id(session, Application, ids("other_application_id")),
    )


def _matched(found: _Matched, hit: Hit) -> tuple[Any, str, str, dict[str, str]]:
    if hit.reference_entry_id is not None:
        entry = found.entries.get(hit.reference_entry_id)
        lst = found.lists.get(hit.list_id) if hit.list_id else None
        source = (
            f"reference list “{lst.name}” ({lst.kind}), version {hit.list_version}"
            if lst
            else "reference list"
        )
        extra = {}
        if entry is not None:
            extra = {
                k: _text(getattr(entry, k))
                for k in ("party", "role", "event_date")
                if getattr(entry, k)
            }
        return entry, source, entry.external_id if entry else "?", extra
    if hit.member_id is not None:
        member = found.members.get(hit.member_id)
        extra = {"status": member.status} if member else {}
        return member, "existing member", member.external_id if member else "?", extra
    other = found.applications.get(hit.other_application_id) if hit.other_application_id else None
    return other, "another application", other.external_id if other else "?", {}


def evidence(applicant: Application | Member, hit: Hit, found: _Matched) -> Evidence:
    record, source, matched_id, extra = _matched(found, hit)
    by_field = {str(item.get("field")): item for item in hit.explanation}
    rows = []
    for name, label in FIELDS:
        item = by_field.get(_COMPARED_AS.get(name, name))
        level = str(item["level"]) if item else "missing"
        css, words = agreement(level)
        rows.append(
            FieldRow(
                label=label,
                applicant=_text(getattr(applicant, name)),
                matched=_text(getattr(record, name, None)) if record is not None else "",
                css=css,
                words=words,
                level=level,
                weight=float(item["weight"]) if item and name not in _COMPARED_AS else None,
                detail=str(item.get("detail", "")) if item else "",
            )
        )
    fields = {n for n, _ in FIELDS} | set(_COMPARED_AS.values())
    others = [dict(i) for i in hit.explanation if str(i.get("field")) not in fields]
    log2_odds = sum(float(i.get("weight", 0.0)) for i in hit.explanation)
    return Evidence(
        hit=hit,
        source=source,
        matched_id=matched_id,
        rows=rows,
        other_terms=others,
        log2_odds=log2_odds,
        band_text=BAND_TEXT.get(hit.band, hit.band),
        matched_extra=extra,
    )


def probability(log2_odds: float) -> float:
    return 1.0 / (1.0 + math.pow(2.0, -log2_odds))


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    return {int(uid): str(name) for uid, name in rows}


def case_view(session: Session, case_id: int) -> dict[str, Any]:
    # the case and its applicant (or member) in one round trip
    row = session.execute(
        select(Case, Application, Member)
        .outerjoin(Application, Application.id == Case.application_id)
        .outerjoin(Member, Member.id == Case.member_id)
        .where(Case.id == case_id)
    ).first()
    if row is None:
        raise NotFound(f"no case {case_id}")
    case = row[0]
    applicant: Application | Member = row[1] or row[2]
    sent_to = (
        Notice.member_id == applicant.id
        if isinstance(applicant, Member)
        else Notice.application_id == applicant.id
    )
    hit_ids = list(case.evidence_hit_ids)
    hits = (
        list(session.scalars(select(Hit).where(Hit.id.in_(hit_ids)).order_by(Hit.score.desc())))
        if hit_ids
        else []
    )
    if not hits:  # an appeal or an administrative case without cited hits: show all hits
        hits = list(session.scalars(select(Hit).where(hits_about(case)).order_by(Hit.score.desc())))
    decisions = list(
        session.scalars(select(Decision).where(Decision.case_id == case.id).order_by(Decision.id))
    )
    notices = list(session.scalars(select(Notice).where(sent_to).order_by(Notice.id)))
    responses = list(
        session.scalars(select(Response).where(Response.case_id == case.id).order_by(Response.id))
    )
    # only the queries this case can need: an open case has no appeal yet, a review case
    # appeals nothing
    appeals = (
        list(
            session.scalars(
                select(Appeal).where(Appeal.original_case_id == case.id).order_by(Appeal.id)
            )
        )
        if case.status == CaseStatus.CLOSED
        else []
    )
    appeal_of = (
        session.scalar(select(Appeal).where(Appeal.case_id == case.id))
        if case.kind == CaseKind.APPEAL
        else None
    )
    found = load_matched(session, hits)
    ids = {d.actor_id for d in decisions} | {r.recorded_by_id for r in responses}
    if case.claimed_by_id:
        ids.add(case.claimed_by_id)
    return {
        "case": case,
        "applicant": applicant,
        "subject": "member" if isinstance(applicant, Member) else "applicant",
        "evidence": [evidence(applicant, h, found) for h in hits],
        "decisions": decisions,
        "notices": notices,
        "responses": responses,
        "appeals": appeals,
        "appeal_of": appeal_of,
        "names": _names(session, ids),
    }
