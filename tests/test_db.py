"""The schema: migrations match the tables, and timestamps come back aware and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select
from sqlalchemy.orm import Session

import vetline.db.tables  # noqa: F401
from vetline.db.base import Base
from vetline.db.people import Application


def test_migrations_match_the_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_database_is_created_on_first_use(engine: Engine) -> None:
    assert "applications" in inspect(engine).get_table_names()


def test_datetimes_round_trip_as_utc(session: Session) -> None:
    bst = timezone(timedelta(hours=1))
    app = Application(
        external_id="A1",
        applied_at=datetime(2016, 7, 12, 9, 30, tzinfo=bst),
        content_hash="x" * 64,
    )
    session.add(app)
    session.commit()
    session.expire_all()
    got = session.scalars(select(Application)).one().applied_at
    assert got == datetime(2016, 7, 12, 8, 30, tzinfo=UTC)
    assert got.tzinfo is not None
