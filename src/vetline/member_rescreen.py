"""Re-screening members whose own record a re-import changed.

A member is screened against a list when the list gets a new version (vetline.rescreen), but
their record can change too: a members CSV re-imported with a new surname, date of birth or
address is a different record to compare. Such a member is screened again against every
active list that can count against someone (not the register), scored as a full screening
scores them; their earlier hits stay as history but are superseded, exactly as a re-screened
application's are. What is found is flagged for people, never acted on (the rulebook may then
open a case: vetline.cases.members).

Coverage: each run records the last `record_changes` row it has seen
(`params.member_changes_upto`); before any member-change run, the changes made after the first
screening run count (before that, nothing has been screened to redo).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.people import Member, MemberStatus, RecordChange, ReferenceList
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.rescreen import (
    MEMBER,
    MEMBER_LIST_KINDS,
    flag_member,
    full_screening_frame,
    live_entries,
)
from vetline.screening import PERSON_FIELDS, hit_row, person_frame, person_select, plain_rows

TRIGGER = "member-change"
CURSOR = "member_changes_upto"


@dataclass
class MemberRescreen:
    member_ids: set[int] = field(default_factory=set)  # members re-screened
    flagged: set[int] = field(default_factory=set)  # of those, members with a hit now
    hits_by_list: dict[str, int] = field(default_factory=dict)


def pending_changes(session: Session) -> tuple[set[int], int]:
    """Members whose person fields changed since the last member-change run, and the cursor."""
    params: list[dict[str, Any]] = list(
        session.scalars(select(ScreeningRun.params).where(ScreeningRun.trigger == TRIGGER))
    )
    cursors = [int(p[CURSOR]) for p in params if CURSOR in p]
    query = select(RecordChange.id, RecordChange.entity_id, RecordChange.before).where(
        RecordChange.entity == "member"
    )
    if cursors:
        query = query.where(RecordChange.id > max(cursors))
    else:
        first = session.scalar(select(func.min(ScreeningRun.started_at)))
        if first is None:
            return set(), 0
        query = query.where(RecordChange.changed_at > first)
    changed: set[int] = set()
    upto = max(cursors, default=0)
    for row in session.execute(query):
        change_id: int = row[0]
        before: dict[str, Any] = row[2] or {}
        upto = max(upto, change_id)
        if set(before) & set(PERSON_FIELDS):  # a status or fee change is not a new record
            changed.add(int(row[1]))
    return changed, upto


def rescreen_changed_members(
    session: Session,
    *,
    engine: str,
    threshold: float,
    actor: str = "system",
    progress: Callable[[str], None] | None = None,
) -> MemberRescreen:
    """Screen current members whose record changed against the active lists (see module doc)."""
    from vetline.matching import MODEL_VERSION, screen_frames

    out = MemberRescreen()
    changed, upto = pending_changes(session)
    if not changed:
        return out
    members = plain_rows(
        session,
        person_select(Member)
        .where(Member.id.in_(sorted(changed)), Member.status == MemberStatus.CURRENT)
        .order_by(Member.id),
    )
    lists = {
        lst.id: lst
        for lst in session.scalars(
            select(ReferenceList).where(
                ReferenceList.active, ReferenceList.kind.in_(sorted(MEMBER_LIST_KINDS))
            )
        )
    }
    if progress:
        progress(f"re-screening {len(members):,} members whose record changed")
    now = utcnow()
    run = ScreeningRun(
        engine=engine,
        model_version=MODEL_VERSION,
        review_threshold=threshold,
        trigger=TRIGGER,
        applications=0,
        actor=actor,
        params={CURSOR: upto, "members": len(members)},
    )
    session.add(run)
    session.flush()
    ids = [int(m.id) for m in members]
    out.member_ids = set(ids)
    if ids:  # the old record's hits no longer describe the member: history only
        session.execute(
            update(Hit)
            .where(Hit.subject_member_id.in_(ids), Hit.superseded_at.is_(None))
            .values(superseded_at=now)
        )
    entries = live_entries(session, names_only_except=set(lists)) if members and lists else []
    rows: list[dict[str, Any]] = []
    if entries:
        by_id = {int(e.id): e for e in entries}
        found = screen_frames(
            person_frame(MEMBER, members),
            full_screening_frame(entries),
            threshold=threshold,
            engine=engine,
        )
        subjects = {int(m.id): m for m in members}
        for row in found.itertuples(index=False):
            entry = by_id[int(row.right_id)]
            lst = lists.get(int(entry.list_id))
            if lst is None:  # the register, or a list that cannot count against a member
                continue
            pk = int(str(row.left_id)[1:])
            rows.append(
                hit_row(
                    run.id,
                    None,
                    subjects[pk].content_hash,
                    HitTarget.REFERENCE,
                    row.score,
                    row.band,
                    list(row.explanation),
                    entry.content_hash,
                    now,
                    list_id=lst.id,
                    list_version=lst.version,
                    new_in_version=None,
                    reference_entry_id=entry.id,
                    subject_member_id=pk,
                )
            )
            out.flagged.add(pk)
            out.hits_by_list[lst.name] = out.hits_by_list.get(lst.name, 0) + 1
    for row_ in rows:
        hit = Hit(**row_)
        session.add(hit)
        session.flush()
        flag_member(
            session,
            hit.id,
            row_,
            lists[int(row_["list_id"])],
            actor,
            threshold,
            reason="a re-imported member record matches a reference list: for review",
        )
    run.hits = len(rows)
    run.finished_at = utcnow()
    session.flush()
    return out


__all__ = ["MemberRescreen", "pending_changes", "rescreen_changed_members"]
