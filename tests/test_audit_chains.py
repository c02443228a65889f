"""Striped audit chains: concurrent commits take different chains instead of queueing on one
lock, and every chain is verified as strictly as the single chain was.

The PostgreSQL tests hold one transaction open (after appending, or in the middle of its
commit) and check from a thread, with a timeout, that a second one commits meanwhile.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, delete, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from test_web_support import copy_template, login, settings_for
from test_web_support import seeded_template as seeded_template
from vetline import audit
from vetline.cli import app
from vetline.db import get_engine, session_scope
from vetline.db.migrate import upgrade
from vetline.db.review import AuditEvent
from vetline.errors import InputError
from vetline.intake.decided import DECIDED_ACTION, _decided_excluded
from vetline.web import create_app

PG_ADMIN_URL = os.environ.get(
    "VETLINE_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
WAIT = 10.0  # seconds a thread gets before we call it blocked
T = TypeVar("T")


def _record(s: Session, action: str = "x", entity_id: object = 0, **kw: Any) -> AuditEvent:
    return audit.record(s, actor="system", action=action, entity="t", entity_id=entity_id, **kw)


def _forged(chain: int, seq: int, prev_hash: str, **fields: Any) -> AuditEvent:
    """An event hashed as `audit` would (what someone with database access could write)."""
    values: dict[str, Any] = {"at": datetime.now(UTC), "actor": "mallory", "entity": "t"}
    event = AuditEvent(chain=chain, seq=seq, prev_hash=prev_hash, **{**values, **fields})
    event.hash = audit._hash_of(event)
    return event


def _in_thread(fn: Callable[[], None]) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, errors


def _meanwhile(engine: Engine, held: Session, work: Callable[[Session], T]) -> T:
    """Run `work` in a transaction of its own, in a thread, while `held` stays open; fail (and
    end `held`, so nothing hangs) if it has to wait for `held`."""
    out: list[T] = []

    def run() -> None:
        with session_scope(engine) as b:
            out.append(work(b))

    t, errors = _in_thread(run)
    t.join(WAIT)
    if t.is_alive():
        held.rollback()
        held.close()
        t.join(WAIT)
        pytest.fail("the second transaction waited for the first one's chain")
    assert not errors, errors
    return out[0]


def _chains(engine: Engine) -> dict[int, list[tuple[int, int, str | None]]]:
    """chain → [(seq, id, action)] in seq order."""
    out: dict[int, list[tuple[int, int, str | None]]] = {}
    with session_scope(engine) as s:
        rows = s.execute(
            select(AuditEvent.chain, AuditEvent.seq, AuditEvent.id, AuditEvent.action).order_by(
                AuditEvent.chain, AuditEvent.seq
            )
        )
        for chain, seq, id_, action in rows:
            out.setdefault(chain, []).append((seq, id_, action))
    return out


def _audit_locks(engine: Engine) -> dict[int, list[int]]:
    """backend pid → the chains it holds an audit lock on."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT pid, objid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND classid = :k AND objsubid = 2 "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY pid, objid"
            ),
            {"k": audit._PG_LOCK_KEY},
        )
        out: dict[int, list[int]] = {}
        for pid, chain in rows:
            out.setdefault(pid, []).append(chain)
    return out


# --- concurrency (PostgreSQL) ------------------------------------------------------------


@pytest.mark.postgres
def test_a_commit_does_not_wait_for_another_transactions_commit(pg_url: str) -> None:
    """A is stopped in the middle of its commit (events appended and flushed, chain locked);
    B, deferred like a submitted application, commits meanwhile on another chain."""
    engine = get_engine(pg_url)
    a = Session(engine)
    a_flushed, a_may_finish = threading.Event(), threading.Event()

    def stall(*_: object) -> None:
        a_flushed.set()
        a_may_finish.wait(WAIT * 3)

    audit.defer_until_commit(a)
    for i in range(3):
        _record(a, "a", i)
    # after audit's own before_commit (class-level listeners run first): the events are
    # chained and inserted, the chain locked, the COMMIT not yet sent
    sa_event.listen(a, "before_commit", stall)
    ta, a_errors = _in_thread(a.commit)
    try:
        assert a_flushed.wait(WAIT), "A never reached its commit"
        assert list(_audit_locks(engine).values()) == [[0]]  # A holds chain 0 while committing

        def b_commits() -> None:
            with session_scope(engine) as b:
                audit.defer_until_commit(b)
                for i in range(2):
                    _record(b, "b", i)

        tb, b_errors = _in_thread(b_commits)
        tb.join(WAIT)
        assert not tb.is_alive(), "B waited for A's commit"
        assert not b_errors, b_errors
    finally:
        a_may_finish.set()
        ta.join(WAIT)
        a.close()
    assert not ta.is_alive() and not a_errors, a_errors
    chains = _chains(engine)
    assert {c: [action for _, _, action in events] for c, events in chains.items()} == {
        0: ["a", "a", "a"],
        1: ["b", "b"],
    }
    with session_scope(engine) as s:
        assert audit.verify(s).ok


@pytest.mark.postgres
def test_a_transaction_holding_a_chain_does_not_block_others(pg_url: str) -> None:
    """A appends (not deferred) and stays open: its chain is locked until it ends, and B
    appends and commits in the meantime."""
    engine = get_engine(pg_url)
    with session_scope(engine) as s:
        _record(s, "before")
    a = Session(engine)
    try:
        _record(a, "a", 1)
        a.flush()

        def b_commits() -> None:
            with session_scope(engine) as b:
                _record(b, "b", 1)
                _record(b, "b", 2)

        tb, b_errors = _in_thread(b_commits)
        tb.join(WAIT)
        assert not tb.is_alive(), "B waited for A"
        assert not b_errors, b_errors
        _record(a, "a", 2)
        a.commit()
    finally:
        a.close()
    chains = _chains(engine)
    assert [action for _, _, action in chains[0]] == ["before", "a", "a"]
    assert [action for _, _, action in chains[1]] == ["b", "b"]
    with session_scope(engine) as s:
        result = audit.verify(s)
        assert result.ok and result.events == 5


@pytest.mark.postgres
def test_more_transactions_than_chains_all_commit(pg_url: str) -> None:
    engine = get_engine(pg_url)
    holders = [Session(engine) for _ in range(audit.CHAINS)]
    try:
        for i, s in enumerate(holders):
            _record(s, "held", i)
            s.flush()
        locks = _audit_locks(engine)
        # each transaction took exactly one chain, and between them all of them
        assert sorted(len(chains) for chains in locks.values()) == [1] * audit.CHAINS
        assert sorted(c for chains in locks.values() for c in chains) == list(range(audit.CHAINS))

        def one_more() -> None:
            with session_scope(engine) as s:
                audit.defer_until_commit(s)
                _record(s, "waited", 1)
                _record(s, "waited", 2)

        t, errors = _in_thread(one_more)
        t.join(1.0)
        assert t.is_alive(), "all chains were locked, yet the extra transaction committed"
        for s in holders:
            s.commit()
        t.join(WAIT)
        assert not t.is_alive() and not errors, errors
    finally:
        for s in holders:
            s.close()
    chains = _chains(engine)
    assert sorted(chains) == list(range(audit.CHAINS))
    waited = [(c, seq) for c, events in chains.items() for seq, _, a in events if a == "waited"]
    assert len(waited) == 2 and waited[0][0] == waited[1][0]  # one chain, one after the other
    assert waited[1][1] == waited[0][1] + 1
    with session_scope(engine) as s:
        result = audit.verify(s)
        assert result.ok and result.events == audit.CHAINS + 2


@pytest.mark.postgres
def test_many_concurrent_committers_on_few_chains_keep_every_chain_intact(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chain is claimed and its head read in one round trip (two statements): under
    contention (more committers than chains, so some wait for a chain) no two transactions
    extend a chain from the same head."""
    engine = get_engine(pg_url)
    monkeypatch.setattr(audit, "CHAINS", 2)
    threads, per_thread = 6, 15

    def commits(n: int) -> None:
        for i in range(per_thread):
            with session_scope(engine) as s:
                audit.defer_until_commit(s)
                _record(s, "busy", n * 100 + i)
                _record(s, "busy", n * 100 + i)

    started = [_in_thread(lambda n=n: commits(n)) for n in range(threads)]
    for t, errors in started:
        t.join(WAIT * 6)
        assert not t.is_alive() and not errors, errors
    chains = _chains(engine)
    assert set(chains) <= {0, 1}
    assert sum(len(v) for v in chains.values()) == threads * per_thread * 2
    with session_scope(engine) as s:
        assert audit.verify(s).ok


@pytest.mark.postgres
def test_changing_the_number_of_chains_keeps_old_events_verifiable(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = get_engine(pg_url)
    monkeypatch.setattr(audit, "CHAINS", 3)
    holders = [Session(engine) for _ in range(3)]
    for i, s in enumerate(holders):
        _record(s, "three", i)
        s.flush()
    for s in holders:
        s.commit()
        s.close()
    assert sorted(_chains(engine)) == [0, 1, 2]
    monkeypatch.setattr(audit, "CHAINS", 1)  # fewer chains: 1 and 2 simply stop growing
    with session_scope(engine) as s:
        noted = audit.head(s)[1]
        _record(s, "one", 9)
    with session_scope(engine) as s:
        assert audit.verify(s, expected_head=noted).ok
        assert [len(v) for _, v in sorted(_chains(engine).items())] == [2, 1, 1]


# --- tampering with a chain other than 0 (PostgreSQL) -------------------------------------


def _striped(engine: Engine, n: int = 5) -> list[int]:
    """Chain 0 gets one event from a transaction held open; chain 1 gets `n` meanwhile.
    Returns chain 1's event ids in order."""
    a = Session(engine)
    _record(a, "a", 0)
    a.flush()
    events = _meanwhile(
        engine,
        a,
        lambda b: [_record(b, "b", i, after={"i": i}, reason=f"r{i}") for i in range(1, n + 1)],
    )
    a.commit()
    a.close()
    chains = _chains(engine)
    assert [e.chain for e in events] == [1] * n and len(chains[0]) == 1
    return [e.id for e in events]


@pytest.fixture
def striped(pg_url: str) -> Iterator[tuple[Engine, list[int]]]:
    engine = get_engine(pg_url)
    yield engine, _striped(engine)


def _verify(engine: Engine, **kw: Any) -> audit.VerifyResult:
    with session_scope(engine) as s:
        return audit.verify(s, **kw)


@pytest.mark.postgres
def test_striped_chains_verify(striped: tuple[Engine, list[int]]) -> None:
    engine, ids = striped
    result = _verify(engine)
    assert result.ok and result.events == 6
    with session_scope(engine) as s:
        last = s.get(AuditEvent, ids[-1])
        assert last is not None and last.chain == 1 and last.seq == 5
        assert result.head == audit.head(s)[1] and result.head.endswith(f",1:5:{last.hash}")


@pytest.mark.postgres
def test_altered_event_in_another_chain_is_named(striped: tuple[Engine, list[int]]) -> None:
    engine, ids = striped
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[2]).values(reason="nothing"))
    result = _verify(engine)
    assert not result.ok and "altered" in str(result.problem)
    assert (result.bad_chain, result.bad_seq, result.bad_event_id) == (1, 3, ids[2])


@pytest.mark.postgres
def test_removed_event_in_another_chain_is_named(striped: tuple[Engine, list[int]]) -> None:
    engine, ids = striped
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    result = _verify(engine)
    assert not result.ok and "removed" in str(result.problem)
    assert (result.bad_chain, result.bad_seq, result.bad_event_id) == (1, 3, ids[2])


@pytest.mark.postgres
def test_swapped_positions_in_another_chain_are_named(striped: tuple[Engine, list[int]]) -> None:
    engine, ids = striped
    with engine.begin() as conn:  # swap seq 2 and 3 (through a free value: seq is unique)
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(seq=-1))
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[2]).values(seq=2))
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(seq=3))
    result = _verify(engine)
    assert not result.ok and (result.bad_chain, result.bad_seq) == (1, 2)
    assert result.bad_event_id == ids[2]


@pytest.mark.postgres
def test_swapped_rows_in_another_chain_are_named(striped: tuple[Engine, list[int]]) -> None:
    """Swap two whole events' ids: every hash and link still holds, but the global order
    (id) no longer follows the chain."""
    engine, ids = striped
    with engine.begin() as conn:
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[1]).values(id=-1))
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[2]).values(id=ids[1]))
        conn.execute(update(AuditEvent).where(AuditEvent.id == -1).values(id=ids[2]))
    result = _verify(engine)
    assert not result.ok and "reordered" in str(result.problem)
    assert (result.bad_chain, result.bad_seq, result.bad_event_id) == (1, 3, ids[1])


@pytest.mark.postgres
def test_event_moved_to_another_chain_is_named(striped: tuple[Engine, list[int]]) -> None:
    engine, ids = striped
    with engine.begin() as conn:  # the last event of chain 1 becomes chain 0's second
        conn.execute(update(AuditEvent).where(AuditEvent.id == ids[-1]).values(chain=0, seq=2))
    result = _verify(engine)
    assert not result.ok and (result.bad_chain, result.bad_event_id) == (0, ids[-1])


@pytest.mark.postgres
def test_inserted_event_in_another_chain_is_named(striped: tuple[Engine, list[int]]) -> None:
    engine, ids = striped
    with session_scope(engine) as s:
        for id_ in reversed(ids[2:]):
            s.execute(update(AuditEvent).where(AuditEvent.id == id_).values(seq=AuditEvent.seq + 1))
        second = s.get(AuditEvent, ids[1])
        assert second is not None
        s.add(
            _forged(
                1, 3, second.hash, at=second.at, action="case.approve", entity="case", entity_id="2"
            )
        )
    result = _verify(engine)
    assert not result.ok and "removed or inserted" in str(result.problem)
    # the forged event links to seq 2, but the next genuine event no longer links to it
    assert (result.bad_chain, result.bad_seq, result.bad_event_id) == (1, 4, ids[2])


@pytest.mark.postgres
def test_truncating_one_chain_is_caught_by_the_noted_head(
    striped: tuple[Engine, list[int]],
) -> None:
    engine, ids = striped
    with session_scope(engine) as s:
        events, noted = audit.head(s)
    assert events == 6 and noted.count(":") == 4  # two chains: 0:1:…,1:5:…
    with session_scope(engine) as s:
        _record(s, "later")  # appended after the head was noted: it stays valid
    assert _verify(engine, expected_head=noted).ok
    later = _verify(engine, expected_head=noted, exact=True)
    assert not later.ok and later.bad_chain == 0 and "added after" in str(later.problem)
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    assert _verify(engine).ok  # invisible from inside the chain …
    result = _verify(engine, expected_head=noted)  # … but not against the noted head
    assert not result.ok and (result.bad_chain, result.bad_seq) == (1, 5)
    assert "expected head" in str(result.problem) and "removed" in str(result.problem)


@pytest.mark.postgres
def test_a_rewritten_chain_tail_is_caught_by_the_noted_head(
    striped: tuple[Engine, list[int]],
) -> None:
    """Remove chain 1's last event and append a different, well-formed one in its place."""
    engine, ids = striped
    with session_scope(engine) as s:
        noted = audit.head(s)[1]
    with session_scope(engine) as s:
        s.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
        prev = s.get(AuditEvent, ids[-2])
        assert prev is not None
        s.add(_forged(1, 5, prev.hash, at=prev.at, action="x"))
    assert _verify(engine).ok
    result = _verify(engine, expected_head=noted)
    assert not result.ok and (result.bad_chain, result.bad_seq) == (1, 5)
    assert "not the one in the expected head" in str(result.problem)


@pytest.mark.postgres
def test_a_removed_chain_is_caught_by_the_noted_head(striped: tuple[Engine, list[int]]) -> None:
    engine, _ = striped
    with session_scope(engine) as s:
        noted = audit.head(s)[1]
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.chain == 1))
    assert _verify(engine).ok
    result = _verify(engine, expected_head=noted)
    assert not result.ok and result.bad_chain == 1 and "ends at seq 0" in str(result.problem)


@pytest.mark.postgres
def test_cli_head_and_verify_over_chains(
    striped: tuple[Engine, list[int]], pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, ids = striped
    monkeypatch.setenv("VETLINE_DB_URL", pg_url)
    runner = CliRunner()
    out = runner.invoke(app, ["audit", "head"])
    assert out.exit_code == 0, out.output
    events, noted = out.output.split()
    assert events == "6" and noted.startswith("0:1:") and ",1:5:" in noted
    ok = runner.invoke(app, ["audit", "verify", "--head", noted])
    assert ok.exit_code == 0 and "intact: 6 events" in ok.output, ok.output
    with engine.begin() as conn:
        conn.execute(delete(AuditEvent).where(AuditEvent.id == ids[-1]))
    bad = runner.invoke(app, ["audit", "verify", "--head", noted])
    assert bad.exit_code == 1 and "(chain 1, seq 5)" in bad.output, bad.output
    garbled = runner.invoke(app, ["audit", "verify", "--head", "0:1:nothex"])
    assert isinstance(garbled.exception, InputError)  # `vetline` prints it and exits 2
    assert "neither chain:seq:hash nor a hash" in garbled.exception.detail


# --- the global order is id ----------------------------------------------------------------


@pytest.mark.postgres
def test_the_log_is_in_id_order_across_chains(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = get_engine(pg_url)
    a = Session(engine)
    for i in range(3):
        _record(a, "a", i)  # chain 0, seq 1-3, ids 1-3
    a.flush()
    _meanwhile(engine, a, lambda b: [_record(b, "b", i) for i in (1, 2)])  # chain 1, ids 4-5
    a.commit()
    a.close()
    monkeypatch.setenv("VETLINE_DB_URL", pg_url)
    out = CliRunner().invoke(app, ["audit", "list", "--json"])
    rows = json.loads(out.output)
    assert [r["id"] for r in rows] == [5, 4, 3, 2, 1]
    assert [(r["chain"], r["seq"]) for r in rows] == [(1, 2), (1, 1), (0, 3), (0, 2), (0, 1)]


@pytest.mark.postgres
def test_a_members_latest_decision_is_the_latest_by_id(pg_url: str) -> None:
    """The exclusion is appended first (id 4) but at a later position in its chain (0, seq 4)
    than the reinstatement that follows it (id 5, chain 1, seq 1)."""
    engine = get_engine(pg_url)
    with session_scope(engine) as s:
        for i in range(3):
            _record(s, "filler", i)
    a = Session(engine)
    audit.record(
        a,
        actor="rosa",
        action=DECIDED_ACTION,
        entity="member",
        entity_id=7,
        after={"status": "excluded"},
    )
    a.flush()
    _meanwhile(
        engine,
        a,
        lambda b: audit.record(
            b,
            actor="sam",
            action=DECIDED_ACTION,
            entity="member",
            entity_id=7,
            after={"status": "current"},
        ),
    )
    a.commit()
    a.close()
    with session_scope(engine) as s:
        rows = s.execute(
            select(AuditEvent.id, AuditEvent.chain, AuditEvent.seq).where(
                AuditEvent.entity == "member"
            )
        ).all()
        assert sorted(tuple(r) for r in rows) == [(4, 0, 4), (5, 1, 1)]
        assert _decided_excluded(s, [7]) == set()


# --- a database from before the chains ------------------------------------------------------


def _old_hash(row: dict[str, Any]) -> str:
    """The hash as the code before striping computed it (kept here, not imported)."""
    payload = {
        "seq": row["seq"],
        "at": row["at"].astimezone(UTC).isoformat(timespec="microseconds"),
        **{k: row[k] for k in ("actor", "action", "entity", "entity_id", "before", "after")},
        **{k: row[k] for k in ("rulebook_version", "score", "threshold", "reason", "prev_hash")},
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if os.environ.get("VETLINE_SKIP_PG") == "1":
        pytest.skip("VETLINE_SKIP_PG=1")
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"vetline_test_old_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    from vetline.db import reset_engines

    reset_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_single_chain_database_still_verifies_after_the_migration(unmigrated_url: str) -> None:
    old = create_engine(unmigrated_url)
    upgrade(old, "0008")
    prev, start = audit.GENESIS, datetime(2025, 5, 1, 9, 30, 0, 123456, tzinfo=UTC)
    rows = []
    for seq in range(1, 6):
        row: dict[str, Any] = {
            "seq": seq,
            "at": start + timedelta(minutes=seq),
            "actor": "rosa",
            "action": "case.propose",
            "entity": "case",
            "entity_id": str(seq),
            "before": {"status": "claimed"},
            "after": {"status": "proposed", "clauses": ["X-1"]},
            "rulebook_version": "labour-2016@2016.1",
            "score": 0.25 * seq,
            "threshold": 0.05,
            "reason": f"reason {seq} — ünïcode",
            "prev_hash": prev,
        }
        row["hash"] = prev = _old_hash(row)
        rows.append(row)
    with old.begin() as conn:  # the pre-chain table: no `chain` column yet
        assert "chain" not in {c["name"] for c in _columns(conn)}
        conn.execute(insert(AuditEvent.__table__), rows)
    old.dispose()
    legacy_head = rows[-1]["hash"]  # what `vetline audit head` printed (its second field)

    engine = get_engine(unmigrated_url)  # migrates to the head revision
    with session_scope(engine) as s:
        assert {c for (c,) in s.execute(select(AuditEvent.chain))} == {0}
        result = audit.verify(s, expected_head=legacy_head)
        assert result.ok and result.events == 5 and result.head == f"0:5:{legacy_head}"
        assert audit.verify(s, expected_head=legacy_head, exact=True).ok
        _record(s, "after-migration")
    with session_scope(engine) as s:
        assert audit.verify(s, expected_head=legacy_head).ok  # the old head stays valid
        assert not audit.verify(s, expected_head=legacy_head, exact=True).ok
        assert audit.head(s)[0] == 6
        newest = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert newest is not None and (newest.chain, newest.seq) == (0, 6)
        s.execute(delete(AuditEvent).where(AuditEvent.seq >= 5))
    with session_scope(engine) as s:
        result = audit.verify(s, expected_head=legacy_head)
        assert not result.ok and "expected head" in str(result.problem)


def _columns(conn: Any) -> list[dict[str, Any]]:
    from sqlalchemy import inspect

    return list(inspect(conn).get_columns("audit_events"))


def test_chain_zero_hashes_as_before_and_other_chains_cover_the_chain(session: Session) -> None:
    event = _record(session, "x", 1, after={"k": "v"}, score=0.5)
    session.commit()
    fields = {
        k: getattr(event, k)
        for k in (
            "seq",
            "at",
            "actor",
            "action",
            "entity",
            "entity_id",
            "before",
            "after",
            "rulebook_version",
            "score",
            "threshold",
            "reason",
            "prev_hash",
        )
    }
    assert event.chain == 0 and event.hash == _old_hash(fields)
    assert audit.event_hash(chain=0, **fields) == event.hash
    assert audit.event_hash(chain=3, **fields) != event.hash


def test_the_downgrade_refuses_to_merge_chains(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    engine = get_engine(url)
    with session_scope(engine) as s:
        _record(s, "x")
        s.add(_forged(2, 1, audit.GENESIS, actor="a", action="x"))
    with session_scope(engine) as s:
        assert audit.verify(s).ok  # any chain that exists is walked, whatever CHAINS is
    from alembic import command

    from vetline.db.migrate import alembic_config

    with pytest.raises(RuntimeError, match="chains other than 0"):
        command.downgrade(alembic_config(engine), "0008")


# --- the audit page ------------------------------------------------------------------------


@pytest.fixture
def audit_page(
    sqlite_url: str, tmp_path: Any, seeded_template: tuple[Any, int]
) -> Iterator[tuple[TestClient, str]]:
    copy_template(seeded_template, sqlite_url)
    with TestClient(create_app(settings_for(sqlite_url, tmp_path / "data"))) as c:
        yield c, sqlite_url


def test_the_audit_page_is_in_id_order_and_pages_by_id(audit_page: tuple[TestClient, str]) -> None:
    """An event in chain 3 (written as a larger CHAINS would on PostgreSQL) has the newest id
    but position 1: the page shows it first and pages on from its id."""
    c, url = audit_page
    login(c, "audrey")
    with session_scope(get_engine(url)) as s:
        newest = _forged(3, 1, audit.GENESIS, actor="zed", action="chain.three")
        s.add(newest)
        s.flush()
        newest_id = newest.id
        assert audit.verify(s).ok
    first = c.get("/audit").text
    assert first.index("chain.three") < first.index("user.login")  # newest first, by id
    rest = c.get("/audit", params={"before": newest_id}).text
    assert "chain.three" not in rest and "user.login" in rest
