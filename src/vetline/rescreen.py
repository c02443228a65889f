"""Re-screening when a reference list gets a new version.

Applications screened earlier were compared with the list as it was then. When an import
adds or changes entries (vetline.intake bumps the list's version and stamps each entry with
`changed_in_version`), every screened application is compared with the list again and only
the pairs on added or changed entries are kept, each recorded as "new in list version N".
The whole list stays on the right-hand side so that its entries still compete for an
applicant exactly as in a first screening; pairs already on record are not stored twice.

Coverage — which version of each list the screened applications have been checked against —
is read from the screening runs' params: intake runs record `list_versions`, list-version
runs record `list_id` and `version`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.people import Application, ApplicationStatus, ReferenceEntry, ReferenceList
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.screening import hit_row, pair_hash, person_frame, person_select, plain_rows


@dataclass
class RescreenSummary:
    hits_by_list: dict[str, int] = field(default_factory=dict)
    versions: dict[str, tuple[int, int]] = field(default_factory=dict)  # name -> (since, now)
    application_ids: set[int] = field(default_factory=set)


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


def rescreen_new_list_versions(
    session: Session,
    *,
    engine: str,
    threshold: float,
    actor: str = "system",
    progress: Callable[[str], None] | None = None,
) -> RescreenSummary:
    """Screen already-screened applications against entries new since their last screening."""
    from vetline.matching import MODEL_VERSION, screen_frames

    say = progress or (lambda _msg: None)
    summary = RescreenSummary()
    apps = plain_rows(
        session,
        person_select(Application).where(Application.status != ApplicationStatus.RECEIVED),
    )
    if not apps:
        return summary
    apps_by_id = {a.id: a for a in apps}
    covered = covered_versions(session)
    lists = session.scalars(
        select(ReferenceList).where(ReferenceList.active).order_by(ReferenceList.id)
    )
    for lst in lists:
        since = covered.get(lst.id, 0)
        if lst.version <= since:
            continue
        entries = plain_rows(
            session,
            person_select(ReferenceEntry, ReferenceEntry.changed_in_version).where(
                ReferenceEntry.list_id == lst.id, ReferenceEntry.removed_in_version.is_(None)
            ),
        )
        changed = {e.id: e for e in entries if e.changed_in_version > since}
        run = ScreeningRun(
            engine=engine,
            model_version=MODEL_VERSION,
            review_threshold=threshold,
            trigger="list-version",
            applications=len(apps),
            actor=actor,
            params={"list_id": lst.id, "version": lst.version, "since": since},
        )
        session.add(run)
        session.flush()
        rows = []
        if changed:
            say(f"re-screening {len(apps):,} applications: {lst.name} v{since} → v{lst.version}")
            found = screen_frames(
                person_frame("", apps),
                person_frame("", entries),
                threshold=threshold,
                engine=engine,
            )
            known = set(
                session.scalars(
                    select(Hit.pair_hash).where(Hit.list_id == lst.id, Hit.superseded_at.is_(None))
                )
            )
            now = utcnow()
            for row in found.itertuples(index=False):
                entry = changed.get(int(row.right_id))
                if entry is None:
                    continue
                app = apps_by_id[int(row.left_id)]
                if pair_hash(app.content_hash, entry.content_hash) in known:
                    continue
                rows.append(
                    hit_row(
                        run.id,
                        app.id,
                        app.content_hash,
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
                    )
                )
                summary.application_ids.add(app.id)
        for start in range(0, len(rows), 5_000):
            session.execute(insert(Hit), rows[start : start + 5_000])
        run.hits = len(rows)
        run.finished_at = utcnow()
        summary.hits_by_list[lst.name] = len(rows)
        summary.versions[lst.name] = (since, lst.version)
    session.flush()
    return summary
