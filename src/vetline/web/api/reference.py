"""Reference lists: upload a new version, list versions, see what a re-screen found."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, ConfigDict

from vetline.db.people import ListKind
from vetline.errors import InputError
from vetline.intake import import_reference
from vetline.member_hits import MemberHit, member_hits
from vetline.users import Permission, require
from vetline.web import reference
from vetline.web.api.applications import ImportOut
from vetline.web.api.schemas import HitOut
from vetline.web.deps import PathId, SessionDep, scope
from vetline.web.uploads import saved_upload

router = APIRouter(prefix="/api/reference-lists", tags=["reference lists"])

ReadReference = Annotated[Any, Depends(scope("reference:read"))]
WriteReference = Annotated[Any, Depends(scope("reference:write"))]


class ListOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    source: str | None
    licence: str | None
    version: PathId
    active: bool
    imported_at: datetime
    entries: int = 0


class VersionOut(BaseModel):
    import_id: int
    list_version: int | None
    file_name: str
    file_format: str
    file_sha256: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    removed: int
    actor: str | None
    imported_at: datetime


@router.get("", response_model=list[ListOut])
def list_lists(user: ReadReference, session: SessionDep) -> list[ListOut]:
    """Every reference list with its current version and live entry count."""
    require(user, Permission.READ_CASES)
    out = []
    for lst, n in reference.lists_with_counts(session):
        item = ListOut.model_validate(lst)
        item.entries = n
        out.append(item)
    return out


@router.get("/{name}/versions", response_model=list[VersionOut])
def list_versions(name: str, user: ReadReference, session: SessionDep) -> list[VersionOut]:
    """Each import of the list, newest first, with what it changed."""
    require(user, Permission.READ_CASES)
    lst = reference.get_list(session, name)
    return [_version(i) for i in reference.imports_of(session, lst)]


def _version(imp: Any) -> VersionOut:
    return VersionOut(
        import_id=imp.id,
        list_version=imp.list_version,
        file_name=imp.file_name,
        file_format=imp.file_format,
        file_sha256=imp.file_sha256,
        rows=imp.rows,
        inserted=imp.inserted,
        updated=imp.updated,
        unchanged=imp.unchanged,
        removed=imp.removed,
        actor=imp.actor,
        imported_at=imp.imported_at,
    )


@router.post("/{name}/versions", response_model=ImportOut, status_code=201, responses={422: {}})
def upload_version(
    name: str,
    file: Annotated[UploadFile, File(description="the whole list as CSV (docs/formats.md)")],
    kind: Annotated[str, Form(description="one of: " + ", ".join(ListKind.ALL))],
    user: WriteReference,
    session: SessionDep,
    source: Annotated[str | None, Form(max_length=300)] = None,
    licence: Annotated[str | None, Form(max_length=100)] = None,
) -> ImportOut:
    """Upload a new version of a list (the file is the whole list; missing entries are removed)."""
    require(user, Permission.APPROVE)
    if kind not in ListKind.ALL:
        raise InputError(f"list kind {kind!r} is not one of: {', '.join(ListKind.ALL)}")
    with saved_upload(file) as path:
        summary = import_reference(
            session,
            path,
            list_name=name,
            kind=kind,
            source=source,
            licence=licence,
            actor=user.name,
        )
    return ImportOut(**summary.as_dict())


@router.get("/{name}/versions/{version}/hits", response_model=list[HitOut])
def version_hits(
    name: str, version: PathId, user: ReadReference, session: SessionDep
) -> list[HitOut]:
    """What the re-screen found: hits new because of this version of the list, on applications
    (`application_id`) and on current members (`subject_member_id`, flagged for review)."""
    require(user, Permission.READ_CASES)
    lst = reference.get_list(session, name)
    return [HitOut.model_validate(h) for h in reference.rescreen_hits(session, lst, version)]


@router.get("/{name}/member-hits", response_model=list[MemberHit])
def list_member_hits(
    name: str,
    user: ReadReference,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1, le=2_000_000_000)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[MemberHit]:
    """Current members this list matches, for people to review; a hit never changes a
    membership. `version`: only those new in that version."""
    require(user, Permission.READ_CASES)
    lst = reference.get_list(session, name)
    # the domain's dataclass is the response schema: one definition of a member hit
    return member_hits(session, list_name=lst.name, new_in_version=version, limit=limit)
