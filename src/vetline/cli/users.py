"""`vetline users …`: add and list users (roles: reviewer, senior, admin, auditor)."""

from __future__ import annotations

import typer

from vetline import users
from vetline.cli.app import app, console, print_json
from vetline.db import session_scope

users_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def add(
    name: str,
    role: str = typer.Option(..., help="reviewer, senior, admin or auditor."),
    password: str | None = typer.Option(
        None, envvar="VETLINE_NEW_PASSWORD", help="Web login password (else CLI-only)."
    ),
    as_user: str | None = typer.Option(
        None, "--as", envvar="VETLINE_AS", help="Act as this admin (not needed for the first one)."
    ),
) -> None:
    """Add a user. The first user must be an admin; after that, act as an admin.

    Example: vetline users add ada --role admin && vetline users add rosa --role reviewer --as ada
    """
    with session_scope() as session:
        actor = users.get_user(session, as_user) if as_user else None
        user = users.add_user(session, name, role, password=password, actor=actor)
        console.print(f"user {user.name} added with role {user.role}")


@users_app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """All users and their roles. Example: vetline users list --json"""
    with session_scope() as session:
        rows = [
            {
                "name": u.name,
                "role": u.role,
                "active": u.active,
                "has_password": u.password_hash is not None,
                "created_at": u.created_at,
            }
            for u in users.list_users(session)
        ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['name']:<20} {r['role']:<9} {'active' if r['active'] else 'inactive'}")


@users_app.command("demo")
def demo() -> None:
    """Create the demo users (if missing) and print their names, roles and new passwords.

    Example: vetline users demo
    """
    with session_scope() as session:
        created = users.ensure_demo_users(session)
    for name, role, password in created:
        console.print(
            f"{name:<8} {role:<9} {password or '(exists; password unchanged)'}", highlight=False
        )
