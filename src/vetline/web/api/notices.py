"""Notices in the outbox (rendered letters and emails; nothing is really sent)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from vetline.cases.service import list_notices
from vetline.users import Permission, require
from vetline.web.deps import QueryId, SessionDep, scope

router = APIRouter(prefix="/api/notices", tags=["notices"])

ReadCases = Annotated[Any, Depends(scope("cases:read"))]


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int | None  # or, for a notice to an existing member, member_id
    member_id: int | None = None
    case_id: int | None
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    clause_ids: list[str]
    rulebook_version: str
    respond_by: datetime | None
    created_by: str
    created_at: datetime


@router.get("", response_model=list[NoticeOut])
def notices(
    user: ReadCases,
    session: SessionDep,
    case_id: QueryId = None,
    application_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[NoticeOut]:
    """Notices, newest first; filter by case or application."""
    require(user, Permission.READ_NOTICES)
    rows = list_notices(session, case_id=case_id, application_id=application_id, limit=limit)
    return [NoticeOut.model_validate(n) for n in rows]
