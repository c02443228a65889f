"""Rulebooks in the database: the exact text of every version applied, so any outcome can be
re-read against the rules that produced it."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.review import RulebookRecord
from vetline.errors import Conflict, NotFound
from vetline.rulebook.loader import parse_rulebook
from vetline.rulebook.model import Rulebook


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
    stored = session.execute(
        select(RulebookRecord.id, RulebookRecord.sha256).where(
            RulebookRecord.name == rulebook.name, RulebookRecord.version == rulebook.version
        )
    ).first()
    if stored is None:
        return None
    if stored.sha256 != rulebook.sha256:
        raise Conflict(
            f"rulebook {rulebook.label} ({rulebook.source}) differs from the text already "
            "applied under that version: give the changed rules a new version"
        )
    return int(stored.id)


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
