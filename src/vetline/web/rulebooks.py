"""Clause text for pages, from the stored rulebook version a case cites (parsed once)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vetline.errors import NotFound
from vetline.rulebook.schema import Clause
from vetline.rulebook.store import stored_by_label

_CACHE: dict[tuple[str, str], list[Clause]] = {}


def clauses_of(session: Session, label: str) -> list[Clause]:
    """Every clause of the stored rulebook `label` (name@version); [] if it is not stored."""
    key = (str(session.get_bind().engine.url), label)
    if key not in _CACHE:
        try:
            _CACHE[key] = list(stored_by_label(session, label).clauses)
        except NotFound:
            return []
    return _CACHE[key]
