"""Annotated dependency aliases the routes share: a database session and the acting user."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Annotated, Any
from urllib.parse import quote

import anyio
from fastapi import Depends, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from starlette.concurrency import run_in_threadpool

from vetline.db import get_engine
from vetline.db.base import utcnow
from vetline.db.web import ApiToken
from vetline.web import users
from vetline.web.config import WebSettings
from vetline.web.security import CSRF_FIELD, CSRF_HEADER, WebSession, csrf_ok


async def get_web_settings(request: Request) -> WebSettings:
    """async: no I/O, so it need not hop to the thread pool like a sync dependency would."""
    ws: WebSettings = request.app.state.web
    return ws


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_db(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response (rolled back on error).

    async: opening a Session does no I/O (it connects on first use), so only the commit needs
    the thread pool; a sync generator would hop to it twice more per request.
    """
    ws: WebSettings = request.app.state.web
    session = Session(bind=get_engine(ws.core.db_url), expire_on_commit=False)
    try:
        yield session
    except BaseException:
        # shielded: a cancelled request must still give its connection back
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(_end, session, commit=False)
        raise
    await run_in_threadpool(_end, session, commit=True)


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """get_db for a sync route that wants its whole request in one thread-pool call.

    With SessionDep and CurrentUser a page visits the thread pool three times (the login
    check, the route, the commit), each a wait for a thread to be scheduled, which is what
    the tail latency is made of on a busy machine; the case page, the busiest, opens its
    transaction here, checks the login with `current_user(request, session)` and commits,
    all in its own thread.
    """
    ws: WebSettings = request.app.state.web
    session = Session(bind=get_engine(ws.core.db_url), expire_on_commit=False)
    try:
        yield session
    except BaseException:
        _end(session, commit=False)
        raise
    _end(session, commit=True)


MAX_ID = 2**31 - 1  # a database integer: bigger ids cannot exist, so refuse them as input
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]

WebSettingsDep = Annotated[WebSettings, Depends(get_web_settings)]
# scope="function": commit before the response goes out, so the page a redirect leads to
# (or the client's next request) always sees the change
SessionDep = Annotated[Session, Depends(get_db, scope="function")]


@dataclass(frozen=True)
class UserView:
    id: int
    name: str
    role: str


def web_session(request: Request) -> WebSession:
    sess: WebSession = request.state.web_session
    return sess


def current_user(request: Request, session: SessionDep) -> Any:
    """The logged-in user of a page; anyone else is sent to the login page."""
    sess = web_session(request)
    user = users.by_id(session, sess.user_id) if sess.user_id is not None else None
    if user is None or not users.is_active(user):
        target = "/login?next=" + quote(request.url.path, safe="/")
        if request.headers.get("HX-Request"):
            raise HTTPException(401, "Please log in again.", headers={"HX-Redirect": target})
        raise HTTPException(303, "Please log in.", headers={"Location": target})
    # a plain copy for templates: the error page renders after the session has closed
    request.state.user = UserView(id=user.id, name=user.name, role=user.role)
    return user


CurrentUser = Annotated[Any, Depends(current_user)]


async def csrf_protect(request: Request) -> None:
    """Unsafe page requests must echo the session's CSRF token (form field or header)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not csrf_ok(web_session(request), presented):
        raise HTTPException(403, "The form expired or did not come from this site; reload it.")


CsrfDep = Annotated[None, Depends(csrf_protect)]

# --- the API: bearer tokens with scopes ------------------------------------------------------

SCOPES: dict[str, str] = {
    "applications:read": "look up applications",
    "applications:write": "submit applications and bulk uploads",
    "members:read": "look up members",
    "reference:read": "list reference lists, versions and re-screen results",
    "reference:write": "upload new reference list versions",
    "cases:read": "see the queue, cases and notices",
    "cases:write": "claim, propose, approve, return and appeal",
    "audit:read": "read the audit log",
}

_bearer = HTTPBearer(auto_error=False, description="An API token from POST /api/tokens")


@dataclass
class Principal:
    user: Any
    scopes: frozenset[str]
    token_id: int


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def _record_use(session: Session, token: ApiToken, now: datetime) -> None:
    """Note when a token was last used, at most once a minute and, on PostgreSQL, in a
    transaction of its own.

    Written in the request's transaction, the update would hold the token's row lock until
    the request commits, so concurrent requests sharing one token (a membership system's)
    would queue behind each other for the whole of a submission. SQLite serialises writers
    anyway, so there it stays in the request's transaction.
    """
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        token.last_used_at = now
        return
    with bind.engine.begin() as conn:
        conn.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    set_committed_value(token, "last_used_at", now)


BearerCredentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _unauthorised() -> HTTPException:
    return HTTPException(
        401, "A valid API token is required.", headers={"WWW-Authenticate": "Bearer"}
    )


@cache
def _token_and_user() -> Any:
    """The token by its digest and its user, in one statement (built once)."""
    from vetline.db.review import User

    return (
        select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_sha256 == bindparam("digest"))
    )


def authenticate(session: Session, creds: HTTPAuthorizationCredentials | None) -> Principal:
    """The principal of a bearer token: live (not revoked, not expired), of an active user."""
    if creds is None or creds.scheme.lower() != "bearer":
        raise _unauthorised()
    found = session.execute(
        _token_and_user(), {"digest": token_digest(creds.credentials)}
    ).one_or_none()
    now = utcnow()
    if found is None:
        raise _unauthorised()
    token: ApiToken = found[0]
    user = found[1]
    if token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        raise _unauthorised()
    if not users.is_active(user):
        raise _unauthorised()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_USE_RESOLUTION:
        _record_use(session, token, now)
    return Principal(user=user, scopes=frozenset(token.scopes), token_id=token.id)


def authorise(principal: Principal, name: str) -> Any:
    """The principal's user, if the token carries scope `name` (the role check stays in the
    domain)."""
    if name not in principal.scopes:
        raise HTTPException(403, f"This token lacks the '{name}' scope.")
    return principal.user


def api_principal(session: SessionDep, creds: BearerCredentials) -> Principal:
    return authenticate(session, creds)


async def bearer_present(creds: BearerCredentials) -> HTTPAuthorizationCredentials:
    """The bearer credentials, refused at once (before the body is read) when there are none;
    for a route that checks them in its own transaction (`authenticate`)."""
    if creds is None or creds.scheme.lower() != "bearer":
        raise _unauthorised()
    return creds


BearerDep = Annotated[HTTPAuthorizationCredentials, Depends(bearer_present)]


ApiPrincipal = Annotated[Principal, Depends(api_principal)]


def scope(name: str) -> Callable[[Principal], Any]:
    """A dependency: the token must carry `name`; the role check stays in the domain."""
    assert name in SCOPES, name

    async def check(principal: ApiPrincipal) -> Any:
        return authorise(principal, name)

    return check
