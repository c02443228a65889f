"""Counts for `vetline status` and the dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, inspect, select, text
from sqlalchemy.orm import Session

from vetline.db.people import Application, ApplicationStatus, Member, ReferenceEntry, ReferenceList
from vetline.db.screening import Hit


def status_counts(session: Session) -> dict[str, Any]:
    by_status = dict.fromkeys(ApplicationStatus.ALL, 0)
    for status, n in session.execute(
        select(Application.status, func.count()).group_by(Application.status)
    ):
        by_status[status] = n
    open_cases = 0
    if inspect(session.get_bind()).has_table("cases"):
        open_cases = session.execute(
            text("SELECT count(*) FROM cases WHERE status <> 'closed'")
        ).scalar_one()
    return {
        "applications": by_status,
        "applications_total": sum(by_status.values()),
        "members": session.scalar(select(func.count()).select_from(Member)) or 0,
        "reference_lists": session.scalar(select(func.count()).select_from(ReferenceList)) or 0,
        "reference_entries": session.scalar(
            select(func.count())
            .select_from(ReferenceEntry)
            .where(ReferenceEntry.removed_in_version.is_(None))
        )
        or 0,
        "hits": session.scalar(select(func.count()).select_from(Hit)) or 0,
        "open_cases": open_cases,
    }
