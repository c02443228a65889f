"""The loader and the CLI on a real database (SQLite and PostgreSQL): snapshot and compare."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from vetline.ballot import compare, electorate, load_people, load_rules
from vetline.cli import app
from vetline.db.people import Application, Member


def _seed(session: Session) -> None:
    def m(ext: str, joined: datetime, **kw: object) -> Member:
        return Member(external_id=ext, joined_at=joined, content_hash=ext, **kw)

    def a(ext: str, applied: datetime, **kw: object) -> Application:
        return Application(external_id=ext, applied_at=applied, content_hash=ext, **kw)

    session.add_all(
        [
            m("M1", datetime(2010, 1, 1, tzinfo=UTC), paid_until=date(2017, 1, 1)),
            m("M2", datetime(2016, 3, 1, tzinfo=UTC)),
            m(
                "M3",
                datetime(2009, 1, 1, tzinfo=UTC),
                status="lapsed",
                status_changed_at=datetime(2016, 7, 1, tzinfo=UTC),
            ),
            a("A1", datetime(2016, 7, 12, 9, 30, tzinfo=UTC), status="admitted", source="Flood"),
            a(
                "A2",
                datetime(2016, 7, 19, 9, tzinfo=UTC),
                category="registered_supporter",
                payment_status="paid",
                status="admitted",
                date_of_birth=date(1990, 1, 1),
            ),
            a(
                "A3",
                datetime(2016, 7, 19, 9, tzinfo=UTC),
                category="registered_supporter",
                payment_status="paid",
                status="referred",
            ),
            a("A4", datetime(2016, 7, 13, tzinfo=UTC), status="received"),
        ]
    )
    session.commit()


def test_loader_reads_members_and_applications(session: Session) -> None:
    _seed(session)
    people = {p.id: p for p in load_people(session)}
    assert set(people) == {"M1", "M2", "M3", "A1", "A2", "A3", "A4"}
    assert people["A3"].open_case and not people["A2"].open_case
    assert people["M1"].paid_until == date(2017, 1, 1)
    assert people["A1"].joined_at == datetime(2016, 7, 12, 9, 30, tzinfo=UTC)


def test_electorate_and_compare_from_the_database(session: Session) -> None:
    _seed(session)
    lab = electorate(session, load_rules("labour-2016"))
    got = {v.person.id: (v.eligible, v.reason) for v in lab.verdicts}
    assert got == {
        "M1": ("yes", ""),
        "M2": ("no", "joined_after_freeze"),
        "M3": ("no", "lapsed"),
        "A1": ("no", "joined_after_freeze"),
        "A2": ("yes", ""),
        "A3": ("no", "open_case"),
        "A4": ("no", "joined_after_freeze"),
    }
    lib = electorate(session, load_rules("libdem"), date(2016, 8, 22))
    result = compare(lab, lib)
    assert result["surge"]["a"]["yes"] == 1 and result["surge"]["b"]["yes"] == 1
    # Lib Dem: M1, M2, M3 (lapsed 52 days before: inside the grace) and A1 vote; supporters do not.
    assert result["all"]["b"] == {
        "considered": 7,
        "yes": 4,
        "pending": 1,
        "no": 2,
        "by_reason": {"category_not_enfranchised": 2, "vetting_pending": 1},
    }
    moves = {
        (m["group"], m["from"], m["to"], m["reason_a"], m["reason_b"]): m["people"]
        for m in result["moves"]
    }
    assert moves == {
        ("members", "no", "yes", "joined_after_freeze", ""): 1,
        ("members", "no", "yes", "lapsed", ""): 1,
        ("surge", "no", "yes", "joined_after_freeze", ""): 1,
        ("surge", "yes", "no", "", "category_not_enfranchised"): 1,
        ("surge", "no", "pending", "joined_after_freeze", "vetting_pending"): 1,
    }
    assert result["moved_total"] == 5


def test_cli_snapshot_is_byte_identical_and_compare_json(engine: Engine, tmp_path: Path) -> None:
    with Session(engine) as session:
        _seed(session)
    runner = CliRunner()
    outs = []
    for name in ("one.csv", "two.csv"):
        res = runner.invoke(
            app, ["electorate", "--rules", "labour-2016", "--out", str(tmp_path / name)]
        )
        assert res.exit_code == 0, res.output
        outs.append(tmp_path / name)
    assert outs[0].read_bytes() == outs[1].read_bytes()
    meta = json.loads((tmp_path / "one.csv.json").read_text())
    assert meta["at"] == "2016-08-22" and meta["surge"]["yes"] == 1
    assert len(meta["inputs_sha256"]) == 64
    movers = tmp_path / "movers.csv"
    args = ["electorate", "compare", "labour-2016", "libdem", "--at", "2016-08-22", "--json"]
    res = runner.invoke(app, [*args, "--out", str(movers)])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["all"]["a"]["considered"] == 7
    assert data["moved_total"] == 5
    assert movers.read_text().splitlines() == [
        "kind,id,eligible_a,reason_a,eligible_b,reason_b",
        "member,M2,no,joined_after_freeze,yes,",
        "member,M3,no,lapsed,yes,",
        "application,A1,no,joined_after_freeze,yes,",
        "application,A2,yes,,no,category_not_enfranchised",
        "application,A4,no,joined_after_freeze,pending,vetting_pending",
    ]


def test_cli_electorate_without_rules_is_a_clear_error(tmp_path: Path) -> None:
    from vetline.errors import InputError

    res = CliRunner().invoke(app, ["electorate", "--out", str(tmp_path / "x.csv")])
    assert isinstance(res.exception, InputError)
    assert "--rules" in res.exception.detail


def test_an_open_case_in_the_review_tables_counts(session: Session) -> None:
    from sqlalchemy import select

    from vetline.db.review import Case

    _seed(session)
    a2 = session.scalars(select(Application).where(Application.external_id == "A2")).one()
    # a fix-it case is vetting under way, not an open case
    fixit = Case(application_id=a2.id, track="administrative", status="awaiting_response",
                 rulebook_version="1")  # fmt: skip
    session.add(fixit)
    session.commit()
    verdicts = {v.person.id: v for v in electorate(session, load_rules("labour-2016")).verdicts}
    assert verdicts["A2"].eligible == "yes"
    session.delete(fixit)
    session.add(Case(application_id=a2.id, track="conduct", status="claimed", rulebook_version="1"))
    session.commit()
    verdicts = {v.person.id: v for v in electorate(session, load_rules("labour-2016")).verdicts}
    assert (verdicts["A2"].eligible, verdicts["A2"].reason) == ("no", "open_case")
    lib = {
        v.person.id: v
        for v in electorate(session, load_rules("libdem"), date(2016, 8, 22)).verdicts
    }
    assert lib["M1"].eligible == "yes"
    case = session.scalars(select(Case)).one()
    case.status = "closed"
    session.commit()
    verdicts = {v.person.id: v for v in electorate(session, load_rules("labour-2016")).verdicts}
    assert verdicts["A2"].eligible == "yes"
