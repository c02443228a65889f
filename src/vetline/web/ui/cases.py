"""The case page and its actions; each action is one call into vetline.cases.

A refused action (wrong role, conflict, four-eyes, a closed case) re-renders the page with the
domain's reason and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session

from vetline.cases.service import (
    appeal,
    approve,
    claim,
    declare_conflict,
    latest_proposal,
    propose,
    record_response,
    release,
    return_,
)
from vetline.db.review import CaseKind, CaseOutcome, CaseStatus
from vetline.errors import VetlineError
from vetline.users import Permission, can, require
from vetline.web.casepage import case_view
from vetline.web.deps import (
    MAX_ID,
    CsrfDep,
    CurrentUser,
    PathId,
    SessionDep,
    current_user,
    request_session,
)
from vetline.web.rulebooks import clauses_of
from vetline.web.templating import render

router = APIRouter()
FormId = Annotated[int, Field(ge=1, le=MAX_ID)]
Text = Annotated[str, Form(max_length=5000)]


def _page(
    request: Request,
    session: Session,
    user: Any,
    case_id: PathId,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    require(user, Permission.READ_CASES)
    view = case_view(session, case_id)
    case = view["case"]
    outcomes: tuple[str, ...] = (
        CaseOutcome.APPEAL if case.kind == CaseKind.APPEAL else CaseOutcome.REVIEW
    )
    if case.member_id is not None:  # a member is excluded, never "rejected"
        outcomes = tuple(o for o in outcomes if o != CaseOutcome.REJECT)
    proposal = latest_proposal(session, case.id) if case.status == CaseStatus.PROPOSED else None
    view.update(
        active="queue",
        error=error,
        outcomes=outcomes,
        adverse=CaseOutcome.ADVERSE,
        clauses=clauses_of(session, case.rulebook_version),
        may_work=can(user, Permission.WORK_CASES),
        # the domain refuses the proposer anyway; do not offer them the button
        may_approve=can(user, Permission.APPROVE)
        and (proposal is None or proposal.actor_id != user.id),
        holds=case.status == CaseStatus.CLAIMED and case.claimed_by_id == user.id,
    )
    return render(request, "case.html", view, status=status)


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: PathId) -> Response:
    # the busiest page: transaction, login check, page and commit in one thread-pool call
    with request_session(request) as session:
        return _page(request, session, current_user(request, session), case_id)


def _act(
    request: Request,
    session: Session,
    user: Any,
    case_id: PathId,
    action: Callable[[], Any],
    then: Callable[[Any], str] | None = None,
) -> Response:
    try:
        result = action()
    except VetlineError as exc:
        session.rollback()
        return _page(request, session, user, case_id, error=exc.detail, status=exc.status)
    target = then(result) if then else f"/cases/{case_id}"
    return RedirectResponse(target, status_code=303)


@router.post("/cases/{case_id}/claim")
def claim_case(
    request: Request, case_id: PathId, session: SessionDep, user: CurrentUser, _c: CsrfDep
) -> Response:
    return _act(request, session, user, case_id, lambda: claim(session, user, case_id))


@router.post("/cases/{case_id}/release")
def release_case(
    request: Request, case_id: PathId, session: SessionDep, user: CurrentUser, _c: CsrfDep
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        lambda: release(session, user, case_id),
        lambda _r: "/queue",
    )


@router.post("/cases/{case_id}/propose")
def propose_decision(
    request: Request,
    case_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    outcome: Annotated[str, Form(max_length=20)],
    reason: Text,
    clause_ids: Annotated[list[str] | None, Form()] = None,
    evidence_hit_ids: Annotated[list[FormId] | None, Form()] = None,
    cleared_hit_ids: Annotated[list[FormId] | None, Form()] = None,
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        lambda: propose(
            session,
            user,
            case_id,
            outcome=outcome,
            reason=reason,
            clause_ids=clause_ids or [],
            evidence_hit_ids=evidence_hit_ids or [],
            cleared_hit_ids=cleared_hit_ids or [],
        ),
    )


@router.post("/cases/{case_id}/approve")
def approve_decision(
    request: Request,
    case_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    reason: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        lambda: approve(session, user, case_id, reason=reason or None),
    )


@router.post("/cases/{case_id}/return")
def return_decision(
    request: Request,
    case_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    reason: Text,
) -> Response:
    return _act(
        request, session, user, case_id, lambda: return_(session, user, case_id, reason=reason)
    )


@router.post("/cases/{case_id}/response")
def add_response(
    request: Request,
    case_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    body: Text,
    channel: Annotated[str, Form(max_length=20)] = "email",
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        lambda: record_response(session, user, case_id, body=body, channel=channel),
    )


@router.post("/cases/{case_id}/conflict")
def add_conflict(
    request: Request,
    case_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    reason: Text,
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        lambda: declare_conflict(session, user, case_id, reason=reason),
        lambda _r: "/queue?message=Conflict+recorded%3B+you+are+kept+off+that+case.",
    )


@router.post("/cases/{case_id}/appeal")
def lodge_appeal(
    request: Request,
    case_id: PathId,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    grounds: Text,
) -> Response:
    return _act(
        request,
        session,
        user,
        case_id,
        lambda: appeal(session, user, case_id, grounds=grounds),
        lambda appeal_case: f"/cases/{appeal_case.id}",
    )
