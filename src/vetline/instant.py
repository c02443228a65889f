"""Screening one application at once (the API's submit path), without a batch job.

Reference lists and the membership are held in a stored `ReferenceIndex` (vetline.matching)
under the data directory, rebuilt only when a list gets a new version or the membership
changes; one applicant is then looked up by its blocking keys. Other applications change
with every submission, so double sign-ups are found among the applications that share a
date of birth, e-mail, surname or postcode with the applicant, compared as `dedupe_frame`
compares them. The batch `screen-run` gives the same reference and member hits.
"""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.people import (
    Application,
    Import,
    Member,
    ReferenceEntry,
    ReferenceList,
)
from vetline.db.screening import HitTarget, ScreeningRun
from vetline.errors import NotFound
from vetline.screening import (
    PERSON_FIELDS,
    ScreeningSummary,
    hit_row,
    person_frame,
    person_select,
    plain_rows,
    record_screening,
)
from vetline.settings import get_settings

_LOCK = threading.Lock()
_OPEN: dict[str, tuple[str, Any]] = {}  # index directory -> (state, ReferenceIndex)
MAX_DUPLICATE_CANDIDATES = 5_000


def _state(session: Session, part: str) -> str:
    """What an index was built from: the lists' versions, or the last import of members.

    Members change only through imports (vetline.intake), so the newest members import is
    a cheap stand-in for counting and scanning 600,000 rows on every submission.
    """
    from vetline.matching import MODEL_VERSION

    if part == "lists":
        rows = session.execute(
            select(ReferenceList.id, ReferenceList.version).where(ReferenceList.active)
        ).all()
        source: Any = {str(k): v for k, v in sorted(rows)}
    else:
        source = session.scalar(select(func.max(Import.id)).where(Import.kind == "members"))
    return json.dumps({"model": MODEL_VERSION, part: source}, sort_keys=True)


def _directory(session: Session) -> Path:
    url = session.get_bind().engine.url.render_as_string(hide_password=True)
    key = hashlib.sha256(url.encode()).hexdigest()[:12]
    return get_settings().data_dir / "index" / key


def reference_index(session: Session, part: str) -> Any:
    """The stored index of the active lists' entries (`lists`) or of the members (`members`),
    rebuilt when stale. Two indexes, as the batch screens them in two calls: a name's
    frequency is counted among the records it is compared with."""
    from vetline.matching.index import ReferenceIndex

    state = _state(session, part)
    folder = _directory(session) / part
    cached = _OPEN.get(str(folder))
    if cached is not None and cached[0] == state:
        return cached[1]
    if cached is not None:
        cached[1].close()
        del _OPEN[str(folder)]
    state_file = folder / "state.json"
    if state_file.exists() and state_file.read_text("utf-8") == state:
        index = ReferenceIndex.open(folder)
    else:
        if part == "lists":
            lists = select(ReferenceList.id).where(ReferenceList.active)
            entries = plain_rows(
                session,
                person_select(ReferenceEntry, ReferenceEntry.list_id).where(
                    ReferenceEntry.list_id.in_(lists), ReferenceEntry.removed_in_version.is_(None)
                ),
            )
            frame = person_frame("e", entries)
            frame["list"] = [str(e.list_id) for e in entries]
        else:
            frame = person_frame("m", plain_rows(session, person_select(Member)))
        index = ReferenceIndex.build(frame, folder)
        state_file.write_text(state, "utf-8")
    _OPEN[str(folder)] = (state, index)
    return index


def _duplicate_candidates(session: Session, app: Any) -> list[Any]:
    """Applications sharing a selective key with `app`: the double sign-ups worth comparing."""
    keys: list[Any] = []
    first, last = (app.first_name or "").strip().lower(), (app.last_name or "").strip().lower()
    initial = func.lower(func.substr(func.trim(Application.first_name), 1, 1)) == first[:1]
    if app.date_of_birth is not None:
        keys.append(Application.date_of_birth == app.date_of_birth)
    if app.email:
        keys.append(func.lower(Application.email) == app.email.strip().lower())
    if app.phone:
        keys.append(Application.phone == app.phone)
    if last and first:
        keys.append((func.lower(func.trim(Application.last_name)) == last) & initial)
        # first and last name swapped
        keys.append(
            (func.lower(func.trim(Application.first_name)) == last)
            & (func.lower(func.trim(Application.last_name)) == first)
        )
    if app.postcode and first:
        postcode = func.replace(func.upper(Application.postcode), " ", "")
        keys.append((postcode == app.postcode.replace(" ", "").upper()) & initial)
    if not keys:
        return []
    query = person_select(Application).where(Application.id != app.id, or_(*keys))
    return plain_rows(session, query.limit(MAX_DUPLICATE_CANDIDATES))


def screen_one_application(
    session: Session, application_id: int, *, actor: str = "system", threshold: float | None = None
) -> ScreeningSummary:
    """Screen one stored application now, in the caller's transaction; store its hits."""
    from vetline.matching import MODEL_VERSION, dedupe_frame

    settings = get_settings()
    threshold = settings.review_threshold if threshold is None else threshold
    rows = plain_rows(
        session,
        person_select(Application, Application.status).where(Application.id == application_id),
    )
    if not rows:
        raise NotFound(f"no application with id {application_id}")
    app = rows[0]
    run = ScreeningRun(
        engine="index",
        model_version=MODEL_VERSION,
        review_threshold=threshold,
        trigger="instant",
        applications=1,
        actor=actor,
    )
    session.add(run)
    session.flush()
    summary = ScreeningSummary(run_id=run.id, applications=1)
    now = utcnow()
    hits: list[dict[str, Any]] = []
    record = {f: getattr(app, f) for f in PERSON_FIELDS}
    with _LOCK:
        parts = [
            reference_index(session, part).screen_one(record, threshold=threshold)
            for part in ("lists", "members")
        ]
    found_rows = [row for part in parts for row in part.itertuples(index=False)]
    entry_ids = [int(r.right_id[1:]) for r in found_rows if str(r.right_id).startswith("e")]
    member_ids = [int(r.right_id[1:]) for r in found_rows if str(r.right_id).startswith("m")]
    entries = {
        e.id: e
        for e in session.execute(
            select(
                ReferenceEntry.id,
                ReferenceEntry.list_id,
                ReferenceEntry.content_hash,
                ReferenceList.version,
                ReferenceList.name,
            )
            .join(ReferenceList, ReferenceList.id == ReferenceEntry.list_id)
            .where(ReferenceEntry.id.in_(entry_ids))
        )
    }
    members = dict(
        session.execute(
            select(Member.id, Member.content_hash).where(Member.id.in_(member_ids))
        ).all()
    )
    for row in found_rows:
        kind, key = str(row.right_id)[0], int(str(row.right_id)[1:])
        if kind == "e" and key in entries:
            e = entries[key]
            hits.append(
                hit_row(
                    run.id,
                    app.id,
                    app.content_hash,
                    HitTarget.REFERENCE,
                    row.score,
                    row.band,
                    list(row.explanation),
                    e.content_hash,
                    now,
                    list_id=e.list_id,
                    list_version=e.version,
                    reference_entry_id=e.id,
                )
            )
            summary.hits_by_list[e.name] = summary.hits_by_list.get(e.name, 0) + 1
        elif kind == "m" and key in members:
            hits.append(
                hit_row(
                    run.id,
                    app.id,
                    app.content_hash,
                    HitTarget.MEMBER,
                    row.score,
                    row.band,
                    list(row.explanation),
                    members[key],
                    now,
                    member_id=key,
                )
            )
    candidates = _duplicate_candidates(session, app)
    if candidates:
        by_id = {c.id: c for c in candidates}
        pairs = dedupe_frame(person_frame("", [app, *candidates]), threshold=threshold)
        for row in pairs.itertuples(index=False):
            a, b = int(row.left_id), int(row.right_id)
            if app.id not in (a, b):
                continue
            other = b if a == app.id else a
            hits.append(
                hit_row(
                    run.id,
                    app.id,
                    app.content_hash,
                    HitTarget.APPLICATION,
                    row.score,
                    row.band,
                    list(row.explanation),
                    by_id[other].content_hash,
                    now,
                    other_application_id=other,
                )
            )
    return record_screening(session, run, summary, [app], hits, now)
