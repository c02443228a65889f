"""Storing rulebook versions: once per version, refused when the text changes, race-safe."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from vetline.db.review import AuditEvent, RulebookRecord
from vetline.errors import Conflict
from vetline.rulebook import DEFAULT_RULEBOOK, load_rulebook
from vetline.rulebook.model import Rulebook
from vetline.rulebook.store import register


def _stored_once(s: Session) -> bool:
    """One stored version, one audit event saying so."""
    stored = s.scalar(select(func.count()).select_from(RulebookRecord))
    events = s.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "rulebook.register")
    )
    return stored == events == 1


def _rulebook() -> Rulebook:
    return load_rulebook(DEFAULT_RULEBOOK)


def test_a_version_is_stored_once_and_a_changed_text_is_refused(engine: Engine) -> None:
    rb = _rulebook()
    make = sessionmaker(bind=engine)
    with make.begin() as s:
        first = register(s, rb)
    with make.begin() as s:
        assert register(s, rb) == first
    changed = dataclasses.replace(rb, sha256="0" * 64)
    with make.begin() as s, pytest.raises(Conflict, match="give the changed rules a new version"):
        register(s, changed)
    with make() as s:
        assert _stored_once(s)


@pytest.mark.postgres
def test_two_first_submissions_racing_store_the_version_once(pg_url: str) -> None:
    """The second insert waits on the unique index, fails when the first commits, and the
    second transaction goes on with the first one's row instead of failing its request."""
    from vetline.db import get_engine

    engine = get_engine(pg_url)
    rb = _rulebook()
    make = sessionmaker(bind=engine)
    first: Session = make()
    first_id = register(first, rb)  # inserted, not committed: holds the unique key
    result: dict[str, object] = {}

    def second() -> None:
        try:
            with make.begin() as s:
                result["id"] = register(s, rb)
        except Exception as exc:  # the assertion below names it
            result["error"] = exc

    t = threading.Thread(target=second)
    t.start()
    t.join(timeout=1.0)
    assert t.is_alive(), "the second insert should wait for the first transaction"
    first.commit()
    first.close()
    t.join(timeout=30)
    assert "error" not in result, result.get("error")
    assert result["id"] == first_id
    with make() as s:
        assert _stored_once(s)


@pytest.mark.postgres
def test_a_version_stored_then_rolled_back_is_stored_again(pg_url: str) -> None:
    """The id of a stored version is kept in memory only once read committed: a registration
    rolled back is not remembered, and the next one stores the version again. (PostgreSQL
    only: on SQLite, pysqlite commits the version's row when its savepoint is released, and
    the rollback takes only its audit event.)"""
    from vetline.db import get_engine

    engine = get_engine(pg_url)
    rb = _rulebook()
    make = sessionmaker(bind=engine)
    with make() as s:
        register(s, rb)
        assert register(s, rb) is not None  # read back inside its own transaction
        s.rollback()
    with make.begin() as s:
        stored = register(s, rb)
    with make.begin() as s:
        assert register(s, rb) == stored  # now read committed, and kept
        assert s.get(RulebookRecord, stored) is not None
    changed = dataclasses.replace(rb, sha256="0" * 64)
    with make.begin() as s, pytest.raises(Conflict, match="give the changed rules a new version"):
        register(s, changed)  # refused from memory too
    with make() as s:
        assert _stored_once(s)
