"""Exchange a user name and password for a scoped API token; list and revoke your tokens."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from vetline.users import authenticate
from vetline.web import tokens
from vetline.web.deps import SCOPES, ApiPrincipal, PathId, SessionDep, WebSettingsDep
from vetline.web.security import clear_failures, login_blocked, record_failure

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)
    name: str = Field(default="api", min_length=1, max_length=100)
    scopes: list[str] = Field(min_length=1, max_length=len(SCOPES), examples=[["cases:read"]])
    expires_in_days: int | None = Field(default=90, ge=1, le=366)


class TokenInfo(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class NewToken(TokenInfo):
    token: str = Field(description="The secret: shown once, send as 'Authorization: Bearer …'")


@router.post("", response_model=NewToken, status_code=201, responses={401: {}, 429: {}})
def create_token(
    body: TokenRequest, request: Request, session: SessionDep, ws: WebSettingsDep
) -> NewToken:
    """Create a token for the named user (rate-limited like the login form)."""
    client = request.client.host if request.client else "unknown"
    if login_blocked(session, ws, body.username, client):
        raise HTTPException(429, "Too many failed attempts; wait and try again.")
    user = authenticate(session, body.username, body.password)
    if user is None:
        record_failure(session, body.username, client)
        session.commit()  # the error below rolls the request back; the failure must count
        raise HTTPException(401, "Wrong user name or password.")
    clear_failures(session, body.username)
    token, secret = tokens.create(
        session, user, name=body.name, scopes=body.scopes, expires_in_days=body.expires_in_days
    )
    return NewToken(token=secret, **TokenInfo.model_validate(token).model_dump())


@router.get("", response_model=list[TokenInfo])
def list_tokens(principal: ApiPrincipal, session: SessionDep) -> list[TokenInfo]:
    """The calling user's tokens (secrets are never shown again)."""
    return [TokenInfo.model_validate(t) for t in tokens.list_for(session, principal.user)]


@router.delete("/{token_id}", response_model=TokenInfo)
def revoke_token(token_id: PathId, principal: ApiPrincipal, session: SessionDep) -> TokenInfo:
    """Revoke a token (your own; an admin may revoke anyone's)."""
    return TokenInfo.model_validate(tokens.revoke(session, token_id, actor=principal.user))
