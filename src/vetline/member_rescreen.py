"""Screening members in full: those never screened, and those whose own record changed.

A member is screened against a list when the list gets a new version (vetline.rescreen), but
that covers only the entries the version changed. Two kinds of member need every active list
that can count against someone (not the register), scored as a full screening scores them:

- **members never screened**: the membership as first imported (the back-fill, on the first
  screening run) and every member a later members import adds. Coverage is an id cursor
  (`params.members_upto` of these runs): member ids only grow, so those above it are new.
- **members whose record changed**: a members CSV re-imported with a new surname, date of
  birth or address is a different record to compare. Their earlier hits stay as history but
  are superseded, exactly as a re-screened application's are. Coverage: each run records the
  last `record_changes` row it has seen (`params.member_changes_upto`); before any such run,
  the changes made after the first screening run count (before that, nothing was screened).

What is found is flagged for people, never acted on (the rulebook may then open a case:
vetline.cases.members).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.people import Member, MemberStatus, RecordChange, ReferenceList
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.rescreen import (
    MEMBER,
    MEMBER_LIST_KINDS,
    MEMBER_RUN,
    MEMBERS_UPTO,
    flag_member,
    full_screening_frame,
    live_entries,
    members_screened_upto,
)
from vetline.screening import PERSON_FIELDS, hit_row, person_frame, person_select, plain_rows

_CHUNK = 5_000  # ids bound in one statement
_SLICE = 100_000  # members screened in one call
CURSOR = "member_changes_upto"


@dataclass
class MemberRescreen:
    member_ids: set[int] = field(default_factory=set)  # members screened (new and changed)
    new_members: int = 0  # of those, members never screened before
    flagged: set[int] = field(default_factory=set)  # of those, members with a hit now
    hits_by_list: dict[str, int] = field(default_factory=dict)


def pending_changes(session: Session) -> tuple[set[int], int]:
    """Members whose person fields changed since the last member-change run, and the cursor."""
    params: list[dict[str, Any]] = list(
        session.scalars(select(ScreeningRun.params).where(ScreeningRun.trigger == MEMBER_RUN))
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
    """Screen current members never screened, or whose record changed, against the active
    lists (see module doc)."""
    from vetline.matching import MODEL_VERSION, screen_frames

    out = MemberRescreen()
    changed, upto = pending_changes(session)
    screened_upto = members_screened_upto(session)
    newest = int(session.scalar(select(func.max(Member.id))) or 0)
    if not changed and newest <= screened_upto:
        return out
    # in chunks: a back-fill or a big re-import is hundreds of thousands of ids, beyond what
    # one statement may bind (SQLite: 32,766)
    current = Member.status == MemberStatus.CURRENT
    fresh = plain_rows(session, person_select(Member).where(current, Member.id > screened_upto))
    older = sorted(i for i in changed if i <= screened_upto)
    for k in range(0, len(older), _CHUNK):
        chunk = older[k : k + _CHUNK]
        fresh += plain_rows(session, person_select(Member).where(current, Member.id.in_(chunk)))
    members = sorted(fresh, key=lambda m: int(m.id))
    out.new_members = sum(1 for m in members if int(m.id) > screened_upto)
    lists = {
        lst.id: lst
        for lst in session.scalars(
            select(ReferenceList).where(
                ReferenceList.active, ReferenceList.kind.in_(sorted(MEMBER_LIST_KINDS))
            )
        )
    }
    if progress and members:
        progress(
            f"screening {len(members):,} members against the lists "
            f"({out.new_members:,} never screened, the rest with a changed record)"
        )
    now = utcnow()
    run = ScreeningRun(
        engine=engine,
        model_version=MODEL_VERSION,
        review_threshold=threshold,
        trigger=MEMBER_RUN,
        applications=0,
        actor=actor,
        params={
            CURSOR: upto,
            MEMBERS_UPTO: max(newest, screened_upto),
            "members": len(members),
            "new_members": out.new_members,
        },
    )
    session.add(run)
    session.flush()
    ids = [int(m.id) for m in members]
    out.member_ids = set(ids)
    # an old record's hits no longer describe the member: history only (members never
    # screened have none)
    redone = [i for i in ids if i <= screened_upto]
    for k in range(0, len(redone), _CHUNK):
        session.execute(
            update(Hit)
            .where(Hit.subject_member_id.in_(redone[k : k + _CHUNK]), Hit.superseded_at.is_(None))
            .values(superseded_at=now)
        )
    entries = live_entries(session, names_only_except=set(lists)) if members and lists else []
    rows: list[dict[str, Any]] = []
    if entries:
        by_id = {int(e.id): e for e in entries}
        right = full_screening_frame(entries)
        # a back-fill is the whole membership: in slices, so the pairs of one slice at a time
        # are held (the scores are the same: entries compete per member, and a name's
        # frequency is counted on the lists' side)
        found = pd.concat(
            [
                screen_frames(
                    person_frame(MEMBER, members[k : k + _SLICE]),
                    right,
                    threshold=threshold,
                    engine=engine,
                )
                for k in range(0, len(members), _SLICE)
            ],
            ignore_index=True,
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
            reason=(
                "a member never screened matches a reference list: for review"
                if int(row_["subject_member_id"]) > screened_upto
                else "a re-imported member record matches a reference list: for review"
            ),
        )
    run.hits = len(rows)
    run.finished_at = utcnow()
    session.flush()
    return out


__all__ = ["MemberRescreen", "pending_changes", "rescreen_changed_members"]
