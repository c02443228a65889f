"""Rulebooks in the database: the exact text of every version applied, so any outcome can be
re-read against the rules that produced it."""

from __future__ import annotations

import weakref
from functools import lru_cache

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.review import RulebookRecord
from vetline.errors import Conflict, NotFound
from vetline.rulebook.loader import parse_rulebook
from vetline.rulebook.model import Rulebook

# Stored versions are append-only (never changed, never deleted), so each process reads a
# version's id once per engine: the submit path registers the rulebook on every request.
_KNOWN: weakref.WeakKeyDictionary[Engine, dict[tuple[str, str], tuple[int, str]]] = (
    weakref.WeakKeyDictionary()
)
_INSERTED = "vetline.rulebook.inserted"  # session.info: ids this session stored (maybe uncommitted)


def register(session: Session, rulebook: Rulebook, *, actor: str = "system") -> int:
    """Store this rulebook version once and give its id; a changed text under it is refused.

    Reads the stored version's id and hash only, not its text: it runs on every submission.
    Two first submissions under a new version may race to store it: the loser's insert
    fails on the unique (name, version) inside a savepoint and it takes the winner's row.
    """
    stored = _stored(session, rulebook)
    if stored is not None:
        return stored
    record = RulebookRecord(
        name=rulebook.name, version=rulebook.version, sha256=rulebook.sha256, body=rulebook.body
    )
    try:
        with session.begin_nested():
            session.add(record)
            session.flush()
        session.info.setdefault(_INSERTED, set()).add(record.id)
    except IntegrityError:
        stored = _stored(session, rulebook)
        if stored is None:  # the conflict was not on (name, version): not ours to hide
            raise
        return stored
    audit.record(
        session,
        actor=actor,
        action="rulebook.register",
        entity="rulebook",
        entity_id=record.id,
        after={"name": rulebook.name, "version": rulebook.version, "sha256": rulebook.sha256},
        rulebook_version=rulebook.label,
    )
    return record.id


def _stored(session: Session, rulebook: Rulebook) -> int | None:
    """The id stored under this rulebook's name and version, refusing a different text."""
    engine = session.get_bind().engine
    key = (rulebook.name, rulebook.version)
    stored = _KNOWN.get(engine, {}).get(key)
    if stored is None:
        row = session.execute(
            select(RulebookRecord.id, RulebookRecord.sha256).where(
                RulebookRecord.name == rulebook.name, RulebookRecord.version == rulebook.version
            )
        ).first()
        if row is None:
            return None
        stored = (int(row.id), row.sha256)
        # kept only once committed by someone: a row this session stored may be rolled back
        if stored[0] not in session.info.get(_INSERTED, ()):
            _KNOWN.setdefault(engine, {})[key] = stored
    if stored[1] != rulebook.sha256:
        raise Conflict(
            f"rulebook {rulebook.label} ({rulebook.source}) differs from the text already "
            "applied under that version: give the changed rules a new version"
        )
    return stored[0]


@lru_cache(maxsize=32)
def _parse(body: str, label: str) -> Rulebook:
    return parse_rulebook(body, label)


def stored_rulebook(session: Session, rulebook_id: int) -> Rulebook:
    """The rulebook exactly as it was applied (parsed from the stored text)."""
    record = session.get(RulebookRecord, rulebook_id)
    if record is None:
        raise NotFound(f"no stored rulebook with id {rulebook_id}")
    return _parse(record.body, f"{record.name}@{record.version} (stored)")


def stored_by_label(session: Session, label: str) -> Rulebook:
    name, _, version = label.partition("@")
    record = session.scalar(
        select(RulebookRecord).where(RulebookRecord.name == name, RulebookRecord.version == version)
    )
    if record is None:
        raise NotFound(f"no stored rulebook {label}")
    return _parse(record.body, f"{label} (stored)")
