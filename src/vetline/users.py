"""Users, roles and permissions, checked in the domain layer so every door (CLI, web) obeys them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.review import Role, User
from vetline.errors import Conflict, InputError, NotFound, PermissionDenied


class Permission:
    READ_CASES = "cases.read"
    WORK_CASES = "cases.work"  # claim, propose, record responses, declare conflicts, appeals
    APPROVE = "cases.approve"  # second pair of eyes on adverse outcomes; bulk confirmation
    READ_NOTICES = "notices.read"
    READ_AUDIT = "audit.read"
    MANAGE_USERS = "users.manage"


_READ = frozenset({Permission.READ_CASES, Permission.READ_NOTICES, Permission.READ_AUDIT})
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.REVIEWER: _READ | {Permission.WORK_CASES},
    Role.SENIOR: _READ | {Permission.WORK_CASES, Permission.APPROVE},
    Role.ADMIN: _READ | {Permission.MANAGE_USERS},
    Role.AUDITOR: _READ,
}

_hasher = PasswordHasher()


def can(user: User, permission: str) -> bool:
    return user.active and permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def require(user: User, permission: str) -> None:
    """Raise PermissionDenied unless the user's role grants `permission`."""
    if not user.active:
        raise PermissionDenied(f"user {user.name!r} is deactivated")
    if not can(user, permission):
        raise PermissionDenied(f"user {user.name!r} (role {user.role}) may not do {permission}")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """True when `password` matches; a user without a password can never log in."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def get_user(session: Session, name: str) -> User:
    """The active user called `name` (NotFound / PermissionDenied otherwise)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise NotFound(f"no user called {name!r} (add one: vetline users add NAME --role ROLE)")
    if not user.active:
        raise PermissionDenied(f"user {name!r} is deactivated")
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user when name and password match, else None (say 'wrong name or password')."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None or not user.active or not verify_password(user, password):
        return None
    if user.password_hash and _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def add_user(
    session: Session,
    name: str,
    role: str,
    *,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create a user. Only an admin may, except for the very first admin (bootstrap)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InputError("user name: 1 to 100 characters")
    if role not in Role.ALL:
        raise InputError(f"role {role!r} is not one of {', '.join(Role.ALL)}")
    has_admin = session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
    if actor is not None:
        require(actor, Permission.MANAGE_USERS)
    elif has_admin:
        raise PermissionDenied("only an admin may add users (act as one with --as)")
    elif role != Role.ADMIN:
        raise PermissionDenied("add an admin first; then act as that admin")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise Conflict(f"a user called {name!r} already exists")
    user = User(name=name, role=role, active=True)
    if password is not None:
        user.password_hash = hash_password(password)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor.name if actor else "bootstrap",
        action="user.add",
        entity="user",
        entity_id=user.id,
        after={"name": name, "role": role, "has_password": password is not None},
    )
    return user


def set_password(session: Session, user: User, password: str, *, actor: User) -> None:
    if actor.id != user.id:
        require(actor, Permission.MANAGE_USERS)
    user.password_hash = hash_password(password)
    audit.record(
        session, actor=actor.name, action="user.password", entity="user", entity_id=user.id
    )


def deactivate(session: Session, user: User, *, actor: User) -> None:
    require(actor, Permission.MANAGE_USERS)
    user.active = False
    audit.record(
        session,
        actor=actor.name,
        action="user.deactivate",
        entity="user",
        entity_id=user.id,
        before={"active": True},
        after={"active": False},
    )


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


DEMO_USERS: tuple[tuple[str, str], ...] = (
    ("ada", Role.ADMIN),
    ("rosa", Role.REVIEWER),
    ("ravi", Role.REVIEWER),
    ("sam", Role.SENIOR),
    ("tess", Role.SENIOR),
    ("olu", Role.AUDITOR),
)


def ensure_demo_users(
    session: Session, users: Iterable[tuple[str, str]] = DEMO_USERS
) -> list[tuple[str, str, str]]:
    """Create the demo users that do not exist yet, each with a fresh random password.

    Returns (name, role, password) for the users created now; existing ones keep their password
    and are listed with password "" (it is not stored in clear anywhere).
    """
    out: list[tuple[str, str, str]] = []
    admin: User | None = session.scalar(
        select(User).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    )
    for name, role in users:
        existing = session.scalar(select(User).where(User.name == name))
        if existing is not None:
            out.append((name, existing.role, ""))
            continue
        password = secrets.token_urlsafe(9)
        user = add_user(session, name, role, password=password, actor=admin)
        if admin is None and role == Role.ADMIN:
            admin = user
        out.append((name, role, password))
    return out


__all__ = [
    "DEMO_USERS",
    "ROLE_PERMISSIONS",
    "Permission",
    "add_user",
    "authenticate",
    "can",
    "deactivate",
    "ensure_demo_users",
    "get_user",
    "hash_password",
    "list_users",
    "require",
    "set_password",
    "verify_password",
]
