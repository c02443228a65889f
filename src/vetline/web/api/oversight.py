"""Oversight figures as JSON: surge, coordinated sign-ups, projection, capacity, fairness."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from vetline.oversight.figures import figures
from vetline.users import Permission, require
from vetline.web.deps import SessionDep, scope

router = APIRouter(prefix="/api/oversight", tags=["oversight"])

ReadCases = Annotated[Any, Depends(scope("cases:read"))]
Section = Literal["surge", "coordination", "projection", "capacity", "fairness"]


@router.get("/figures")
def oversight_figures(
    user: ReadCases,
    session: SessionDep,
    section: Annotated[list[Section] | None, Query()] = None,
) -> dict[str, Any]:
    """The oversight report's figures (all sections, or the ones named with ?section=)."""
    require(user, Permission.READ_CASES)
    if section:
        return figures(session, sections=tuple(dict.fromkeys(section)))
    return figures(session)
