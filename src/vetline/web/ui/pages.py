"""The list pages: appeals, the notice outbox, reference lists and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from vetline import audit
from vetline.cases.service import list_notices, list_queue
from vetline.db.people import ListKind
from vetline.db.review import AuditEvent
from vetline.errors import VetlineError
from vetline.intake import import_reference
from vetline.users import Permission, can, require
from vetline.web import reference
from vetline.web.deps import CsrfDep, CurrentUser, PathId, QueryId, SessionDep
from vetline.web.templating import render
from vetline.web.uploads import saved_upload

router = APIRouter()


@router.get("/appeals", response_class=HTMLResponse)
def appeals_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    rows = list_queue(session, user, include_closed=True, limit=1000)
    appeals = [c for c in rows if c.kind == "appeal"]
    return render(request, "appeals.html", {"active": "appeals", "cases": appeals})


@router.get("/notices", response_class=HTMLResponse)
def notices_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    require(user, Permission.READ_NOTICES)
    notices = list_notices(session, limit=200)
    return render(request, "notices.html", {"active": "notices", "notices": notices})


def _reference_page(
    request: Request, session: SessionDep, user: object, *, error: str = "", message: str = ""
) -> Response:
    lists = reference.lists_with_counts(session)
    versions = {lst.id: reference.imports_of(session, lst)[:10] for lst, _ in lists}
    ctx = {
        "active": "reference",
        "lists": lists,
        "versions": versions,
        "kinds": ListKind.ALL,
        "may_upload": can(user, Permission.APPROVE),  # type: ignore[arg-type]
        "error": error,
        "message": message,
    }
    return render(request, "reference.html", ctx, status=422 if error else 200)


@router.get("/reference", response_class=HTMLResponse)
def reference_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    message: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    require(user, Permission.READ_CASES)
    return _reference_page(request, session, user, message=message)


@router.post("/reference/upload")
def reference_upload(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    _c: CsrfDep,
    name: Annotated[str, Form(min_length=1, max_length=100)],
    kind: Annotated[str, Form(max_length=30)],
    file: Annotated[UploadFile, File()],
    source: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        require(user, Permission.APPROVE)
        with saved_upload(file) as path:
            summary = import_reference(
                session, path, list_name=name, kind=kind, source=source or None, actor=user.name
            )
    except VetlineError as exc:
        session.rollback()
        return _reference_page(request, session, user, error=exc.detail)
    message = (
        f"{summary.list_name}: version {summary.list_version} — {summary.inserted} added, "
        f"{summary.updated} changed, {summary.removed} removed, {summary.unchanged} unchanged"
    )
    return RedirectResponse(f"/reference?message={message}", status_code=303)


@router.get("/reference/{name}/versions/{version}", response_class=HTMLResponse)
def rescreen_page(
    request: Request, name: str, version: PathId, session: SessionDep, user: CurrentUser
) -> Response:
    require(user, Permission.READ_CASES)
    lst = reference.get_list(session, name)
    hits = reference.rescreen_hits(session, lst, version)
    return render(
        request,
        "rescreen.html",
        {"active": "reference", "list": lst, "version": version, "hits": hits},
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    action: Annotated[str, Query(max_length=60)] = "",
    before: QueryId = None,
) -> Response:
    require(user, Permission.READ_AUDIT)
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(100)  # id: global order
    if action:
        query = query.where(AuditEvent.action == action)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(session.scalars(query))
    return render(
        request,
        "audit.html",
        {"active": "audit", "events": events, "action": action, "verify": None},
    )


@router.post("/audit/verify", response_class=HTMLResponse)
def audit_verify(request: Request, session: SessionDep, user: CurrentUser, _c: CsrfDep) -> Response:
    require(user, Permission.READ_AUDIT)
    result = audit.verify(session)
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(100)))
    return render(
        request,
        "audit.html",
        {"active": "audit", "events": events, "action": "", "verify": result},
    )
