"""Cases about existing members: a new list version matches a member, the rulebook refers the
hit, and people take the member through the same review as an applicant — queue, claim,
proposal, four eyes, notice, appeal. Only an approved exclusion changes the membership, and
then the member leaves the electorate. Both dialects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from test_cases_support import make_users
from vetline.ballot import electorate, load_rules
from vetline.cases import service
from vetline.cases.members import refer_members
from vetline.db.base import utcnow
from vetline.db.people import Application, Member, MemberStatus
from vetline.db.review import AuditEvent, Case, CaseKind, CaseStatus, Notice, User
from vetline.db.screening import Hit
from vetline.errors import InputError, PermissionDenied
from vetline.intake import import_reference
from vetline.member_hits import member_hits
from vetline.rulebook import load_rulebook
from vetline.screening import ScreeningSummary, screen_and_decide

LIST = "others"
HEADER = "id,first_name,last_name,date_of_birth,postcode,address,email,party\n"
V1 = HEADER + "X-1,Ann,Lee,1970-01-01,LS1 1AA,1 Park Row,,Other Party\n"
# the member Siobhan Okafor in full (a match), and Bartholomew Quist by name alone
V2 = (
    V1
    + "X-2,Siobhan,Okafor,1984-03-09,S11 8YE,12 Ecclesall Road Sheffield,,Other Party\n"
    + "X-3,Bartholomew,Quist,,,,,Other Party\n"
)
CLAUSE = "LAB-2.1-other-party"  # party_members in band 'possible' or better: refer


@dataclass
class World:
    users: dict[str, User]
    okafor: Member
    quist: Member


def _member(session: Session, ext: str, first: str, last: str, **person: object) -> Member:
    member = Member(
        external_id=ext,
        joined_at=datetime(2010, 1, 1, tzinfo=UTC),
        first_name=first,
        last_name=last,
        content_hash=f"{ext:0>64}",
        **person,
    )
    session.add(member)
    session.flush()
    return member


def _version(session: Session, tmp_path: Path, text: str, n: int) -> None:
    path = tmp_path / f"others_v{n}.csv"
    path.write_text(text, encoding="utf-8")
    summary = import_reference(session, path, list_name=LIST, kind="party_members")
    assert summary.list_version == n
    session.commit()


@pytest.fixture
def world(session: Session, tmp_path: Path) -> World:
    users = make_users(session)
    okafor = _member(
        session,
        "M-7",
        "Siobhan",
        "Okafor",
        date_of_birth=date(1984, 3, 9),
        postcode="S11 8YE",
        address="12 Ecclesall Road, Sheffield",
        email="siobhan.okafor@example.org",
    )
    quist = _member(
        session,
        "M-8",
        "Bartholomew",
        "Quist",
        date_of_birth=date(1961, 11, 2),
        postcode="YO1 7HH",
        address="3 Minster Yard, York",
    )
    _version(session, tmp_path, V1, 1)
    screen_and_decide(session, actor="test")  # everyone is covered by version 1
    session.commit()
    _version(session, tmp_path, V2, 2)
    return World(users, okafor, quist)


def _member_cases(session: Session) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.member_id.is_not(None)).order_by(Case.id)))


def test_a_referred_member_hit_goes_through_review_to_exclusion_and_appeal(
    world: World, session: Session
) -> None:
    users, okafor = world.users, world.okafor
    summary = screen_and_decide(session, actor="test")
    session.commit()
    # the member hit → the rulebook's clause → a case about the member, nothing else changed
    (case,) = _member_cases(session)
    assert summary.member_cases == [case.id]
    assert (case.member_id, case.application_id) == (okafor.id, None)
    assert (case.kind, case.track, case.status) == (CaseKind.REVIEW, "conduct", CaseStatus.OPEN)
    assert case.clause_ids == [CLAUSE]
    hit = session.get(Hit, case.evidence_hit_ids[0])
    assert hit is not None and hit.subject_member_id == okafor.id and hit.band == "match"
    session.refresh(okafor)
    assert okafor.status == MemberStatus.CURRENT
    flagged = {h.member_external_id: h.case_id for h in member_hits(session, list_name=LIST)}
    assert flagged["M-7"] == case.id and flagged.get("M-8") is None
    referral = session.scalars(select(Notice).where(Notice.case_id == case.id)).one()
    assert (referral.kind, referral.member_id, referral.application_id) == (
        "referral",
        okafor.id,
        None,
    )
    assert referral.subject.startswith("Your membership: we need your comments")
    assert "another political party" in referral.body and "Okafor" in referral.body

    # re-running opens no second case
    again = screen_and_decide(session, actor="test")
    assert again.member_cases == []
    rerun = refer_members(session, [okafor.id], rulebook=load_rulebook("labour-2016"))
    assert (rerun.kept_open_case, rerun.cases_opened) == (1, 0)
    assert len(_member_cases(session)) == 1

    # the queue and the case page show the member and the matched entry side by side
    claimed = service.claim_next(session, users["rosa"])
    assert claimed is not None and claimed.id == case.id
    assert (claimed.member_id, claimed.application_id, claimed.external_id) == (
        okafor.id,
        None,
        "M-7",
    )
    detail = service.case_detail(session, users["rosa"], case.id)
    assert detail.subject == "member" and detail.applicant["external_id"] == "M-7"
    assert detail.applicant["status"] == MemberStatus.CURRENT
    (shown,) = detail.hits
    assert shown.record["external_id"] == "X-2" and shown.list_name == LIST
    assert {part["field"] for part in shown.explanation} >= {"date_of_birth", "last_name"}

    # a member is excluded, not rejected; the exclusion waits for a second senior
    with pytest.raises(InputError, match="propose exclude"):
        service.propose(session, users["rosa"], case.id, outcome="reject", reason="x" * 20)
    service.propose(
        session,
        users["rosa"],
        case.id,
        outcome="exclude",
        reason="the same person is a member of another party",
    )
    session.refresh(okafor)
    assert okafor.status == MemberStatus.CURRENT  # a proposal changes nothing
    with pytest.raises(PermissionDenied):
        service.approve(session, users["ravi"], case.id)  # a reviewer cannot approve
    service.approve(session, users["sam"], case.id)
    session.commit()
    session.refresh(okafor)
    assert okafor.status == MemberStatus.EXCLUDED and okafor.status_changed_at is not None
    decision = session.scalars(
        select(Notice).where(Notice.case_id == case.id, Notice.kind == "decision")
    ).one()
    assert decision.member_id == okafor.id and "You can appeal" in decision.body
    changed = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "member.status", AuditEvent.entity_id == str(okafor.id)
        )
    ).one()
    assert changed.before == {"status": "current"} and changed.actor == "sam"
    assert changed.after is not None and changed.after["status"] == "excluded"

    # the excluded member no longer votes; the other member still does
    snap = electorate(session, load_rules("labour-2016"), date.today())
    verdicts = {v.person.id: v for v in snap.verdicts}
    assert verdicts["M-7"].eligible == "no" and verdicts["M-7"].reason == "not_in_good_standing"
    assert verdicts["M-8"].eligible == "yes"

    # the appeal is heard by a third person: not the proposer, not the approver
    appeal = service.appeal(session, users["rosa"], case.id, grounds="I left that party in 2015")
    assert (appeal.member_id, appeal.application_id) == (okafor.id, None)
    for involved in ("rosa", "sam"):
        with pytest.raises(PermissionDenied, match="involved"):
            service.claim(session, users[involved], appeal.id)
    service.claim(session, users["ravi"], appeal.id)
    service.propose(
        session,
        users["ravi"],
        appeal.id,
        outcome="overturn",
        reason="the member showed they resigned before the list was drawn up",
    )
    session.commit()
    session.refresh(okafor)
    assert okafor.status == MemberStatus.CURRENT
    snap = electorate(session, load_rules("labour-2016"), date.today())
    assert {v.person.id: v.eligible for v in snap.verdicts}["M-7"] == "yes"
    # the reviewed hit does not reopen review on the next run
    assert screen_and_decide(session, actor="test").member_cases == []


def test_a_member_hit_below_the_clauses_band_opens_no_case(world: World, session: Session) -> None:
    screen_and_decide(session, actor="test")
    session.commit()
    weak = session.scalars(select(Hit).where(Hit.subject_member_id == world.quist.id)).all()
    assert weak and {h.band for h in weak} == {"name-only"}  # flagged, below 'possible'
    assert all(c.member_id != world.quist.id for c in _member_cases(session))
    outcome = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "screening.member_outcome",
            AuditEvent.entity_id == str(world.quist.id),
        )
    ).one()
    assert outcome.after == {
        "referred": False,
        "clause_ids": [],
        "evidence_hit_ids": [],
        "case_id": None,
        "status": "current",
    }


def test_an_upheld_exclusion_stays_and_admitting_clears_the_pair(
    world: World, session: Session, tmp_path: Path
) -> None:
    users = world.users
    screen_and_decide(session, actor="test")
    (case,) = _member_cases(session)
    service.claim(session, users["rosa"], case.id)
    service.propose(session, users["rosa"], case.id, outcome="exclude", reason="x" * 20)
    service.approve(session, users["tess"], case.id)
    appeal = service.appeal(session, users["rosa"], case.id, grounds="not me")
    service.claim(session, users["ravi"], appeal.id)
    service.propose(session, users["ravi"], appeal.id, outcome="uphold", reason="y" * 20)
    with pytest.raises(PermissionDenied, match="involved"):
        service.approve(session, users["tess"], appeal.id)  # approved the original
    service.approve(session, users["sam"], appeal.id)
    session.refresh(world.okafor)
    assert world.okafor.status == MemberStatus.EXCLUDED
    # an excluded member is not screened again, so no new case about them opens
    _version(session, tmp_path, V2.replace("Other Party", "Another Party"), 3)
    assert screen_and_decide(session, actor="test").member_cases == []


def test_cleared_member_hit_is_remembered(world: World, session: Session, tmp_path: Path) -> None:
    users = world.users
    screen_and_decide(session, actor="test")
    (case,) = _member_cases(session)
    service.claim(session, users["rosa"], case.id)
    service.propose(
        session,
        users["rosa"],
        case.id,
        outcome="admit",
        reason="a namesake: different date of birth on the party's own record",
        cleared_hit_ids=list(case.evidence_hit_ids),
    )
    session.commit()
    session.refresh(world.okafor)
    assert world.okafor.status == MemberStatus.CURRENT
    # the entry's party changes (a new version): the pair is new, so people see it again
    _version(session, tmp_path, V2.replace("X-2,Siobhan,Okafor", "X-2,Siobhan,Okafor-Reid"), 3)
    assert len(screen_and_decide(session, actor="test").member_cases) == 1


def test_a_case_has_exactly_one_subject(world: World, session: Session) -> None:
    row = {
        "kind": "review",
        "track": "conduct",
        "status": "open",
        "rulebook_version": "x",
        "clause_ids": [],
        "evidence_hit_ids": [],
        "opened_at": utcnow(),
        "updated_at": utcnow(),
    }
    for subject in ({}, {"application_id": None, "member_id": None}):
        with pytest.raises(IntegrityError), session.begin_nested():
            session.execute(insert(Case), [row | subject])
    assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_api_page_and_cli_show_a_member_case(db_url: str, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from test_web_support import WEB_USERS, add_user, api_token, login, settings_for
    from vetline.db import get_engine, session_scope
    from vetline.web import create_app

    with session_scope(get_engine(db_url)) as s:
        for name, role in WEB_USERS:
            add_user(s, name, role)
        _member(
            s,
            "M-7",
            "Siobhan",
            "Okafor",
            date_of_birth=date(1984, 3, 9),
            postcode="S11 8YE",
            address="12 Ecclesall Road, Sheffield",
        )
    with session_scope(get_engine(db_url)) as s:
        _version(s, tmp_path, V1, 1)
        screen_and_decide(s)
    with session_scope(get_engine(db_url)) as s:
        _version(s, tmp_path, V2, 2)
        (case_id,) = screen_and_decide(s).member_cases
    rw = ["cases:read", "cases:write"]
    app = create_app(settings_for(db_url, tmp_path / "data"))
    with TestClient(app) as client:
        rita, sam = api_token(client, "rita", rw), api_token(client, "sam", rw)
        queue = client.get("/api/cases", headers=rita).json()
        assert [(q["id"], q["application_id"], q["external_id"]) for q in queue] == [
            (case_id, None, "M-7")
        ]
        assert queue[0]["member_id"] is not None
        detail = client.get(f"/api/cases/{case_id}", headers=rita).json()
        assert detail["subject"] == "member" and detail["applicant"]["external_id"] == "M-7"
        assert [h["record"]["external_id"] for h in detail["hits"]] == ["X-2"]
        assert detail["hits"][0]["explanation"]

        login(client, "rita")
        page = client.get(f"/cases/{case_id}")
        assert page.status_code == 200
        assert "member M-7" in page.text and "Member and matched record" in page.text
        assert "X-2" in page.text and 'value="reject"' not in page.text
        assert "(member M-7)" in client.get("/queue").text
        exported = client.get("/queue.csv").text.splitlines()
        assert exported[0].endswith(",application_id,member_id")
        assert exported[1].endswith(f",,{queue[0]['member_id']}")

        assert client.post(f"/api/cases/{case_id}/claim", headers=rita).status_code == 200
        proposal = {
            "outcome": "exclude",
            "reason": "Member of another party: the party's list has her in full.",
            "clause_ids": [CLAUSE],
            "evidence_hit_ids": [h["id"] for h in detail["hits"]],
        }
        r = client.post(f"/api/cases/{case_id}/propose", json=proposal, headers=rita)
        assert r.status_code == 200 and r.json()["is_final"] is False, r.text
        r = client.post(f"/api/cases/{case_id}/approve", json={}, headers=sam)
        assert r.status_code == 200 and r.json()["outcome"] == "exclude", r.text

        members = api_token(client, "rita", ["members:read"])
        member = client.get("/api/members/M-7", headers=members).json()
        assert (member["status"], member["case_ids"]) == ("excluded", [case_id])
        sent = client.get("/api/notices", params={"case_id": case_id}, headers=rita).json()
        assert {n["kind"] for n in sent} == {"referral", "decision"}
        assert {(n["member_id"], n["application_id"]) for n in sent} == {(member["id"], None)}

    if db_url.startswith("sqlite"):
        from typer.testing import CliRunner

        from vetline.cli import app as cli

        shown = CliRunner().invoke(cli, ["cases", "show", str(case_id), "--as", "rita"])
        assert shown.exit_code == 0, shown.output
        assert "member M-7: Siobhan Okafor" in shown.output
        assert "membership excluded" in shown.output


MEMBERS = "id,first_name,last_name,date_of_birth,postcode,address,email,joined_at,paid_until\n"
NOWAK = "M-20,Tomasz,Nowak,1979-02-14,{postcode},{address},{email},2012-04-01,{paid}\n"


def _members_file(session: Session, tmp_path: Path, n: int, **fields: str) -> None:
    from vetline.intake import import_members

    values = {
        "postcode": "BD1 1AA",
        "address": "9 Other Street Bradford",
        "email": "",
        "paid": "2030-01-01",
    } | fields
    path = tmp_path / f"members_{n}.csv"
    path.write_text(MEMBERS + NOWAK.format(**values), encoding="utf-8")
    import_members(session, path)
    session.commit()


def test_the_membership_is_screened_in_full_once_and_members_added_later_too(
    session: Session, tmp_path: Path
) -> None:
    """Members imported before the first screening are back-filled against every list, not
    only against what a later list version changes; a member a later import adds is
    screened then; nobody is screened twice without a reason."""
    make_users(session)
    listed = HEADER + "X-8,Tomasz,Nowak,1979-02-14,LS6 1AA,5 Hyde Park Road Leeds,,Other Party\n"
    _members_file(session, tmp_path, 1)
    _version(session, tmp_path, listed, 1)
    first = screen_and_decide(session, actor="test")
    session.commit()
    assert first.members_rescreened == 1 and first.members_new == 1
    assert first.changed_member_hits == {LIST: 1}
    member = session.scalars(select(Member).where(Member.external_id == "M-20")).one()
    (hit,) = session.scalars(select(Hit).where(Hit.subject_member_id == member.id)).all()
    assert hit.new_in_version is None and hit.superseded_at is None
    (case,) = _member_cases(session)
    assert case.member_id == member.id and case.evidence_hit_ids == [hit.id]
    again = screen_and_decide(session, actor="test")
    assert again.members_rescreened == 0 and again.member_cases == []

    # a member added by a later import is screened against the whole list once
    path = tmp_path / "members_added.csv"
    path.write_text(
        MEMBERS
        + NOWAK.format(postcode="BD1 1AA", address="9 Other Street Bradford", email="", paid=""),
        encoding="utf-8",
    )

    def add_member_and_screen(row: str) -> ScreeningSummary:
        from vetline.intake import import_members

        path.write_text(path.read_text(encoding="utf-8") + row, encoding="utf-8")
        import_members(session, path)
        session.commit()
        summary = screen_and_decide(session, actor="test")
        session.commit()
        return summary

    added = add_member_and_screen(
        "M-21,Tomasz,Nowak,1979-02-14,LS6 1AA,5 Hyde Park Road Leeds,,2024-01-01,\n"
    )
    assert added.members_new == 1 and added.changed_member_hits == {LIST: 1}
    newcomer = session.scalars(select(Member).where(Member.external_id == "M-21")).one()
    assert session.scalars(select(Hit).where(Hit.subject_member_id == newcomer.id)).one()
    assert screen_and_decide(session, actor="test").members_rescreened == 0

    # a new member and a new list version in one run: the member is screened in full once,
    # the members screened before only against the added entry; no pair is found twice
    _version(
        session,
        tmp_path,
        listed + "X-9,Ada,Lovelace,1985-12-10,LS6 2BB,7 Cardigan Road Leeds,,Other Party\n",
        2,
    )
    both = add_member_and_screen(
        "M-22,Ada,Lovelace,1985-12-10,LS6 2BB,7 Cardigan Road Leeds,,2025-01-01,\n"
    )
    assert both.members_new == 1 and both.changed_member_hits == {LIST: 1}
    # Ada is screened in full only: the list re-screen takes the members screened before
    assert both.members_relisted.get(LIST, 0) == 0
    ada = session.scalars(select(Member).where(Member.external_id == "M-22")).one()
    pairs = session.execute(
        select(Hit.subject_member_id, Hit.reference_entry_id).where(
            Hit.subject_member_id.is_not(None), Hit.superseded_at.is_(None)
        )
    ).all()
    assert len(pairs) == len(set(pairs)) == 3  # M-20 and M-21: X-8; M-22: X-9
    assert sum(1 for m, _ in pairs if m == ada.id) == 1


def test_a_member_whose_record_changes_is_screened_again(session: Session, tmp_path: Path) -> None:
    make_users(session)
    listed = HEADER + "X-8,Tomasz,Nowak,1979-02-14,LS6 1AA,5 Hyde Park Road Leeds,,Other Party\n"
    _members_file(session, tmp_path, 1)
    _version(session, tmp_path, listed, 1)
    first = screen_and_decide(session, actor="test")
    session.commit()
    # the first run screens the whole membership (the back-fill): same name and date of
    # birth in another city is a hit for review, and the rulebook opens a case
    assert first.members_rescreened == 1 and first.members_new == 1
    member = session.scalars(select(Member).where(Member.external_id == "M-20")).one()
    (before,) = session.scalars(select(Hit).where(Hit.subject_member_id == member.id)).all()
    (case,) = _member_cases(session)
    assert case.member_id == member.id and case.evidence_hit_ids == [before.id]

    # the member moves to the listed address: the new record is screened, the old record's
    # hit is history, the new one is stronger, and the open case is not opened twice
    moved = {"postcode": "LS6 1AA", "address": "5 Hyde Park Road Leeds"}
    _members_file(session, tmp_path, 2, **moved)
    second = screen_and_decide(session, actor="test")
    session.commit()
    assert second.members_rescreened == 1 and second.members_new == 0
    assert second.changed_member_hits == {LIST: 1} and second.member_cases == []
    session.refresh(before)
    assert before.superseded_at is not None
    old = session.scalars(
        select(Hit).where(Hit.subject_member_id == member.id, Hit.superseded_at.is_(None))
    ).one()
    assert old.band == "match" and old.score > before.score
    assert len(_member_cases(session)) == 1
    session.refresh(member)
    assert member.status == MemberStatus.CURRENT

    # another change: the earlier hit is superseded and renewed, and no second case opens
    _members_file(session, tmp_path, 3, email="t.nowak@example.org", **moved)
    third = screen_and_decide(session, actor="test")
    session.commit()
    assert third.members_rescreened == 1 and third.member_cases == []
    session.refresh(old)
    assert old.superseded_at is not None
    renewed = session.scalars(
        select(Hit).where(Hit.subject_member_id == member.id, Hit.superseded_at.is_(None))
    ).one()
    assert renewed.id != old.id and renewed.reference_entry_id == old.reference_entry_id
    assert len(_member_cases(session)) == 1

    # a change of fee alone is not a new record to screen; nothing is screened twice
    _members_file(session, tmp_path, 4, email="t.nowak@example.org", paid="2031-01-01", **moved)
    assert screen_and_decide(session, actor="test").members_rescreened == 0


def test_hits_on_entries_a_new_version_removes_are_superseded(
    session: Session, tmp_path: Path
) -> None:
    from vetline.intake import import_applications
    from vetline.outcomes import build_facts

    apps = tmp_path / "apps.csv"
    apps.write_text(
        "id,first_name,last_name,date_of_birth,postcode,address,applied_at\n"
        "A-1,Ann,Lee,1970-01-01,LS1 1AA,1 Park Row,2016-07-12T09:30:00Z\n",
        encoding="utf-8",
    )
    import_applications(session, apps)
    _member(
        session,
        "M-7",
        "Siobhan",
        "Okafor",
        date_of_birth=date(1984, 3, 9),
        postcode="S11 8YE",
        address="12 Ecclesall Road, Sheffield",
    )
    _version(session, tmp_path, V1, 1)
    screen_and_decide(session, actor="test")
    _version(session, tmp_path, V2, 2)
    screen_and_decide(session, actor="test")
    session.commit()
    on_app = session.scalars(select(Hit).where(Hit.application_id.is_not(None))).one()
    on_member = session.scalars(
        select(Hit).where(Hit.subject_member_id.is_not(None), Hit.band == "match")
    ).one()
    assert on_app.superseded_at is None and on_member.superseded_at is None

    # version 3 no longer lists Ann Lee nor Siobhan Okafor
    _version(session, tmp_path, HEADER + "X-3,Bartholomew,Quist,,,,,Other Party\n", 3)
    screen_and_decide(session, actor="test")
    session.commit()
    session.refresh(on_app)
    session.refresh(on_member)
    assert on_app.superseded_at is not None and on_member.superseded_at is not None
    assert member_hits(session, list_name=LIST) == []
    application = on_app.application_id
    assert application is not None
    (facts,) = build_facts(session, [session.get_one(Application, application)]).values()
    assert facts.hits == ()


def test_a_members_import_does_not_undo_an_exclusion_people_decided(
    session: Session, tmp_path: Path
) -> None:
    users = make_users(session)
    listed = HEADER + "X-8,Tomasz,Nowak,1979-02-14,LS6 1AA,5 Hyde Park Road Leeds,,Other Party\n"
    moved = {"postcode": "LS6 1AA", "address": "5 Hyde Park Road Leeds"}
    _members_file(session, tmp_path, 1)
    _version(session, tmp_path, listed, 1)
    screen_and_decide(session, actor="test")
    _members_file(session, tmp_path, 2, **moved)  # moves to the listed address
    screen_and_decide(session, actor="test")
    (case,) = _member_cases(session)
    service.claim(session, users["rosa"], case.id)
    service.propose(session, users["rosa"], case.id, outcome="exclude", reason="x" * 20)
    service.approve(session, users["sam"], case.id)
    session.commit()
    member = session.scalars(select(Member).where(Member.external_id == "M-20")).one()
    assert member.status == MemberStatus.EXCLUDED

    # the membership system's next export still says current (no status column: the
    # default) and carries a new e-mail: the e-mail is taken, the exclusion is kept
    path = tmp_path / "members_export.csv"
    path.write_text(
        MEMBERS + NOWAK.format(email="t.nowak@example.org", paid="2030-01-01", **moved),
        encoding="utf-8",
    )
    from vetline.intake import import_members

    summary = import_members(session, path, actor="sync")
    session.commit()
    assert (summary.updated, summary.kept_exclusions) == (1, 1)
    session.refresh(member)
    assert member.status == MemberStatus.EXCLUDED and member.email == "t.nowak@example.org"
    kept = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "member.status_kept", AuditEvent.entity_id == str(member.id)
        )
    ).one()
    assert kept.actor == "sync" and kept.after is not None
    assert kept.after["status"] == "excluded" and "appeal" in (kept.reason or "")

    # once an appeal overturns it, the file's status is the member's again
    appeal = service.appeal(session, users["rosa"], case.id, grounds="I left that party")
    service.claim(session, users["ravi"], appeal.id)
    service.propose(session, users["ravi"], appeal.id, outcome="overturn", reason="y" * 20)
    session.commit()
    session.refresh(member)
    assert member.status == MemberStatus.CURRENT


def test_a_members_import_may_change_an_exclusion_made_outside_vetline(
    session: Session, tmp_path: Path
) -> None:
    from vetline.intake import import_members

    header = MEMBERS.rstrip("\n") + ",status\n"
    row = "M-30,Ada,Byron,1980-05-05,LS1 1AA,1 Park Row,,2012-04-01,2030-01-01,{status}\n"
    for n, status in enumerate(("excluded", "current")):
        path = tmp_path / f"m{n}.csv"
        path.write_text(header + row.format(status=status), encoding="utf-8")
        summary = import_members(session, path)
        session.commit()
        assert summary.kept_exclusions == 0
    member = session.scalars(select(Member).where(Member.external_id == "M-30")).one()
    assert member.status == MemberStatus.CURRENT
