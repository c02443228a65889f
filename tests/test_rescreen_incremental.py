"""Incremental re-screening of a new list version: the changed entries against everyone screened
before (applications and current members), scored exactly as a full screening scores them; hits
on members flagged for review, never acted on. Both dialects."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from vetline.db.base import utcnow
from vetline.db.people import (
    Application,
    ApplicationStatus,
    Member,
    MemberStatus,
    ReferenceEntry,
    ReferenceList,
)
from vetline.db.review import AuditEvent, Case, ScreeningOutcome
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.demo import import_demo_lists
from vetline.intake import import_applications, import_members, import_reference
from vetline.matching import REVIEW_THRESHOLD, screen_frames
from vetline.member_hits import member_hits
from vetline.rescreen import (
    MEMBER_LIST_KINDS,
    full_screening_frame,
    live_entries,
    rescreen_new_list_versions,
    subjects_frame,
)
from vetline.screening import person_select, plain_rows, screen_and_decide
from vetline.synth import generate

PARTY = "other-party-members"


@pytest.fixture(scope="module")
def surge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("surge")
    generate(out, members=1500, applicants=500, days=5, seed=31)
    return out


def _load(session: Session, surge: Path) -> None:
    import_members(session, surge / "members.csv")
    import_demo_lists(session, surge)
    import_applications(session, surge / "applications.csv")
    session.commit()
    screen_and_decide(session)
    session.commit()


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _as_row(person: Any, header: list[str], new_id: str) -> dict[str, str]:
    row = dict.fromkeys(header, "")
    for f in ("first_name", "last_name", "postcode", "address", "email", "phone"):
        row[f] = getattr(person, f) or ""
    row["date_of_birth"] = person.date_of_birth.isoformat() if person.date_of_birth else ""
    row["id"] = new_id
    row["party"] = "Green Party"
    return row


def _new_version(session: Session, surge: Path, tmp_path: Path) -> dict[str, Any]:
    """Version 2 of the party list: people from both sides added, entries changed and removed."""
    header, rows = _read(surge / "reference" / "party_members.csv")
    apps = session.scalars(
        select(Application)
        .where(Application.status != ApplicationStatus.RECEIVED)
        .where(Application.date_of_birth.is_not(None))
        .order_by(Application.id)
        .limit(4)
    ).all()
    members = session.scalars(
        select(Member)
        .where(Member.status == MemberStatus.CURRENT, Member.date_of_birth.is_not(None))
        .order_by(Member.id)
        .limit(3)
    ).all()
    added = [_as_row(a, header, f"PM-APP-{a.id}") for a in apps]
    added += [_as_row(m, header, f"PM-MEM-{m.id}") for m in members]
    # the same person twice: the new entry competes with the first for the applicant
    twin = dict(added[0], id="PM-APP-TWIN")
    twin["email"] = ""
    # a bare common name: weak evidence, its frequency counted over every list
    common = dict.fromkeys(header, "")
    common.update(id="PM-COMMON", first_name=rows[0]["first_name"], last_name=rows[0]["last_name"])
    for row in rows[1:4]:  # changed entries
        row["address"] = "1 Changed Street, Sheffield"
    kept = rows[:10] + rows[13:]  # three removed
    v2 = _write(tmp_path / "party_v2.csv", header, [*kept, *added, twin, common])
    summary = import_reference(session, v2, list_name=PARTY, kind="party_members")
    session.commit()
    assert summary.list_version == 2 and summary.removed == 3 and summary.updated == 3
    return {"apps": apps, "members": members, "removed": [r["id"] for r in rows[10:13]]}


def _full_rescreen(session: Session) -> set[tuple[Any, ...]]:
    """Everyone screened before against everything, as a full screening does it, restricted
    to the pairs on entries the new version added or changed: what the increment must equal."""
    apps = plain_rows(
        session,
        person_select(Application)
        .where(Application.status != ApplicationStatus.RECEIVED)
        .order_by(Application.id),
    )
    members = plain_rows(
        session,
        person_select(Member).where(Member.status == MemberStatus.CURRENT).order_by(Member.id),
    )
    entries = live_entries(session)
    party = session.scalars(select(ReferenceList).where(ReferenceList.name == PARTY)).one()
    assert party.kind in MEMBER_LIST_KINDS
    changed = {e.id for e in entries if e.list_id == party.id and e.changed_in_version > 1}
    full = screen_frames(
        subjects_frame(apps, members), full_screening_frame(entries), threshold=REVIEW_THRESHOLD
    )
    # scored against the party list alone (what re-screening did before), a name's frequency
    # is counted on one list only and some scores differ: the test would see that
    alone = screen_frames(
        subjects_frame(apps, members),
        full_screening_frame([e for e in entries if e.list_id == party.id]),
        threshold=REVIEW_THRESHOLD,
    )
    assert _pairs(alone, changed) != _pairs(full, changed)
    return _pairs(full, changed)


def _pairs(found: Any, changed: set[int]) -> set[tuple[Any, ...]]:
    return {
        (str(r.left_id), int(r.right_id), r.band, round(float(r.score), 9))
        for r in found.itertuples(index=False)
        if int(r.right_id) in changed
    }


def _stored(session: Session) -> set[tuple[Any, ...]]:
    rows = session.execute(
        select(Hit)
        .join(ScreeningRun, Hit.run_id == ScreeningRun.id)
        .where(ScreeningRun.trigger == "list-version", Hit.new_in_version == 2)
    ).scalars()
    return {
        (
            f"a{h.application_id}" if h.application_id else f"m{h.subject_member_id}",
            h.reference_entry_id,
            h.band,
            round(h.score, 9),
        )
        for h in rows
    }


def test_incremental_rescreen_equals_a_full_rescreen_of_the_changed_entries(
    session: Session, surge: Path, tmp_path: Path
) -> None:
    _load(session, surge)
    planted = _new_version(session, surge, tmp_path)
    expected = _full_rescreen(session)

    summary = rescreen_new_list_versions(
        session, engine="duckdb", threshold=REVIEW_THRESHOLD, actor="test"
    )
    session.commit()
    stored = _stored(session)
    assert stored == expected
    # only the people near a changed entry were re-scored, not everyone
    everyone = session.scalar(select(func.count()).select_from(Member)) or 0
    assert 0 < summary.affected < everyone // 10
    # every planted person was found, applicants and members alike
    subjects = {s for s, *_ in stored}
    assert {f"a{a.id}" for a in planted["apps"]} <= subjects
    assert {f"m{m.id}" for m in planted["members"]} <= subjects
    assert summary.member_hits_by_list[PARTY] >= len(planted["members"])
    assert summary.hits_by_list[PARTY] >= len(planted["apps"])
    # the twin entries compete for the applicant (one person, one entry): they share one person
    first = planted["apps"][0]
    twins = session.scalars(
        select(Hit.score)
        .join(ReferenceEntry, Hit.reference_entry_id == ReferenceEntry.id)
        .where(
            Hit.application_id == first.id,
            ReferenceEntry.external_id.in_([f"PM-APP-{first.id}", "PM-APP-TWIN"]),
        )
    ).all()
    assert len(twins) == 2 and sum(twins) < 1.0 + 1e-6
    # the register does not flag members; nothing is screened twice
    assert (
        session.scalar(
            select(func.count())
            .select_from(Hit)
            .join(ReferenceList, Hit.list_id == ReferenceList.id)
            .where(Hit.subject_member_id.is_not(None), ReferenceList.kind == "register")
        )
        == 0
    )
    again = rescreen_new_list_versions(session, engine="duckdb", threshold=REVIEW_THRESHOLD)
    assert again.hits_by_list == {} and again.member_hits_by_list == {}


def test_member_hits_are_flagged_for_review_and_never_change_a_membership(
    session: Session, surge: Path, tmp_path: Path
) -> None:
    _load(session, surge)
    planted = _new_version(session, surge, tmp_path)
    statuses = dict(session.execute(select(Member.id, Member.status)).all())

    result = screen_and_decide(session, actor="test")
    session.commit()
    assert result.members_relisted[PARTY] >= 3
    assert result.relisted_versions[PARTY] == (1, 2)
    assert dict(session.execute(select(Member.id, Member.status)).all()) == statuses
    member = planted["members"][0]
    hit = session.scalars(
        select(Hit).where(Hit.subject_member_id == member.id, Hit.new_in_version == 2)
    ).one()
    assert hit.application_id is None and hit.target == HitTarget.REFERENCE
    assert (hit.list_version, hit.band) == (2, "match")
    review = member_hits(session, list_name=PARTY, new_in_version=2)
    assert member.external_id in {h.member_external_id for h in review}
    flagged = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "screening.member_flagged", AuditEvent.entity_id == str(member.id)
        )
    ).one()
    assert flagged.after["hit_id"] == hit.id and flagged.after["list"] == PARTY
    # no application outcome or case cites the hit: a member hit is not an application's
    # (the rulebook refers it to a case about the member: tests/test_member_cases.py)
    outcomes = session.scalars(
        select(ScreeningOutcome.evidence_hit_ids).where(
            ScreeningOutcome.application_id.is_not(None)
        )
    ).all()
    assert all(hit.id not in ids for ids in outcomes)
    cited = session.scalars(
        select(Case.evidence_hit_ids).where(Case.application_id.is_not(None))
    ).all()
    assert all(hit.id not in ids for ids in cited)

    # version 3 drops the entry: the member's hit no longer stands for review
    header, rows = _read(tmp_path / "party_v2.csv")
    v3 = [r for r in rows if r["id"] != f"PM-MEM-{member.id}"]
    import_reference(
        session,
        _write(tmp_path / "party_v3.csv", header, v3),
        list_name=PARTY,
        kind="party_members",
    )
    session.commit()
    third = screen_and_decide(session, actor="test")
    session.commit()
    assert third.members_relisted == {PARTY: 0}
    session.refresh(hit)
    assert hit.superseded_at is not None
    assert member.external_id not in {h.member_external_id for h in member_hits(session)}


def test_a_hit_has_exactly_one_subject(session: Session) -> None:
    run = ScreeningRun(engine="duckdb", model_version="x", review_threshold=0.05)
    session.add(run)
    session.flush()
    row = {
        "run_id": run.id,
        "target": HitTarget.REFERENCE,
        "score": 0.9,
        "band": "match",
        "explanation": [],
        "pair_hash": "0" * 64,
        "created_at": utcnow(),
    }
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(insert(Hit), [row])


def test_screen_run_and_member_hits_commands_report_members(
    sqlite_url: str, surge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vetline.cli import app
    from vetline.db import get_engine, session_scope

    monkeypatch.setenv("VETLINE_DB_URL", sqlite_url)
    with session_scope(get_engine(sqlite_url)) as s:
        _load(s, surge)
        _new_version(s, surge, tmp_path)
    runner = CliRunner()
    out = runner.invoke(app, ["screen-run"])
    assert out.exit_code == 0, out.output
    assert f"members newly matching {PARTY} list v2: " in out.output
    listed = runner.invoke(app, ["member-hits", "--list", PARTY, "--json"])
    assert listed.exit_code == 0, listed.output
    found = json.loads(listed.stdout)
    assert found and {h["list_name"] for h in found} == {PARTY}
    # the first run's back-fill of the membership against v1, then what v2 added
    assert {h["new_in_version"] for h in found} == {None, 2}
    newly = [h for h in found if h["new_in_version"] == 2]
    assert f"members newly matching {PARTY} list v2: {len(newly):,} " in out.output
    table = runner.invoke(app, ["member-hits", "--list", PARTY])
    assert "for review" in table.output and found[0]["member_external_id"] in table.output


def test_api_and_page_show_member_hits_of_a_new_version(db_url: str, tmp_path: Path) -> None:
    from datetime import UTC, date, datetime

    from fastapi.testclient import TestClient

    from test_web_support import add_user, api_token, login, settings_for
    from vetline.db import get_engine, session_scope
    from vetline.web import create_app

    person = {
        "first_name": "Siobhan",
        "last_name": "Okafor",
        "date_of_birth": date(1984, 3, 9),
        "postcode": "S11 8YE",
        "address": "12 Ecclesall Road, Sheffield",
        "email": "siobhan.okafor@example.org",
    }
    with session_scope(get_engine(db_url)) as s:
        add_user(s, "sam", "senior")
        s.add(
            Member(
                external_id="M-7",
                joined_at=datetime(2010, 1, 1, tzinfo=UTC),
                content_hash="1" * 64,
                **person,
            )
        )
    header = "id,first_name,last_name,date_of_birth,postcode,address,email,party\n"
    v1 = header + "X-1,Ann,Lee,1970-01-01,LS1 1AA,1 Park Row,,Other Party\n"
    v2 = v1 + "X-2,Siobhan,Okafor,1984-03-09,S11 8YE,12 Ecclesall Road Sheffield,,Other Party\n"
    app = create_app(settings_for(db_url, tmp_path / "data"))
    with TestClient(app) as client:
        senior = api_token(client, "sam", ["reference:write", "reference:read"])
        for version, text in ((1, v1), (2, v2)):
            files = {"file": ("others.csv", text.encode(), "text/csv")}
            form = {"kind": "party_members"}
            r = client.post(
                "/api/reference-lists/others/versions", files=files, data=form, headers=senior
            )
            assert r.status_code == 201 and r.json()["list_version"] == version, r.text
            with session_scope(get_engine(db_url)) as s:
                screen_and_decide(s)
        hits = client.get("/api/reference-lists/others/versions/2/hits", headers=senior).json()
        with session_scope(get_engine(db_url)) as s:
            member_id = s.scalars(select(Member.id).where(Member.external_id == "M-7")).one()
        assert [(h["subject_member_id"], h["application_id"]) for h in hits] == [(member_id, None)]
        assert hits[0]["band"] == "match" and hits[0]["new_in_version"] == 2
        review = client.get("/api/reference-lists/others/member-hits", headers=senior).json()
        assert [(h["member_external_id"], h["entry_external_id"]) for h in review] == [
            ("M-7", "X-2")
        ]
        assert (
            client.get("/api/reference-lists/others/member-hits?version=1", headers=senior).json()
            == []
        )
        login(client, "sam")
        page = client.get("/reference/others/versions/2")
        assert page.status_code == 200 and f"member {member_id} (for review)" in page.text


def test_a_member_hit_is_no_evidence_in_an_application_case(session: Session) -> None:
    """Cases are about applications: a hit on a member cannot be cited or cleared in one."""
    from test_cases_review import NOW, _referred
    from test_cases_support import make_entry, make_member, make_run, make_users
    from vetline.cases import service
    from vetline.errors import InputError

    users = make_users(session)
    case, _app, hit = _referred(session)
    member = make_member(session, "M-1")
    greens = session.scalars(select(ReferenceList).where(ReferenceList.name == "greens")).one()
    entry = make_entry(session, greens, "G-M1")
    on_member = Hit(
        run_id=make_run(session).id,
        subject_member_id=member.id,
        target=HitTarget.REFERENCE,
        list_id=greens.id,
        list_version=1,
        reference_entry_id=entry.id,
        score=0.9,
        band="match",
        explanation=[],
        pair_hash="m" * 64,
    )
    session.add(on_member)
    session.flush()
    claimed = service.claim_next(session, users["rosa"], now=NOW)
    assert claimed is not None and claimed.id == case.id
    with pytest.raises(InputError, match="not evidence about this applicant"):
        service.propose(
            session,
            users["rosa"],
            case.id,
            outcome="reject",
            reason="member of another party",
            evidence_hit_ids=[hit.id, on_member.id],
        )
    with pytest.raises(InputError, match="about this applicant"):
        service.propose(
            session,
            users["rosa"],
            case.id,
            outcome="admit",
            reason="not the same person at all",
            cleared_hit_ids=[on_member.id],
        )


def test_the_membership_back_fill_in_slices_finds_what_one_call_finds(
    surge: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The back-fill screens the membership in slices to bound memory; entries compete per
    member and names are counted on the lists' side, so the hits are the same."""
    import vetline.member_rescreen
    from vetline.db import get_engine, session_scope

    found = []
    for n, size in enumerate((100_000, 97)):  # one call; 1,500 members in slices of 97
        monkeypatch.setattr(vetline.member_rescreen, "_SLICE", size)
        url = f"sqlite:///{tmp_path / f'slices{n}.db'}"
        with session_scope(get_engine(url)) as s:
            _load(s, surge)
            found.append(
                sorted(
                    s.execute(
                        select(
                            Hit.subject_member_id, Hit.reference_entry_id, Hit.score, Hit.band
                        ).where(Hit.subject_member_id.is_not(None))
                    ).all()
                )
            )
    assert found[0] and found[0] == found[1]
