"""Case transitions and their refusals: claim, propose, four-eyes approval, return, conflicts,
appeals, responses and bulk confirmation of the administrative track."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from test_cases_support import (
    SURGE,
    make_app,
    make_entry,
    make_hit,
    make_list,
    make_run,
    make_users,
)
from vetline.cases import service
from vetline.db.people import Application, ApplicationStatus, ListKind, ReferenceList
from vetline.db.review import Case, CaseStatus, ClearedPair, Decision, Notice, User
from vetline.db.screening import Hit
from vetline.errors import Conflict, InputError, PermissionDenied
from vetline.outcomes import decide_outcomes
from vetline.rulebook import load_rulebook

NOW = datetime(2016, 7, 21, 9, 0, tzinfo=UTC)
LABOUR = load_rulebook("labour-2016")


@dataclass
class World:
    users: dict[str, User]
    case: Case
    app: Application
    hit: Hit


def _referred(
    session: Session,
    ext: str = "A1",
    *,
    applied_at: datetime = SURGE,
    score: float = 0.7,
    first: str = "Jane",
) -> tuple[Case, Application, Hit]:
    app = make_app(session, ext, applied_at=applied_at, first=first)
    greens = session.scalar(select(ReferenceList).where(ReferenceList.name == "greens"))
    if greens is None:
        greens = make_list(session, "greens", ListKind.PARTY_MEMBERS)
    hit = make_hit(
        session,
        make_run(session),
        app,
        entry=make_entry(session, greens, f"G-{ext}", first=first),
        score=score,
    )
    decide_outcomes(session, [app.id], rulebook=LABOUR, now=NOW)
    case = session.scalars(select(Case).where(Case.application_id == app.id)).one()
    return case, app, hit


@pytest.fixture
def world(session: Session) -> World:
    users = make_users(session)
    case, app, hit = _referred(session)
    return World(users, case, app, hit)


def test_claim_next_orders_by_vote_then_evidence_then_age(session: Session) -> None:
    users = make_users(session)
    late_strong, _, _ = _referred(
        session, "LATE", applied_at=SURGE + timedelta(days=30), score=0.95, first="Lou"
    )
    early_weak, _, _ = _referred(session, "EARLY", score=0.6, first="Eve")
    early_strong, _, _ = _referred(session, "EARLY2", score=0.9, first="Eva")
    freeze = SURGE + timedelta(days=1)
    queue = service.list_queue(session, users["olu"], freeze_at=freeze)
    assert [c.id for c in queue] == [early_strong.id, early_weak.id, late_strong.id]
    # without a freeze date: strength of evidence first
    assert service.list_queue(session, users["olu"])[0].id == late_strong.id
    first = service.claim_next(session, users["rosa"], freeze_at=freeze, now=NOW)
    second = service.claim_next(session, users["ravi"], freeze_at=freeze, now=NOW)
    assert first is not None and second is not None
    assert (first.id, second.id) == (early_strong.id, early_weak.id)
    # asking again gives back the case you hold, not a second one
    again = service.claim_next(session, users["rosa"], freeze_at=freeze, now=NOW)
    assert again is not None and again.id == first.id


def test_two_reviewers_never_hold_one_case(world: World, session: Session) -> None:
    got = service.claim(session, world.users["rosa"], world.case.id, now=NOW)
    assert got.claimed_by == "rosa"
    with pytest.raises(Conflict):
        service.claim(session, world.users["ravi"], world.case.id, now=NOW)
    assert service.claim_next(session, world.users["ravi"], now=NOW) is None
    # an abandoned claim goes back to the queue after the time limit
    later = NOW + timedelta(hours=5)
    taken = service.claim_next(session, world.users["ravi"], now=later)
    assert taken is not None and taken.id == world.case.id and taken.claimed_by == "ravi"


def test_auditor_and_admin_cannot_work_cases(world: World, session: Session) -> None:
    for name in ("olu", "ada"):
        with pytest.raises(PermissionDenied):
            service.claim_next(session, world.users[name], now=NOW)
    assert service.list_queue(session, world.users["olu"])  # read-only is fine


def test_propose_needs_a_claim_a_real_reason_and_a_known_outcome(
    world: World, session: Session
) -> None:
    rosa = world.users["rosa"]
    with pytest.raises(Conflict, match="claim it"):
        service.propose(session, rosa, world.case.id, outcome="reject", reason="member of Greens")
    service.claim(session, rosa, world.case.id, now=NOW)
    with pytest.raises(InputError, match="reason"):
        service.propose(session, rosa, world.case.id, outcome="reject", reason="no")
    with pytest.raises(InputError, match="outcome"):
        service.propose(session, rosa, world.case.id, outcome="ban", reason="member of Greens")
    with pytest.raises(InputError, match="not in rulebook"):
        service.propose(
            session,
            rosa,
            world.case.id,
            outcome="reject",
            reason="member of the Greens",
            clause_ids=["MADE-UP"],
        )


def _reject_proposed(world: World, session: Session, proposer: str = "rosa") -> Decision:
    service.claim(session, world.users[proposer], world.case.id, now=NOW)
    return service.propose(
        session,
        world.users[proposer],
        world.case.id,
        outcome="reject",
        reason="Green Party membership record matches name, DOB and address",
        now=NOW,
    )


def test_adverse_outcome_needs_a_different_senior(world: World, session: Session) -> None:
    proposal = _reject_proposed(world, session)
    assert not proposal.is_final and world.case.status == CaseStatus.PROPOSED
    assert world.app.status == ApplicationStatus.REFERRED  # nothing happens to the applicant yet
    with pytest.raises(PermissionDenied):  # a reviewer is not a senior
        service.approve(session, world.users["ravi"], world.case.id)
    final = service.approve(session, world.users["sam"], world.case.id, now=NOW)
    assert final.is_final and final.supersedes_id == proposal.id
    assert world.case.status == CaseStatus.CLOSED and world.case.final_outcome == "reject"
    assert world.app.status == ApplicationStatus.REJECTED
    # traceable: clause, rulebook version, evidence and both actors
    decisions = session.scalars(
        select(Decision).where(Decision.case_id == world.case.id).order_by(Decision.id)
    ).all()
    assert [(d.kind, d.actor_id) for d in decisions] == [
        ("proposal", world.users["rosa"].id),
        ("approval", world.users["sam"].id),
    ]
    assert final.clause_ids == ["LAB-2.1-other-party"]
    assert final.rulebook_version == "labour-2016@2016.1"
    assert final.evidence["hit_ids"] == [world.hit.id]
    notice = session.scalars(select(Notice).where(Notice.kind == "decision")).one()
    assert "You can appeal" in notice.body and "LAB-2.1-other-party" in notice.body


def test_senior_cannot_approve_their_own_proposal(world: World, session: Session) -> None:
    _reject_proposed(world, session, proposer="sam")
    with pytest.raises(PermissionDenied, match="four eyes"):
        service.approve(session, world.users["sam"], world.case.id)
    with pytest.raises(PermissionDenied, match="four eyes"):
        service.return_(session, world.users["sam"], world.case.id, reason="changed my mind")
    assert world.case.status == CaseStatus.PROPOSED


def test_return_sends_the_case_back_to_its_proposer(world: World, session: Session) -> None:
    _reject_proposed(world, session)
    with pytest.raises(InputError):
        service.return_(session, world.users["sam"], world.case.id, reason="no")
    back = service.return_(
        session, world.users["sam"], world.case.id, reason="Check the date of birth first", now=NOW
    )
    assert back.kind == "return" and not back.is_final
    assert world.case.status == CaseStatus.CLAIMED
    assert world.case.claimed_by_id == world.users["rosa"].id
    with pytest.raises(Conflict):  # nothing waits for approval any more
        service.approve(session, world.users["tess"], world.case.id)
    # rosa clears it: not the same person; decision memory keeps the pair
    decided = service.propose(
        session,
        world.users["rosa"],
        world.case.id,
        outcome="admit",
        reason="Different date of birth and town",
        cleared_hit_ids=[world.hit.id],
        now=NOW,
    )
    assert decided.is_final and world.app.status == ApplicationStatus.PROVISIONAL
    cleared = session.scalars(select(ClearedPair)).one()
    assert cleared.pair_hash == world.hit.pair_hash and cleared.case_id == world.case.id


def test_conflicted_reviewer_is_kept_off(world: World, session: Session) -> None:
    service.declare_conflict(
        session, world.users["rosa"], world.case.id, reason="The applicant is my neighbour", now=NOW
    )
    assert service.claim_next(session, world.users["rosa"], now=NOW) is None
    with pytest.raises(PermissionDenied, match="conflict"):
        service.claim(session, world.users["rosa"], world.case.id, now=NOW)
    _reject_proposed(world, session, proposer="ravi")
    service.declare_conflict(
        session, world.users["sam"], world.case.id, reason="Campaigned with the applicant", now=NOW
    )
    with pytest.raises(PermissionDenied, match="conflict"):
        service.approve(session, world.users["sam"], world.case.id)
    service.approve(session, world.users["tess"], world.case.id, now=NOW)


def test_declaring_a_conflict_releases_your_claim(world: World, session: Session) -> None:
    service.claim(session, world.users["rosa"], world.case.id, now=NOW)
    service.declare_conflict(session, world.users["rosa"], world.case.id, reason="My cousin")
    assert world.case.status == CaseStatus.OPEN and world.case.claimed_by_id is None


def _rejected(world: World, session: Session) -> Decision:
    _reject_proposed(world, session)
    return service.approve(session, world.users["sam"], world.case.id, now=NOW)


def test_appeal_is_heard_by_someone_not_involved(world: World, session: Session) -> None:
    original = _rejected(world, session)
    appeal = service.appeal(
        session,
        world.users["ravi"],
        world.case.id,
        grounds="That is my namesake; I live in Leeds",
        now=NOW,
    )
    assert appeal.kind == "appeal" and appeal.appeal_of_case_id == world.case.id
    assert appeal.due_at == NOW + timedelta(days=56)
    for involved in ("rosa", "sam"):
        with pytest.raises(PermissionDenied, match="not involved"):
            service.claim(session, world.users[involved], appeal.id, now=NOW)
    assert service.claim_next(session, world.users["rosa"], now=NOW) is None
    service.claim(session, world.users["ravi"], appeal.id, now=NOW)
    with pytest.raises(InputError, match="outcome"):
        service.propose(
            session,
            world.users["ravi"],
            appeal.id,
            outcome="admit",
            reason="Different person, different town",
        )
    service.propose(
        session,
        world.users["ravi"],
        appeal.id,
        outcome="uphold",
        reason="Membership record matches name, DOB and address",
        now=NOW,
    )
    with pytest.raises(PermissionDenied, match="not involved"):
        service.approve(session, world.users["sam"], appeal.id)
    service.return_(
        session,
        world.users["tess"],
        appeal.id,
        reason="The applicant's Leeds address was not checked",
        now=NOW,
    )
    decided = service.propose(
        session,
        world.users["ravi"],
        appeal.id,
        outcome="overturn",
        reason="Leeds address differs: a namesake",
        now=NOW,
    )
    assert decided.is_final and world.app.status == ApplicationStatus.PROVISIONAL
    # the original decision stays exactly as it was
    session.expire_all()
    again = session.get(Decision, original.id)
    assert again is not None and again.outcome == "reject" and again.is_final
    detail = service.case_detail(session, world.users["olu"], appeal.id)
    assert detail.appeal is not None and detail.appeal["original_decision_id"] == original.id


def test_appeal_refusals(world: World, session: Session) -> None:
    with pytest.raises(Conflict, match="no final decision"):
        service.appeal(session, world.users["ravi"], world.case.id, grounds="x")
    _rejected(world, session)
    with pytest.raises(Conflict, match="window"):
        service.appeal(
            session,
            world.users["ravi"],
            world.case.id,
            grounds="late",
            now=NOW + timedelta(days=29),
        )
    appeal = service.appeal(
        session, world.users["ravi"], world.case.id, grounds="namesake", now=NOW
    )
    with pytest.raises(Conflict, match="already"):
        service.appeal(session, world.users["ravi"], world.case.id, grounds="again", now=NOW)
    with pytest.raises(Conflict, match="itself an appeal"):
        service.appeal(session, world.users["ravi"], appeal.id, grounds="again", now=NOW)
    with pytest.raises(PermissionDenied):
        service.appeal(session, world.users["olu"], world.case.id, grounds="x", now=NOW)


def test_admitted_case_cannot_be_appealed(world: World, session: Session) -> None:
    service.claim(session, world.users["rosa"], world.case.id, now=NOW)
    service.propose(
        session,
        world.users["rosa"],
        world.case.id,
        outcome="admit",
        reason="Different date of birth",
        now=NOW,
    )
    with pytest.raises(Conflict, match="nothing to appeal"):
        service.appeal(session, world.users["ravi"], world.case.id, grounds="x", now=NOW)


def test_clause_cited_before_its_effective_date_is_refused(session: Session) -> None:
    users = make_users(session)
    # applied on 1 July 2016: the supporter declaration (from 18 July) was not yet in force
    case, _, _ = _referred(session, "EARLY", applied_at=datetime(2016, 7, 1, tzinfo=UTC))
    service.claim(session, users["rosa"], case.id, now=NOW)
    with pytest.raises(InputError, match="not in force"):
        service.propose(
            session,
            users["rosa"],
            case.id,
            outcome="reject",
            reason="Registered supporter declaration broken",
            clause_ids=["LAB-NEC-2016-supporter-declaration"],
        )


def test_clause_cited_against_conduct_before_it_existed_is_refused(session: Session) -> None:
    users = make_users(session)
    app = make_app(session, "A1", category="registered_supporter")
    cands = make_list(session, "dc", ListKind.CANDIDATES)
    old = make_entry(session, cands, "C1", event_date=date(2015, 5, 7))
    hit = make_hit(session, make_run(session), app, entry=old, band="name-only", score=0.3)
    decide_outcomes(session, [app.id], rulebook=LABOUR, now=NOW)
    case = session.scalars(select(Case)).one()
    assert case.clause_ids == ["LAB-2.2-stood-against"]  # the long-standing rule reaches 2015
    service.claim(session, users["rosa"], case.id, now=NOW)
    with pytest.raises(InputError, match="conduct dated 2015-05-07"):
        service.propose(
            session,
            users["rosa"],
            case.id,
            outcome="exclude",
            reason="Stood for the Greens in May 2015",
            clause_ids=["LAB-NEC-2016-supporter-declaration"],
            evidence_hit_ids=[hit.id],
        )


def test_admin_track_response_reopens_and_bulk_confirmation_needs_two_people(
    session: Session,
) -> None:
    users = make_users(session)
    make_list(session, "register", ListKind.REGISTER)
    apps = [make_app(session, f"R{i}", first=f"P{i}") for i in range(4)]
    decide_outcomes(session, [a.id for a in apps], rulebook=LABOUR, now=NOW)
    cases = {c.application_id: c for c in session.scalars(select(Case))}
    assert all(c.status == CaseStatus.AWAITING_RESPONSE for c in cases.values())
    answered = cases[apps[0].id]
    service.record_response(
        session,
        users["rosa"],
        answered.id,
        body="I registered to vote last week",
        now=NOW + timedelta(days=2),
    )
    assert answered.status == CaseStatus.OPEN
    with pytest.raises(Conflict, match="no administrative cases"):
        service.prepare_bulk(session, users["rosa"], now=NOW + timedelta(days=3))
    after = NOW + timedelta(days=15)
    preview = service.prepare_bulk(session, users["sam"], now=after, sample_size=2, seed=1)
    assert preview.cases == 3 and len(preview.sample) == 2
    with pytest.raises(PermissionDenied, match="four eyes"):
        service.confirm_bulk(session, users["sam"], preview.batch_id, now=after)
    with pytest.raises(PermissionDenied):
        service.confirm_bulk(session, users["rosa"], preview.batch_id, now=after)
    # one more applicant answers between preparation and confirmation
    service.record_response(
        session, users["rosa"], cases[apps[1].id].id, body="Moved house", now=after
    )
    assert service.confirm_bulk(session, users["tess"], preview.batch_id, now=after) == 2
    assert {a.status for a in apps[2:]} == {ApplicationStatus.REJECTED}
    assert apps[0].status == ApplicationStatus.FIX_IT
    with pytest.raises(Conflict, match="already"):
        service.confirm_bulk(session, users["tess"], preview.batch_id, now=after)


def test_case_detail_has_the_evidence(world: World, session: Session) -> None:
    detail = service.case_detail(session, world.users["olu"], world.case.id)
    assert detail.applicant["external_id"] == "A1"
    assert [h.id for h in detail.hits] == [world.hit.id]
    assert detail.hits[0].record["party"] == "Green Party"
    assert detail.hits[0].explanation and detail.hits[0].list_kind == "party_members"
    assert [c.id for c in detail.clauses] == ["LAB-2.1-other-party"]
    assert detail.notices and detail.notices[0]["kind"] == "referral"
    data = detail.to_json()
    assert data["case"]["id"] == world.case.id


def test_provisional_period_extends_once_by_four_weeks(session: Session) -> None:
    users = make_users(session)
    app = make_app(session, "P1")
    decide_outcomes(session, [app.id], rulebook=LABOUR, now=NOW)
    with pytest.raises(PermissionDenied):
        service.extend_provisional(session, users["rosa"], app.id, reason="awaiting references")
    row = service.extend_provisional(
        session, users["sam"], app.id, reason="Awaiting the branch's comments", now=NOW
    )
    assert row.deadline_at == NOW + timedelta(weeks=12)
    with pytest.raises(Conflict, match="already extended"):
        service.extend_provisional(session, users["tess"], app.id, reason="again", now=NOW)


@pytest.mark.postgres
def test_concurrent_claims_on_postgres_take_different_cases(pg_url: str) -> None:
    import threading

    from sqlalchemy.orm import sessionmaker

    from vetline.db import get_engine

    engine = get_engine(pg_url)
    maker = sessionmaker(bind=engine, expire_on_commit=False)
    with maker() as setup:
        make_users(setup)
        _referred(setup, "C1", first="Ann")
        _referred(setup, "C2", first="Bob")
        setup.commit()
    got: dict[str, int | None] = {}

    def claim_as(name: str, hold: threading.Event | None = None) -> None:
        with maker() as s:
            user = s.scalars(select(User).where(User.name == name)).one()
            summary = service.claim_next(s, user, now=NOW)
            got[name] = summary.id if summary else None
            if hold is not None:
                hold.wait(10)  # keep the transaction (and its row lock) open
            s.commit()

    release = threading.Event()
    first = threading.Thread(target=claim_as, args=("rosa", release))
    first.start()
    while "rosa" not in got:
        threading.Event().wait(0.02)
    second = threading.Thread(target=claim_as, args=("ravi",))
    second.start()
    threading.Event().wait(0.3)
    release.set()
    first.join(20)
    second.join(20)
    assert got["rosa"] is not None and got["ravi"] is not None
    assert got["rosa"] != got["ravi"]


def test_every_decision_is_traceable_to_clause_rulebook_evidence_and_actors(
    session: Session, tmp_path: object
) -> None:
    from pathlib import Path

    from vetline import audit
    from vetline.cases.notices import export_outbox
    from vetline.db.review import AuditEvent, RulebookRecord

    users = make_users(session)
    cases = [_referred(session, f"T{i}", first=f"N{i}")[0] for i in range(3)]
    # one admitted, one rejected (four eyes), one rejected then overturned on appeal
    service.claim(session, users["rosa"], cases[0].id, now=NOW)
    service.propose(
        session,
        users["rosa"],
        cases[0].id,
        outcome="admit",
        reason="Different date of birth",
        now=NOW,
    )
    for c in cases[1:]:
        service.claim(session, users["rosa"], c.id, now=NOW)
        service.propose(
            session,
            users["rosa"],
            c.id,
            outcome="reject",
            reason="Membership record matches name and DOB",
            now=NOW,
        )
        service.approve(session, users["sam"], c.id, now=NOW)
    appeal = service.appeal(session, users["ravi"], cases[2].id, grounds="Not me", now=NOW)
    service.claim(session, users["ravi"], appeal.id, now=NOW)
    service.propose(
        session,
        users["ravi"],
        appeal.id,
        outcome="overturn",
        reason="Different town on the electoral register",
        now=NOW,
    )
    session.flush()
    stored = {f"{r.name}@{r.version}" for r in session.scalars(select(RulebookRecord))}
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "case")).all()
    for d in session.scalars(select(Decision)):
        assert d.rulebook_version in stored
        assert d.clause_ids and all(LABOUR.has_clause(c) for c in d.clause_ids)
        for hit_id in d.evidence["hit_ids"]:
            hit = session.get(Hit, hit_id)
            assert hit is not None and hit.pair_hash
        assert session.get(User, d.actor_id) is not None
        assert any(e.after and e.after.get("decision_id") == d.id for e in events), d.id
        if d.kind == "approval":
            proposal = session.get(Decision, d.supersedes_id)
            assert proposal is not None and proposal.actor_id != d.actor_id
    assert audit.verify(session).ok
    out = Path(str(tmp_path)) / "outbox"
    written = export_outbox(session, out)
    assert written == len(session.scalars(select(Notice)).all()) and written >= 8
    assert any("appeal" in p.name for p in out.iterdir())


def _rescreen(session: Session, app: Application, when: datetime) -> None:
    """What screening does on a new list version: the application goes back to 'screened'."""
    app.status = ApplicationStatus.SCREENED
    session.flush()
    decide_outcomes(session, [app.id], rulebook=LABOUR, now=when)


def test_rescreening_never_undoes_what_people_decided(world: World, session: Session) -> None:
    later = NOW + timedelta(days=3)
    _rescreen(session, world.app, later)  # open case: still referred, no second case
    assert world.app.status == ApplicationStatus.REFERRED
    _rejected(world, session)
    _rescreen(session, world.app, later)  # refused by two people: the machine cannot reopen it
    assert world.app.status == ApplicationStatus.REJECTED
    assert len(session.scalars(select(Case)).all()) == 1


def test_after_an_admission_only_new_grounds_reopen_review(world: World, session: Session) -> None:
    service.claim(session, world.users["rosa"], world.case.id, now=NOW)
    service.propose(
        session,
        world.users["rosa"],
        world.case.id,
        outcome="admit",
        reason="Readmitted with the committee's consent",
        now=NOW,
    )
    later = NOW + timedelta(days=3)
    _rescreen(session, world.app, later)  # the same hit, already judged: stays admitted
    assert world.app.status == ApplicationStatus.PROVISIONAL
    assert len(session.scalars(select(Case)).all()) == 1
    cands = make_list(session, "dc", ListKind.CANDIDATES)
    make_hit(
        session,
        make_run(session),
        world.app,
        entry=make_entry(session, cands, "C9"),
        band="name-only",
        score=0.3,
    )
    _rescreen(session, world.app, later)  # a new record and clause: a new case for people
    assert world.app.status == ApplicationStatus.REFERRED
    newest = session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert newest is not None and newest.id != world.case.id
    assert "LAB-2.2-stood-against" in newest.clause_ids  # the reviewer sees every ground


def test_rescreening_keeps_a_running_provisional_period(session: Session) -> None:
    from vetline.outcomes import current_outcome

    app = make_app(session, "P1")
    decide_outcomes(session, [app.id], rulebook=LABOUR, now=NOW)
    _rescreen(session, app, NOW + timedelta(days=20))
    row = current_outcome(session, app.id)
    assert row is not None and row.deadline_at == NOW + timedelta(weeks=8)
