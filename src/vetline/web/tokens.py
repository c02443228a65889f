"""API tokens: random secrets shown once, stored as sha256, limited to named scopes."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.base import utcnow
from vetline.db.review import User
from vetline.db.web import ApiToken
from vetline.errors import InputError, NotFound, PermissionDenied
from vetline.users import Permission, can
from vetline.web.deps import SCOPES, token_digest

PREFIX = "vtl_"


def create(
    session: Session,
    user: User,
    *,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None = 90,
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the secret (never stored, shown once)."""
    wanted = sorted(set(scopes))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise InputError(f"unknown scope(s): {', '.join(unknown)}; known: {', '.join(SCOPES)}")
    if not wanted:
        raise InputError("a token needs at least one scope")
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_sha256=token_digest(secret),
        prefix=secret[:12],
        scopes=wanted,
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        actor=user.name,
        action="token.create",
        entity="api_token",
        entity_id=token.id,
        after={"name": name, "scopes": wanted, "expires_at": token.expires_at},
    )
    return token, secret


def list_for(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def revoke(session: Session, token_id: int, *, actor: User) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no API token {token_id}")
    if token.user_id != actor.id and not can(actor, Permission.MANAGE_USERS):
        raise PermissionDenied("only the token's owner or an admin may revoke it")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(
            session, actor=actor.name, action="token.revoke", entity="api_token", entity_id=token.id
        )
    return token
