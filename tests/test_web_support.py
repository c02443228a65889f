"""Helpers for the web tests: users with passwords, logged-in clients, API tokens, a live server."""

from __future__ import annotations

import csv
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from vetline.db import get_engine, session_scope
from vetline.db.review import User
from vetline.settings import Settings, get_settings

PASSWORD = "correct horse battery staple"
_HASH = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)


def settings_for(db_url: str, data_dir: Path) -> Settings:
    """The environment's settings pointed at this test's database and data dir."""
    return replace(
        get_settings(),
        data_dir=data_dir,
        db_url=db_url,
        secret_key="test-secret-key",
        outbox_dir=data_dir / "outbox",
    )


def add_user(session: Session, name: str, role: str) -> User:
    user = User(name=name, role=role, password_hash=_HASH)
    session.add(user)
    session.flush()
    return user


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD) -> None:
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": name, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve `app` with uvicorn in a background thread on a free loopback port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def api_token(client: TestClient, name: str, scopes: list[str]) -> dict[str, str]:
    """Headers with a fresh bearer token for `name` carrying `scopes`.

    Made directly (no password exchange, so no argon2 work per call); POST /api/tokens has
    its own tests.
    """
    from sqlalchemy import select

    from vetline.web import tokens

    app: Any = client.app
    with session_scope(get_engine(app.state.web.core.db_url)) as s:
        user = s.scalars(select(User).where(User.name == name)).one()
        _, secret = tokens.create(s, user, name="test", scopes=scopes)
    return {"Authorization": f"Bearer {secret}"}


HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_FORMULA = '=HYPERLINK("http://evil.example","x")'


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def seed_case(session: Session, tmp: Path, *, hostile: bool = False) -> int:
    """One conduct case through the real pipeline: intake → screening → rulebook → case."""
    from sqlalchemy import select

    from vetline.db.review import Case
    from vetline.intake import import_applications, import_reference
    from vetline.outcomes import decide_outcomes
    from vetline.rulebook.loader import load_rulebook
    from vetline.screening import screen_applications

    tmp.mkdir(parents=True, exist_ok=True)
    first, last = (HOSTILE_FORMULA, HOSTILE_SCRIPT) if hostile else ("Annabel", "Leeworth")
    person = [first, last, "1970-03-04", "S11 8YE", "1 High Street"]
    ref = tmp / "others.csv"
    write_csv(
        ref,
        ["id", "first_name", "last_name", "date_of_birth", "postcode", "address", "party", "role"],
        [["P-1", *person, "Other Party", "ward officer"]],
    )
    apps = tmp / "applications.csv"
    write_csv(
        apps,
        ["id", "first_name", "last_name", "date_of_birth", "postcode", "address", "applied_at"],
        [["A-9", *person, "2016-07-12T09:30:00Z"]],
    )
    import_reference(session, ref, list_name="other-party", kind="party_members")
    import_applications(session, apps)
    screen_applications(session)
    from vetline.db.people import Application

    ids = list(session.scalars(select(Application.id)))
    decide_outcomes(session, ids, rulebook=load_rulebook("labour-2016"))
    case_id = session.scalar(select(Case.id).order_by(Case.id.desc()))
    assert case_id is not None, "the pipeline opened no case"
    return case_id


WEB_USERS = [
    ("rita", "reviewer"),
    ("ravi", "reviewer"),
    ("sam", "senior"),
    ("tess", "senior"),
    ("audrey", "auditor"),
    ("ada", "admin"),
]


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """Once per run: a migrated SQLite file with WEB_USERS and one conduct case whose applicant
    has a hostile name. Tests copy it instead of re-running migrations and screening."""
    folder = tmp_path_factory.mktemp("web-template")
    path = folder / "seeded.db"
    engine = get_engine(f"sqlite:///{path}")
    with session_scope(engine) as s:
        for name, role in WEB_USERS:
            add_user(s, name, role)
        case_id = seed_case(s, folder / "in", hostile=True)
    engine.dispose()  # checkpoints the WAL into the file
    return path, case_id


def copy_template(template: tuple[Path, int], sqlite_url: str) -> int:
    """Put the seeded database at `sqlite_url` (which must not exist yet); returns the case id."""
    target = Path(sqlite_url.removeprefix("sqlite:///"))
    assert not target.exists()
    shutil.copyfile(template[0], target)
    return template[1]
