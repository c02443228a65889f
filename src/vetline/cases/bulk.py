"""Administrative track after the deadline: one person prepares the batch of unanswered fix-it
cases (with a random sample to check by eye), a different senior confirms it."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.cases.decide import close
from vetline.cases.queue import CaseSummary, summarise
from vetline.db.base import utcnow
from vetline.db.review import (
    BulkConfirmation,
    Case,
    CaseOutcome,
    CaseStatus,
    Decision,
    DecisionKind,
    Notice,
    Track,
    User,
)
from vetline.errors import Conflict, NotFound, PermissionDenied
from vetline.rulebook.store import stored_by_label
from vetline.users import Permission, require


@dataclass(frozen=True)
class BulkPreview:
    batch_id: int
    cutoff_at: datetime
    cases: int
    sample: list[CaseSummary]


def _overdue(session: Session, cutoff: datetime) -> list[Case]:
    return list(
        session.scalars(
            select(Case)
            .where(
                Case.track == Track.ADMINISTRATIVE,
                Case.status == CaseStatus.AWAITING_RESPONSE,
                Case.due_at < cutoff,
            )
            .order_by(Case.id)
        )
    )


def prepare_bulk(
    session: Session,
    user: User,
    *,
    now: datetime | None = None,
    sample_size: int = 10,
    seed: int | None = None,
) -> BulkPreview:
    """Collect the fix-it cases whose deadline passed without an answer, and draw a sample."""
    require(user, Permission.WORK_CASES)
    now = now or utcnow()
    cases = _overdue(session, now)
    if not cases:
        raise Conflict("no administrative cases are past their deadline without a response")
    rng = random.Random(seed if seed is not None else secrets.randbits(64))
    sample = sorted(rng.sample(cases, min(sample_size, len(cases))), key=lambda c: c.id)
    batch = BulkConfirmation(
        cutoff_at=now,
        case_ids=[c.id for c in cases],
        sample_case_ids=[c.id for c in sample],
        prepared_by_id=user.id,
        prepared_at=now,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="bulk.prepare",
        entity="bulk_confirmation",
        entity_id=batch.id,
        after={"cases": len(cases), "sample_case_ids": batch.sample_case_ids},
        at=now,
    )
    return BulkPreview(batch.id, now, len(cases), [summarise(session, c) for c in sample])


def confirm_bulk(
    session: Session, user: User, batch_id: int, *, now: datetime | None = None
) -> int:
    """A second, different senior confirms: each still-unanswered case is closed as refused."""
    require(user, Permission.APPROVE)
    now = now or utcnow()
    batch = session.get(BulkConfirmation, batch_id)
    if batch is None:
        raise NotFound(f"no bulk batch {batch_id}")
    if batch.confirmed_at is not None:
        raise Conflict(f"bulk batch {batch_id} was already confirmed")
    if batch.prepared_by_id == user.id:
        raise PermissionDenied(
            f"four eyes: {user.name} prepared batch {batch_id}; a different senior must confirm it"
        )
    closed = 0
    for case_row in session.scalars(select(Case).where(Case.id.in_(batch.case_ids))):
        if case_row.status != CaseStatus.AWAITING_RESPONSE:
            continue  # answered (or handled) since the batch was prepared
        notice_ids = list(session.scalars(select(Notice.id).where(Notice.case_id == case_row.id)))
        decision = Decision(
            case_id=case_row.id,
            kind=DecisionKind.BULK,
            outcome=CaseOutcome.REJECT,
            is_final=True,
            reason=(
                f"No response to the fix-it notice by "
                f"{case_row.due_at:%d %B %Y}; confirmed in bulk batch {batch_id}."
                if case_row.due_at
                else f"No response to the fix-it notice; confirmed in bulk batch {batch_id}."
            ),
            clause_ids=list(case_row.clause_ids),
            evidence={
                "notice_ids": notice_ids,
                "batch_id": batch_id,
                "prepared_by_id": batch.prepared_by_id,
            },
            rulebook_version=case_row.rulebook_version,
            actor_id=user.id,
            created_at=now,
        )
        session.add(decision)
        session.flush()
        close(
            session,
            case_row,
            decision,
            stored_by_label(session, case_row.rulebook_version),
            user,
            now,
        )
        closed += 1
    batch.confirmed_by_id = user.id
    batch.confirmed_at = now
    audit.record(
        session,
        actor=user.name,
        action="bulk.confirm",
        entity="bulk_confirmation",
        entity_id=batch_id,
        after={"closed": closed, "of": len(batch.case_ids)},
        at=now,
    )
    return closed
