"""Alembic environment: uses the engine handed over by vetline.db.migrate."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

import vetline.db.tables  # noqa: F401  (registers every table on Base.metadata)
from vetline.db.base import Base

config = context.config
engine: Engine = config.attributes.get("engine") or create_engine(
    config.get_main_option("sqlalchemy.url") or ""
)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    context.run_migrations()
