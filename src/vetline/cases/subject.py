"""Whom a case is about: an application, or an existing member a reference-list hit flagged.

Both go through the same review (queue, claim, four eyes, notices, appeals). The few places
where the two differ — which hits are about the subject, which day the rules are read on,
and what a final decision does to the person's status — are answered here, so the review
modules stay one path for both.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.people import Application, Member, MemberStatus
from vetline.db.review import Case, CaseKind, CaseOutcome, Decision, ScreeningOutcome
from vetline.db.screening import Hit

Person = Application | Member


def is_member_case(case_row: Case) -> bool:
    return case_row.member_id is not None


def case_subject(session: Session, case_row: Case) -> Person:
    """The application or member the case is about."""
    subject: Person | None = (
        session.get(Member, case_row.member_id)
        if case_row.member_id is not None
        else session.get(Application, case_row.application_id)
    )
    assert subject is not None, f"case {case_row.id} has no subject"
    return subject


def subject_ids(subject: Person) -> dict[str, int | None]:
    """The `application_id` / `member_id` pair for rows that name the subject."""
    if isinstance(subject, Member):
        return {"application_id": None, "member_id": subject.id}
    return {"application_id": subject.id, "member_id": None}


def hits_about(case_row: Case) -> ColumnElement[bool]:
    """Hits whose subject is this case's applicant or member."""
    if case_row.member_id is not None:
        return Hit.subject_member_id == case_row.member_id
    return Hit.application_id == case_row.application_id


def hit_is_about(hit: Hit, case_row: Case) -> bool:
    if case_row.member_id is not None:
        return hit.subject_member_id == case_row.member_id
    return hit.application_id is not None and hit.application_id == case_row.application_id


def rules_day(session: Session, case_row: Case, subject: Person) -> date:
    """The day whose rules apply: the application date, or for a member the day the rulebook
    referred the hit (the member's conduct is judged by the rules in force when it was found,
    and never reaches back before a clause took effect: see rulebook.evaluate)."""
    if isinstance(subject, Application):
        return subject.applied_at.date()
    outcome = session.get(ScreeningOutcome, case_row.outcome_id) if case_row.outcome_id else None
    when: datetime = outcome.created_at if outcome is not None else case_row.opened_at
    return when.date()


def settle_member(
    session: Session,
    case_row: Case,
    member: Member,
    decision: Decision,
    *,
    actor: str,
    rulebook_label: str,
    now: datetime,
) -> dict[str, Any]:
    """A final decision on a member's case: an approved exclusion (or an upheld one) excludes
    the member; an overturned appeal restores the membership; admitting leaves it as it is.
    Only people's final decisions get here (four eyes for adverse ones)."""
    before = member.status
    if decision.outcome in CaseOutcome.ADVERSE:
        member.status = MemberStatus.EXCLUDED
    elif (
        decision.outcome == CaseOutcome.OVERTURN
        and case_row.kind == CaseKind.APPEAL
        and member.status == MemberStatus.EXCLUDED
    ):
        member.status = MemberStatus.CURRENT
    if member.status != before:
        member.status_changed_at = now
        member.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="member.status",
        entity="member",
        entity_id=member.id,
        before={"status": before},
        after={"status": member.status, "case_id": case_row.id, "decision_id": decision.id},
        rulebook_version=rulebook_label,
        at=now,
    )
    return {"status": member.status}
