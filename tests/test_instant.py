"""Screening one application at once gives the hits the batch gives, from a stored index."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from test_pipeline import _load
from vetline import instant
from vetline.db.people import Application, ListKind, ReferenceList
from vetline.db.screening import Hit, ScreeningRun
from vetline.instant import screen_one_application
from vetline.intake import import_members, import_reference
from vetline.screening import PERSON_FIELDS, screen_and_decide, screen_applications


@pytest.fixture(scope="module")
def surge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from vetline.synth import generate

    out = tmp_path_factory.mktemp("instant")
    generate(out, members=1200, applicants=400, days=5, seed=21)
    return out


def _key(hit: Hit) -> tuple[object, ...]:
    return (
        hit.target,
        hit.reference_entry_id,
        hit.member_id,
        hit.other_application_id,
        hit.band,
        round(hit.score, 6),
    )


def test_instant_hits_equal_the_batch(session: Session, surge: Path) -> None:
    _load(session, surge)
    screen_and_decide(session)
    session.commit()
    # applications with hits of every kind, and some with none
    with_hits = list(
        session.scalars(
            select(Hit.application_id).where(Hit.application_id.is_not(None)).distinct().limit(25)
        )
    )
    # every planted double sign-up: the instant path finds them among a few candidates
    doubles = session.scalars(
        select(Hit.application_id).where(Hit.target == "application").distinct()
    )
    with_hits = sorted(set(with_hits) | set(doubles))
    without = list(
        session.scalars(select(Application.id).where(~Application.id.in_(with_hits)).limit(5))
    )
    for app_id in [*with_hits, *without]:
        batch = {
            _key(h)
            for h in session.scalars(
                select(Hit).where(Hit.application_id == app_id, Hit.superseded_at.is_(None))
            )
        }
        summary = screen_one_application(session, app_id)
        instant = {
            _key(h) for h in session.scalars(select(Hit).where(Hit.run_id == summary.run_id))
        }
        assert instant == batch, app_id
    session.commit()


def test_without_the_register_most_applicants_match_nothing_as_in_the_batch(
    session: Session, surge: Path
) -> None:
    """As in bench/bench_web.py's database (no electoral register): most applicants match
    nothing, and the single-applicant path answers them without scoring
    (vetline.matching.single.may_score); each application, given as the row the caller
    loaded (the API's submit path), gets exactly the batch's hits."""
    from vetline.demo import import_demo_lists
    from vetline.intake import import_applications

    import_members(session, surge / "members.csv")
    import_demo_lists(session, surge, register=False)
    import_applications(session, surge / "applications.csv")
    session.commit()
    ids = list(session.scalars(select(Application.id).order_by(Application.id)))[::4]
    run = screen_applications(session, application_ids=ids)
    batch: dict[int, set[tuple[object, ...]]] = {i: set() for i in ids}
    for hit in session.scalars(select(Hit).where(Hit.run_id == run.run_id)):
        batch[hit.application_id].add(_key(hit))
    assert sum(1 for found in batch.values() if not found) > len(ids) / 2
    assert sum(1 for found in batch.values() if found) >= 10
    for app_id in ids:
        app = session.get_one(Application, app_id)
        summary = screen_one_application(session, app)
        instant = {
            _key(h) for h in session.scalars(select(Hit).where(Hit.run_id == summary.run_id))
        }
        assert instant == batch[app_id], app_id
    session.rollback()


def test_instant_screening_with_no_lists_or_members(session: Session) -> None:
    from datetime import UTC, datetime

    session.add(
        Application(
            external_id="A1",
            first_name="Ann",
            last_name="Lee",
            applied_at=datetime.now(UTC),
            content_hash="c" * 64,
        )
    )
    session.flush()
    app_id = session.scalars(select(Application.id)).one()
    summary = screen_one_application(session, app_id)
    assert summary.hits == 0
    assert session.get(Application, app_id).status == "screened"  # type: ignore[union-attr]


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _batch_and_instant(session: Session, app_ids: list[int]) -> list[ScreeningRun]:
    """Each application's instant hits equal the batch's, on the data as it is now."""
    run = screen_applications(session, application_ids=app_ids)
    batch: dict[int, set[tuple[object, ...]]] = {i: set() for i in app_ids}
    for hit in session.scalars(select(Hit).where(Hit.run_id == run.run_id)):
        batch[hit.application_id].add(_key(hit))
    runs = []
    for app_id in app_ids:
        summary = screen_one_application(session, app_id)
        instant = {
            _key(h) for h in session.scalars(select(Hit).where(Hit.run_id == summary.run_id))
        }
        assert instant == batch[app_id], app_id
        runs.append(session.get_one(ScreeningRun, summary.run_id))
    return runs


def test_changed_lists_and_members_are_screened_by_a_delta_then_rebuilt(
    session: Session, surge: Path, tmp_path: Path
) -> None:
    """After a members import and a new list version the next application is screened at
    once against the index plus a delta of what changed (the batch's hits), while a new
    index is built in the background; then the rebuilt index gives the same hits."""
    _load(session, surge)
    first = session.scalars(select(Application.id).order_by(Application.id)).first()
    assert first is not None
    instant.warm_up(session)  # builds both indexes: nothing to delta from yet
    run = screen_one_application(session, first).run_id
    assert session.get_one(ScreeningRun, run).params["index"]["members"]["delta_rows"] == 0
    session.commit()

    _, apps = _read(surge / "applications.csv")
    copied = apps[-6:]  # people who will now be on a list or a member
    header, members = _read(surge / "members.csv")
    changed = dict(members[0], **{f: copied[0][f] for f in PERSON_FIELDS})
    new = [
        dict(members[1], id=f"M9{i:06d}", **{f: a[f] for f in PERSON_FIELDS})
        for i, a in enumerate(copied[1:3])
    ]
    import_members(session, _write(tmp_path / "members.csv", header, [changed, *new]))
    header, party = _read(surge / "reference" / "party_members.csv")
    party = party[5:]  # five have left the list
    party[0] = dict(party[0], **{f: copied[3][f] for f in PERSON_FIELDS})
    party += [
        dict(party[1], id=f"PM9{i:05d}", **{f: a[f] for f in PERSON_FIELDS})
        for i, a in enumerate(copied[4:])
    ]
    import_reference(
        session,
        _write(tmp_path / "party_members.csv", header, party),
        list_name="other-party-members",
        kind=ListKind.PARTY_MEMBERS,
    )
    expelled = session.scalars(select(ReferenceList).where(ReferenceList.name == "expelled"))
    expelled.one().active = False
    session.commit()

    ids = {a.external_id: a.id for a in session.scalars(select(Application))}
    with_hits = list(session.scalars(select(Hit.application_id).distinct().limit(15)))
    sample = sorted({ids[a["id"]] for a in copied} | set(with_hits) | {first})
    runs = _batch_and_instant(session, sample)
    # the first screening after the change used each index with a delta, and started rebuilds
    used = runs[0].params["index"]
    assert used["members"]["delta_rows"] == 3 and used["lists"]["delta_rows"] == 3, used
    session.commit()

    instant.wait_for_rebuilds()
    runs = _batch_and_instant(session, sample[:8])
    assert {p["delta_rows"] for r in runs for p in r.params["index"].values()} == {0}
    session.commit()


def test_the_loaded_row_gets_the_screened_status_without_reading_it_again(
    session: Session,
) -> None:
    """record_screening's UPDATE returns the new status and times and sets them on the row
    the caller loaded (the submit path routes it next): no SELECT to refresh it, and the
    values are the database's, for a new application and for one screened again (which keeps
    its status)."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import event

    earlier = datetime.now(UTC) - timedelta(days=3)
    for ext, status in (("N1", "received"), ("N2", "referred")):
        session.add(
            Application(
                external_id=ext,
                first_name="Ann",
                last_name="Lee",
                applied_at=earlier,
                content_hash="c" * 64,
                status=status,
                updated_at=earlier,
            )
        )
    session.flush()
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_a: object) -> None:
        statements.append(statement)

    bind = session.get_bind()
    for ext, status, updated in (("N1", "screened", None), ("N2", "referred", earlier)):
        app = session.scalars(select(Application).where(Application.external_id == ext)).one()
        event.listen(bind, "before_cursor_execute", seen)
        try:
            screen_one_application(session, app)
            statements.clear()
            got = (app.status, app.screened_at, app.updated_at)
            assert statements == []  # nothing expired: no refresh
        finally:
            event.remove(bind, "before_cursor_execute", seen)
        assert got[0] == status
        assert got[1] is not None and got[1] > earlier
        if updated is not None:
            assert got[2] == updated
        else:
            assert got[2] == got[1]
        session.expire(app)
        assert (app.status, app.screened_at, app.updated_at) == got  # the database's values
    session.rollback()


def test_a_row_inserted_in_this_transaction_is_written_once_after_routing(
    session: Session,
) -> None:
    """An application the transaction inserted (a submission) gets its screened values in
    memory and routing's status with them in one UPDATE; they are what the database holds."""
    from sqlalchemy import event

    from vetline.intake import import_application
    from vetline.intake.csvfile import CsvFile
    from vetline.outcomes import decide_outcomes
    from vetline.rulebook import DEFAULT_RULEBOOK, load_rulebook
    from vetline.rulebook.store import register

    rulebook = load_rulebook(DEFAULT_RULEBOOK)
    with Session(session.get_bind()) as other:  # stored before, as on a running server
        register(other, rulebook)
        other.commit()
    one = b"id,first_name,last_name,applied_at\r\nN9,Ann,Lee,2016-07-12T09:30:00Z\r\n"
    _summary, app = import_application(session, CsvFile.from_bytes(one, "one.csv"))
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_a: object) -> None:
        statements.append(statement)

    bind = session.get_bind()
    event.listen(bind, "before_cursor_execute", seen)
    try:
        screened = screen_one_application(session, app)
        assert app.status == "screened"
        decide_outcomes(
            session,
            [app.id],
            rulebook=rulebook,
            applications=[app],
            inserted_now=True,
            without_hits=[] if screened.hits else [app.id],
        )
        session.flush()
    finally:
        event.remove(bind, "before_cursor_execute", seen)
    # one statement writes the row: an UPDATE, or on PostgreSQL a WITH of the outcome's INSERT
    assert sum("UPDATE applications" in s for s in statements) == 1, "\n".join(
        s[:70] for s in statements
    )
    got = (app.status, app.screened_at, app.updated_at)
    assert got[0] not in ("received", "screened") and got[1] is not None
    session.expire(app)
    assert (app.status, app.screened_at, app.updated_at) == got
    session.rollback()
