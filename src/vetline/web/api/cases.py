"""Cases over HTTP: the queue, claims, proposals, the four-eyes approval, appeals, responses.

Every route is one call into vetline.cases.service, which enforces roles, conflicts and the
second pair of eyes; the token's scope is checked first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from vetline.cases import service
from vetline.cases.queue import summarise
from vetline.web.deps import MAX_ID, PathId, SessionDep, scope

router = APIRouter(prefix="/api/cases", tags=["cases"])

ReadCases = Annotated[Any, Depends(scope("cases:read"))]
WriteCases = Annotated[Any, Depends(scope("cases:write"))]
DbInt = Annotated[int, Field(ge=1, le=MAX_ID)]
StatusName = Literal["awaiting_response", "open", "claimed", "proposed", "closed"]
Refusals: dict[int | str, dict[str, Any]] = {403: {}, 404: {}, 409: {}, 422: {}}


class CaseOut(BaseModel):
    id: int
    application_id: int | None = Field(description="set for a case about an application")
    member_id: int | None = Field(
        default=None, description="set instead for a case about an existing member"
    )
    applicant: str = Field(description="the applicant's or the member's name")
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


class ClaimResult(BaseModel):
    case: CaseOut | None = Field(description="null when no case is waiting for this user")


class DecisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: PathId
    kind: str
    outcome: str
    is_final: bool
    reason: str
    clause_ids: list[str]
    rulebook_version: str
    created_at: datetime


class ProposeIn(BaseModel):
    outcome: Literal["admit", "reject", "exclude", "uphold", "overturn"]
    reason: str = Field(min_length=1, max_length=5000)
    clause_ids: list[str] = Field(default=[], max_length=50)
    evidence_hit_ids: list[DbInt] = Field(default=[], max_length=200)
    cleared_hit_ids: list[DbInt] = Field(
        default=[], max_length=200, description="hits judged 'not the same person'"
    )


class ReasonIn(BaseModel):
    reason: str = Field(min_length=1, max_length=5000)


class ApproveIn(BaseModel):
    reason: str | None = Field(default=None, max_length=5000)


class AppealIn(BaseModel):
    grounds: str = Field(min_length=1, max_length=5000)


class ResponseIn(BaseModel):
    body: str = Field(min_length=1, max_length=20000)
    channel: Literal["email", "letter", "phone"] = "email"
    notice_id: DbInt | None = None


class IdOut(BaseModel):
    id: int


def _case(summary: service.CaseSummary) -> CaseOut:
    return CaseOut(**vars(summary))


@router.get("", response_model=list[CaseOut])
def queue(
    user: ReadCases,
    session: SessionDep,
    status: Annotated[StatusName | None, Query()] = None,
    track: Annotated[Literal["administrative", "conduct"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[CaseOut]:
    """The queue in priority order (open and in-progress cases unless a status is given)."""
    rows = service.list_queue(session, user, status=status, track=track, limit=limit)
    return [_case(c) for c in rows]


@router.post("/claim-next", response_model=ClaimResult, responses=Refusals)
def claim_next(user: WriteCases, session: SessionDep) -> ClaimResult:
    """Claim the most urgent case you may work on (or get back the one you hold)."""
    claimed = service.claim_next(session, user)
    return ClaimResult(case=_case(claimed) if claimed else None)


@router.get("/{case_id}", responses=Refusals)
def case_detail(case_id: PathId, user: ReadCases, session: SessionDep) -> dict[str, Any]:
    """Applicant, hits with explanations and matched records, clauses, notices, decisions."""
    return service.case_detail(session, user, case_id).to_json()


@router.post("/{case_id}/claim", response_model=CaseOut, responses=Refusals)
def claim(case_id: PathId, user: WriteCases, session: SessionDep) -> CaseOut:
    """Claim one named case."""
    return _case(service.claim(session, user, case_id))


@router.post("/{case_id}/release", status_code=204, responses=Refusals)
def release(case_id: PathId, user: WriteCases, session: SessionDep) -> None:
    """Put a case you hold back in the queue."""
    service.release(session, user, case_id)


@router.post("/{case_id}/propose", response_model=DecisionOut, responses=Refusals)
def propose(case_id: PathId, body: ProposeIn, user: WriteCases, session: SessionDep) -> DecisionOut:
    """Record your judgement: final when not adverse, else it waits for a second senior."""
    decision = service.propose(session, user, case_id, **body.model_dump())
    return DecisionOut.model_validate(decision)


@router.post("/{case_id}/approve", response_model=DecisionOut, responses=Refusals)
def approve(case_id: PathId, body: ApproveIn, user: WriteCases, session: SessionDep) -> DecisionOut:
    """A second, different senior reviewer approves an adverse proposal (four eyes)."""
    return DecisionOut.model_validate(service.approve(session, user, case_id, reason=body.reason))


@router.post("/{case_id}/return", response_model=DecisionOut, responses=Refusals)
def return_(case_id: PathId, body: ReasonIn, user: WriteCases, session: SessionDep) -> DecisionOut:
    """Send an adverse proposal back to the reviewer, with a reason."""
    return DecisionOut.model_validate(service.return_(session, user, case_id, reason=body.reason))


@router.post("/{case_id}/appeal", response_model=CaseOut, status_code=201, responses=Refusals)
def appeal(case_id: PathId, body: AppealIn, user: WriteCases, session: SessionDep) -> CaseOut:
    """Lodge the applicant's appeal: a new case, heard by someone not involved before."""
    appeal_case = service.appeal(session, user, case_id, grounds=body.grounds)
    return _case(summarise(session, appeal_case))


@router.post("/{case_id}/responses", response_model=IdOut, status_code=201, responses=Refusals)
def add_response(case_id: PathId, body: ResponseIn, user: WriteCases, session: SessionDep) -> IdOut:
    """Record what the applicant said back."""
    response = service.record_response(session, user, case_id, **body.model_dump())
    return IdOut(id=response.id)


@router.post("/{case_id}/conflicts", response_model=IdOut, status_code=201, responses=Refusals)
def declare_conflict(
    case_id: PathId, body: ReasonIn, user: WriteCases, session: SessionDep
) -> IdOut:
    """Declare a conflict of interest: you are kept off this case and its appeals."""
    return IdOut(id=service.declare_conflict(session, user, case_id, reason=body.reason).id)
