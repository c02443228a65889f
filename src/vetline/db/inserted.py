"""Rows a transaction inserted itself: nobody else can see or change them before it commits.

The submit path inserts an application and screens it in one transaction; what it then knows
about the row (its status, that no case or hit of anyone else's is on it) it need not ask
the database again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import bindparam, exists, insert, inspect, select, true, update
from sqlalchemy.orm import Session, make_transient, make_transient_to_detached

T = TypeVar("T")
U = TypeVar("U")

_KEY = "vetline.inserted"


def note_inserted(session: Session, rows: Iterable[object]) -> None:
    """Remember ORM rows (persistent, from an INSERT) as inserted by the current transaction."""
    txn = session.get_transaction()
    held = session.info.get(_KEY)
    if held is None or held[0] is not txn:
        held = (txn, set())
        session.info[_KEY] = held
    held[1].update(inspect(row).identity_key for row in rows)


def inserted_here(session: Session, row: object) -> bool:
    """Whether the current transaction inserted this ORM row (see `note_inserted`)."""
    held = session.info.get(_KEY)
    if held is None or held[0] is not session.get_transaction():
        return False
    state = inspect(row, raiseerr=False)
    return state is not None and state.identity_key in held[1]


_PLANS: dict[type[Any], tuple[Any, Any, tuple[str, ...], Any]] = {}


def _insert_plan(model: type[Any]) -> tuple[Any, Any, tuple[str, ...], Any]:
    """INSERT ... RETURNING every column (one row; several, in the rows' order), the
    attribute names of the columns in that order, the mapper: built once per model."""
    plan = _PLANS.get(model)
    if plan is not None:
        return plan
    table = model.__table__
    mapper = inspect(model)
    keys = tuple(mapper.get_property_by_column(column).key for column in table.columns)
    one = insert(table).returning(*table.columns)
    many = insert(table).returning(*table.columns, sort_by_parameter_order=True)
    _PLANS[model] = plan = (one, many, keys, mapper)
    return plan


def insert_loaded(
    session: Session,
    model: type[T],
    rows: Sequence[dict[str, Any]],
    *,
    with_pending: bool = False,
) -> list[T]:
    """INSERT `rows` (each with the same keys) RETURNING every column, in the caller's
    transaction, and give them as ORM rows in the session, loaded and noted as inserted here.

    Core with RETURNING and rows built from what came back: the same rows as the ORM's bulk
    INSERT ... RETURNING would give, for a fraction of its cost on one row; no autoflush.
    `with_pending` (one row, PostgreSQL): the rows added to the session and not flushed yet
    go in the same statement when each can be written as it is (`_pending_rows`), instead of
    a flush of their own later.
    """
    if not rows:
        return []
    if with_pending and len(rows) == 1:
        pending = _pending_rows(session)
        if pending:
            return [_insert_with_pending(session, model, rows[0], pending)]
    one, many, _keys, _mapper = _insert_plan(model)
    connection = session.connection()
    if len(rows) == 1:  # a plain execute: no insertmanyvalues batching to order
        returned = connection.execute(one, rows[0])
    else:
        returned = connection.execute(many, list(rows))
    out = [_loaded(session, model, got) for got in returned]
    note_inserted(session, out)
    return out


def _pending_rows(session: Session) -> list[tuple[bool, object, dict[str, Any]]]:
    """What the session waits to write, if all of it can go in plain statements now
    (PostgreSQL): (new?, row, values) for each new row (its primary key set, no relationship
    to fill in, no column left to a default: all its columns) and each changed row this
    transaction inserted (the changed columns). Else nothing (the flush writes it all)."""
    if session.deleted or session.get_bind().dialect.name != "postgresql":
        return []
    out: list[tuple[bool, object, dict[str, Any]]] = []
    for row in session.new:
        state = inspect(row)
        _one, _many, keys, mapper = _insert_plan(type(row))
        if mapper.relationships:
            return []
        values = {}
        for column, key in zip(mapper.local_table.columns, keys, strict=True):
            value = state.dict.get(key)
            if value is None and (
                column.primary_key or column.default is not None or column.server_default
            ):
                return []
            values[column.key] = value
        out.append((True, row, values))
    for row in session.dirty:
        changed = _changed_columns(row)
        if not changed or not inserted_here(session, row):
            return []
        out.append((False, row, changed))
    return out


def _changed_columns(row: object) -> dict[str, Any] | None:
    """Column -> new value of what changed on a loaded row; None if anything else did."""
    state = inspect(row)
    _one, _many, keys, mapper = _insert_plan(type(row))
    by_key = dict(zip(keys, mapper.local_table.columns, strict=True))
    if mapper.relationships or not set(state.committed_state) <= set(by_key):
        return None
    return {by_key[k].key: state.dict[k] for k in state.committed_state}


_WITH_PENDING: dict[tuple[Any, ...], Any] = {}


def _insert_with_pending(
    session: Session,
    model: type[T],
    row: dict[str, Any],
    pending: list[tuple[bool, object, dict[str, Any]]],
) -> T:
    """`insert_loaded` of one row, the pending rows inserted and the changed ones updated by
    the same statement (one data-modifying WITH each), then kept in the session as after a
    flush: persistent, nothing pending."""
    shape = (model, tuple(row), *((new, type(r), tuple(v)) for new, r, v in pending))
    statement = _WITH_PENDING.get(shape)
    if statement is None:
        table = model.__table__  # type: ignore[attr-defined]
        statement = (
            insert(table)
            .values({n: bindparam(f"r_{n}", type_=table.c[n].type) for n in row})
            .returning(*table.columns)
        )
        for i, (new, other, values) in enumerate(pending):
            mapper = inspect(type(other))
            columns = mapper.local_table.c
            set_values = {n: bindparam(f"p{i}_{n}", type_=columns[n].type) for n in values}
            if new:
                also: Any = insert(mapper.local_table).values(set_values)
            else:
                (pk,) = mapper.primary_key
                also = (
                    update(mapper.local_table)
                    .where(pk == bindparam(f"p{i}_pk", type_=pk.type))
                    .values(set_values)
                )
            statement = statement.add_cte(also.cte(f"pending_{i}"))
        _WITH_PENDING[shape] = statement
    params = {f"r_{n}": v for n, v in row.items()}
    for i, (new, other, values) in enumerate(pending):
        params |= {f"p{i}_{n}": v for n, v in values.items()}
        if not new:
            params[f"p{i}_pk"] = inspect(other).identity[0]
    got = session.connection().execute(statement, params).one()
    for new, other, _values in pending:
        if new:
            session.expunge(other)  # pending -> transient
        else:
            make_transient(other)  # written: every attribute as it is now is committed
        make_transient_to_detached(other)  # then as if loaded
        session.add(other)
    inserted: T = _loaded(session, model, got)
    note_inserted(session, [inserted])
    return inserted


def _loaded(session: Session, model: type[Any], values: Sequence[Any]) -> Any:
    """An ORM row of `model` from its columns' values in table order, in the session, as if
    loaded (no constructor, no change events, no pending changes)."""
    _one, _many, keys, mapper = _insert_plan(model)
    row = mapper.class_manager.new_instance()
    row.__dict__.update(zip(keys, values, strict=True))
    make_transient_to_detached(row)
    session.add(row)
    return row


_NEW_PLANS: dict[tuple[Any, ...], Any] = {}


def _new_plan(
    model: type[Any],
    key: str,
    names: tuple[str, ...],
    along: type[Any],
    along_names: tuple[str, ...],
) -> Any:
    """INSERT a row of `model` unless its `key` is taken, and a row of `along` only if it was
    inserted, RETURNING both rows' columns: one statement (PostgreSQL), built once."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    plan_key = (model, key, names, along, along_names)
    statement = _NEW_PLANS.get(plan_key)
    if statement is not None:
        return statement
    table, other = model.__table__, along.__table__
    new = (
        pg_insert(table)
        .values({n: bindparam(f"r_{n}", type_=table.c[n].type) for n in names})
        .on_conflict_do_nothing(index_elements=[key])
        .returning(*table.columns)
        .cte("new_row")
    )
    with_it = select(*(bindparam(f"a_{n}", type_=other.c[n].type) for n in along_names)).where(
        exists(select(new.c[key]))
    )
    also = (
        insert(other)
        .from_select(list(along_names), with_it)
        .returning(*other.columns)
        .cte("along_row")
    )
    statement = select(*new.c, *also.c).select_from(new.join(also, true()))  # one row, or none
    _NEW_PLANS[plan_key] = statement
    return statement


def insert_new_loaded(
    session: Session,
    model: type[T],
    row: dict[str, Any],
    key: str,
    *,
    along: tuple[type[U], dict[str, Any]],
) -> tuple[T, U] | None:
    """PostgreSQL: INSERT one row unless its unique `key` column is taken already (then
    nothing at all, None) and with it a row of another table (`along`: its model, its
    values), both RETURNING every column and given loaded as `insert_loaded` gives them:
    one statement where a look-up and two INSERTs would be three."""
    other, values = along
    names, along_names = tuple(row), tuple(values)
    statement = _new_plan(model, key, names, other, along_names)
    params = {f"r_{n}": v for n, v in row.items()} | {f"a_{n}": v for n, v in values.items()}
    got = session.connection().execute(statement, params).first()
    if got is None:
        return None
    width = len(model.__table__.columns)  # type: ignore[attr-defined]
    inserted: T = _loaded(session, model, got[:width])
    with_it: U = _loaded(session, other, got[width:])
    note_inserted(session, [inserted, with_it])
    return inserted, with_it


def insert_pending(session: Session, row: object) -> None:
    """INSERT a row added to the session but not flushed (its primary key set) with Core: no
    unit of work for one row. It stays in the session, persistent and clean, as after a flush.

    The columns' values are taken as the flush would take them: one left unset or None whose
    column has a default gets the default.
    """
    state = inspect(row)
    _one, _many, keys, mapper = _insert_plan(type(row))
    table = mapper.local_table
    values = {}
    for column, key in zip(table.columns, keys, strict=True):
        value = state.dict.get(key)
        if value is not None or (column.default is None and column.server_default is None):
            values[column.key] = value
    session.expunge(row)  # pending -> transient
    session.connection().execute(insert(table), values)
    make_transient_to_detached(row)
    session.add(row)


def update_inserted(session: Session, row: object) -> bool:
    """Write what changed on a row this transaction inserted (`inserted_here`) with a Core
    UPDATE of those columns: no unit of work for one row. It stays in the session,
    persistent and clean, as after a flush. False (nothing written) if nothing changed."""
    state = inspect(row)
    _one, _many, _keys, mapper = _insert_plan(type(row))
    table = mapper.local_table
    changed = _changed_columns(row)
    if not changed:
        return False  # nothing, or something that is not a column: the flush's to write
    (pk,) = mapper.primary_key
    where = pk == state.dict[mapper.get_property_by_column(pk).key]
    session.connection().execute(update(table).where(where).values(changed))
    make_transient(row)  # -> transient, then detached with every attribute committed
    make_transient_to_detached(row)
    session.add(row)
    return True
