"""The audit chain: intact chains verify; altered, removed or inserted events are named."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from vetline import audit
from vetline.cli import app
from vetline.db import session_scope
from vetline.db.review import AuditEvent


def _chain(session: Session, n: int = 5) -> list[AuditEvent]:
    events = [
        audit.record(
            session,
            actor="rosa",
            action="case.propose",
            entity="case",
            entity_id=i,
            before={"status": "claimed"},
            after={"status": "proposed", "clauses": ["X-1"], "score": 0.7},
            rulebook_version="labour-2016@2016.1",
            score=0.1 * i,
            threshold=0.05,
            reason=f"reason {i} — with ünïcode",
        )
        for i in range(1, n + 1)
    ]
    session.commit()
    return events


def test_intact_chain_verifies(session: Session) -> None:
    events = _chain(session)
    result = audit.verify(session)
    assert result.ok and result.events == 5
    # the head names each chain's last position and hash; one transaction, one chain (0)
    assert result.head == f"0:5:{events[-1].hash}" == audit.head(session)[1]
    assert events[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert audit.verify(session, expected_head=events[-1].hash).ok


def test_altered_event_is_named(session: Session) -> None:
    events = _chain(session)
    session.execute(
        update(AuditEvent).where(AuditEvent.id == events[2].id).values(reason="nothing to see")
    )
    session.commit()
    result = audit.verify(session)
    assert (
        not result.ok and result.bad_event_id == events[2].id and "altered" in str(result.problem)
    )


def test_altered_json_is_named(session: Session) -> None:
    events = _chain(session)
    session.execute(
        update(AuditEvent).where(AuditEvent.id == events[1].id).values(after={"status": "closed"})
    )
    session.commit()
    assert audit.verify(session).bad_event_id == events[1].id


def test_removed_event_is_named(session: Session) -> None:
    events = _chain(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    session.commit()
    result = audit.verify(session)
    assert (
        not result.ok and result.bad_event_id == events[2].id and "removed" in str(result.problem)
    )


def test_removed_and_renumbered_events_are_still_caught(session: Session) -> None:
    events = _chain(session)
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    for e in events[2:]:
        session.execute(update(AuditEvent).where(AuditEvent.id == e.id).values(seq=e.seq - 1))
    session.commit()
    result = audit.verify(session)
    assert not result.ok and result.bad_event_id == events[2].id


def test_inserted_event_is_named(session: Session) -> None:
    events = _chain(session)
    # make room in the middle, then slip a well-formed event in with its own valid hash
    for e in reversed(events[2:]):
        session.execute(update(AuditEvent).where(AuditEvent.id == e.id).values(seq=e.seq + 1))
    forged = AuditEvent(
        seq=3,
        at=events[1].at,
        actor="mallory",
        action="case.approve",
        entity="case",
        entity_id="2",
        prev_hash=events[1].hash,
    )
    forged.hash = audit._hash_of(forged)
    session.add(forged)
    session.commit()
    result = audit.verify(session)
    assert not result.ok
    assert result.bad_event_id == events[2].id  # the next genuine event no longer links


def test_truncated_tail_needs_the_noted_head(session: Session) -> None:
    events = _chain(session)
    noted = events[-1].hash
    session.execute(delete(AuditEvent).where(AuditEvent.id == events[-1].id))
    session.commit()
    assert audit.verify(session).ok  # invisible from inside the chain …
    result = audit.verify(session, expected_head=noted)  # … but not against the noted head
    assert not result.ok and "expected head" in str(result.problem)


def test_events_appended_in_later_transactions_keep_the_chain(engine: Engine) -> None:
    for i in range(3):
        with session_scope(engine) as s:
            audit.record(s, actor="system", action="x", entity="t", entity_id=i)
    with session_scope(engine) as s:
        assert audit.verify(s).ok and audit.head(s)[0] == 3


def test_cli_verify_exits_nonzero_naming_the_bad_event(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as s:
        for i in range(3):
            audit.record(s, actor="system", action="x", entity="t", entity_id=i)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "intact: 3 events" in ok.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2"))
        bad_id = conn.execute(text("SELECT id FROM audit_events WHERE seq = 2")).scalar_one()
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"event id {bad_id}" in bad.output and "altered" in bad.output
    as_json = runner.invoke(app, ["audit", "verify", "--json"])
    assert as_json.exit_code == 1 and '"bad_seq": 2' in as_json.output


@pytest.mark.parametrize("field", ["actor", "action", "entity_id", "rulebook_version"])
def test_every_field_is_covered_by_the_hash(session: Session, field: str) -> None:
    events = _chain(session, 2)
    session.execute(update(AuditEvent).where(AuditEvent.id == events[0].id).values({field: "z"}))
    session.commit()
    assert audit.verify(session).bad_event_id == events[0].id


def test_score_and_time_are_covered(session: Session) -> None:
    events = _chain(session, 2)
    row = session.scalars(select(AuditEvent).where(AuditEvent.id == events[0].id)).one()
    session.execute(
        update(AuditEvent).where(AuditEvent.id == row.id).values(score=(row.score or 0) + 0.01)
    )
    session.commit()
    assert audit.verify(session).bad_event_id == events[0].id


def _holds_chain_lock(session: Session) -> bool:
    return bool(
        session.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                "AND pid = pg_backend_pid() "
                "AND (objid = :k OR (classid = :k AND objsubid = 2))"  # (key) or (key, chain)
            ),
            {"k": audit._PG_LOCK_KEY},
        )
    )


def test_deferred_events_are_chained_at_commit_in_their_order(db_url: str, engine: Engine) -> None:
    with session_scope(engine) as s:
        audit.record(s, actor="system", action="before", entity="t", entity_id=0)
    with session_scope(engine) as s:
        audit.defer_until_commit(s)
        for i in range(1, 4):
            audit.record(s, actor="system", action="x", entity="t", entity_id=i, after={"i": i})
            s.flush()
        if db_url.startswith("postgresql"):
            assert not _holds_chain_lock(s)  # the lock waits for the commit
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == 1
    with session_scope(engine) as s:
        assert audit.verify(s).ok
        rows = s.execute(select(AuditEvent.seq, AuditEvent.entity_id).order_by(AuditEvent.seq))
        assert [tuple(r) for r in rows] == [(1, "0"), (2, "1"), (3, "2"), (4, "3")]
        audit.record(s, actor="system", action="after", entity="t", entity_id=5)  # not deferred
    with session_scope(engine) as s:
        assert audit.verify(s).ok and audit.head(s)[0] == 5


def test_deferred_events_of_a_rolled_back_transaction_are_dropped(engine: Engine) -> None:
    s = Session(engine)
    audit.defer_until_commit(s)
    audit.record(s, actor="system", action="x", entity="t", entity_id=1)
    s.rollback()
    audit.record(s, actor="system", action="y", entity="t", entity_id=2)
    s.commit()
    s.close()
    with session_scope(engine) as s2:
        assert [e.action for e in s2.scalars(select(AuditEvent))] == ["y"]
        assert audit.verify(s2).ok
