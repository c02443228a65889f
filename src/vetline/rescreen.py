"""Re-screening when a reference list gets a new version: only what changed, exactly scored.

An import that adds or changes entries bumps the list's version and stamps each entry with
`changed_in_version`. Everyone screened before — the screened applications and the current
members — has been checked against the older version only, so:

1. **Who is affected**: every applicant and member is compared with the added or changed
   entries alone (a few hundred rows on the right instead of the whole list). This pass
   keeps every pair the engine keeps (threshold 0): with fewer records on the right a name
   is never counted as more common than in a full screening, so a pair that a full screening
   lists is never dropped here.
2. **Exact scores**: only those affected people are then screened as a full screening does
   it — against every active list at once, with a `list` column — so a new entry still
   competes with the other entries of its list for the person (one person, one entry) and a
   name's frequency is counted among the same records. Of their hits, those on added or
   changed entries are kept, each recorded as "new in list version N".

The result equals a full re-screen of everyone restricted to the changed entries (tested on
both dialects). Members are compared only with lists that can count against someone (not the
electoral register); a member hit is flagged for people to review and never changes the
membership. A hit (on a member or an application) whose entry changed or left the list is
superseded: kept as history, no longer evidence; the run finds a changed entry again with
its new content.

Coverage — which version of each list the screened applications have been checked against —
is read from the screening runs' params: intake runs record `list_versions`, list-version
runs record `list_id` and `version`. Members are covered from the same runs, but only those
already screened in full (`members_screened_upto`): a member imported since is screened
against every active list by vetline.member_rescreen instead (see docs/matching.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import insert, null, select, update
from sqlalchemy.orm import Session

from vetline import audit
from vetline.db.base import utcnow
from vetline.db.people import (
    Application,
    ApplicationStatus,
    ListKind,
    Member,
    MemberStatus,
    ReferenceEntry,
    ReferenceList,
)
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.screening import (
    PERSON_FIELDS,
    hit_row,
    pair_hash,
    person_frame,
    person_select,
    plain_rows,
)

# Lists a member is screened against: those that can count against someone. Being on the
# electoral register is expected of a member, so it is not a hit to review.
MEMBER_LIST_KINDS = frozenset(ListKind.ALL) - {ListKind.REGISTER}
_CHUNK = 5_000
MEMBER_RUN = "member-change"  # the trigger of vetline.member_rescreen's runs
APP, MEMBER = "a", "m"  # id prefixes of the two kinds of subject in one frame
# Member coverage: members with an id up to this have been screened against every active
# list (ids only grow, so members imported later are the ones above it); recorded by the
# member runs of vetline.member_rescreen.
MEMBERS_UPTO = "members_upto"


@dataclass
class RescreenSummary:
    hits_by_list: dict[str, int] = field(default_factory=dict)  # on applications
    member_hits_by_list: dict[str, int] = field(default_factory=dict)
    versions: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (since, now)
    application_ids: set[int] = field(default_factory=set)
    member_ids: set[int] = field(default_factory=set)
    affected: int = 0  # people re-scored against the whole lists


def covered_versions(session: Session) -> dict[int, int]:
    """For each list, the newest version every screened application has been checked against."""
    covered: dict[int, int] = {}
    params: dict[str, Any]
    for params in session.scalars(select(ScreeningRun.params)):
        pairs: list[tuple[int, int]] = []
        if "list_versions" in params:
            pairs = [(int(k), int(v)) for k, v in params["list_versions"].items()]
        elif "list_id" in params:
            pairs = [(int(params["list_id"]), int(params["version"]))]
        for list_id, version in pairs:
            covered[list_id] = max(covered.get(list_id, 0), version)
    return covered


def members_screened_upto(session: Session) -> int:
    """The highest member id screened in full against the active lists (0: none yet)."""
    params: list[dict[str, Any]] = list(
        session.scalars(select(ScreeningRun.params).where(ScreeningRun.trigger == MEMBER_RUN))
    )
    return max((int(p[MEMBERS_UPTO]) for p in params if MEMBERS_UPTO in p), default=0)


def full_screening_frame(entries: Sequence[Any]) -> pd.DataFrame:
    """The right-hand frame of a full screening: every active list's live entries, by list."""
    frame = person_frame("", entries)
    frame["list"] = [str(e.list_id) for e in entries]
    return frame


def subjects_frame(apps: Sequence[Any], members: Sequence[Any]) -> pd.DataFrame:
    return pd.concat([person_frame(APP, apps), person_frame(MEMBER, members)], ignore_index=True)


def live_entries(session: Session, *, names_only_except: set[int] | None = None) -> list[Any]:
    """Every active list's live entries, in id order.

    With `names_only_except`, entries of the other lists carry their names alone: they can
    only weigh on the kept hits through a name's frequency (entries of different lists do not
    compete, and their own pairs are not kept), so the rest of their record is not loaded and
    not normalised. Hits on the named lists' entries score exactly as with full records.
    """
    active = select(ReferenceList.id).where(ReferenceList.active)
    extra = (ReferenceEntry.list_id, ReferenceEntry.changed_in_version)
    live = (ReferenceEntry.list_id.in_(active), ReferenceEntry.removed_in_version.is_(None))
    if names_only_except is None:
        query = person_select(ReferenceEntry, *extra).where(*live)
        return plain_rows(session, query.order_by(ReferenceEntry.id))
    full = plain_rows(
        session,
        person_select(ReferenceEntry, *extra).where(
            *live, ReferenceEntry.list_id.in_(names_only_except)
        ),
    )
    blank: list[Any] = [
        null().label(f) for f in PERSON_FIELDS if f not in ("first_name", "last_name")
    ]
    names_query = select(
        ReferenceEntry.id,
        ReferenceEntry.content_hash,
        ReferenceEntry.first_name,
        ReferenceEntry.last_name,
        *blank,
        *extra,
    ).where(*live, ReferenceEntry.list_id.not_in(names_only_except))
    names = plain_rows(session, names_query)
    return sorted([*full, *names], key=lambda e: int(e.id))


def incremental_hits(
    subjects: pd.DataFrame,
    entries: Sequence[Any],
    changed_ids: set[int],
    *,
    member_lists: set[int],
    threshold: float,
    engine: str,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Hits on the changed entries, scored exactly as a full screening scores them.

    `subjects` ids are "a<id>" (applications) or "m<id>" (members); members keep only hits on
    `member_lists`. Returns screen_frames' columns for the kept pairs.
    """
    from vetline.matching import screen_frames

    changed = [e for e in entries if e.id in changed_ids]
    if subjects.empty or not changed:
        return pd.DataFrame(columns=["left_id", "right_id", "score", "band", "explanation"])
    # 1. who meets a changed entry at all (threshold 0: every pair the engine keeps)
    found = screen_frames(subjects, person_frame("", changed), threshold=0.0, engine=engine)
    lists_of = {e.id: e.list_id for e in changed}
    keep = [
        not left.startswith(MEMBER) or lists_of[int(right)] in member_lists
        for left, right in zip(found["left_id"], found["right_id"], strict=True)
    ]
    affected = set(found.loc[keep, "left_id"])
    if not affected:
        return found.iloc[0:0]
    # 2. those people against everything, as the full screening sees it
    if progress:
        progress(f"{len(affected):,} people meet a changed entry: scoring them as in full")
    few = subjects[subjects["id"].isin(affected)].reset_index(drop=True)
    scored = screen_frames(few, full_screening_frame(entries), threshold=threshold, engine=engine)
    right = scored["right_id"].astype(int)
    on_changed = right.isin(changed_ids)
    member_ok = ~scored["left_id"].str.startswith(MEMBER) | right.map(
        lambda r: lists_of.get(r) in member_lists
    )
    out = scored[on_changed & member_ok].reset_index(drop=True)
    out.attrs["affected"] = len(affected)
    return out


def rescreen_new_list_versions(
    session: Session,
    *,
    engine: str,
    threshold: float,
    actor: str = "system",
    progress: Callable[[str], None] | None = None,
) -> RescreenSummary:
    """Screen applications and members checked before against entries new since then."""
    from vetline.matching import MODEL_VERSION

    say = progress or (lambda _msg: None)
    summary = RescreenSummary()
    covered = covered_versions(session)
    apps = plain_rows(
        session,
        person_select(Application)
        .where(Application.status != ApplicationStatus.RECEIVED)
        .order_by(Application.id),
    )
    members_upto = members_screened_upto(session)
    if not covered and not apps and not members_upto:
        return summary  # nothing has been screened yet: the first screening covers everything
    lists = list(
        session.scalars(
            select(ReferenceList).where(ReferenceList.active).order_by(ReferenceList.id)
        )
    )
    pending = [
        (lst, covered.get(lst.id, 0)) for lst in lists if lst.version > covered.get(lst.id, 0)
    ]
    if not pending:
        return summary
    member_lists = {lst.id for lst, _ in pending if lst.kind in MEMBER_LIST_KINDS}
    members = (
        plain_rows(
            session,
            # members above the cursor are screened in full next (vetline.member_rescreen)
            person_select(Member)
            .where(Member.status == MemberStatus.CURRENT, Member.id <= members_upto)
            .order_by(Member.id),
        )
        if member_lists
        else []
    )
    entries = live_entries(session, names_only_except={lst.id for lst, _ in pending})
    since_of = {lst.id: since for lst, since in pending}
    changed = {
        e.id: e
        for e in entries
        if e.list_id in since_of and e.changed_in_version > since_of[e.list_id]
    }
    names = ", ".join(f"{lst.name} v{since}→v{lst.version}" for lst, since in pending)
    say(
        f"re-screening {len(apps):,} applications and {len(members):,} members against "
        f"{len(changed):,} new or changed entries ({names})"
    )
    found = incremental_hits(
        subjects_frame(apps, members),
        entries,
        set(changed),
        member_lists=member_lists,
        threshold=threshold,
        engine=engine,
        progress=say,
    )
    summary.affected = int(found.attrs.get("affected", 0))
    apps_by_id = {a.id: a for a in apps}
    members_by_id = {m.id: m for m in members}
    now = utcnow()
    by_list: dict[int, list[Any]] = {}
    for row in found.itertuples(index=False):
        by_list.setdefault(changed[int(row.right_id)].list_id, []).append(row)
    for lst, since in pending:
        run = ScreeningRun(
            engine=engine,
            model_version=MODEL_VERSION,
            review_threshold=threshold,
            trigger="list-version",
            applications=len(apps),
            actor=actor,
            params={
                "list_id": lst.id,
                "version": lst.version,
                "since": since,
                "members": len(members) if lst.id in member_lists else 0,
            },
        )
        session.add(run)
        session.flush()
        summary.application_ids |= supersede_stale_hits(session, lst.id, since, now)
        known = set(
            session.scalars(
                select(Hit.pair_hash).where(Hit.list_id == lst.id, Hit.superseded_at.is_(None))
            )
        )
        rows: list[dict[str, Any]] = []
        n_apps = n_members = 0
        for row in by_list.get(lst.id, []):
            entry = changed[int(row.right_id)]
            kind, pk = str(row.left_id)[0], int(str(row.left_id)[1:])
            subject = apps_by_id[pk] if kind == APP else members_by_id[pk]
            if pair_hash(subject.content_hash, entry.content_hash) in known:
                continue
            ids: dict[str, Any] = {"subject_member_id": pk} if kind == MEMBER else {}
            rows.append(
                hit_row(
                    run.id,
                    pk if kind == APP else None,
                    subject.content_hash,
                    HitTarget.REFERENCE,
                    row.score,
                    row.band,
                    list(row.explanation),
                    entry.content_hash,
                    now,
                    list_id=lst.id,
                    list_version=lst.version,
                    new_in_version=entry.changed_in_version,
                    reference_entry_id=entry.id,
                    **ids,
                )
            )
            if kind == APP:
                n_apps += 1
                summary.application_ids.add(pk)
            else:
                n_members += 1
                summary.member_ids.add(pk)
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            stored = session.scalars(
                insert(Hit).returning(Hit.id, sort_by_parameter_order=True), chunk
            ).all()
            for hit_id, hit in zip(stored, chunk, strict=True):
                if hit["subject_member_id"] is not None:
                    flag_member(session, hit_id, hit, lst, actor, threshold)
        run.hits = len(rows)
        run.finished_at = utcnow()
        summary.hits_by_list[lst.name] = n_apps
        if lst.id in member_lists:
            summary.member_hits_by_list[lst.name] = n_members
        summary.versions[lst.name] = (since, lst.version)
    session.flush()
    return summary


def flag_member(
    session: Session,
    hit_id: int,
    hit: dict[str, Any],
    lst: ReferenceList,
    actor: str,
    threshold: float,
    *,
    reason: str = "a new reference-list version matches a current member: for review",
) -> None:
    """Audit a member hit: flagged for people to review; the membership is not touched."""
    audit.record(
        session,
        actor=actor,
        action="screening.member_flagged",
        entity="member",
        entity_id=hit["subject_member_id"],
        after={
            "hit_id": hit_id,
            "list": lst.name,
            "list_version": hit["list_version"],
            "new_in_version": hit["new_in_version"],
            "reference_entry_id": hit["reference_entry_id"],
            "band": hit["band"],
        },
        score=hit["score"],
        threshold=threshold,
        reason=reason,
    )


def supersede_stale_hits(session: Session, list_id: int, since: int, now: Any) -> set[int]:
    """Hits on entries changed or removed since `since` no longer stand — on members and on
    applications alike: they stay as history (a decision may cite them), and a changed entry
    that still matches is found again by this run with its new content. Returns the
    applications that lost a hit, so the rulebook looks at them again."""
    gone = select(ReferenceEntry.id).where(
        ReferenceEntry.list_id == list_id,
        (ReferenceEntry.changed_in_version > since) | (ReferenceEntry.removed_in_version > since),
    )
    stale = (
        Hit.list_id == list_id,
        Hit.superseded_at.is_(None),
        Hit.reference_entry_id.in_(gone),
    )
    apps = set(
        session.scalars(select(Hit.application_id).where(*stale, Hit.application_id.is_not(None)))
    )
    session.execute(update(Hit).where(*stale).values(superseded_at=now))
    return {int(a) for a in apps if a is not None}
