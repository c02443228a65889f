"""Read side of reference lists for the API and the pages: lists, versions, re-screen hits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Import, ReferenceEntry, ReferenceList
from vetline.db.screening import Hit
from vetline.errors import NotFound


def lists_with_counts(session: Session) -> list[tuple[ReferenceList, int]]:
    live = (
        select(ReferenceEntry.list_id, func.count().label("n"))
        .where(ReferenceEntry.removed_in_version.is_(None))
        .group_by(ReferenceEntry.list_id)
        .subquery()
    )
    rows: Any = session.execute(
        select(ReferenceList, func.coalesce(live.c.n, 0))
        .outerjoin(live, live.c.list_id == ReferenceList.id)
        .order_by(ReferenceList.name)
    )
    return [(lst, int(n)) for lst, n in rows]


def get_list(session: Session, name: str) -> ReferenceList:
    lst = session.scalar(select(ReferenceList).where(ReferenceList.name == name))
    if lst is None:
        raise NotFound(f"no reference list called {name!r}")
    return lst


def imports_of(session: Session, lst: ReferenceList) -> list[Import]:
    """Every import of the list, newest first (an import that changed nothing keeps the version)."""
    return list(
        session.scalars(select(Import).where(Import.list_id == lst.id).order_by(Import.id.desc()))
    )


def rescreen_hits(session: Session, lst: ReferenceList, version: int) -> list[Hit]:
    """Hits that appeared because `version` of the list added or changed an entry."""
    return list(
        session.scalars(
            select(Hit)
            .where(Hit.list_id == lst.id, Hit.new_in_version == version)
            .order_by(Hit.score.desc())
        )
    )


def entry_summary(session: Session, entry_id: int | None) -> dict[str, Any] | None:
    if entry_id is None:
        return None
    entry = session.get(ReferenceEntry, entry_id)
    if entry is None:
        return None
    return {"external_id": entry.external_id, "name": f"{entry.first_name} {entry.last_name}"}
