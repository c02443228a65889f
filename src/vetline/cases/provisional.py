"""The provisional period (e.g. 8 weeks, extendable once by 4): a senior may extend it, and the
extension is a new outcome row that supersedes the old one, never an edit."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.base import utcnow
from vetline.db.people import Application, ApplicationStatus
from vetline.db.review import OutcomeKind, ScreeningOutcome, User
from vetline.errors import Conflict, InputError, NotFound
from vetline.outcomes import current_outcome
from vetline.rulebook.store import stored_rulebook
from vetline.users import Permission, require


def extend_provisional(
    session: Session,
    user: User,
    application_id: int,
    *,
    reason: str,
    now: datetime | None = None,
) -> ScreeningOutcome:
    """Extend the applicant's provisional period once, by the rulebook's extension."""
    require(user, Permission.APPROVE)
    now = now or utcnow()
    app = session.get(Application, application_id)
    if app is None:
        raise NotFound(f"no application {application_id}")
    row = current_outcome(session, application_id)
    if (
        row is None
        or row.outcome != OutcomeKind.PROVISIONAL
        or row.deadline_at is None
        or app.status != ApplicationStatus.PROVISIONAL
    ):
        raise Conflict(f"application {application_id} is not in a provisional period")
    if not reason.strip():
        raise InputError("say why the provisional period is extended")
    rulebook = stored_rulebook(session, row.rulebook_id)
    rules = rulebook.model.provisional
    if rules is None or rules.extension_weeks == 0:
        raise Conflict(f"{rulebook.label} allows no extension of the provisional period")
    if row.facts.get("extended_from") is not None:
        raise Conflict(f"application {application_id}'s provisional period was already extended")
    if now > row.deadline_at:
        raise Conflict(f"the provisional period ended on {row.deadline_at:%Y-%m-%d}")
    extended = ScreeningOutcome(
        application_id=application_id,
        rulebook_id=row.rulebook_id,
        rulebook_version=row.rulebook_version,
        clause_ids=list(row.clause_ids),
        outcome=row.outcome,
        track=row.track,
        facts={**row.facts, "extended_from": row.id, "extension_reason": reason.strip()},
        evidence_hit_ids=list(row.evidence_hit_ids),
        deadline_at=row.deadline_at + timedelta(weeks=rules.extension_weeks),
        actor=user.name,
        created_at=now,
    )
    session.add(extended)
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="provisional.extend",
        entity="application",
        entity_id=application_id,
        before={"deadline_at": row.deadline_at, "outcome_id": row.id},
        after={"deadline_at": extended.deadline_at, "outcome_id": extended.id},
        rulebook_version=row.rulebook_version,
        reason=reason.strip(),
        at=now,
    )
    return extended
