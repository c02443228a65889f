"""The schema: migrations match the tables, and timestamps come back aware and in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
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


def test_a_postgres_url_keeps_its_password_when_the_driver_is_set() -> None:
    from vetline.db.engine import _create

    for url in (
        "postgresql://vetline:s3cret@127.0.0.1:5432/vetline",
        "postgresql+psycopg2://vetline:s3cret@127.0.0.1:5432/vetline",  # psycopg 3 instead
    ):
        engine = _create(url)
        try:
            assert engine.dialect.driver == "psycopg"
            assert engine.url.password == "s3cret"  # str(url) would have made it '***'
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_postgres_plans_every_statement_with_its_values(pg_url: str) -> None:
    """psycopg prepares a statement run five times; a generic plan of the double sign-up
    query (an OR of indexed keys, values unknown) is a sequential scan of the applications."""
    from sqlalchemy import text

    from vetline.db import get_engine

    with get_engine(pg_url).connect() as conn:
        for _ in range(7):  # past psycopg's prepare threshold
            mode = conn.execute(text("SHOW plan_cache_mode")).scalar()
        assert mode == "force_custom_plan"
