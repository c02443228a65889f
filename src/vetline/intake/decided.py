"""A members import must not silently undo an exclusion that people decided in vetline.

The members file comes from the membership system, which may not yet carry vetline's decision:
its next export can still say `current` for a member a senior reviewer excluded. The decision
stands until an appeal overturns it, so the import keeps `excluded` for such a member, writes
the rest of the row, and audits what it kept. A member excluded by the membership system
itself (no vetline decision) is the file's to change.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.people import Member, MemberStatus, RecordChange
from vetline.db.review import AuditEvent

DECIDED_ACTION = "member.status"  # what a final decision on a member's case audits


def _decided_excluded(session: Session, member_ids: list[int]) -> set[int]:
    """The members whose latest status decision in vetline left them excluded."""
    latest: dict[int, str | None] = {}
    for chunk in (member_ids[i : i + 500] for i in range(0, len(member_ids), 500)):
        rows = session.execute(
            select(AuditEvent.entity_id, AuditEvent.after)
            .where(
                AuditEvent.action == DECIDED_ACTION,
                AuditEvent.entity == "member",
                AuditEvent.entity_id.in_([str(m) for m in chunk]),
            )
            .order_by(AuditEvent.id)  # the global order (seq is per chain)
        )
        for event in rows:
            after: dict[str, object] = event.after or {}
            status = after.get("status")
            latest[int(str(event.entity_id))] = status if isinstance(status, str) else None
    return {m for m, status in latest.items() if status == MemberStatus.EXCLUDED}


def keep_decided_exclusions(session: Session, import_id: int, *, actor: str, now: datetime) -> int:
    """Restore `excluded` where this import changed it for a member vetline's people excluded;
    return how many were kept."""
    undone = [
        change.entity_id
        for change in session.scalars(
            select(RecordChange).where(
                RecordChange.import_id == import_id, RecordChange.entity == "member"
            )
        )
        if (change.before or {}).get("status") == MemberStatus.EXCLUDED
        and (change.after or {}).get("status") != MemberStatus.EXCLUDED
    ]
    if not undone:
        return 0
    kept = _decided_excluded(session, undone)
    for member in session.scalars(select(Member).where(Member.id.in_(sorted(kept)))):
        audit.record(
            session,
            actor=actor,
            action="member.status_kept",
            entity="member",
            entity_id=member.id,
            before={"status": member.status},
            after={"status": MemberStatus.EXCLUDED, "import_id": import_id},
            reason=(
                "the members file says otherwise, but people excluded this member in vetline; "
                "only an appeal overturns that"
            ),
            at=now,
        )
        member.status = MemberStatus.EXCLUDED
    return len(kept)
