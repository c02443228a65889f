"""Fixtures shared by the whole suite.

- `sqlite_url`: a fresh, migrated SQLite file per test.
- `pg_url`: a fresh PostgreSQL database per test session on the real server
  (VETLINE_TEST_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/postgres), emptied
  before each test. The suite fails — it does not skip — when the server is unreachable, unless
  VETLINE_SKIP_PG=1 is set by hand.
- `db_url`: parametrised over both, for tests that must hold on every dialect.
- `engine` / `session`: bound to `db_url`.
- `sample_dc_csv`: the real Democracy Club sample from ../shared/data (or tests/data).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from vetline.db import get_engine, reset_engines
from vetline.db.base import Base

PG_ADMIN_URL = os.environ.get(
    "VETLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TESTS = Path(__file__).parent


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every test gets its own data dir so nothing touches the developer's database."""
    monkeypatch.setenv("VETLINE_DATA_DIR", str(tmp_path / "vetline-data"))
    monkeypatch.delenv("VETLINE_DB_URL", raising=False)
    yield
    reset_engines()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def _pg_database() -> Iterator[str]:
    if os.environ.get("VETLINE_SKIP_PG") == "1":
        pytest.skip("VETLINE_SKIP_PG=1: PostgreSQL tests skipped by request")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"vetline_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - the message is the point
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    get_engine(url)  # migrate once
    reset_engines()
    yield url
    reset_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(_pg_database: str) -> str:
    engine = create_engine(_pg_database)
    import vetline.db.tables  # noqa: F401

    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return _pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    url: str = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    monkeypatch.setenv("VETLINE_DB_URL", url)
    return url


@pytest.fixture
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    s = sessionmaker(bind=engine, expire_on_commit=False)()
    yield s
    s.rollback()
    s.close()


@pytest.fixture(scope="session")
def sample_dc_csv() -> Path:
    for candidate in (
        TESTS / "data" / "dc_candidates_south_yorkshire_2018_2021.csv",
        TESTS.parent.parent / "shared" / "data" / "dc_candidates_south_yorkshire_2018_2021.csv",
    ):
        if candidate.exists():
            return candidate
    pytest.fail("the Democracy Club sample CSV is missing")
