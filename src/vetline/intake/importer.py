"""Import applications, members and reference lists: atomic, idempotent, with recorded updates.

The caller owns the transaction (use `vetline.db.session_scope()`, which commits on success).
Rows are validated and written in chunks as the file streams; on any error the session is
rolled back, so a failed import leaves nothing behind. Importing the same file twice changes
nothing (an `Import` row with zero changes records the attempt); a changed row is an update
with its before/after in `RecordChange`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vetline.db.base import utcnow
from vetline.db.inserted import insert_loaded
from vetline.db.people import (
    Application,
    ApplicationStatus,
    Import,
    ListKind,
    Member,
    ReferenceEntry,
    ReferenceList,
)
from vetline.errors import Conflict, InputError
from vetline.intake import detect, records
from vetline.intake.csvfile import CsvFile
from vetline.intake.decided import keep_decided_exclusions
from vetline.intake.parse import parse
from vetline.intake.upsert import Upserter

PRELOAD_ABOVE = 20_000  # lines: above this, load every existing key and hash in one query

Progress = Callable[[int, int], None]
"""Called with (rows done, estimated total rows) as the import advances."""


@dataclass(frozen=True)
class ImportSummary:
    kind: str
    file: str
    file_format: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    removed: int
    list_name: str | None
    list_version: int | None
    import_id: int
    seconds: float
    # members only: rows that would have undone an exclusion people decided in vetline
    kept_exclusions: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def import_applications(
    session: Session,
    path: str | Path,
    *,
    actor: str | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
) -> ImportSummary:
    """Import a surge of applications (person CSV + applied_at, source, ...).

    `file_name` names the file in errors and the import record (an upload's original name).
    """
    return _import_people(session, Path(path), "applications", actor, progress, file_name)


def import_application(
    session: Session, csv: CsvFile, *, actor: str | None = None
) -> tuple[ImportSummary, Application]:
    """Import a one-record applications file (a single submission: `CsvFile.from_bytes`)
    exactly as `import_applications` imports a file, and give the application's row, loaded.

    A new application comes back from its INSERT; one already there (sent again, changed or
    not) is read after the import.
    """
    summary, up = _import_people_csv(session, csv, "applications", actor, None, returning=True)
    if len(up.keys) != 1:
        raise InputError(f"{csv.name}: one application at a time, not {len(up.keys)}")
    if up.inserted_rows:
        return summary, up.inserted_rows[0]
    row = session.scalars(select(Application).where(Application.external_id == up.keys[0]))
    return summary, row.one()


def import_members(
    session: Session,
    path: str | Path,
    *,
    actor: str | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
) -> ImportSummary:
    """Import the existing membership (person CSV + joined_at, status, category, ...)."""
    return _import_people(session, Path(path), "members", actor, progress, file_name)


_PEOPLE: dict[str, tuple[Any, tuple[str, ...], Callable[[Any], dict[str, Any]], dict[str, Any]]] = {
    "applications": (
        Application,
        records.APPLICATION_FIELDS,
        records.application_record,
        {"status": ApplicationStatus.RECEIVED},
    ),
    "members": (Member, records.MEMBER_FIELDS, records.member_record, {}),
}


@contextmanager
def _atomic(session: Session, name: str) -> Iterator[None]:
    """All or nothing: any error rolls the session back before it propagates."""
    try:
        yield
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(
            f"{name}: another import wrote the same records at the same time; "
            "nothing was imported, try again"
        ) from exc
    except BaseException:
        session.rollback()
        raise


def _import_people(
    session: Session,
    path: Path,
    kind: str,
    actor: str | None,
    progress: Progress | None,
    file_name: str | None,
) -> ImportSummary:
    csv = CsvFile(path, name=file_name)
    return _import_people_csv(session, csv, kind, actor, progress)[0]


def _import_people_csv(
    session: Session,
    csv: CsvFile,
    kind: str,
    actor: str | None,
    progress: Progress | None,
    *,
    returning: bool = False,
) -> tuple[ImportSummary, Upserter]:
    started = time.perf_counter()
    fmt = detect.APPLICATIONS if kind == "applications" else detect.MEMBERS
    now = utcnow()
    model, fields, to_record, new_values = _PEOPLE[kind]
    with _atomic(session, csv.name):
        imp = _start(session, kind, fmt.name, csv, actor, None, now)
        up = Upserter(
            session,
            model,
            fields,
            entity=kind.removesuffix("s"),
            import_id=lambda: _import_id(session, imp),
            now=now,
            insert_values={**new_values, "created_at": now, "updated_at": now},
            update_values={"updated_at": now},
            preload=csv.info.lines > PRELOAD_ABOVE,
            returning=returning,
        )
        n = _feed(csv, fmt, up, lambda p: to_record(p.row), lambda r: r.id, "id", progress)
        if returning and n == 1:  # a submission: new, its import's record in the same INSERT
            imp = _with_one_new(session, imp, up)
        up.flush()
        kept = (
            keep_decided_exclusions(
                session, _import_id(session, imp), actor=actor or "import", now=now
            )
            if kind == "members"
            else 0
        )
        summary = _finish(session, imp, csv, fmt.name, kind, n, up, None, started)
        return replace(summary, kept_exclusions=kept), up


def import_reference(
    session: Session,
    path: str | Path,
    *,
    list_name: str,
    kind: str,
    source: str | None = None,
    licence: str | None = None,
    actor: str | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
) -> ImportSummary:
    """Import a reference list (person CSV, Democracy Club CSV or register, by header).

    A file is the whole list: entries missing from it are marked removed in the new version.
    Each import that changes anything bumps the list's version; entries carry the version
    they were added, last changed and removed in, for incremental re-screening.
    """
    started = time.perf_counter()
    if kind not in ListKind.ALL:
        raise InputError(f"list kind {kind!r} is not one of: {', '.join(ListKind.ALL)}")
    if not list_name.strip():
        raise InputError("a reference list needs a name (--list)")
    csv = CsvFile(path, name=file_name)
    fmt = detect.detect_reference(csv)
    if fmt is detect.DEMOCRACY_CLUB and kind != ListKind.CANDIDATES:
        raise InputError(f"{csv.name} is a Democracy Club candidates file: use --kind candidates")
    if fmt is detect.REGISTER and kind != ListKind.REGISTER:
        raise InputError(f"{csv.name} is an electoral register extract: use --kind register")
    now = utcnow()
    with _atomic(session, csv.name):
        ref = session.scalars(
            select(ReferenceList).where(ReferenceList.name == list_name).with_for_update()
        ).one_or_none()
        if ref is None:
            ref = ReferenceList(name=list_name, kind=kind, version=0, active=True, imported_at=now)
            session.add(ref)
            session.flush()
        elif ref.kind != kind:
            raise InputError(f"list {list_name!r} is a {ref.kind} list, not {kind}")
        if source is not None:
            ref.source = source
        if licence is not None:
            ref.licence = licence
        version = ref.version + 1
        imp = _start(session, "reference", fmt.name, csv, actor, ref.id, now)
        up = Upserter(
            session,
            ReferenceEntry,
            records.ENTRY_FIELDS,
            entity="reference_entry",
            import_id=lambda: _import_id(session, imp),
            now=now,
            where=ReferenceEntry.list_id == ref.id,
            scope={"list_id": ref.id},
            insert_values={"added_in_version": version, "changed_in_version": version},
            update_values={"changed_in_version": version},
            track_removed=True,
        )
        to_entry, key, key_field = records.entry_builder(fmt)
        n = _feed(csv, fmt, up, to_entry, key, key_field, progress)
        up.flush()
        up.mark_removed(version)
        if up.changed:
            ref.version = version
            ref.imported_at = now
        return _finish(session, imp, csv, fmt.name, "reference", n, up, ref, started)


def _feed(
    csv: CsvFile,
    fmt: detect.Format,
    up: Upserter,
    to_record: Callable[[Any], dict[str, Any]],
    key: Callable[[Any], str],
    key_field: str,
    progress: Progress | None,
) -> int:
    total = max(csv.info.lines - 1, 1)
    n = 0
    for parsed in parse(csv, fmt, key, key_field):
        up.add(parsed.key, to_record(parsed))
        n += 1
        if progress is not None and n % 2000 == 0:
            progress(n, max(total, n))
    if progress is not None:
        progress(n, n)
    return n


def _start(
    session: Session,
    kind: str,
    fmt: str,
    csv: CsvFile,
    actor: str | None,
    list_id: int | None,
    now: datetime,
) -> Import:
    """The import's record, written when its id is first needed or with its counts at the end
    (one INSERT for the usual import, not an INSERT and an UPDATE)."""
    imp = Import(
        kind=kind,
        file_format=fmt,
        file_name=csv.name[:500],
        file_sha256=csv.info.sha256,
        list_id=list_id,
        actor=actor,
        rows=0,
        inserted=0,
        updated=0,
        unchanged=0,
        removed=0,
        imported_at=now,  # when it started, as if written first
    )
    session.add(imp)
    return imp


def _with_one_new(session: Session, imp: Import, up: Upserter) -> Import:
    """If the one record pending in `up` is new, insert it and the import's record (its
    counts: one row, inserted) in one statement and give that record, loaded; else (sent
    again, or not PostgreSQL) nothing is written and `imp` stays as it was."""
    if imp.id is not None:
        return imp
    values = _import_values(imp) | {"rows": 1, "inserted": 1}
    stored = up.insert_new_one((Import, values))
    if stored is None:
        return imp
    session.expunge(imp)
    return cast(Import, stored)


def _import_values(imp: Import) -> dict[str, Any]:
    """The import's record as column values (all but its id), for an INSERT of its own."""
    return {c.key: getattr(imp, c.key) for c in Import.__table__.columns if c.key != "id"}


def _import_id(session: Session, imp: Import) -> int:
    if imp.id is None:
        session.flush()
    return imp.id


def _finish(
    session: Session,
    imp: Import,
    csv: CsvFile,
    fmt: str,
    kind: str,
    rows: int,
    up: Upserter,
    ref: ReferenceList | None,
    started: float,
) -> ImportSummary:
    counts = {
        "rows": rows,
        "inserted": up.inserted,
        "updated": up.updated,
        "unchanged": up.unchanged,
        "removed": up.removed,
        "list_version": ref.version if ref is not None else None,
    }
    for name, value in counts.items():
        if getattr(imp, name) != value:  # (a record stored with its counts stays clean)
            setattr(imp, name, value)
    if imp.id is None:  # nothing needed its id: one INSERT with the counts (no flush for it)
        session.expunge(imp)
        imp = insert_loaded(session, Import, [_import_values(imp)])[0]
    if session.new or session.dirty or session.deleted:
        session.flush()
    return ImportSummary(
        kind=kind,
        file=csv.name,
        file_format=fmt,
        rows=rows,
        inserted=up.inserted,
        updated=up.updated,
        unchanged=up.unchanged,
        removed=up.removed,
        list_name=ref.name if ref is not None else None,
        list_version=imp.list_version,
        import_id=imp.id,
        seconds=round(time.perf_counter() - started, 3),
    )
