"""Read the oversight inputs from the database: applications with their outcomes, and cases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Application, ApplicationStatus, ListKind, ReferenceList
from vetline.db.review import (
    Case,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    Decision,
    DecisionKind,
    Track,
    User,
)
from vetline.db.screening import Hit, HitTarget
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
                awaiting_applicant=c.status == CaseStatus.AWAITING_RESPONSE,
            )
        )
    return out


def load_applications(session: Session) -> list[ApplicationRecord]:
    """Every application with: a hit on a list of concern, referred to a case, decided, excluded."""
    # a hit that can count against someone: a list of rivals, officers, donors or the expelled —
    # not the electoral register (being on it is required) nor a duplicate (administrative)
    adverse_lists = select(ReferenceList.id).where(ReferenceList.kind != ListKind.REGISTER)
    with_hits = set(
        session.scalars(
            select(Hit.application_id)
            .where(
                Hit.target == HitTarget.REFERENCE,
                Hit.list_id.in_(adverse_lists),
                Hit.application_id.is_not(None),  # hits on members are not applications
            )
            .distinct()
        )
    )
    referred: set[int] = set()
    adverse: set[int] = set()
    admitted: set[int] = set()
    overturned: set[int] = set()
    cases = select(Case.application_id, Case.kind, Case.track, Case.status, Case.final_outcome)
    for app_id, kind, track, status, outcome in session.execute(cases):
        if app_id is None:  # a case about an existing member, not an application
            continue
        closed = status == CaseStatus.CLOSED
        if kind == CaseKind.APPEAL:
            if closed and outcome == CaseOutcome.OVERTURN:
                overturned.add(app_id)
            continue
        if track == Track.CONDUCT:
            referred.add(app_id)
        if closed and outcome in CaseOutcome.ADVERSE:
            adverse.add(app_id)
        elif closed and outcome is not None:
            admitted.add(app_id)
    out = []
    columns = select(
        Application.id,
        Application.applied_at,
        Application.source,
        Application.email,
        Application.phone,
        Application.payment_ref,
        Application.address,
        Application.postcode,
        Application.status,
    ).order_by(Application.id)
    # plain columns, not ORM objects: the dashboard calls this on a 128,000-application surge
    for pk, applied, source, email, phone, ref, address, postcode, status in session.execute(
        columns
    ):
        excluded = (status == ApplicationStatus.REJECTED or pk in adverse) and pk not in overturned
        decided = (
            excluded
            or pk in admitted
            or pk in overturned
            or status in (ApplicationStatus.ADMITTED, ApplicationStatus.PROVISIONAL)
        )
        out.append(
            ApplicationRecord(
                id=pk,
                applied_at=applied,
                source=source or NO_SOURCE,
                email=email,
                phone=phone,
                payment_ref=ref,
                address=address,
                postcode=postcode,
                has_hit=pk in with_hits,
                referred=pk in referred or status == ApplicationStatus.REFERRED,
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
