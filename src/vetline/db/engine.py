"""Engines and sessions; a database that does not exist yet is created and migrated on first use."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from vetline.errors import MissingExtra
from vetline.settings import get_settings

_ENGINES: dict[str, Engine] = {}


CUSTOM_PLANS = "-c plan_cache_mode=force_custom_plan"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _create(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() in ("", "psycopg2"):
            # render, not str(): str() masks the password as ***
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        try:
            import psycopg  # noqa: F401
        except ImportError as exc:
            raise MissingExtra("postgres", "psycopg") from exc
        # psycopg prepares a statement run five times on a connection, and PostgreSQL then
        # may switch to a generic plan that ignores the values: the submission's double
        # sign-up query (an OR of indexed keys) became a sequential scan of the applications,
        # 109 ms instead of 1.6 ms at p50. Plan with the values every time (unless the URL
        # sets its own server options).
        connect_args = {} if "options" in parsed.query else {"options": CUSTOM_PLANS}
        return create_engine(
            url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=connect_args
        )
    return create_engine(url)


def get_engine(url: str | None = None, *, migrate: bool = True) -> Engine:
    """Return the (cached) engine for `url`, migrating the schema to head the first time."""
    url = url or get_settings().db_url
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _create(url)
        if migrate:
            from vetline.db.migrate import upgrade

            upgrade(engine)
        _ENGINES[url] = engine
    return engine


def reset_engines() -> None:
    """Dispose every cached engine (tests, and the CLI when it switches databases)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error (imports are atomic)."""
    session = sessionmaker(bind=engine or get_engine(), expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
