"""What applicants say back, and conflicts of interest declared by reviewers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.cases.guard import load_case
from vetline.db.base import utcnow
from vetline.db.review import CaseStatus, ConflictOfInterest, Notice, Response, User
from vetline.errors import Conflict, InputError
from vetline.users import Permission, require


def record_response(
    session: Session,
    user: User,
    case_id: int,
    *,
    body: str,
    channel: str = "email",
    notice_id: int | None = None,
    now: datetime | None = None,
) -> Response:
    """Record the applicant's answer; an administrative case then goes back to the queue."""
    require(user, Permission.WORK_CASES)
    now = now or utcnow()
    case_row = load_case(session, case_id)
    if not body.strip():
        raise InputError("the response is empty")
    if case_row.status == CaseStatus.CLOSED:
        raise Conflict(f"case {case_id} is closed; an appeal is the way to contest its decision")
    if notice_id is not None:
        # checked here, not left to the foreign key: an unknown id was a 500 at the flush
        notice = session.get(Notice, notice_id)
        if notice is None or (notice.application_id, notice.member_id) != (
            case_row.application_id,
            case_row.member_id,
        ):
            raise InputError(f"notice {notice_id} was not sent to this case's applicant")
    response = Response(
        case_id=case_id,
        notice_id=notice_id,
        body=body.strip(),
        channel=channel,
        received_at=now,
        recorded_by_id=user.id,
    )
    session.add(response)
    before = case_row.status
    if case_row.status == CaseStatus.AWAITING_RESPONSE:
        case_row.status = CaseStatus.OPEN
    case_row.updated_at = now
    session.flush()
    late = case_row.due_at is not None and now > case_row.due_at
    audit.record(
        session,
        actor=user.name,
        action="case.response",
        entity="case",
        entity_id=case_id,
        before={"status": before},
        after={"status": case_row.status, "response_id": response.id, "late": late},
        at=now,
    )
    return response


def declare_conflict(
    session: Session, user: User, case_id: int, *, reason: str, now: datetime | None = None
) -> ConflictOfInterest:
    """Keep `user` off this case (and any appeal of it); a claim they hold is released."""
    require(user, Permission.READ_CASES)
    now = now or utcnow()
    case_row = load_case(session, case_id)
    if not reason.strip():
        raise InputError("say what the conflict is (it stays on the record)")
    existing = session.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.case_id == case_id, ConflictOfInterest.user_id == user.id
        )
    )
    if existing is not None:
        return existing
    conflict = ConflictOfInterest(
        case_id=case_id, user_id=user.id, reason=reason.strip(), declared_at=now
    )
    session.add(conflict)
    before = case_row.status
    if case_row.status == CaseStatus.CLAIMED and case_row.claimed_by_id == user.id:
        case_row.status = CaseStatus.OPEN
        case_row.claimed_by_id = None
        case_row.claimed_at = None
        case_row.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="case.conflict",
        entity="case",
        entity_id=case_id,
        before={"status": before},
        after={"status": case_row.status, "conflict_id": conflict.id},
        reason=conflict.reason,
        at=now,
    )
    return conflict
