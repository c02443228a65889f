"""Signed session cookies, CSRF tokens, password checks and the login rate limit.

The session is a signed (not encrypted) cookie holding the user id and a per-session CSRF
token; it is HttpOnly, SameSite=Strict and Secure over https. Forms echo the CSRF token in a
hidden field, htmx sends it in the X-CSRF-Token header.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.web import LoginFailure
from vetline.web.config import WebSettings

COOKIE = "vetline_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_HASHER = PasswordHasher()
# verified against when the user does not exist, so timing does not reveal valid names
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


@dataclass
class WebSession:
    user_id: int | None
    csrf: str
    fresh: bool = False


@lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="vetline-session")


def _serializer(ws: WebSettings) -> URLSafeTimedSerializer:
    """One serializer per key, not one per request: every request reads the cookie."""
    return _serializer_for(ws.secret_key)


def load_session(request: Request, ws: WebSettings) -> WebSession:
    raw = request.cookies.get(COOKIE)
    if raw:
        try:
            data: dict[str, Any] = _serializer(ws).loads(raw, max_age=ws.session_max_age)
            uid = data.get("uid")
            csrf = data.get("csrf")
            if isinstance(csrf, str) and (uid is None or isinstance(uid, int)):
                return WebSession(user_id=uid, csrf=csrf)
        except BadSignature:
            pass
    return WebSession(user_id=None, csrf=secrets.token_urlsafe(32), fresh=True)


def save_session(response: Response, request: Request, ws: WebSettings, sess: WebSession) -> None:
    secure = ws.cookie_secure in ("1", "true", "yes") or (
        ws.cookie_secure == "auto" and request.url.scheme == "https"
    )
    response.set_cookie(
        COOKIE,
        _serializer(ws).dumps({"uid": sess.user_id, "csrf": sess.csrf}),
        max_age=ws.session_max_age,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/",
    )


def new_session(user_id: int | None) -> WebSession:
    """A fresh session (new CSRF token) at login and logout: no session fixation."""
    return WebSession(user_id=user_id, csrf=secrets.token_urlsafe(32), fresh=True)


def csrf_ok(sess: WebSession, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(sess.csrf, presented or "")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def login_blocked(session: Session, ws: WebSettings, username: str, client: str) -> bool:
    """Too many recent failures for this name, or from this address (a spray over names)."""
    since = utcnow() - timedelta(seconds=ws.login_window_seconds)
    by_name = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.username == username.lower(), LoginFailure.at >= since)
    )
    by_client = session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.client == client, LoginFailure.at >= since)
    )
    return (by_name or 0) >= ws.login_max_failures or (by_client or 0) >= 4 * ws.login_max_failures


def record_failure(session: Session, username: str, client: str) -> None:
    session.add(LoginFailure(username=username.lower()[:100], client=client[:64]))


def clear_failures(session: Session, username: str) -> None:
    session.execute(delete(LoginFailure).where(LoginFailure.username == username.lower()))
