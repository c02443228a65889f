"""Look up applications and members by the sender's id (or search by surname)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Application, Member
from vetline.db.review import Case, ScreeningOutcome
from vetline.db.screening import Hit
from vetline.errors import NotFound
from vetline.users import Permission, require
from vetline.web.api.schemas import ApplicationOut, HitOut, MemberOut, OutcomeOut
from vetline.web.deps import SessionDep, scope
from vetline.web.screen import Screened

router = APIRouter(prefix="/api", tags=["people"])

ReadApplications = Annotated[Any, Depends(scope("applications:read"))]
ReadMembers = Annotated[Any, Depends(scope("members:read"))]


def application_out(
    session: Session, application: Application, known: Screened | None = None
) -> ApplicationOut:
    """The application with its hits, latest outcome and cases (`known`: what a submission
    just stored on it, not read again)."""
    if known is not None and known.hits is not None:
        hits: Iterable[Hit] = known.hits
    else:
        hits = session.scalars(
            select(Hit).where(Hit.application_id == application.id).order_by(Hit.score.desc())
        )
    if known is not None:
        outcome: ScreeningOutcome | None = known.outcome
        case_ids: Iterable[int] = known.case_ids
    else:
        outcome = session.scalar(
            select(ScreeningOutcome)
            .where(ScreeningOutcome.application_id == application.id)
            .order_by(ScreeningOutcome.id.desc())
            .limit(1)
        )
        case_ids = session.scalars(
            select(Case.id).where(Case.application_id == application.id).order_by(Case.id)
        )
    out = ApplicationOut.model_validate(application)
    out.hits = [HitOut.model_validate(h) for h in hits]
    out.outcome = OutcomeOut.model_validate(outcome) if outcome is not None else None
    out.case_ids = list(case_ids)
    return out


@router.get("/applications/{external_id}", response_model=ApplicationOut)
def get_application(
    external_id: str, user: ReadApplications, session: SessionDep
) -> ApplicationOut:
    """One application by the sender's id, with its hits (and their explanations) and outcome."""
    require(user, Permission.READ_CASES)
    application = session.scalar(select(Application).where(Application.external_id == external_id))
    if application is None:
        raise NotFound(f"no application with id {external_id!r}")
    return application_out(session, application)


@router.get("/applications", response_model=list[ApplicationOut])
def search_applications(
    user: ReadApplications,
    session: SessionDep,
    last_name: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[ApplicationOut]:
    """Applications whose surname matches (case-insensitive, exact)."""
    require(user, Permission.READ_CASES)
    rows = session.scalars(
        select(Application)
        .where(func.lower(Application.last_name) == last_name.lower())
        .order_by(Application.id)
        .limit(limit)
    )
    return [ApplicationOut.model_validate(a) for a in rows]


@router.get("/members/{external_id}", response_model=MemberOut)
def get_member(external_id: str, user: ReadMembers, session: SessionDep) -> MemberOut:
    """One member by the membership system's id."""
    require(user, Permission.READ_CASES)
    member = session.scalar(select(Member).where(Member.external_id == external_id))
    if member is None:
        raise NotFound(f"no member with id {external_id!r}")
    out = MemberOut.model_validate(member)
    out.case_ids = list(
        session.scalars(select(Case.id).where(Case.member_id == member.id).order_by(Case.id))
    )
    return out


@router.get("/members", response_model=list[MemberOut])
def search_members(
    user: ReadMembers,
    session: SessionDep,
    last_name: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[MemberOut]:
    """Members whose surname matches (case-insensitive, exact)."""
    require(user, Permission.READ_CASES)
    rows = session.scalars(
        select(Member)
        .where(func.lower(Member.last_name) == last_name.lower())
        .order_by(Member.id)
        .limit(limit)
    )
    return [MemberOut.model_validate(m) for m in rows]
