"""Find the review domain's users (vetline.db.review.User) for logins and tokens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def _model() -> Any:
    from vetline.db.review import User

    return User


def by_id(session: Session, user_id: int | None) -> Any:
    if user_id is None:
        return None
    return session.get(_model(), user_id)


def by_name(session: Session, name: str) -> Any:
    user = _model()
    return session.scalar(select(user).where(user.name == name))


def is_active(user: Any) -> bool:
    return bool(getattr(user, "active", True))
