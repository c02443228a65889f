"""The double sign-up candidates of one application: the indexed look-up (migration 0010, key
constants as SQL text) finds exactly the applications the look-up before it found, and those
the rules name, on both dialects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, or_, text
from sqlalchemy.orm import Session

from vetline.db import get_engine
from vetline.db.people import Application, trimmed
from vetline.double_signups import (
    MAX_DUPLICATE_CANDIDATES,
    _duplicate_query,
    duplicate_candidates,
)
from vetline.screening import person_select

# few values each, spelt several ways (case, spaces), so applications share keys often
FIRST = ["Ann", "ann ", " ANN", "Anne", "Bob", "bob", "Smith", "Jo Ann", "", None, "Émile"]
LAST = ["Smith", "smith ", " SMITH", "Jones", "jones", "Ann", "anne", "", None, "Łukasz"]
DOB = [date(1980, 1, 1), date(1990, 5, 5), None]
EMAIL = ["a@x.org", "A@X.org", "b@y.com", "", None]
PHONE = ["07000", "07000 ", "08000", None]
POSTCODE = ["LS7 5ZT", "ls75zt", " LS7  5ZT", "M1 1AA", "m11aa", "", None]

person = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(FIRST),
        "last_name": st.sampled_from(LAST),
        "date_of_birth": st.sampled_from(DOB),
        "email": st.sampled_from(EMAIL),
        "phone": st.sampled_from(PHONE),
        "postcode": st.sampled_from(POSTCODE),
    }
)


def _old_candidates(session: Session, app: Any) -> set[int]:
    """The look-up as it was before migration 0010 (a statement built per call, the
    constants bound as values), kept here to compare with."""
    first, last = (app.first_name or "").strip().lower(), (app.last_name or "").strip().lower()
    keys: list[Any] = []
    initial = func.lower(func.substr(trimmed(Application.first_name), 1, 1)) == first[:1]
    if app.date_of_birth is not None:
        keys.append(Application.date_of_birth == app.date_of_birth)
    if app.email:
        keys.append(func.lower(Application.email) == app.email.strip().lower())
    if app.phone:
        keys.append(Application.phone == app.phone)
    if last and first:
        keys.append((func.lower(trimmed(Application.last_name)) == last) & initial)
        keys.append(
            (func.lower(trimmed(Application.first_name)) == last)
            & (func.lower(trimmed(Application.last_name)) == first)
        )
    if app.postcode and first:
        normalised = func.replace(func.upper(Application.postcode), " ", "")
        keys.append((normalised == app.postcode.replace(" ", "").upper()) & initial)
    if not keys:
        return set()
    query = (
        person_select(Application)
        .where(Application.id != app.id, or_(*keys))
        .limit(MAX_DUPLICATE_CANDIDATES)
    )
    return {row.id for row in session.execute(query)}


def _rules(app: Any, other: Any) -> bool:
    """The keys in Python (ASCII values: lower() and trim() agree with both databases')."""
    if other.id == app.id:
        return False

    def lower_trim(v: str | None) -> str | None:
        return None if v is None else v.strip(" ").lower()

    first, last = (app.first_name or "").strip().lower(), (app.last_name or "").strip().lower()
    o_first, o_last = lower_trim(other.first_name), lower_trim(other.last_name)
    same_initial = o_first is not None and o_first[:1] == first[:1]
    postcode = app.postcode.replace(" ", "").upper() if app.postcode else None
    return bool(
        (app.date_of_birth is not None and other.date_of_birth == app.date_of_birth)
        or (app.email and (other.email or "\0").lower() == app.email.strip().lower())
        or (app.phone and other.phone == app.phone)
        or (last and first and o_last == last and same_initial)
        or (last and first and o_first == last and o_last == first)
        or (
            postcode
            and first
            and other.postcode is not None
            and other.postcode.upper().replace(" ", "") == postcode
            and same_initial
        )
    )


def _ascii(app: Any) -> bool:
    return all(
        v is None or not isinstance(v, str) or v.isascii()
        for v in (app.first_name, app.last_name, app.email, app.phone, app.postcode)
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=st.lists(person, min_size=1, max_size=30))
def test_candidates_equal_the_old_look_up_and_the_rules(
    session: Session, people: list[dict[str, Any]]
) -> None:
    try:
        apps = [
            Application(
                external_id=f"A{i}",
                applied_at=datetime(2024, 1, 1, tzinfo=UTC),
                content_hash=f"{i:064d}",
                **p,
            )
            for i, p in enumerate(people)
        ]
        session.add_all(apps)
        session.flush()
        for app in apps:
            found = [row.id for row in duplicate_candidates(session, app)]
            assert len(found) == len(set(found))
            assert set(found) == _old_candidates(session, app)
            if _ascii(app):  # the rules in Python, among the other ASCII applications
                plain = {o.id for o in apps if _ascii(o)}
                assert set(found) & plain == {
                    o.id for o in apps if o.id in plain and _rules(app, o)
                }
    finally:
        session.rollback()


def test_candidates_come_with_the_person_fields(session: Session) -> None:
    fields = {"first_name": "Ann", "last_name": "Smith", "postcode": "LS7 5ZT"}
    a = Application(external_id="A1", applied_at=datetime.now(UTC), content_hash="a", **fields)
    b = Application(
        external_id="A2",
        applied_at=datetime.now(UTC),
        content_hash="b",
        first_name=" anne",
        last_name="Jones",
        postcode="ls75zt",
        email="x@y.org",
        date_of_birth=date(1980, 1, 1),
    )
    session.add_all([a, b])
    session.flush()
    (row,) = duplicate_candidates(session, a)
    assert (row.id, row.content_hash, row.first_name, row.postcode, row.date_of_birth) == (
        b.id,
        "b",
        " anne",
        "ls75zt",
        date(1980, 1, 1),
    )
    assert row.email == "x@y.org" and row.address is None
    assert duplicate_candidates(session, Application(id=-1)) == []


INDEXES = (
    "ix_applications_date_of_birth",
    "ix_applications_email_key",
    "ix_applications_phone",
    "ix_applications_last_name_initial_key",
    "ix_applications_first_last_name_key",
    "ix_applications_postcode_initial_key",
)


@pytest.mark.postgres
def test_postgres_answers_every_key_from_an_index(pg_url: str) -> None:
    """Planned without the values (a prepared statement's generic plan) and with sequential
    scans ruled out, the look-up still needs no scan of the table: every key's expression is
    an index's, constants included."""
    engine = get_engine(pg_url)
    query = _duplicate_query((True,) * 5)
    sql = str(query.compile(dialect=engine.dialect))
    names = ["app_id", "dob", "email", "phone", "last", "initial", "first", "postcode", "param_1"]
    for name in names:
        sql = sql.replace(f"%({name})s", f"${names.index(name) + 1}")
    assert "%(" not in sql
    with engine.connect() as conn:
        conn.execute(text("SET plan_cache_mode = force_generic_plan"))
        conn.execute(text("SET enable_seqscan = off"))
        conn.exec_driver_sql(f"PREPARE dq AS {sql}")
        plan = conn.exec_driver_sql(
            "EXPLAIN EXECUTE dq(0, '1980-01-01', 'a@x.org', '07000', 'smith', 'a', 'ann',"
            " 'LS75ZT', 5000)"
        ).scalars()
        plan_text = "\n".join(plan)
        conn.rollback()
    assert "Seq Scan" not in plan_text, plan_text
    # (the swapped names may come from either name index: statistics decide)
    for index in set(INDEXES) - {"ix_applications_first_last_name_key"}:
        assert index in plan_text, plan_text
    conditions = [line for line in plan_text.splitlines() if "Index Cond" in line]
    assert sum("lower(substr(TRIM(BOTH FROM first_name), 1, 1))" in c for c in conditions) == 2


def test_sqlite_answers_every_key_from_an_index(sqlite_url: str) -> None:
    engine = get_engine(sqlite_url)
    sql = str(_duplicate_query((True,) * 5).compile(dialect=engine.dialect))
    with engine.connect() as conn:
        plan = [
            row[-1]
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (0,) * sql.count("?"))
        ]
    assert not any(step.startswith("SCAN") for step in plan), plan
    for index in INDEXES:
        assert any(index in step for step in plan), plan


def test_key_constants_are_sql_text() -> None:
    """The statement binds the applicant's values and the limit only (not 1, ' ', ''), so it
    matches the indexes' expressions whatever the plan."""
    compiled = _duplicate_query((True,) * 5).compile()
    binds = list(compiled.binds.values())
    assert sorted(p.key for p in binds if not p.key.startswith("%(")) == sorted(
        ["app_id", "dob", "email", "phone", "last", "initial", "first", "postcode"]
    )
    assert {p.value for p in binds if p.key.startswith("%(")} == {MAX_DUPLICATE_CANDIDATES}


def _index_names(engine: Any) -> set[str]:
    # (SQLAlchemy's inspector leaves SQLite's expression indexes out)
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'applications'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'applications'"
    )
    with engine.connect() as conn:
        return set(conn.exec_driver_sql(query).scalars())


def test_migration_0010_goes_down_and_up_again(db_url: str) -> None:
    from alembic import command

    from vetline.db.migrate import alembic_config

    engine = get_engine(db_url)
    command.downgrade(alembic_config(engine), "0009")
    names = _index_names(engine)
    assert {"ix_applications_last_name_key", "ix_applications_postcode_key"} <= names
    assert not names & set(INDEXES[3:])
    command.upgrade(alembic_config(engine), "head")
    names = _index_names(engine)
    assert set(INDEXES) <= names and "ix_applications_last_name_key" not in names
