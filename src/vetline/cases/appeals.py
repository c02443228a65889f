"""Appeals: a case of their own, linked to the decision they contest (which stays unchanged),
lodged within the rulebook's window and heard by someone not involved before."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.cases import notices
from vetline.cases.decide import final_decision, is_adverse
from vetline.cases.guard import load_case
from vetline.cases.subject import case_subject
from vetline.db.base import utcnow
from vetline.db.review import Appeal, Case, CaseKind, CaseStatus, User
from vetline.errors import Conflict, InputError
from vetline.rulebook.store import stored_by_label
from vetline.users import Permission, require


def appeal(
    session: Session, user: User, case_id: int, *, grounds: str, now: datetime | None = None
) -> Case:
    """Record the applicant's appeal against case `case_id`'s final adverse decision."""
    require(user, Permission.WORK_CASES)
    now = now or utcnow()
    original = load_case(session, case_id)
    if original.kind == CaseKind.APPEAL:
        raise Conflict(f"case {case_id} is itself an appeal; its decision is final")
    decision = final_decision(session, case_id)
    if original.status != CaseStatus.CLOSED or decision is None:
        raise Conflict(f"case {case_id} has no final decision to appeal yet")
    if not is_adverse(decision.outcome):
        raise Conflict(f"case {case_id} ended in {decision.outcome}: nothing to appeal")
    grounds = grounds.strip()
    if not grounds:
        raise InputError("an appeal needs the applicant's grounds")
    rulebook = stored_by_label(session, original.rulebook_version)
    cited = [rulebook.clause(c) for c in decision.clause_ids if rulebook.has_clause(c)]
    if not any(c.appealable for c in cited):
        raise Conflict(
            f"the clauses behind case {case_id}'s decision "
            f"({', '.join(decision.clause_ids)}) are not appealable under {rulebook.label}"
        )
    deadline = decision.created_at + timedelta(days=rulebook.model.appeal.lodge_within_days)
    if now > deadline:
        raise Conflict(f"the appeal window for case {case_id} closed on {deadline:%Y-%m-%d}")
    if session.scalar(select(Appeal.id).where(Appeal.original_decision_id == decision.id)):
        raise Conflict(f"decision {decision.id} on case {case_id} has already been appealed")
    appeal_case = Case(
        application_id=original.application_id,
        member_id=original.member_id,
        kind=CaseKind.APPEAL,
        track=original.track,
        status=CaseStatus.OPEN,
        outcome_id=original.outcome_id,
        appeal_of_case_id=original.id,
        rulebook_version=original.rulebook_version,
        clause_ids=list(decision.clause_ids),
        evidence_hit_ids=list(decision.evidence.get("hit_ids", [])),
        evidence_score=original.evidence_score,
        opened_at=now,
        due_at=now + timedelta(days=rulebook.model.appeal.decide_within_days),
        updated_at=now,
    )
    session.add(appeal_case)
    session.flush()
    link = Appeal(
        case_id=appeal_case.id,
        original_case_id=original.id,
        original_decision_id=decision.id,
        grounds=grounds,
        lodged_by_id=user.id,
        lodged_at=now,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="case.appeal",
        entity="case",
        entity_id=appeal_case.id,
        after={
            "appeal_of_case_id": original.id,
            "original_decision_id": decision.id,
            "due_at": appeal_case.due_at,
        },
        rulebook_version=original.rulebook_version,
        reason=grounds,
        at=now,
    )
    notices.issue(
        session,
        kind="appeal_received",
        app=case_subject(session, original),
        case=appeal_case,
        clauses=cited,
        evidence_hit_ids=[],
        respond_by=None,
        rulebook_label=rulebook.label,
        actor=user.name,
        message=(
            f"We have received your appeal against our decision of "
            f"{decision.created_at:%d %B %Y}. Someone who was not involved in that decision will "
            f"hear it, by {appeal_case.due_at:%d %B %Y}."
        ),
    )
    return appeal_case
