"""The append-only, hash-chained audit trail.

Each event's `hash` is sha256 over its own fields (sequence number included) and the previous
event's hash, so altering, removing or inserting an event breaks the chain from that point on.
Truncating the tail cannot be seen from inside the chain: keep the head hash somewhere else
(`vetline audit head`) and pass it to `verify(expected_head=...)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.review import AuditEvent

GENESIS = "0" * 64
_PG_LOCK_KEY = 4_137_001  # advisory lock that serialises appends on PostgreSQL
_HEAD_KEY = "vetline.audit.head"
_PENDING_KEY = "vetline.audit.pending"


def _canonical_json(value: Any) -> Any:
    """What the database will hand back: plain JSON types, so the hash survives a round trip."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str, sort_keys=True))


def _timestamp(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | None,
    before: Any,
    after: Any,
    rulebook_version: str | None,
    score: float | None,
    threshold: float | None,
    reason: str | None,
    prev_hash: str,
) -> str:
    """The sha256 that chains one event to the one before it."""
    payload = {
        "seq": seq,
        "at": _timestamp(at),
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "before": before,
        "after": after,
        "rulebook_version": rulebook_version,
        "score": score,
        "threshold": threshold,
        "reason": reason,
        "prev_hash": prev_hash,
    }
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        seq=event.seq,
        at=event.at,
        actor=event.actor,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        before=event.before,
        after=event.after,
        rulebook_version=event.rulebook_version,
        score=event.score,
        threshold=event.threshold,
        reason=event.reason,
        prev_hash=event.prev_hash,
    )


def _head(session: Session) -> tuple[int, str]:
    """The last (seq, hash), read once per transaction under a lock and then kept in memory."""
    txn = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is txn:
        return cached[1], cached[2]
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: object = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    rulebook_version: str | None = None,
    score: float | None = None,
    threshold: float | None = None,
    reason: str | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain (in the caller's transaction)."""
    event = AuditEvent(
        at=(at or utcnow()).astimezone(UTC),
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=_canonical_json(before),
        after=_canonical_json(after),
        rulebook_version=rulebook_version,
        score=None if score is None else float(score),
        threshold=None if threshold is None else float(threshold),
        reason=reason,
    )
    pending = session.info.get(_PENDING_KEY)
    if pending is not None and pending[0] is session.get_transaction():
        pending[1].append(event)  # chained by append_pending, just before commit
    else:
        _chain(session, event)
    return event


def _chain(session: Session, event: AuditEvent) -> None:
    seq, prev = _head(session)
    event.seq = seq + 1
    event.prev_hash = prev
    event.hash = _hash_of(event)
    session.add(event)  # flushed with the caller's next flush: one round trip, not two
    session.info[_HEAD_KEY] = (session.get_transaction(), event.seq, event.hash)


def defer_until_commit(session: Session) -> None:
    """Hold this transaction's events back and chain them in one go just before it commits.

    Appending takes the chain's lock until commit (an advisory lock on PostgreSQL); taken at a
    request's first event, it would serialise concurrent requests for most of their work. The
    events keep the time and the order in which they were recorded; `seq` and the hashes are
    set only when they are appended (so nothing in the transaction may read them before).
    """
    txn = session.get_transaction() or session.begin()
    session.info[_PENDING_KEY] = (txn, [])


def append_pending(session: Session) -> None:
    """Chain the events held back by `defer_until_commit` (called before each commit)."""
    pending = session.info.pop(_PENDING_KEY, None)
    if pending is None or pending[0] is not session.get_transaction():
        return
    for event in pending[1]:
        _chain(session, event)


sa_event.listen(Session, "before_commit", append_pending)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    head: str
    bad_event_id: int | None = None
    bad_seq: int | None = None
    problem: str | None = None


def verify(session: Session, *, expected_head: str | None = None) -> VerifyResult:
    """Walk the chain in order; report the first event whose link or content does not hold."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars()
    for event in rows:
        count += 1
        problem = None
        if event.seq != expected_seq:
            problem = (
                f"sequence jumps from {expected_seq - 1} to {event.seq}: "
                f"{'an event was removed' if event.seq > expected_seq else 'events out of order'}"
            )
        elif event.prev_hash != prev:
            problem = "its previous-hash does not match the event before it (removed or inserted)"
        elif _hash_of(event) != event.hash:
            problem = "its content does not match its hash (altered)"
        if problem:
            return VerifyResult(False, count, prev, event.id, event.seq, problem)
        prev = event.hash
        expected_seq += 1
    if expected_head is not None and expected_head != prev:
        return VerifyResult(
            False,
            count,
            prev,
            None,
            expected_seq,
            f"the chain ends at {prev[:12]}…, not at the expected head {expected_head[:12]}… "
            "(events at the end were removed, or added after the head was noted)",
        )
    return VerifyResult(True, count, prev)


def head(session: Session) -> tuple[int, str]:
    """The current (seq, hash) of the chain, to note down outside the database."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (last[0], last[1]) if last else (0, GENESIS)


__all__ = [
    "GENESIS",
    "VerifyResult",
    "append_pending",
    "defer_until_commit",
    "event_hash",
    "head",
    "record",
    "verify",
]
