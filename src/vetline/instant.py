"""Screening one application at once (the API's submit path), without a batch job.

The active lists' entries and the members are each held in a stored `ReferenceIndex` under
the data directory, read into memory once per process (vetline.matching.lookup.SingleIndex),
and one applicant is looked up by its blocking keys. When a list gets a new version, is
switched off, or a members import changes the membership, the next application is screened
against the index plus a delta of what changed (the same hits) while a fresh index is built in
a low-priority child process and swapped in by a background thread. Other applications change
with every submission, so double sign-ups are found in the database (vetline.double_signups)
and compared as `dedupe_frame` compares them (their features computed once per process:
`warm_up` featurises every stored application). The batch `screen-run` gives the same hits.
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import threading
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Integer, String, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.people import (
    Application,
    Import,
    ListKind,
    Member,
    RecordChange,
    ReferenceEntry,
    ReferenceList,
)
from vetline.db.screening import HitTarget, ScreeningRun
from vetline.double_signups import duplicate_candidates, known_applications
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

log = logging.getLogger(__name__)

_LOCK = threading.Lock()  # guards _OPEN and _BUILDING
_SCREEN = threading.Lock()  # one screening at a time: the delta is computed under it
_OPEN: dict[str, _Held] = {}  # index folder -> the index held in memory
_BUILDING: dict[str, threading.Thread] = {}  # index folder -> its background rebuild
# database's index folder -> features of its applications, by id (filled by warm_up)
_KNOWN: dict[str, Any] = {}


@dataclass
class _Held:
    """An index in memory: what it was built from, and a view of it with today's delta."""

    base_source: dict[str, Any]
    base: Any  # SingleIndex
    source: dict[str, Any]
    view: Any  # SingleIndex, base with the delta up to `source`


def _source(session: Session, part: str) -> dict[str, Any]:
    """What an index is built from: the lists' versions, or the last import of members.

    Members change only through imports (vetline.intake), so the newest members import is
    a cheap stand-in for counting and scanning 600,000 rows on every submission.
    """
    return _sources(session)[part]


def _sources(session: Session) -> dict[str, dict[str, Any]]:
    """`_source` of both parts, in one statement (a submission asks for both)."""
    return _sources_and_register(session)[0]


def _sources_and_register(
    session: Session, *, run_id: bool = False
) -> tuple[dict[str, dict[str, Any]], bool, int | None]:
    """`_sources`, whether an active electoral register list is loaded (the rulebook's facts
    ask it of every submission: the same rows of the active lists) and, with `run_id` on
    PostgreSQL, the id of a screening run to insert (drawn from its sequence): one statement.
    """
    from vetline.matching import MODEL_VERSION

    draw = run_id and session.get_bind().dialect.name == "postgresql"
    rows = session.execute(_sources_query(draw)).all()
    drawn: Any = next((key for part, key, _v, _kind in rows if part == "run"), None)
    found = sorted((key, version) for part, key, version, _kind in rows if part == "lists")
    last = next(version for part, _key, version, _kind in rows if part == "members")
    register = any(part == "lists" and kind == ListKind.REGISTER for part, _k, _v, kind in rows)
    return (
        {
            "lists": {"model": MODEL_VERSION, "lists": {str(k): v for k, v in found}},
            "members": {"model": MODEL_VERSION, "members": last},
        },
        register,
        None if drawn is None else int(drawn),
    )


@lru_cache(maxsize=2)
def _sources_query(run_id: bool = False) -> Any:
    """`_sources`' statement, built once (building it cost a third of its CPU); `run_id`:
    with a row ("run", the next screening run id) (PostgreSQL)."""
    lists = select(
        literal("lists").label("part"),
        ReferenceList.id.label("key"),
        ReferenceList.version,
        ReferenceList.kind,
    ).where(ReferenceList.active)
    members = select(
        literal("members"),
        literal(None, Integer),
        func.max(Import.id),
        literal(None, ReferenceList.kind.type),
    ).where(Import.kind == "members")
    if not run_id:
        return union_all(lists, members)
    sequence = func.pg_get_serial_sequence(ScreeningRun.__tablename__, "id")
    run = select(
        literal("run"), func.nextval(sequence), literal(None, Integer), literal(None, String)
    )
    return union_all(lists, members, run)


@lru_cache(maxsize=8)
def _review_threshold(_raw: str | None) -> float:
    """The settings' review threshold, by the variable it is read from (get_settings() also
    resolves the data directory on the file system: ~0.1 ms a submission)."""
    return get_settings().review_threshold


def _directory(session: Session) -> Path:
    # get_settings() resolves the data directory on the file system: ~0.1 ms, three times a
    # submission; what it depends on is the key here
    data_dir = os.environ.get("VETLINE_DATA_DIR", "vetline-data")
    return _directory_of(session.get_bind().engine.url, data_dir, os.getcwd())


@lru_cache(maxsize=64)
def _directory_of(url: Any, _data_dir: str, _cwd: str) -> Path:
    key = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:12]
    return get_settings().data_dir / "index" / key


def _reference_frame(session: Session, part: str) -> pd.DataFrame:
    """Every active list entry (with its list) or every member, as the batch screens them."""
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
        return frame
    return person_frame("m", plain_rows(session, person_select(Member)))


def _build(session: Session, folder: Path, part: str) -> tuple[dict[str, Any], Any]:
    """Build a fresh stored index of `part` in a new sub-folder of `folder`; load it."""
    from vetline.matching.lookup import SingleIndex

    source, build = _write_build(session, folder, part)
    return source, SingleIndex.load(build)


def _write_build(session: Session, folder: Path, part: str) -> tuple[dict[str, Any], Path]:
    """Build a stored index of `part` in a new sub-folder of `folder` and point CURRENT at it."""
    from vetline.matching.index import ReferenceIndex

    source = _source(session, part)
    frame = _reference_frame(session, part)
    if part == "members":
        # members added later have higher ids: the delta starts after this one
        ids = [int(i[1:]) for i in frame["id"]]
        source["max_id"] = max(ids, default=0)
    build = folder / uuid.uuid4().hex[:12]
    ReferenceIndex.build(frame, build).close()
    (build / "state.json").write_text(json.dumps(source, sort_keys=True), "utf-8")
    pointer = folder / f"CURRENT.{build.name}"
    pointer.write_text(build.name, "utf-8")
    os.replace(pointer, folder / "CURRENT")
    for old in folder.iterdir():  # earlier complete builds: loaded copies live in memory
        if old.is_dir() and old != build and (old / "state.json").exists():
            shutil.rmtree(old, ignore_errors=True)
        elif old.name in ("index.duckdb", "index.duckdb.wal", "index.json", "state.json"):
            old.unlink(missing_ok=True)  # the single-folder layout of earlier versions
    return source, build


def _build_in_child(url: str, folder: str, part: str) -> None:
    """A rebuild in its own process at low priority: normalising a million records holds the
    GIL for seconds at a time, which would stall the requests of the serving process."""
    from sqlalchemy import create_engine

    os.nice(10)
    engine = create_engine(url)
    try:
        with Session(engine) as session:
            _write_build(session, Path(folder), part)
    finally:
        engine.dispose()


def _stored(folder: Path) -> tuple[dict[str, Any], Any] | None:
    """The newest complete build under `folder`, if any."""
    from vetline.matching.lookup import SingleIndex

    try:
        build = folder / (folder / "CURRENT").read_text("utf-8").strip()
        source = json.loads((build / "state.json").read_text("utf-8"))
        return source, SingleIndex.load(build)
    except (OSError, ValueError):
        return None


def _same(base: dict[str, Any], now: dict[str, Any]) -> bool:
    return {k: v for k, v in base.items() if k != "max_id"} == now


def _delta(session: Session, part: str, base: dict[str, Any], now: dict[str, Any]) -> Any:
    """What changed in `part` since the index built from `base`: added, changed, removed."""
    from vetline.matching.lookup import Delta

    if part == "members":
        changed = select(RecordChange.entity_id).where(
            RecordChange.entity == "member", RecordChange.import_id > (base["members"] or 0)
        )
        rows = plain_rows(
            session,
            person_select(Member).where(or_(Member.id > base["max_id"], Member.id.in_(changed))),
        )
        # a changed member is taken off the index and screened as it is now
        return Delta(person_frame("m", rows), removed_ids=frozenset(f"m{r.id}" for r in rows))
    old, new = base["lists"], now["lists"]
    added: list[Any] = []
    removed: set[str] = set()
    for list_id, version in new.items():
        query = person_select(
            ReferenceEntry, ReferenceEntry.list_id, ReferenceEntry.removed_in_version
        ).where(ReferenceEntry.list_id == int(list_id))
        if list_id not in old:  # a new (or re-activated) list: all of it
            query = query.where(ReferenceEntry.removed_in_version.is_(None))
        elif version != old[list_id]:
            since = old[list_id]
            query = query.where(
                or_(
                    ReferenceEntry.changed_in_version > since,
                    ReferenceEntry.removed_in_version > since,
                )
            )
        else:
            continue
        rows = plain_rows(session, query)
        removed |= {f"e{r.id}" for r in rows}
        added += [r for r in rows if r.removed_in_version is None]
    frame = person_frame("e", added)
    frame["list"] = [str(e.list_id) for e in added]
    gone = frozenset(k for k in old if k not in new)
    return Delta(frame, removed_ids=frozenset(removed), removed_lists=gone)


def reference_index(session: Session, part: str, now: dict[str, Any] | None = None) -> Any:
    """The index of the active lists' entries (`lists`) or of the members (`members`) as they
    are now, held in memory (vetline.matching.lookup.SingleIndex).

    Two indexes, as the batch screens them in two calls: a name's frequency is counted among
    the records it is compared with. When a list or the membership changed since the index
    was built, the index is screened with a delta of what changed (the same hits), and a new
    index is built in the background; only the very first index is built while the
    caller waits. `now`: `_source(session, part)` if the caller has it. Call under `_SCREEN`.
    """
    folder = _directory(session) / part
    now = _source(session, part) if now is None else now
    key = str(folder)
    held = start = _OPEN.get(key)
    if held is not None and held.source == now:
        return held.view
    if held is None or held.base_source["model"] != now["model"]:
        loaded = _stored(folder)
        if loaded is None or loaded[0]["model"] != now["model"]:
            folder.mkdir(parents=True, exist_ok=True)
            loaded = _build(session, folder, part)
        held = _Held(loaded[0], loaded[1], loaded[0], loaded[1])
        _keep_out_of_gc()
    if _same(held.base_source, now):
        view = held.base
    else:
        view = held.base.with_delta(_delta(session, part, held.base_source, now))
        _rebuild_later(session, folder, part)
    with _LOCK:
        if _OPEN.get(key) in (None, start):  # not swapped by a finished rebuild meanwhile
            _OPEN[key] = _Held(held.base_source, held.base, now, view)
    return view


def _keep_out_of_gc() -> None:
    """Move everything alive now, the index just loaded included, out of the cyclic garbage
    collector's sight. The index holds millions of references (name arrays); each full
    collection walked them all, a 25-40 ms pause in whichever request triggered it (the case
    page's p99 in bench/bench_web.py). Reference counting still frees what is dropped."""
    gc.freeze()


def _rebuild_later(session: Session, folder: Path, part: str) -> None:
    """Build a fresh index in a child process (from a background thread); swap it in when
    it is ready."""
    key = str(folder)
    engine = session.get_bind().engine

    def run() -> None:
        try:
            url = engine.url
            if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
                with Session(engine) as own:  # a private in-memory database: build here
                    source, index = _build(own, folder, part)
            else:
                child = multiprocessing.get_context("spawn").Process(
                    target=_build_in_child,
                    args=(url.render_as_string(hide_password=False), str(folder), part),
                    daemon=True,
                )
                child.start()
                child.join()
                loaded = _stored(folder) if child.exitcode == 0 else None
                if loaded is None:
                    raise RuntimeError(f"index rebuild process exited with {child.exitcode}")
                source, index = loaded
            with _LOCK:
                # the next screening applies the delta since this build (if any)
                _OPEN[key] = _Held(source, index, {}, index)
            _keep_out_of_gc()
        except Exception:  # the delta keeps screening correctly; the next change retries
            log.exception("background rebuild of the %s index failed", part)
        finally:
            with _LOCK:
                _BUILDING.pop(key, None)

    with _LOCK:
        if key in _BUILDING:
            return
        thread = threading.Thread(target=run, name=f"vetline-index-{part}", daemon=True)
        _BUILDING[key] = thread
    thread.start()


def warm_up(session: Session) -> None:
    """Read (or build) both indexes into memory now, e.g. from a thread at server start, so
    the first submission does not wait seconds for a million-row index to load."""
    with _SCREEN:
        for part in ("lists", "members"):
            reference_index(session, part)
    _KNOWN[str(_directory(session))] = known_applications(session)
    _keep_out_of_gc()  # its million objects too


def wait_for_rebuilds(timeout: float | None = None) -> None:
    """Wait until background index rebuilds have finished (tests, orderly shutdown)."""
    with _LOCK:
        threads = list(_BUILDING.values())
    for thread in threads:
        thread.join(timeout)


@dataclass
class InstantSummary(ScreeningSummary):
    """A single application's screening, and what the rulebook step will ask next."""

    # an active electoral register list was loaded when it was screened (read with the
    # lists' versions: `decide_outcomes(register_checked=...)` need not ask again)
    register_checked: bool | None = None


def screen_one_application(
    session: Session,
    application: int | Application,
    *,
    actor: str = "system",
    threshold: float | None = None,
) -> InstantSummary:
    """Screen one stored application (its id, or the row the caller loaded in this
    transaction: not read again) now, in the caller's transaction; store its hits."""
    from vetline.matching import MODEL_VERSION
    from vetline.matching.single import screen_single

    if threshold is None:
        threshold = _review_threshold(os.environ.get("VETLINE_REVIEW_THRESHOLD"))
    app: Any = application
    if not isinstance(application, Application):
        rows = plain_rows(
            session,
            person_select(Application, Application.status).where(Application.id == application),
        )
        if not rows:
            raise NotFound(f"no application with id {application}")
        app = rows[0]
    sources, register_checked, run_id = _sources_and_register(session, run_id=True)
    with _SCREEN:
        indexes = {part: reference_index(session, part, sources[part]) for part in sources}
    run = ScreeningRun(
        id=run_id,
        started_at=utcnow(),  # set now: with a drawn id the row is written with its hits
        engine="index",
        model_version=MODEL_VERSION,
        review_threshold=threshold,
        trigger="instant",
        applications=1,
        actor=actor,
        # which index state screened it: records built at, and records changed since
        params={
            "index": {
                part: {
                    "built_at": index.meta.get("built_at"),
                    "rows": index.rows,
                    "delta_rows": index.delta_rows,
                }
                for part, index in indexes.items()
            }
        },
    )
    session.add(run)
    if run_id is None:
        session.flush()  # its id (SQLite); else the row goes with the next flush, complete
    summary = InstantSummary(run_id=run.id, applications=1, register_checked=register_checked)
    now = utcnow()
    hits: list[dict[str, Any]] = []
    record = {f: getattr(app, f) for f in PERSON_FIELDS}
    # the run's row waits for its hits count (record_screening): no autoflush before
    with session.no_autoflush:
        candidates = duplicate_candidates(session, app)
    by_id = {c.id: c for c in candidates}
    # lists, members and double sign-ups in one comparison (vetline.matching.lookup)
    *parts, doubles = screen_single(
        {"id": str(app.id), **record},
        list(indexes.values()),
        others=[{"id": str(c.id), **{f: getattr(c, f) for f in PERSON_FIELDS}} for c in candidates],
        threshold=threshold,
        known_features=_KNOWN.get(str(_directory(session))),
    )
    # (no itertuples over the usual empty frames: it costs more than the rest of this loop)
    found_rows = [row for part in parts if len(part) for row in part.itertuples(index=False)]
    entry_ids = [int(r.right_id[1:]) for r in found_rows if str(r.right_id).startswith("e")]
    member_ids = [int(r.right_id[1:]) for r in found_rows if str(r.right_id).startswith("m")]
    entries = {}
    if entry_ids:  # most applicants match no list entry and no member: no query then
        entries = {
            e.id: e
            for e in session.connection().execute(
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
    members: dict[int, str] = {}
    if member_ids:
        members = dict(
            session.connection()
            .execute(select(Member.id, Member.content_hash).where(Member.id.in_(member_ids)))
            .all()
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
    for row in doubles.itertuples(index=False) if len(doubles) else ():
        other = int(row.right_id)  # the applicant is the left record of every pair
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
    record_screening(session, run, summary, [app], hits, now)
    return summary
