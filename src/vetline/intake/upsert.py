"""Bulk upsert keyed on the sender's id: insert new, update changed (recorded), skip unchanged.

Row-by-row ORM work cannot load 600,000 members in reasonable time, so we look up existing
keys and hashes a chunk at a time, then write in chunks with SQLAlchemy 2 bulk `insert()` /
`update()` (and COPY for new rows on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vetline.db.inserted import insert_loaded, insert_new_loaded
from vetline.db.people import RecordChange
from vetline.intake.records import content_hash, jsonable

CHUNK = 5000


@cache
def _by_keys(model: Any) -> Executable:
    """Existing (key, id, hash) of the given keys in `model`'s table."""
    return select(model.external_id, model.id, model.content_hash).where(
        model.external_id.in_(bindparam("keys", expanding=True))
    )


class Upserter:
    """Collects records for one table and writes them in chunks inside the caller's transaction.

    `insert_values` / `update_values` add the columns that are not content (versions, timestamps);
    `scope` adds a fixed column to every insert (a reference entry's list); `where` limits
    the lookup of existing records to that scope. `import_id` gives the import's id when a
    change record needs it (the import's row is written at its end when nothing asks sooner).
    `returning`: new rows are inserted with RETURNING and kept, loaded, in `inserted_rows` (a
    single submission answers from its row without reading it back); `keys` then lists
    every key added.
    """

    def __init__(
        self,
        session: Session,
        model: Any,
        fields: tuple[str, ...],
        *,
        entity: str,
        import_id: Callable[[], int],
        now: datetime,
        where: Any = None,
        scope: dict[str, Any] | None = None,
        insert_values: dict[str, Any] | None = None,
        update_values: dict[str, Any] | None = None,
        track_removed: bool = False,
        preload: bool = False,
        returning: bool = False,
    ) -> None:
        self.session, self.model, self.fields = session, model, fields
        self.entity, self.import_id, self.now = entity, import_id, now
        self.scope = scope or {}
        self.insert_values = insert_values or {}
        self.update_values = update_values or {}
        self.track_removed = track_removed
        self.where = where
        self.returning = returning
        self.inserted_rows: list[Any] = []
        self.keys: list[str] = []
        # Reference lists need every existing key up front (absent ones are removed), and one
        # query beats hundreds for a big file; a small file (a one-row upload) looks up only
        # its own keys, chunk by chunk.
        self.preload = preload or track_removed
        # external_id -> (id, content_hash, removed_in_version or None)
        self.existing: dict[str, tuple[int, str, int | None]] = {}
        if self.preload:
            self.existing = self._lookup(None)
        self.seen: set[str] = set()
        self._pending: list[tuple[str, dict[str, Any], str]] = []
        self.inserted = self.updated = self.unchanged = self.removed = 0

    def _lookup(self, keys: list[str] | None) -> dict[str, tuple[int, str, int | None]]:
        if keys is not None and self.where is None and not self.track_removed:
            # the usual small import (a submission): a statement built once per table
            query, params = _by_keys(self.model), {"keys": keys}
        else:
            model = self.model
            columns = [model.external_id, model.id, model.content_hash]
            if self.track_removed:
                columns.append(model.removed_in_version)
            query, params = select(*columns), {}
            if self.where is not None:
                query = query.where(self.where)
            if keys is not None:
                query = query.where(model.external_id.in_(keys))
        # Core on the session's connection: plain rows, and no autoflush of the import's row
        return {
            r[0]: (r[1], r[2], r[3] if self.track_removed else None)
            for r in self.session.connection().execute(query, params)
        }

    def add(self, key: str, record: dict[str, Any]) -> None:
        self._pending.append((key, record, content_hash(record, self.fields)))
        if self.returning:
            self.keys.append(key)
        if self.preload:
            self.seen.add(key)
        if len(self._pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Classify the pending records against the database and write them."""
        if not self._pending:
            return
        existing = (
            self.existing if self.preload else self._lookup([k for k, _r, _d in self._pending])
        )
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[int, dict[str, Any], int | None]] = []
        for key, record, digest in self._pending:
            old = existing.get(key)
            if old is None:
                row = {"external_id": key, "content_hash": digest, **self.scope, **record}
                inserts.append(row | self.insert_values)
            elif old[1] != digest or old[2] is not None:
                updates.append((old[0], record | {"content_hash": digest}, old[2]))
            else:
                self.unchanged += 1
        self._pending = []
        if inserts:
            if self.returning:
                self.inserted_rows += insert_loaded(self.session, self.model, inserts)
            elif self.session.get_bind().dialect.name == "postgresql":
                self._copy(inserts)
            else:
                self.session.execute(insert(self.model), inserts)
            self.inserted += len(inserts)
        if updates:
            self._write_updates(updates)
            self.updated += len(updates)

    def insert_new_one(self, along: tuple[Any, dict[str, Any]]) -> Any | None:
        """The one pending record (with `returning`, on PostgreSQL: a submission, mostly
        new): insert it unless its key is taken, and with it a row of another table (`along`:
        its model and values; the import's record), in one statement. Gives that other row
        if the record was new; None (nothing written) if it is not, or this does not apply:
        `flush` then looks it up and classifies it as usual (sent again: unchanged, or changed
        and recorded)."""
        if not (
            self.returning
            and len(self._pending) == 1
            and not self.preload
            and self.where is None
            and not self.scope
            and self.session.get_bind().dialect.name == "postgresql"
        ):
            return None
        key, record, digest = self._pending[0]
        row = {"external_id": key, "content_hash": digest, **record} | self.insert_values
        both = insert_new_loaded(self.session, self.model, row, "external_id", along=along)
        if both is None:
            return None
        self._pending = []
        self.inserted_rows.append(both[0])
        self.inserted += 1
        return both[1]

    def _copy(self, rows: list[dict[str, Any]]) -> None:
        """PostgreSQL: COPY the new rows in, inside the session's transaction.

        Several times faster than multi-row INSERT for 600,000 members. Every row carries the
        same keys (the record, the scope, the insert values), so one column list fits all.
        """
        import psycopg  # the PostgreSQL path only: psycopg is the 'postgres' extra

        columns = list(rows[0])
        table = self.model.__table__.name
        statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
        driver: Any = self.session.connection().connection.driver_connection
        try:
            with driver.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(
                        [
                            json.dumps(value, ensure_ascii=False)
                            if isinstance(value := row[c], dict)
                            else value
                            for c in columns
                        ]
                    )
        except psycopg.errors.IntegrityError as exc:  # same meaning as through SQLAlchemy
            raise IntegrityError(statement, None, exc) from exc

    def _write_updates(self, updates: list[tuple[int, dict[str, Any], int | None]]) -> None:
        ids = [u[0] for u in updates]
        cols = [getattr(self.model, f) for f in self.fields]
        before = {
            r[0]: dict(zip(self.fields, r[1:], strict=True))
            for r in self.session.execute(
                select(self.model.id, *cols).where(self.model.id.in_(ids))
            )
        }
        changes = []
        rows = []
        import_id = self.import_id()
        for pk, record, removed_in in updates:
            old = before[pk]
            diff = [f for f in self.fields if jsonable(old[f]) != jsonable(record[f])]
            b = {f: jsonable(old[f]) for f in diff}
            a = {f: jsonable(record[f]) for f in diff}
            if removed_in is not None:  # back on the list after leaving it
                b["removed_in_version"], a["removed_in_version"] = removed_in, None
            changes.append(
                {
                    "import_id": import_id,
                    "entity": self.entity,
                    "entity_id": pk,
                    "before": b,
                    "after": a,
                    "changed_at": self.now,
                }
            )
            extra = dict(self.update_values)
            if self.track_removed:
                extra["removed_in_version"] = None
            rows.append({"id": pk, **record, **extra})
        self.session.execute(update(self.model), rows)
        self.session.execute(insert(RecordChange), changes)

    def mark_removed(self, version: int) -> None:
        """Entries on the list before but absent from this file leave it in `version`."""
        gone = [
            pk
            for key, (pk, _h, removed) in self.existing.items()
            if removed is None and key not in self.seen
        ]
        for i in range(0, len(gone), CHUNK):
            chunk = gone[i : i + CHUNK]
            self.session.execute(
                update(self.model)
                .where(self.model.id.in_(chunk))
                .values(removed_in_version=version)
            )
        self.removed = len(gone)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.removed)
