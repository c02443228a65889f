"""Log in and out: argon2 password check, rate limit, a new session (and CSRF token) each time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vetline import audit
from vetline.web import users
from vetline.web.deps import CsrfDep, SessionDep, WebSettingsDep
from vetline.web.security import (
    clear_failures,
    login_blocked,
    new_session,
    record_failure,
    verify_password,
)
from vetline.web.templating import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only same-site paths: an open redirect would make phishing links look like ours."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    ws: WebSettingsDep,
    _csrf: CsrfDep,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    username = username.strip()
    ctx = {"next": _safe_next(next), "username": username}
    if login_blocked(session, ws, username, _client(request)):
        return render(
            request,
            "login.html",
            {**ctx, "error": "Too many failed attempts. Wait 15 minutes and try again."},
            status=429,
        )
    user = users.by_name(session, username)
    password_hash = getattr(user, "password_hash", None) if user is not None else None
    if not verify_password(password_hash, password) or user is None or not users.is_active(user):
        record_failure(session, username, _client(request))
        return render(
            request, "login.html", {**ctx, "error": "Wrong user name or password."}, status=401
        )
    clear_failures(session, username)
    audit.record(session, actor=user.name, action="user.login", entity="user", entity_id=user.id)
    request.state.new_session = new_session(user.id)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, _csrf: CsrfDep) -> Response:
    request.state.new_session = new_session(None)
    return RedirectResponse("/login", status_code=303)
