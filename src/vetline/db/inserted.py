"""Rows a transaction inserted itself: nobody else can see or change them before it commits.

The submit path inserts an application and screens it in one transaction; what it then knows
about the row (its status, that no case or hit of anyone else's is on it) it need not ask
the database again.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import inspect
from sqlalchemy.orm import Session

_KEY = "vetline.inserted"


def note_inserted(session: Session, rows: Iterable[object]) -> None:
    """Remember ORM rows (persistent, from an INSERT) as inserted by the current transaction."""
    txn = session.get_transaction()
    held = session.info.get(_KEY)
    if held is None or held[0] is not txn:
        held = (txn, set())
        session.info[_KEY] = held
    held[1].update(inspect(row).identity_key for row in rows)


def inserted_here(session: Session, row: object) -> bool:
    """Whether the current transaction inserted this ORM row (see `note_inserted`)."""
    held = session.info.get(_KEY)
    if held is None or held[0] is not session.get_transaction():
        return False
    state = inspect(row, raiseerr=False)
    return state is not None and state.identity_key in held[1]
