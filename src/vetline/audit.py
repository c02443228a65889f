"""The append-only, hash-chained audit trail, striped over a few independent chains.

Each event belongs to one chain (`chain`) at one position in it (`seq`); its `hash` is sha256
over its own fields (chain and position included) and the previous event's hash in that chain,
so altering, removing, inserting or reordering an event breaks its chain from that point on.
The global order of events is `id`.

Why several chains: appending takes the chain's lock until the transaction ends, i.e. until its
commit has been flushed to disk. With one chain every writing transaction would commit one at
a time. On PostgreSQL a transaction appends to the first chain whose lock is free (and waits
only when all `CHAINS` are busy); all of a transaction's events go to that one chain, one after
another. SQLite has one writer at a time anyway and uses chain 0 only.

Truncating a chain's tail cannot be seen from inside it: keep the head (`vetline audit head`,
the last position and hash of every chain) somewhere else and pass it to
`verify(expected_head=...)`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, make_transient_to_detached

from vetline.db.base import utcnow
from vetline.db.review import AuditEvent
from vetline.errors import InputError

GENESIS = "0" * 64
CHAINS = 8  # chains appended to on PostgreSQL; any chain already in the table stays verifiable
_PG_LOCK_KEY = 4_137_001  # advisory lock (key, chain) that serialises appends to one chain
# The first free chain in one round trip: the series comes in order and LIMIT stops at the first
# lock taken, so a transaction holds one chain. The lock must be taken in its own statement: the
# head is read in the next one, whose snapshot then sees the previous holder's commit.
_TRY_CHAIN = text(
    "SELECT c FROM generate_series(0, CAST(:chains AS integer) - 1) AS c "
    "WHERE pg_try_advisory_xact_lock(CAST(:key AS integer), c) LIMIT 1"
)
_WAIT_CHAIN = text("SELECT pg_advisory_xact_lock(CAST(:key AS integer), CAST(:chain AS integer))")
_CHAIN_SETTING = "vetline.audit_chain"


@lru_cache(maxsize=4)
def _claim_and_head(chains: int) -> str:
    """`_TRY_CHAIN` and the head read in one round trip: two statements in one query sent
    without parameters (the simple protocol allows several), so the head is still read by a
    statement of its own, whose snapshot is taken after the lock. The chain taken (-1: none
    free) is kept in a transaction-local setting for the second statement, which gives the
    chain and its last (seq, hash), if any."""
    return (
        f"SELECT set_config('{_CHAIN_SETTING}', COALESCE((SELECT c FROM generate_series(0, "
        f"{int(chains) - 1}) AS c WHERE pg_try_advisory_xact_lock({_PG_LOCK_KEY}, c) LIMIT 1),"
        f" -1)::text, true); "
        f"SELECT h.chain, e.seq, e.hash FROM (SELECT CAST(current_setting('{_CHAIN_SETTING}') AS"
        f" smallint) AS chain) AS h LEFT JOIN LATERAL (SELECT seq, hash FROM audit_events "
        f"WHERE chain = h.chain ORDER BY seq DESC LIMIT 1) AS e ON true"
    )


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
    chain: int | None = 0,
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
    """The sha256 that chains one event to the one before it in its chain.

    Chain 0 hashes exactly as before chains existed (no `chain` key), so events written then
    still verify; any other chain is part of the payload.
    """
    payload: dict[str, Any] = {
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
    if chain:
        payload["chain"] = chain
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        chain=event.chain,
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


def _claim_chain(session: Session) -> int:
    """Lock a chain for the rest of this transaction: the first free one, else wait for one."""
    if session.get_bind().dialect.name != "postgresql":
        return 0  # SQLite: one writer at a time, one chain
    # trying from chain 0 each time keeps a quiet system on one chain; a busy one spreads out
    chain = session.execute(_TRY_CHAIN, {"key": _PG_LOCK_KEY, "chains": CHAINS}).scalar()
    if chain is None:  # all busy: queue behind one of them (not crypto, just a spread)
        chain = random.randrange(CHAINS)
        session.execute(_WAIT_CHAIN, {"key": _PG_LOCK_KEY, "chain": chain})
    return int(chain)


def _claim_free_chain_and_head(session: Session) -> tuple[int, int, str] | None:
    """PostgreSQL: lock the first free chain and read its last (seq, hash), one round trip;
    None when every chain is busy (nothing locked: `_claim_chain` waits for one)."""
    result = session.connection().exec_driver_sql(_claim_and_head(CHAINS))
    try:
        cursor = result.cursor  # the second statement's rows are the next result set
        if cursor is None or not cursor.nextset():
            raise RuntimeError("the audit chain claim gave no head")
        row: Any = cursor.fetchone()
        chain, seq, digest = row
    finally:
        result.close()
    if chain < 0:
        return None
    return (int(chain), seq, digest) if seq is not None else (int(chain), 0, GENESIS)


def _head(session: Session) -> tuple[int, int, str]:
    """This transaction's chain and its last (seq, hash): locked and read once, then kept."""
    txn = session.get_transaction()
    cached = session.info.get(_HEAD_KEY)
    if cached is not None and cached[0] is txn:
        return cached[1], cached[2], cached[3]
    if session.get_bind().dialect.name == "postgresql":
        claimed = _claim_free_chain_and_head(session)
        if claimed is not None:
            return claimed
    chain = _claim_chain(session)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.chain == chain)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    return (chain, last[0], last[1]) if last else (chain, 0, GENESIS)


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
    """Append one event to a chain (in the caller's transaction)."""
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
    _link(session, event)
    session.add(event)  # flushed with the caller's next flush: one round trip, not two


def _link(session: Session, event: AuditEvent) -> None:
    """Give `event` the next position in this transaction's chain, and its hash."""
    chain, seq, prev = _head(session)
    event.chain = chain
    event.seq = seq + 1
    event.prev_hash = prev
    event.hash = _hash_of(event)
    session.info[_HEAD_KEY] = (session.get_transaction(), chain, event.seq, event.hash)


_TABLE = cast(Table, AuditEvent.__table__)
_COLUMNS = tuple(c.key for c in _TABLE.columns if c.key != "id")
_INSERT_EVENTS = (
    insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True),
    insert(_TABLE).returning(_TABLE.c.id),
)


def _insert(session: Session, events: list[AuditEvent]) -> None:
    """INSERT chained events in one statement (Core: no unit of work just before commit) and
    keep them in the session as the flush would have: persistent, with their ids."""
    rows = [{key: getattr(event, key) for key in _COLUMNS} for event in events]
    many, one = _INSERT_EVENTS
    connection = session.connection()
    result = connection.execute(one, rows[0]) if len(rows) == 1 else connection.execute(many, rows)
    ids: list[int] = list(result.scalars())
    for event, event_id in zip(events, ids, strict=True):
        event.id = event_id
        make_transient_to_detached(event)  # as if loaded: no pending changes
        session.add(event)


def defer_until_commit(session: Session) -> None:
    """Hold this transaction's events back and chain them in one go just before it commits.

    Appending takes a chain's lock until commit (an advisory lock on PostgreSQL); taken at a
    request's first event, it would hold that chain for most of the request's work. The
    events keep the time and the order in which they were recorded; `chain`, `seq` and the
    hashes are set only when they are appended (so nothing in the transaction may read them
    before).
    """
    txn = session.get_transaction() or session.begin()
    session.info[_PENDING_KEY] = (txn, [])


def append_pending(session: Session) -> None:
    """Chain the events held back by `defer_until_commit` (called before each commit)."""
    pending = session.info.pop(_PENDING_KEY, None)
    if pending is None or pending[0] is not session.get_transaction() or not pending[1]:
        return
    for event in pending[1]:
        _link(session, event)
    _insert(session, pending[1])


sa_event.listen(Session, "before_commit", append_pending)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    events: int
    head: str  # the chains' heads as far as they verified (`vetline audit head`'s form)
    bad_event_id: int | None = None
    bad_seq: int | None = None
    problem: str | None = None
    bad_chain: int | None = None


_CHAIN_HEAD = re.compile(r"(\d+):(\d+):([0-9a-f]{64})")
_BARE_HASH = re.compile(r"[0-9a-f]{64}")


def _format_head(heads: Mapping[int, tuple[int, str]]) -> str:
    """`chain:seq:hash` for every chain that has events, comma-separated, chain order."""
    items = [f"{c}:{seq}:{digest}" for c, (seq, digest) in sorted(heads.items())]
    return ",".join(items) or f"0:0:{GENESIS}"


def _parse_head(noted: str) -> dict[int, tuple[int | None, str]]:
    """chain → (seq, hash); a bare hash is a head noted before chains existed (chain 0's last
    event, position unknown)."""
    heads: dict[int, tuple[int | None, str]] = {}
    for item in (i for i in re.split(r"[,\s]+", noted.strip().lower()) if i):
        pos: tuple[int | None, str]
        if m := _CHAIN_HEAD.fullmatch(item):
            chain, pos = int(m[1]), (int(m[2]), m[3])
        elif _BARE_HASH.fullmatch(item):
            chain, pos = 0, (None, item)
        else:
            raise InputError(
                f"the expected head has {item[:20]!r}, which is neither chain:seq:hash nor a hash"
            )
        if chain in heads:
            raise InputError(f"the expected head names chain {chain} twice")
        heads[chain] = pos
    if not heads:
        raise InputError("the expected head is empty")
    return heads


def verify(
    session: Session, *, expected_head: str | None = None, exact: bool = False
) -> VerifyResult:
    """Walk every chain in order; report the first event whose link or content does not hold.

    With `expected_head` (a head noted earlier), also check that every chain still reaches the
    position noted for it with the same hash: events removed from the end of any chain are
    caught, events appended since are not a failure. `exact` also fails when anything was
    appended since the head was noted.
    """
    noted = {} if expected_head is None else _parse_head(expected_head)  # InputError if garbled
    heads: dict[int, tuple[int, str]] = {}
    at_noted: dict[int, str] = {}  # chain → hash of its event at the noted position
    count = 0
    chain: int | None = None
    prev, expected_seq, last_id = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.chain, AuditEvent.seq)).scalars()
    for event in rows:
        count += 1
        if event.chain != chain:
            chain, prev, expected_seq, last_id = event.chain, GENESIS, 1, 0
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
        elif event.id <= last_id:
            # a chain's events are written under its lock, so their ids rise with seq
            problem = "its id is not after the previous event's in the chain (events reordered)"
        if problem:
            return VerifyResult(
                False, count, _format_head(heads), event.id, event.seq, problem, event.chain
            )
        prev, expected_seq, last_id = event.hash, expected_seq + 1, event.id
        heads[chain] = (event.seq, event.hash)
        if chain in noted:
            seq, digest = noted[chain]
            if event.seq == seq or (seq is None and event.hash == digest):
                at_noted[chain] = event.hash
    found = _format_head(heads)
    for c, (seq, digest) in sorted(noted.items()):
        end = heads.get(c, (0, GENESIS))[0]
        problem = None
        if seq == 0:
            pass  # noted while the chain was empty: anything extends it
        elif c not in at_noted:
            problem = (
                f"chain {c} has no event with the expected head's hash {digest[:12]}… "
                "(events at its end were removed, or the head is from another database)"
                if seq is None
                else f"chain {c} ends at seq {end}, before the expected head's seq {seq} "
                "(events at its end were removed)"
            )
        elif at_noted[c] != digest:
            problem = (
                f"chain {c}'s event at seq {seq} is not the one in the expected head "
                "(the chain was rewritten, or the head is from another database)"
            )
        if problem:
            return VerifyResult(False, count, found, None, seq, problem, c)
    if exact:
        for c, (seq, digest) in sorted(heads.items()):
            if c not in noted or noted[c][1] != digest:
                problem = (
                    f"chain {c} goes on past the expected head to seq {seq} "
                    "(events were added after the head was noted)"
                )
                return VerifyResult(False, count, found, None, seq, problem, c)
    return VerifyResult(True, count, found)


def chain_heads(session: Session) -> dict[int, tuple[int, str]]:
    """Every chain's last (seq, hash)."""
    last = (
        select(AuditEvent.chain, func.max(AuditEvent.seq).label("seq"))
        .group_by(AuditEvent.chain)
        .subquery()
    )
    rows = session.execute(
        select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash).join(
            last, (AuditEvent.chain == last.c.chain) & (AuditEvent.seq == last.c.seq)
        )
    )
    return {c: (seq, digest) for c, seq, digest in rows}


def head(session: Session) -> tuple[int, str]:
    """(events it covers, head): every chain's last seq and hash, to note down elsewhere.

    The head is `chain:seq:hash,…`; `verify(expected_head=...)` takes it back.
    """
    heads = chain_heads(session)
    return sum(seq for seq, _ in heads.values()), _format_head(heads)


__all__ = [
    "CHAINS",
    "GENESIS",
    "VerifyResult",
    "append_pending",
    "chain_heads",
    "defer_until_commit",
    "event_hash",
    "head",
    "record",
    "verify",
]
