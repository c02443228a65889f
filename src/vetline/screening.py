"""The screening pipeline: unscreened applications → matching → stored hits → outcomes.

Every unscreened application is compared with every active reference list, with the
membership (duplicates) and with the other applications (double sign-ups). Hits are stored
with their explanation; the rulebook then turns them into outcomes (a referral, a fix-it
notice, admission) — the machine flags, a person decides.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Row, Select, case, exists, insert, literal, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from vetline.db.base import utcnow
from vetline.db.inserted import insert_pending, inserted_here
from vetline.db.people import (
    Application,
    ApplicationStatus,
    Member,
    RecordChange,
    ReferenceEntry,
    ReferenceList,
)
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.settings import get_settings

_CHUNK = 5_000  # rows per bulk statement (IN lists and inserts)
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "address",
    "email",
    "phone",
)
Progress = Callable[[str], None]


@dataclass
class ScreeningSummary:
    run_id: int
    applications: int
    hits_by_target: dict[str, int] = field(default_factory=dict)
    hits_by_list: dict[str, int] = field(default_factory=dict)
    outcomes: dict[str, int] = field(default_factory=dict)
    application_ids: list[int] = field(default_factory=list)
    # hits found on earlier applications because a list got a new version, by list
    relisted: dict[str, int] = field(default_factory=dict)
    # hits on current members from the same re-screen, by list: for people to review only
    members_relisted: dict[str, int] = field(default_factory=dict)
    # list name -> [version covered before, version now] for the lists re-screened
    relisted_versions: dict[str, tuple[int, int]] = field(default_factory=dict)
    rulebook: str | None = None
    # members screened in full (vetline.member_rescreen): never screened before (the first
    # run's back-fill, members a later import added) or changed by a re-import; hits by list
    members_rescreened: int = 0
    members_new: int = 0
    changed_member_hits: dict[str, int] = field(default_factory=dict)
    # cases opened on members whose new hits the rulebook refers (vetline.cases.members)
    member_cases: list[int] = field(default_factory=list)

    @property
    def hits(self) -> int:
        return sum(self.hits_by_target.values())


def changed_since_screening() -> ColumnElement[bool]:
    """An application whose content a re-import changed after it was screened."""
    return exists().where(
        RecordChange.entity == "application",
        RecordChange.entity_id == Application.id,
        Application.screened_at.is_not(None),
        RecordChange.changed_at > Application.screened_at,
    )


def pair_hash(left_content_hash: str, right_content_hash: str) -> str:
    """Key of a pair of record versions: a cleared pair is raised again only if either changes."""
    return hashlib.sha256(f"{left_content_hash}:{right_content_hash}".encode()).hexdigest()


_NO_IDS: dict[str, Any] = dict.fromkeys(
    (
        "list_id",
        "list_version",
        "reference_entry_id",
        "member_id",
        "other_application_id",
        "subject_member_id",
    )
)


def person_select(table: Any, *extra: Any) -> Select[Any]:
    """Only the columns matching needs: plain rows, not ORM objects (600k members load fast)."""
    return select(table.id, table.content_hash, *(getattr(table, f) for f in PERSON_FIELDS), *extra)


def plain_rows(session: Session, query: Select[Any]) -> list[Row[Any]]:
    return list(session.execute(query))


def hit_row(
    run_id: int,
    application_id: int | None,
    application_hash: str,
    target: str,
    score: float,
    band: str,
    explanation: list[dict[str, Any]],
    right_hash: str,
    now: datetime,
    **ids: Any,
) -> dict[str, Any]:
    """One `hits` row for a bulk insert (a member subject: None and `subject_member_id=`)."""
    return {
        "run_id": run_id,
        "application_id": application_id,
        "target": target,
        "score": float(score),
        "band": band,
        "explanation": explanation,
        "pair_hash": pair_hash(application_hash, right_hash),
        "created_at": now,
        **_NO_IDS,
        **ids,
    }


def person_frame(prefix: str, rows: Iterable[Any]) -> pd.DataFrame:
    records = [{"id": f"{prefix}{r.id}", **{f: getattr(r, f) for f in PERSON_FIELDS}} for r in rows]
    return pd.DataFrame.from_records(records, columns=["id", *PERSON_FIELDS])


def screen_applications(
    session: Session,
    *,
    application_ids: Sequence[int] | None = None,
    engine: str | None = None,
    threshold: float | None = None,
    actor: str = "system",
    progress: Progress | None = None,
    covers_lists: bool = False,
) -> ScreeningSummary:
    """Screen the given (default: every unscreened) applications and store their hits."""
    from vetline.matching import MODEL_VERSION, dedupe_frame, screen_frames

    settings = get_settings()
    engine = engine or settings.match_engine
    threshold = settings.review_threshold if threshold is None else threshold
    say = progress or (lambda _msg: None)

    query = person_select(Application, Application.status)
    if application_ids is None:
        query = query.where(
            (Application.status == ApplicationStatus.RECEIVED) | changed_since_screening()
        )
    else:
        query = query.where(Application.id.in_(application_ids))
    new_apps = plain_rows(session, query.order_by(Application.id))
    run = ScreeningRun(
        engine=engine,
        model_version=MODEL_VERSION,
        review_threshold=threshold,
        applications=len(new_apps),
        actor=actor,
    )
    lists = {
        lst.id: lst for lst in session.scalars(select(ReferenceList).where(ReferenceList.active))
    }
    if covers_lists:
        # everyone screened before (applications, current members) has now been checked
        # against these versions: the caller re-screened them first, and this run screens
        # the rest; vetline.rescreen reads this — recorded even when no application is new
        run.params = {"list_versions": {str(i): lst.version for i, lst in lists.items()}}
    session.add(run)
    session.flush()
    summary = ScreeningSummary(run_id=run.id, applications=len(new_apps))
    if not new_apps:
        run.finished_at = utcnow()
        return summary

    apps_by_id = {a.id: a for a in new_apps}
    left = person_frame("", new_apps)
    entries = plain_rows(
        session,
        person_select(ReferenceEntry, ReferenceEntry.list_id).where(
            ReferenceEntry.list_id.in_(lists), ReferenceEntry.removed_in_version.is_(None)
        ),
    )
    members = plain_rows(session, person_select(Member))
    entries_by_id = {e.id: e for e in entries}
    members_by_id = {m.id: m for m in members}

    hits: list[dict[str, Any]] = []
    now = utcnow()

    def add(
        app_id: int,
        target: str,
        score: float,
        band: str,
        explanation: list[dict[str, Any]],
        right_hash: str,
        **ids: Any,
    ) -> None:
        hits.append(
            hit_row(
                run.id,
                app_id,
                apps_by_id[app_id].content_hash,
                target,
                score,
                band,
                explanation,
                right_hash,
                now,
                **ids,
            )
        )

    say(f"screening {len(new_apps):,} applications against {len(entries):,} reference entries")
    if entries:
        right = person_frame("", entries)
        # records of one list compete for an applicant (a list holds each person once);
        # records of different lists do not
        right["list"] = [str(e.list_id) for e in entries]
        found = screen_frames(left, right, threshold=threshold, engine=engine)
        for row in found.itertuples(index=False):
            entry = entries_by_id[int(row.right_id)]
            lst = lists[entry.list_id]
            add(
                int(row.left_id),
                HitTarget.REFERENCE,
                row.score,
                row.band,
                list(row.explanation),
                entry.content_hash,
                list_id=lst.id,
                list_version=lst.version,
                reference_entry_id=entry.id,
            )
            summary.hits_by_list[lst.name] = summary.hits_by_list.get(lst.name, 0) + 1

    say(f"checking {len(new_apps):,} applications for duplicates of {len(members):,} members")
    if members:
        found = screen_frames(left, person_frame("", members), threshold=threshold, engine=engine)
        for row in found.itertuples(index=False):
            member = members_by_id[int(row.right_id)]
            add(
                int(row.left_id),
                HitTarget.MEMBER,
                row.score,
                row.band,
                list(row.explanation),
                member.content_hash,
                member_id=member.id,
            )

    say("checking applications for double sign-ups")
    others = plain_rows(session, person_select(Application))
    others_by_id = {a.id: a for a in others}
    found = dedupe_frame(person_frame("", others), threshold=threshold, engine=engine)
    for row in found.itertuples(index=False):
        a, b = int(row.left_id), int(row.right_id)
        # record the hit on every new application of the pair, pointing at the other one
        for mine, theirs in ((a, b), (b, a)):
            if mine in apps_by_id:
                add(
                    mine,
                    HitTarget.APPLICATION,
                    row.score,
                    row.band,
                    list(row.explanation),
                    others_by_id[theirs].content_hash,
                    other_application_id=theirs,
                )

    return record_screening(session, run, summary, new_apps, hits, now)


def record_screening(
    session: Session,
    run: ScreeningRun,
    summary: ScreeningSummary,
    apps: Sequence[Any],
    hits: list[dict[str, Any]],
    now: datetime,
) -> ScreeningSummary:
    """Store a run's hits and mark its applications screened (batch and single-applicant).

    A re-screened application's earlier hits are kept as history but superseded, and it keeps
    its status: the rulebook step re-routes it and never undoes what people decided.
    """
    # rows this transaction inserted (a submission): nobody else can have changed them, so
    # the new values are set on them here and written with routing's UPDATE of the row
    fresh = [a for a in apps if isinstance(a, Application) and inserted_here(session, a)]
    fresh_ids = {a.id for a in fresh}
    rescreened = [a.id for a in apps if a.status != ApplicationStatus.RECEIVED]
    ids = [a.id for a in apps]
    for start in range(0, len(rescreened), _CHUNK):
        session.execute(
            update(Hit)
            .where(
                Hit.application_id.in_(rescreened[start : start + _CHUNK]),
                Hit.run_id != run.id,
                Hit.superseded_at.is_(None),
            )
            .values(superseded_at=now)
        )
    drawn = run in session.new and run.id is not None  # its id drawn: vetline.instant
    if drawn:  # its row is written complete: one INSERT, no UPDATE after its hits
        run.hits = len(hits)
        run.finished_at = utcnow()
        if hits:  # before them; else it goes with the next write (the outcome's INSERT)
            insert_pending(session, run)
    for start in range(0, len(hits), _CHUNK):
        session.execute(insert(Hit), hits[start : start + _CHUNK])
    for app in fresh:
        if app.status == ApplicationStatus.RECEIVED:  # as the UPDATE below does
            app.status = ApplicationStatus.SCREENED
            app.updated_at = now
        app.screened_at = now
    stored = [i for i in ids if i not in fresh_ids]
    for start in range(0, len(stored), _CHUNK):
        received = Application.status == ApplicationStatus.RECEIVED  # before this UPDATE
        # the new values come back with the UPDATE and are set on the rows loaded in the
        # session: the ORM would expire them (it cannot evaluate the CASE) and read each row's
        # status again at its next use (routing), one SELECT per application
        changed = session.execute(
            update(Application)
            .where(Application.id.in_(stored[start : start + _CHUNK]))
            .values(
                screened_at=now,
                status=case(
                    (received, literal(ApplicationStatus.SCREENED, Application.status.type)),
                    else_=Application.status,
                ),
                updated_at=case(
                    (received, literal(now, Application.updated_at.type)),
                    else_=Application.updated_at,
                ),
            )
            .returning(
                Application.id,
                Application.status,
                Application.screened_at,
                Application.updated_at,
            )
            .execution_options(synchronize_session=False)
        )
        for app_id, status, screened_at, updated_at in changed:
            loaded = session.identity_map.get(identity_key(Application, app_id))
            if loaded is not None:
                set_committed_value(loaded, "status", status)
                set_committed_value(loaded, "screened_at", screened_at)
                set_committed_value(loaded, "updated_at", updated_at)
    for hit in hits:
        summary.hits_by_target[hit["target"]] = summary.hits_by_target.get(hit["target"], 0) + 1
    summary.application_ids = ids
    if not drawn:
        run.hits = len(hits)
        run.finished_at = utcnow()
    if not fresh:  # else written with the rows' next flush, one round trip for both
        session.flush()
    return summary


def screen_and_decide(
    session: Session,
    *,
    rulebook_name: str | None = None,
    engine: str | None = None,
    threshold: float | None = None,
    actor: str = "system",
    progress: Progress | None = None,
) -> ScreeningSummary:
    """`vetline screen-run`: screen every unscreened application, then apply the rulebook.

    The rulebook only routes (admit, provisional, fix-it notice, refer to a case); every adverse
    outcome still needs two people (vetline.cases).
    """
    from vetline.cases.members import refer_members
    from vetline.member_rescreen import rescreen_changed_members
    from vetline.outcomes import decide_outcomes
    from vetline.rescreen import rescreen_new_list_versions
    from vetline.rulebook import load_rulebook

    settings = get_settings()
    rulebook = load_rulebook(rulebook_name or settings.rulebook)
    how: dict[str, Any] = {
        "engine": engine or settings.match_engine,
        "threshold": settings.review_threshold if threshold is None else threshold,
        "actor": actor,
        "progress": progress,
    }
    # first the people screened before against what lists added since, and the members whose
    # record changed; then the new applications
    relisted = rescreen_new_list_versions(session, **how)
    changed_members = rescreen_changed_members(session, **how)
    summary = screen_applications(
        session,
        engine=engine,
        threshold=threshold,
        actor=actor,
        progress=progress,
        covers_lists=True,
    )
    summary.members_rescreened = len(changed_members.member_ids)
    summary.members_new = changed_members.new_members
    summary.changed_member_hits = changed_members.hits_by_list
    summary.relisted = relisted.hits_by_list
    summary.members_relisted = relisted.member_hits_by_list
    summary.relisted_versions = relisted.versions
    # this run's applications, and any screened earlier whose routing did not finish
    leftover = session.scalars(
        select(Application.id).where(Application.status == ApplicationStatus.SCREENED)
    )
    screened = sorted(set(summary.application_ids) | set(leftover) | relisted.application_ids)
    if progress:
        progress(f"applying rulebook {rulebook.label} to {len(screened):,} applications")
    decided = decide_outcomes(session, screened, rulebook=rulebook, actor=actor)
    summary.outcomes = dict(decided.by_outcome)
    summary.rulebook = rulebook.label
    flagged = relisted.member_ids | changed_members.flagged
    if flagged:
        if progress:
            progress(f"applying rulebook {rulebook.label} to {len(flagged):,} members")
        summary.member_cases = refer_members(
            session, flagged, rulebook=rulebook, actor=actor
        ).case_ids
    return summary
