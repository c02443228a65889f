"""Importing applications and members: exact values, atomicity, idempotence, recorded updates.

Runs on SQLite and on the real PostgreSQL server (the `session` fixture).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vetline.db import get_engine
from vetline.db.people import Application, Import, Member, RecordChange
from vetline.errors import Conflict, InputError
from vetline.intake import import_applications, import_members, importer

DATA = Path(__file__).parent / "data" / "intake"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _apps(session: Session) -> dict[str, Application]:
    return {a.external_id: a for a in session.scalars(select(Application))}


def test_applications_import_keeps_values_exactly(session: Session) -> None:
    summary = import_applications(session, DATA / "applications.csv", actor="officer")
    session.commit()
    assert (summary.rows, summary.inserted, summary.updated, summary.unchanged) == (4, 4, 0, 0)
    apps = _apps(session)
    a1, a2, a3, a4 = (apps[k] for k in ("A001", "A002", "A003", "A004"))
    assert (a1.first_name, a1.last_name, a1.postcode) == ("Siobhán", "O'Brien", "s11 8ye")
    assert a1.date_of_birth == date(1990, 2, 3)
    assert a1.applied_at == datetime(2016, 7, 12, 9, 30, tzinfo=UTC)
    assert (a1.source, a1.payment_ref, a1.payment_status) == (
        "Flood into the party",
        "pay-7f3a",
        "paid",
    )
    assert a1.status == "received" and a1.category == "member"
    assert a2.last_name == "Nguyễn" and a2.date_of_birth == date(1985, 3, 14)
    assert a2.address == "Flat 2\n40 Sharrow Vale Road"
    assert a2.applied_at == datetime(2016, 7, 12, 9, 30, tzinfo=UTC)  # naive = UK summer time
    assert a2.category == "registered_supporter" and a2.email is None
    assert (a3.first_name, a3.last_name, a3.date_of_birth) == ("小龍", "李", None)
    assert a3.applied_at == datetime(2016, 7, 13, 7, 0, tzinfo=UTC)
    assert a4.source == '=HYPERLINK("http://evil","x")'  # stored as text, unchanged
    imp = session.scalars(select(Import)).one()
    assert (imp.kind, imp.actor, imp.rows, imp.inserted) == ("applications", "officer", 4, 4)
    assert len(imp.file_sha256) == 64


def test_reimporting_the_same_file_changes_nothing(session: Session) -> None:
    import_applications(session, DATA / "applications.csv")
    session.commit()
    before = {k: (a.content_hash, a.updated_at) for k, a in _apps(session).items()}
    again = import_applications(session, DATA / "applications.csv")
    session.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
    assert {k: (a.content_hash, a.updated_at) for k, a in _apps(session).items()} == before
    assert _count(session, RecordChange) == 0
    assert _count(session, Import) == 2  # the attempt is recorded, with zero changes


def test_a_changed_row_is_an_update_with_before_and_after(session: Session, tmp_path: Path) -> None:
    import_applications(session, DATA / "applications.csv")
    session.commit()
    text = (DATA / "applications.csv").read_text(encoding="utf-8")
    changed = tmp_path / "applications.csv"
    changed.write_text(text.replace("s11 8ye", "S11 8YE").replace("1979-11-30", "1979-11-29"))
    summary = import_applications(session, changed)
    session.commit()
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 2, 2)
    changes = {c.entity_id: c for c in session.scalars(select(RecordChange))}
    apps = _apps(session)
    c1 = changes[apps["A001"].id]
    assert c1.entity == "application" and c1.import_id == summary.import_id
    assert (c1.before, c1.after) == ({"postcode": "s11 8ye"}, {"postcode": "S11 8YE"})
    c4 = changes[apps["A004"].id]
    assert (c4.before, c4.after) == (
        {"date_of_birth": "1979-11-30"},
        {"date_of_birth": "1979-11-29"},
    )
    assert apps["A001"].postcode == "S11 8YE"
    assert apps["A001"].updated_at > apps["A001"].created_at


def test_a_bad_file_names_file_row_and_field_and_writes_nothing(session: Session) -> None:
    import_applications(session, DATA / "applications.csv")
    session.commit()
    with pytest.raises(InputError) as err:
        import_applications(session, DATA / "applications_bad.csv")
    detail = err.value.detail
    for line in (
        "applications_bad.csv, row 2, field date_of_birth: '31/02/1990' is not a date",
        "applications_bad.csv, row 3, field first_name/last_name: first_name and last_name are "
        "both empty",
        "applications_bad.csv, row 4, field email: 'bob-at-example.org' is not an email address",
        "applications_bad.csv, row 5, field applied_at: is required but empty",
        "applications_bad.csv, row 6, field category: 'gold' is not one of",
        "applications_bad.csv, row 7, field id: 'B1' appears twice",
    ):
        assert line in detail
    assert "nothing was imported" in detail
    session.rollback()
    assert _count(session, Application) == 4
    assert _count(session, Import) == 1


def test_an_error_after_rows_were_written_rolls_all_of_them_back(
    session: Session, tmp_path: Path
) -> None:
    good = "\n".join(f"G{i},Ann,Lee{i},2016-07-12T09:30:00Z" for i in range(12_000))
    path = tmp_path / "late.csv"
    path.write_text(f"id,first_name,last_name,applied_at\n{good}\nBAD,Ann,Lee,yesterday\n")
    with pytest.raises(InputError, match=r"late\.csv, row 12002, field applied_at"):
        import_applications(session, path)
    assert _count(session, Application) == 0
    assert _count(session, Import) == 0


def test_unknown_and_missing_columns_are_named(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "typo.csv"
    path.write_text("id,first_name,surname,applied_at\n1,Ann,Lee,2016-07-12T09:30:00Z\n")
    with pytest.raises(InputError, match=r"typo\.csv, row 1: unknown column\(s\): surname"):
        import_applications(session, path)
    path.write_text("id,first_name,last_name\n1,Ann,Lee\n")
    with pytest.raises(InputError, match=r"missing column\(s\): applied_at"):
        import_applications(session, path)
    assert _count(session, Application) == 0


def test_excel_windows_1252_crlf_export_round_trips(session: Session, tmp_path: Path) -> None:
    rows = [
        ("E1", "Siobhán", "O\u2019Brien"),
        ("E2", "Zoë", "Brontë-Smith"),
        ("E3", "José", "Muñoz"),
    ]
    body = "id,first_name,last_name,applied_at\r\n" + "".join(
        f"{i},{f},{n},12/07/2016\r\n".replace("12/07/2016", "2016-07-12") for i, f, n in rows
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(body.encode("cp1252"))
    import_applications(session, path)
    session.commit()
    got = {a.external_id: (a.first_name, a.last_name) for a in _apps(session).values()}
    assert got == {i: (f, n) for i, f, n in rows}


def test_members_import_folds_codes_and_reads_dates(session: Session) -> None:
    summary = import_members(session, DATA / "members.csv")
    session.commit()
    assert summary.inserted == 3
    members = {m.external_id: m for m in session.scalars(select(Member))}
    m1, m2, m3 = members["M001"], members["M002"], members["M003"]
    assert m1.joined_at == datetime(2009, 3, 1, tzinfo=UTC)
    assert (m1.status, m1.category, m1.paid_until) == ("current", "member", date(2027, 3, 1))
    assert m2.status == "lapsed" and m2.status_changed_at == datetime(2016, 6, 2, tzinfo=UTC)
    assert m3.status == "expelled" and m3.joined_at.date() == date(2016, 1, 11)
    again = import_members(session, DATA / "members.csv")
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_member_status_change_is_recorded(session: Session, tmp_path: Path) -> None:
    import_members(session, DATA / "members.csv")
    session.commit()
    path = tmp_path / "members.csv"
    path.write_text(
        (DATA / "members.csv").read_text().replace("2009-03-01,current", "2009-03-01,suspended")
    )
    summary = import_members(session, path)
    session.commit()
    assert summary.updated == 1
    change = session.scalars(select(RecordChange)).one()
    assert (change.entity, change.before, change.after) == (
        "member",
        {"status": "current"},
        {"status": "suspended"},
    )


def test_an_upload_is_named_by_its_original_name(session: Session) -> None:
    with pytest.raises(InputError, match=r"^upload\.csv: 6 errors"):
        import_applications(session, DATA / "applications_bad.csv", file_name="upload.csv")
    import_applications(session, DATA / "applications.csv", file_name="surge.csv")
    assert session.scalars(select(Import.file_name)).one() == "surge.csv"


@pytest.mark.postgres
def test_concurrent_imports_of_the_same_records_conflict_cleanly(pg_url: str) -> None:
    engine = get_engine(pg_url)
    first = sessionmaker(bind=engine)()
    import_applications(first, DATA / "applications.csv")  # holds its transaction open
    outcome: list[BaseException | None] = []

    def second() -> None:
        with sessionmaker(bind=engine)() as s:
            try:
                import_applications(s, DATA / "applications.csv")
                s.commit()
                outcome.append(None)
            except BaseException as exc:
                outcome.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    time.sleep(1.0)  # the second import now waits on the first one's new rows
    first.commit()
    first.close()
    thread.join(timeout=60)
    assert len(outcome) == 1 and isinstance(outcome[0], Conflict)
    assert "another import wrote the same records" in outcome[0].detail
    with sessionmaker(bind=engine)() as s:
        assert _count(s, Application) == 4 and _count(s, Import) == 1


def test_progress_is_reported_as_rows_go_in(session: Session, tmp_path: Path) -> None:
    rows = "\n".join(f"P{i},Ann,Lee{i},2016-07-12T09:30:00Z" for i in range(4500))
    path = tmp_path / "surge.csv"
    path.write_text(f"id,first_name,last_name,applied_at\n{rows}\n")
    calls: list[tuple[int, int]] = []
    import_applications(session, path, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (2000, 4500) and calls[-1] == (4500, 4500)
    assert [d for d, _t in calls] == sorted(d for d, _t in calls)


def test_big_file_path_preloading_every_key_gives_the_same_result(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "PRELOAD_ABOVE", 0)  # treat every file as big
    import_applications(session, DATA / "applications.csv")
    session.commit()
    changed = tmp_path / "applications.csv"
    changed.write_text((DATA / "applications.csv").read_text().replace("s11 8ye", "S11 8YE"))
    summary = import_applications(session, changed)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 3)
    again = import_applications(session, changed)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)
