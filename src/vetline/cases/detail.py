"""Everything a reviewer needs on one screen: applicant (or member), matched records, hits with
their explanations, clauses, notices, responses, decisions and conflicts."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline.cases.guard import load_case
from vetline.cases.queue import CaseSummary, summarise
from vetline.cases.subject import case_subject, hits_about
from vetline.db.people import Application, Member, ReferenceEntry, ReferenceList
from vetline.db.review import (
    Appeal,
    ClearedPair,
    ConflictOfInterest,
    Decision,
    Notice,
    Response,
    User,
)
from vetline.db.screening import Hit
from vetline.rulebook.store import stored_by_label
from vetline.users import Permission, require

_PERSON = ("first_name", "last_name", "date_of_birth", "postcode", "address", "email", "phone")


def _person(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in _PERSON}


@dataclass(frozen=True)
class HitView:
    id: int
    target: str
    list_name: str | None
    list_kind: str | None
    list_version: int | None
    band: str
    score: float
    explanation: list[dict[str, Any]]
    record: dict[str, Any]  # the matched record (reference entry, member or application)
    cleared: bool


@dataclass(frozen=True)
class ClauseView:
    id: str
    title: str
    citation: str
    track: str
    effective_from: date
    appealable: bool
    explanation: str


@dataclass(frozen=True)
class DecisionView:
    id: int
    kind: str
    outcome: str
    is_final: bool
    reason: str
    clause_ids: list[str]
    evidence: dict[str, Any]
    rulebook_version: str
    actor: str
    supersedes_id: int | None
    created_at: datetime


@dataclass(frozen=True)
class CaseDetail:
    case: CaseSummary
    applicant: dict[str, Any]  # the subject's record: an application's, or a member's
    rulebook_version: str
    hits: list[HitView]
    clauses: list[ClauseView]
    notices: list[dict[str, Any]]
    responses: list[dict[str, Any]]
    decisions: list[DecisionView]
    conflicts: list[dict[str, Any]]
    appeal: dict[str, Any] | None
    subject: str = "application"  # or "member": an existing member a reference list matched

    def to_json(self) -> dict[str, Any]:
        def conv(value: Any) -> Any:
            if isinstance(value, datetime | date):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: conv(v) for k, v in value.items()}
            if isinstance(value, list):
                return [conv(v) for v in value]
            return value

        data = asdict(self)
        result: dict[str, Any] = conv(data)
        return result


def _hit_view(session: Session, hit: Hit, cleared: set[str]) -> HitView:
    record: dict[str, Any] = {}
    list_name = list_kind = None
    if hit.reference_entry_id is not None:
        entry = session.get(ReferenceEntry, hit.reference_entry_id)
        if entry is not None:
            record = {
                **_person(entry),
                "external_id": entry.external_id,
                "party": entry.party,
                "role": entry.role,
                "event_date": entry.event_date,
                "details": entry.details,
            }
        rlist = session.get(ReferenceList, hit.list_id) if hit.list_id else None
        if rlist is not None:
            list_name, list_kind = rlist.name, rlist.kind
    elif hit.member_id is not None:
        member = session.get(Member, hit.member_id)
        if member is not None:
            record = {
                **_person(member),
                "external_id": member.external_id,
                "joined_at": member.joined_at,
                "status": member.status,
            }
    elif hit.other_application_id is not None:
        other = session.get(Application, hit.other_application_id)
        if other is not None:
            record = {
                **_person(other),
                "external_id": other.external_id,
                "applied_at": other.applied_at,
                "status": other.status,
            }
    return HitView(
        hit.id,
        hit.target,
        list_name,
        list_kind,
        hit.list_version,
        hit.band,
        hit.score,
        list(hit.explanation or []),
        record,
        hit.pair_hash in cleared,
    )


def _subject_record(app: Application | Member) -> dict[str, Any]:
    common = {**_person(app), "id": app.id, "external_id": app.external_id}
    if isinstance(app, Member):
        return {
            **common,
            "joined_at": app.joined_at,
            "category": app.category,
            "status": app.status,
        }
    return {
        **common,
        "applied_at": app.applied_at,
        "source": app.source,
        "category": app.category,
        "payment_status": app.payment_status,
        "status": app.status,
    }


def case_detail(session: Session, user: User, case_id: int) -> CaseDetail:
    require(user, Permission.READ_CASES)
    case_row = load_case(session, case_id)
    app = case_subject(session, case_row)
    rulebook = stored_by_label(session, case_row.rulebook_version)
    hits = list(session.scalars(select(Hit).where(hits_about(case_row)).order_by(Hit.id)))
    cleared = set(
        session.scalars(
            select(ClearedPair.pair_hash).where(
                ClearedPair.pair_hash.in_([h.pair_hash for h in hits])
            )
        )
    )
    names = dict(session.execute(select(User.id, User.name)).all())
    decisions = [
        DecisionView(
            d.id,
            d.kind,
            d.outcome,
            d.is_final,
            d.reason,
            list(d.clause_ids),
            dict(d.evidence),
            d.rulebook_version,
            names.get(d.actor_id, "?"),
            d.supersedes_id,
            d.created_at,
        )
        for d in session.scalars(
            select(Decision).where(Decision.case_id == case_id).order_by(Decision.id)
        )
    ]
    appeal_row = session.scalar(select(Appeal).where(Appeal.case_id == case_id))
    return CaseDetail(
        case=summarise(session, case_row),
        applicant=_subject_record(app),
        subject="member" if isinstance(app, Member) else "application",
        rulebook_version=case_row.rulebook_version,
        hits=[
            _hit_view(session, h, cleared)
            for h in hits
            if h.id in case_row.evidence_hit_ids or h.pair_hash in cleared
        ]
        or [_hit_view(session, h, cleared) for h in hits],
        clauses=[
            ClauseView(
                c.id,
                c.title,
                c.citation.strip(),
                c.track,
                c.effective_from,
                c.appealable,
                c.explanation.strip(),
            )
            for c in (rulebook.clause(i) for i in case_row.clause_ids if rulebook.has_clause(i))
        ],
        notices=[
            {
                "id": n.id,
                "kind": n.kind,
                "subject": n.subject,
                "respond_by": n.respond_by,
                "created_at": n.created_at,
                "body": n.body,
            }
            for n in session.scalars(
                select(Notice).where(Notice.case_id == case_id).order_by(Notice.id)
            )
        ],
        responses=[
            {
                "id": r.id,
                "body": r.body,
                "channel": r.channel,
                "received_at": r.received_at,
                "recorded_by": names.get(r.recorded_by_id, "?"),
            }
            for r in session.scalars(
                select(Response).where(Response.case_id == case_id).order_by(Response.id)
            )
        ],
        decisions=decisions,
        conflicts=[
            {"user": names.get(c.user_id, "?"), "reason": c.reason, "declared_at": c.declared_at}
            for c in session.scalars(
                select(ConflictOfInterest).where(ConflictOfInterest.case_id == case_id)
            )
        ],
        appeal=None
        if appeal_row is None
        else {
            "original_case_id": appeal_row.original_case_id,
            "original_decision_id": appeal_row.original_decision_id,
            "grounds": appeal_row.grounds,
            "lodged_at": appeal_row.lodged_at,
            "lodged_by": names.get(appeal_row.lodged_by_id, "?"),
        },
    )
