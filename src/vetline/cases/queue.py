"""The review queue and claims.

Order: cases that decide a ballot vote before the freeze date first (the applicant applied, or
the member joined, in time to vote), then strength of evidence, then age. A case is about an
application or about an existing member; both wait in the one queue. Claiming is a conditional
update (and `SKIP LOCKED` on PostgreSQL), so two reviewers never hold the same case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session, aliased

from vetline import audit
from vetline.cases.guard import check_may_work, involved_in_original, is_conflicted, load_case
from vetline.cases.subject import case_subject
from vetline.db.base import utcnow
from vetline.db.people import Application, Member
from vetline.db.review import Case, CaseStatus, ConflictOfInterest, Decision, User
from vetline.errors import Conflict, PermissionDenied
from vetline.users import Permission, require

CLAIM_TTL = timedelta(hours=4)  # a claim left this long goes back to the queue


@dataclass(frozen=True)
class CaseSummary:
    id: int
    application_id: int | None  # exactly one of these two is set
    applicant: str  # the applicant's or the member's name
    external_id: str
    source: str | None
    kind: str
    track: str
    status: str
    clause_ids: list[str]
    evidence_score: float
    opened_at: datetime
    due_at: datetime | None
    claimed_by: str | None
    final_outcome: str | None
    appeal_of_case_id: int | None
    member_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(self).items()}


def _summary(case_row: Case, app: Application | Member | None, claimer: str | None) -> CaseSummary:
    assert app is not None, f"case {case_row.id} has no subject"
    return CaseSummary(
        id=case_row.id,
        application_id=case_row.application_id,
        member_id=case_row.member_id,
        applicant=" ".join(p for p in (app.first_name, app.last_name) if p),
        external_id=app.external_id,
        source=app.source if isinstance(app, Application) else None,
        kind=case_row.kind,
        track=case_row.track,
        status=case_row.status,
        clause_ids=list(case_row.clause_ids),
        evidence_score=case_row.evidence_score,
        opened_at=case_row.opened_at,
        due_at=case_row.due_at,
        claimed_by=claimer,
        final_outcome=case_row.final_outcome,
        appeal_of_case_id=case_row.appeal_of_case_id,
    )


def summarise(session: Session, case_row: Case) -> CaseSummary:
    app = case_subject(session, case_row)
    claimer = session.get(User, case_row.claimed_by_id) if case_row.claimed_by_id else None
    return _summary(case_row, app, claimer.name if claimer else None)


def _priority(freeze_at: datetime | None) -> list[Any]:
    joined = func.coalesce(Application.applied_at, Member.joined_at)
    decides_vote: ColumnElement[Any] = (
        case((joined <= freeze_at, 1), else_=0) if freeze_at else literal(0)
    )
    # cases someone can act on now come before fix-it cases still waiting for the applicant
    waiting = case((Case.status == CaseStatus.AWAITING_RESPONSE, 1), else_=0)
    return [waiting, decides_vote.desc(), Case.evidence_score.desc(), Case.opened_at, Case.id]


def list_queue(
    session: Session,
    user: User,
    *,
    status: str | None = None,
    track: str | None = None,
    freeze_at: datetime | None = None,
    include_closed: bool = False,
    overdue_at: datetime | None = None,
    limit: int = 100,
) -> list[CaseSummary]:
    """Cases in priority order (open and in-progress ones unless a status is given);
    `overdue_at`: only cases whose deadline passed before then."""
    require(user, Permission.READ_CASES)
    query = (
        select(Case, Application, Member, User.name)
        # each case's applicant or member: one of the two is there
        .outerjoin(Application, Application.id == Case.application_id)
        .outerjoin(Member, Member.id == Case.member_id)
        .outerjoin(User, User.id == Case.claimed_by_id)
        .order_by(*_priority(freeze_at))
        .limit(limit)
    )
    if status is not None:
        query = query.where(Case.status == status)
    elif not include_closed:
        query = query.where(Case.status != CaseStatus.CLOSED)
    if track is not None:
        query = query.where(Case.track == track)
    if overdue_at is not None:
        query = query.where(Case.due_at < overdue_at)
    return [_summary(c, a or m, n) for c, a, m, n in session.execute(query).all()]


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        Case.status == CaseStatus.OPEN,
        and_(Case.status == CaseStatus.CLAIMED, Case.claimed_at < now - CLAIM_TTL),
    )


def _take(session: Session, case_row: Case, user: User, now: datetime) -> bool:
    result = session.execute(
        update(Case)
        .where(Case.id == case_row.id, _claimable(now))
        .values(status=CaseStatus.CLAIMED, claimed_by_id=user.id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    session.refresh(case_row)
    audit.record(
        session,
        actor=user.name,
        action="case.claim",
        entity="case",
        entity_id=case_row.id,
        after={"status": CaseStatus.CLAIMED, "claimed_by": user.name},
        rulebook_version=case_row.rulebook_version,
        at=now,
    )
    return True


def claim_next(
    session: Session,
    user: User,
    *,
    track: str | None = None,
    freeze_at: datetime | None = None,
    now: datetime | None = None,
) -> CaseSummary | None:
    """Give the user the most urgent case they may work on (or the one they already hold)."""
    require(user, Permission.WORK_CASES)
    now = now or utcnow()
    held = session.scalar(
        select(Case).where(Case.claimed_by_id == user.id, Case.status == CaseStatus.CLAIMED)
    )
    if held is not None:
        return summarise(session, held)
    # keep the user off conflicted cases and appeals of cases they touched, in SQL, so the
    # locking query below can take one row at a time
    original = aliased(Case)
    conflicted = exists().where(
        ConflictOfInterest.user_id == user.id,
        or_(
            ConflictOfInterest.case_id == Case.id,
            ConflictOfInterest.case_id == Case.appeal_of_case_id,
        ),
    )
    decided_original = exists().where(
        Decision.case_id == Case.appeal_of_case_id, Decision.actor_id == user.id
    )
    claimed_original = exists().where(
        original.id == Case.appeal_of_case_id, original.claimed_by_id == user.id
    )
    query = (
        select(Case)
        .outerjoin(Application, Application.id == Case.application_id)
        .outerjoin(Member, Member.id == Case.member_id)
        .where(_claimable(now), ~conflicted, ~decided_original, ~claimed_original)
        .order_by(*_priority(freeze_at))
        .limit(1)
    )
    if track is not None:
        query = query.where(Case.track == track)
    if session.get_bind().dialect.name == "postgresql":
        # lock only the row we are about to take; rows other reviewers hold are skipped
        query = query.with_for_update(skip_locked=True, of=Case)
    for _attempt in range(5):
        candidate = session.scalars(query).first()
        if candidate is None:
            return None
        if is_conflicted(session, candidate, user) or involved_in_original(
            session, candidate, user
        ):  # pragma: no cover - the SQL filter above already excludes these
            return None
        if _take(session, candidate, user, now):
            return summarise(session, candidate)
    return None


def claim(
    session: Session, user: User, case_id: int, *, now: datetime | None = None
) -> CaseSummary:
    """Claim one named case (refused when someone else holds it)."""
    now = now or utcnow()
    case_row = load_case(session, case_id)
    check_may_work(session, case_row, user, Permission.WORK_CASES)
    if case_row.claimed_by_id == user.id and case_row.status == CaseStatus.CLAIMED:
        return summarise(session, case_row)
    if not _take(session, case_row, user, now):
        raise Conflict(f"case {case_id} is {case_row.status} and cannot be claimed now")
    return summarise(session, case_row)


def release(session: Session, user: User, case_id: int, *, now: datetime | None = None) -> None:
    """Put a claimed case back in the queue."""
    now = now or utcnow()
    case_row = load_case(session, case_id)
    if case_row.status != CaseStatus.CLAIMED or case_row.claimed_by_id != user.id:
        raise PermissionDenied(f"{user.name} does not hold case {case_id}")
    case_row.status = CaseStatus.OPEN
    case_row.claimed_by_id = None
    case_row.claimed_at = None
    case_row.updated_at = now
    audit.record(
        session,
        actor=user.name,
        action="case.release",
        entity="case",
        entity_id=case_id,
        before={"status": CaseStatus.CLAIMED},
        after={"status": CaseStatus.OPEN},
        at=now,
    )
