"""Users, roles and permissions; passwords hashed with argon2."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from vetline import users
from vetline.cli import app
from vetline.db.review import Role
from vetline.errors import Conflict, InputError, NotFound, PermissionDenied


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2id, with test-sized cost (the production parameters take ~1 s per hash)."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        users, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_first_user_must_be_an_admin_and_then_admins_add_users(session: Session) -> None:
    with pytest.raises(PermissionDenied, match="admin first"):
        users.add_user(session, "rosa", Role.REVIEWER)
    ada = users.add_user(session, "ada", Role.ADMIN)
    with pytest.raises(PermissionDenied):
        users.add_user(session, "rosa", Role.REVIEWER)  # no --as once an admin exists
    rosa = users.add_user(session, "rosa", Role.REVIEWER, actor=ada)
    with pytest.raises(PermissionDenied):
        users.add_user(session, "ravi", Role.REVIEWER, actor=rosa)
    with pytest.raises(Conflict):
        users.add_user(session, "rosa", Role.SENIOR, actor=ada)
    with pytest.raises(InputError, match="role"):
        users.add_user(session, "zed", "boss", actor=ada)
    with pytest.raises(NotFound):
        users.get_user(session, "nobody")


def test_role_permissions(session: Session) -> None:
    ada = users.add_user(session, "ada", Role.ADMIN)
    made = {
        r: users.add_user(session, r, r, actor=ada)
        for r in (Role.REVIEWER, Role.SENIOR, Role.AUDITOR)
    }
    P = users.Permission
    assert users.can(made[Role.REVIEWER], P.WORK_CASES)
    assert not users.can(made[Role.REVIEWER], P.APPROVE)
    assert users.can(made[Role.SENIOR], P.APPROVE)
    assert not users.can(made[Role.AUDITOR], P.WORK_CASES)
    assert users.can(made[Role.AUDITOR], P.READ_AUDIT)
    assert not users.can(ada, P.WORK_CASES) and users.can(ada, P.MANAGE_USERS)
    users.deactivate(session, made[Role.SENIOR], actor=ada)
    with pytest.raises(PermissionDenied, match="deactivated"):
        users.require(made[Role.SENIOR], P.APPROVE)


def test_passwords_are_argon2_and_verify(session: Session) -> None:
    ada = users.add_user(session, "ada", Role.ADMIN, password="correct horse")
    assert ada.password_hash is not None and ada.password_hash.startswith("$argon2")
    assert "correct horse" not in ada.password_hash
    assert users.authenticate(session, "ada", "correct horse") is ada
    assert users.authenticate(session, "ada", "wrong") is None
    assert users.authenticate(session, "nobody", "x") is None
    cli_only = users.add_user(session, "cli", Role.REVIEWER, actor=ada)
    assert users.authenticate(session, "cli", "") is None and not users.verify_password(
        cli_only, ""
    )


def test_demo_users_are_created_once(session: Session) -> None:
    first = users.ensure_demo_users(session)
    assert {(n, r) for n, r, _ in first} == set(users.DEMO_USERS)
    for name, _role, password in first:
        assert users.authenticate(session, name, password) is not None
    second = users.ensure_demo_users(session)
    assert all(p == "" for _, _, p in second)


def test_cli_users_add_and_list(db_url: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["users", "add", "ada", "--role", "admin"]).exit_code == 0
    denied = runner.invoke(app, ["users", "add", "rosa", "--role", "reviewer"])
    assert denied.exit_code != 0
    ok = runner.invoke(app, ["users", "add", "rosa", "--role", "reviewer", "--as", "ada"])
    assert ok.exit_code == 0, ok.output
    listed = runner.invoke(app, ["users", "list", "--json"])
    assert '"name": "rosa"' in listed.output and '"role": "reviewer"' in listed.output
