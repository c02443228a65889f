"""Decisions with four eyes: a reviewer proposes; an adverse outcome (reject, exclude, uphold)
only takes effect when a second, different senior approves it. Decisions are append-only rows;
an approval or a return supersedes the proposal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.cases import notices
from vetline.cases.guard import check_may_work, load_case
from vetline.cases.subject import (
    case_subject,
    hit_is_about,
    hits_about,
    is_member_case,
    rules_day,
    settle_member,
)
from vetline.db.base import utcnow
from vetline.db.people import ApplicationStatus, Member, ReferenceEntry
from vetline.db.review import (
    Case,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ClearedPair,
    Decision,
    DecisionKind,
    Response,
    User,
)
from vetline.db.screening import Hit
from vetline.errors import Conflict, InputError, PermissionDenied
from vetline.rulebook.model import Rulebook
from vetline.rulebook.store import stored_by_label
from vetline.users import Permission

MIN_REASON = 10  # a decision needs a real reason, not "ok"


def is_adverse(outcome: str) -> bool:
    return outcome in CaseOutcome.ADVERSE


def latest_proposal(session: Session, case_id: int) -> Decision | None:
    """The proposal still waiting (not yet approved or returned)."""
    rows = list(
        session.scalars(select(Decision).where(Decision.case_id == case_id).order_by(Decision.id))
    )
    superseded = {d.supersedes_id for d in rows if d.supersedes_id is not None}
    waiting = [d for d in rows if d.kind == DecisionKind.PROPOSAL and d.id not in superseded]
    return waiting[-1] if waiting else None


def final_decision(session: Session, case_id: int) -> Decision | None:
    return session.scalar(
        select(Decision)
        .where(Decision.case_id == case_id, Decision.is_final.is_(True))
        .order_by(Decision.id.desc())
        .limit(1)
    )


def _check_clauses(
    session: Session, case_row: Case, rulebook: Rulebook, clause_ids: list[str], hit_ids: list[int]
) -> None:
    """Cited clauses must exist, be in force on the application date (for a member: the day
    the hit was referred), and not reach conduct dated before they took effect."""
    applied = rules_day(session, case_row, case_subject(session, case_row))
    for clause_id in clause_ids:
        if not rulebook.has_clause(clause_id):
            raise InputError(f"clause {clause_id!r} is not in rulebook {rulebook.label}")
        clause = rulebook.clause(clause_id)
        if clause.effective_from > applied or (
            clause.effective_to is not None and clause.effective_to <= applied
        ):
            raise InputError(
                f"clause {clause_id} was not in force on the application date {applied} "
                f"(in force from {clause.effective_from})"
            )
        if clause.track != "conduct":
            continue
        for hit in session.scalars(select(Hit).where(Hit.id.in_(hit_ids))):
            entry = (
                session.get(ReferenceEntry, hit.reference_entry_id)
                if hit.reference_entry_id
                else None
            )
            if entry is not None and entry.event_date and entry.event_date < clause.effective_from:
                raise InputError(
                    f"clause {clause_id} cannot apply to conduct dated {entry.event_date} "
                    f"(hit {hit.id}): it took effect on {clause.effective_from}"
                )


def _evidence(session: Session, case_row: Case, hit_ids: list[int]) -> dict[str, Any]:
    about = set(session.scalars(select(Hit.id).where(Hit.id.in_(hit_ids), hits_about(case_row))))
    bad = [h for h in hit_ids if h not in about]
    if bad:
        raise InputError(f"hits {bad} are not evidence about this applicant")
    responses = list(session.scalars(select(Response.id).where(Response.case_id == case_row.id)))
    return {"hit_ids": hit_ids, "response_ids": responses, "outcome_id": case_row.outcome_id}


def propose(
    session: Session,
    user: User,
    case_id: int,
    *,
    outcome: str,
    reason: str,
    clause_ids: list[str] | None = None,
    evidence_hit_ids: list[int] | None = None,
    cleared_hit_ids: list[int] | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record the reviewer's judgement; non-adverse outcomes are final, adverse ones wait."""
    now = now or utcnow()
    case_row = load_case(session, case_id)
    check_may_work(session, case_row, user, Permission.WORK_CASES)
    if case_row.status != CaseStatus.CLAIMED or case_row.claimed_by_id != user.id:
        raise Conflict(f"case {case_id} is {case_row.status}: claim it before deciding")
    allowed = CaseOutcome.APPEAL if case_row.kind == CaseKind.APPEAL else CaseOutcome.REVIEW
    if outcome not in allowed:
        raise InputError(f"outcome {outcome!r}: choose one of {', '.join(allowed)}")
    if outcome == CaseOutcome.REJECT and is_member_case(case_row):
        raise InputError("a member is not an application: propose exclude, or admit to keep them")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InputError(f"a decision needs a reason of at least {MIN_REASON} characters")
    rulebook = stored_by_label(session, case_row.rulebook_version)
    clauses = list(case_row.clause_ids if clause_ids is None else clause_ids)
    hits = list(case_row.evidence_hit_ids if evidence_hit_ids is None else evidence_hit_ids)
    if is_adverse(outcome):
        if not clauses:
            raise InputError("an adverse outcome must cite at least one clause")
        if case_row.track == "conduct" and not hits:
            raise InputError("an adverse conduct outcome must cite the evidence (hit ids)")
        _check_clauses(session, case_row, rulebook, clauses, hits)
    cleared = list(cleared_hit_ids or [])
    if cleared and outcome not in (CaseOutcome.ADMIT, CaseOutcome.OVERTURN):
        raise InputError("hits can be cleared as 'not the same person' only when admitting")
    evidence = _evidence(session, case_row, hits + [h for h in cleared if h not in hits])
    evidence["cleared_hit_ids"] = cleared
    final = not is_adverse(outcome)
    decision = Decision(
        case_id=case_row.id,
        kind=DecisionKind.DECISION if final else DecisionKind.PROPOSAL,
        outcome=outcome,
        is_final=final,
        reason=reason,
        clause_ids=clauses,
        evidence=evidence,
        rulebook_version=case_row.rulebook_version,
        actor_id=user.id,
        created_at=now,
    )
    session.add(decision)
    session.flush()
    for hit_id in cleared:
        _remember_cleared(session, case_row, hit_id, user, reason, now)
    audit.record(
        session,
        actor=user.name,
        action="case.decide" if final else "case.propose",
        entity="case",
        entity_id=case_row.id,
        before={"status": case_row.status},
        after={
            "decision_id": decision.id,
            "outcome": outcome,
            "clause_ids": clauses,
            "evidence": evidence,
            "status": CaseStatus.CLOSED if final else CaseStatus.PROPOSED,
        },
        rulebook_version=case_row.rulebook_version,
        score=case_row.evidence_score,
        reason=reason,
        at=now,
    )
    if final:
        close(session, case_row, decision, rulebook, user, now)
    else:
        case_row.status = CaseStatus.PROPOSED
        case_row.updated_at = now
    return decision


def _remember_cleared(
    session: Session, case_row: Case, hit_id: int, user: User, reason: str, now: datetime
) -> None:
    hit = session.get(Hit, hit_id)
    if hit is None or not hit_is_about(hit, case_row):
        raise InputError(f"hit {hit_id} is not about this applicant")
    if session.scalar(select(ClearedPair.id).where(ClearedPair.pair_hash == hit.pair_hash)):
        return
    session.add(
        ClearedPair(
            pair_hash=hit.pair_hash,
            application_id=case_row.application_id,
            member_id=case_row.member_id,
            hit_id=hit_id,
            case_id=case_row.id,
            cleared_by_id=user.id,
            reason=reason,
            cleared_at=now,
        )
    )
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="hit.clear",
        entity="hit",
        entity_id=hit_id,
        after={"pair_hash": hit.pair_hash, "case_id": case_row.id},
        score=hit.score,
        reason=reason,
        at=now,
    )


def _second_pair_of_eyes(session: Session, user: User, case_id: int) -> tuple[Case, Decision]:
    case_row = load_case(session, case_id)
    check_may_work(session, case_row, user, Permission.APPROVE)
    proposal = latest_proposal(session, case_id)
    if case_row.status != CaseStatus.PROPOSED or proposal is None:
        raise Conflict(f"case {case_id} has no proposal waiting (status {case_row.status})")
    if proposal.actor_id == user.id:
        raise PermissionDenied(
            f"four eyes: {user.name} proposed this outcome and cannot also approve or return it; "
            "a different senior must"
        )
    return case_row, proposal


def approve(
    session: Session,
    user: User,
    case_id: int,
    *,
    reason: str | None = None,
    now: datetime | None = None,
) -> Decision:
    """A second, different senior makes the adverse proposal final."""
    now = now or utcnow()
    case_row, proposal = _second_pair_of_eyes(session, user, case_id)
    decision = Decision(
        case_id=case_id,
        kind=DecisionKind.APPROVAL,
        outcome=proposal.outcome,
        is_final=True,
        reason=(reason or "").strip() or proposal.reason,
        clause_ids=list(proposal.clause_ids),
        evidence=dict(proposal.evidence),
        rulebook_version=proposal.rulebook_version,
        actor_id=user.id,
        supersedes_id=proposal.id,
        created_at=now,
    )
    session.add(decision)
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="case.approve",
        entity="case",
        entity_id=case_id,
        before={"status": CaseStatus.PROPOSED, "proposal_id": proposal.id},
        after={
            "decision_id": decision.id,
            "outcome": decision.outcome,
            "clause_ids": decision.clause_ids,
            "status": CaseStatus.CLOSED,
        },
        rulebook_version=decision.rulebook_version,
        score=case_row.evidence_score,
        reason=decision.reason,
        at=now,
    )
    close(
        session, case_row, decision, stored_by_label(session, case_row.rulebook_version), user, now
    )
    return decision


def return_(
    session: Session, user: User, case_id: int, *, reason: str, now: datetime | None = None
) -> Decision:
    """The senior sends the proposal back to its proposer, saying why."""
    now = now or utcnow()
    case_row, proposal = _second_pair_of_eyes(session, user, case_id)
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InputError(f"say why it goes back (at least {MIN_REASON} characters)")
    decision = Decision(
        case_id=case_id,
        kind=DecisionKind.RETURN,
        outcome=proposal.outcome,
        is_final=False,
        reason=reason,
        clause_ids=list(proposal.clause_ids),
        evidence=dict(proposal.evidence),
        rulebook_version=proposal.rulebook_version,
        actor_id=user.id,
        supersedes_id=proposal.id,
        created_at=now,
    )
    session.add(decision)
    case_row.status = CaseStatus.CLAIMED
    case_row.claimed_by_id = proposal.actor_id
    case_row.claimed_at = now
    case_row.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="case.return",
        entity="case",
        entity_id=case_id,
        before={"status": CaseStatus.PROPOSED, "proposal_id": proposal.id},
        after={"status": CaseStatus.CLAIMED, "decision_id": decision.id},
        rulebook_version=decision.rulebook_version,
        reason=reason,
        at=now,
    )
    return decision


def close(
    session: Session,
    case_row: Case,
    decision: Decision,
    rulebook: Rulebook,
    actor: User,
    now: datetime,
) -> None:
    """Close the case, set the applicant's (or member's) status, and tell them why."""
    app = case_subject(session, case_row)
    before = app.status
    admitted = decision.outcome in (CaseOutcome.ADMIT, CaseOutcome.OVERTURN)
    if isinstance(app, Member):
        pass  # settled below, after the notice, by vetline.cases.subject.settle_member
    elif admitted:
        provisional = rulebook.model.provisional is not None and (
            rulebook.model.default_outcome == "provisional"
        )
        app.status = ApplicationStatus.PROVISIONAL if provisional else ApplicationStatus.ADMITTED
    else:
        app.status = ApplicationStatus.REJECTED
    app.updated_at = now
    case_row.status = CaseStatus.CLOSED
    case_row.final_outcome = decision.outcome
    case_row.closed_at = now
    case_row.updated_at = now
    clauses = [rulebook.clause(c) for c in decision.clause_ids if rulebook.has_clause(c)]
    message = f"Decision: {decision.outcome}. Reason: {decision.reason}"
    appealable = case_row.kind == CaseKind.REVIEW and any(c.appealable for c in clauses)
    if not admitted and appealable:
        by = now + timedelta(days=rulebook.model.appeal.lodge_within_days)
        message += (
            f"\n\nYou can appeal this decision until {by:%d %B %Y}. An appeal is heard by "
            "someone who was not involved in this decision."
        )
    notices.issue(
        session,
        kind="appeal_decision" if case_row.kind == CaseKind.APPEAL else "decision",
        app=app,
        case=case_row,
        clauses=clauses,
        evidence_hit_ids=[] if admitted else list(decision.evidence.get("hit_ids", [])),
        respond_by=None,
        rulebook_label=rulebook.label,
        actor=actor.name,
        message=message,
    )
    if isinstance(app, Member):
        settle_member(
            session,
            case_row,
            app,
            decision,
            actor=actor.name,
            rulebook_label=rulebook.label,
            now=now,
        )
        return
    audit.record(
        session,
        actor=actor.name,
        action="application.status",
        entity="application",
        entity_id=app.id,
        before={"status": before},
        after={"status": app.status, "case_id": case_row.id, "decision_id": decision.id},
        rulebook_version=rulebook.label,
        at=now,
    )
