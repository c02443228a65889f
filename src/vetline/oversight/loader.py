"""Read the oversight inputs from the database: applications with their outcomes, and cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Application, ApplicationStatus
from vetline.db.review import Case, CaseKind, CaseOutcome, CaseStatus, Decision, DecisionKind, User
from vetline.db.screening import Hit
from vetline.oversight.records import NO_SOURCE, ApplicationRecord, CaseRecord

WORK = (DecisionKind.PROPOSAL, DecisionKind.DECISION, DecisionKind.BULK)


def load_cases(session: Session) -> list[CaseRecord]:
    """Every case; the reviewer is whoever last proposed or decided its outcome."""
    worker: dict[int, str] = {}
    rows = session.execute(
        select(Decision.case_id, User.name)
        .join(User, User.id == Decision.actor_id)
        .where(Decision.kind.in_(WORK))
        .order_by(Decision.case_id, Decision.created_at, Decision.id)
    )
    for case_id, name in rows:
        worker[case_id] = name
    out = []
    for c in session.scalars(select(Case).order_by(Case.id)):
        closed = c.status == CaseStatus.CLOSED
        out.append(
            CaseRecord(
                id=c.id,
                track="appeal" if c.kind == CaseKind.APPEAL else c.track,
                opened_at=c.opened_at,
                closed_at=c.closed_at if closed else None,
                reviewer=worker.get(c.id),
                adverse=(c.final_outcome in CaseOutcome.ADVERSE) if closed else None,
            )
        )
    return out


def load_applications(session: Session) -> list[ApplicationRecord]:
    """Every application with: any hit, referred to a case, decided, excluded."""
    with_hits = set(session.scalars(select(Hit.application_id).distinct()))
    referred: set[int] = set()
    adverse: set[int] = set()
    admitted: set[int] = set()
    overturned: set[int] = set()
    for c in session.scalars(select(Case)):
        if c.kind == CaseKind.APPEAL:
            if c.status == CaseStatus.CLOSED and c.final_outcome == CaseOutcome.OVERTURN:
                overturned.add(c.application_id)
            continue
        if c.track == "conduct":
            referred.add(c.application_id)
        if c.status == CaseStatus.CLOSED:
            if c.final_outcome in CaseOutcome.ADVERSE:
                adverse.add(c.application_id)
            elif c.final_outcome is not None:
                admitted.add(c.application_id)
    out = []
    for a in session.scalars(select(Application).order_by(Application.id)):
        excluded = (a.status == ApplicationStatus.REJECTED or a.id in adverse) and (
            a.id not in overturned
        )
        decided = (
            excluded
            or a.id in admitted
            or a.id in overturned
            or a.status in (ApplicationStatus.ADMITTED, ApplicationStatus.PROVISIONAL)
        )
        out.append(
            ApplicationRecord(
                id=a.id,
                applied_at=a.applied_at,
                source=a.source or NO_SOURCE,
                email=a.email,
                phone=a.phone,
                payment_ref=a.payment_ref,
                address=a.address,
                postcode=a.postcode,
                has_hit=a.id in with_hits,
                referred=a.id in referred or a.status == ApplicationStatus.REFERRED,
                decided=decided,
                excluded=excluded,
            )
        )
    return out


def not_yet_screened(session: Session) -> int:
    """Applications still waiting for screening: they may add cases to the backlog."""
    query = select(func.count()).where(Application.status == ApplicationStatus.RECEIVED)
    return session.scalar(query) or 0


def latest_event(apps: list[ApplicationRecord], cases: list[CaseRecord]) -> datetime | None:
    """The latest thing that happened in the data: the report's default 'as of'."""
    moments = [a.applied_at for a in apps] + [c.opened_at for c in cases]
    moments += [c.closed_at for c in cases if c.closed_at is not None]
    return max(moments) if moments else None
