"""decide_outcomes: each rule path from stored hits to admit / provisional / fix-it / case."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from test_cases_support import (
    SURGE,
    make_app,
    make_entry,
    make_hit,
    make_list,
    make_member,
    make_run,
)
from vetline import audit
from vetline.db.people import ApplicationStatus, ListKind
from vetline.db.review import Case, CaseStatus, ClearedPair, Notice, ScreeningOutcome, User
from vetline.errors import Conflict
from vetline.outcomes import current_outcome, decide_outcomes
from vetline.rulebook import load_rulebook, parse_rulebook

NOW = datetime(2016, 7, 21, 9, 0, tzinfo=UTC)
LABOUR = load_rulebook("labour-2016")
CONSERVATIVE = load_rulebook("conservative-2022")


def _decide(session: Session, *apps: object, rulebook: object = LABOUR) -> object:
    return decide_outcomes(
        session,
        [a.id for a in apps],
        rulebook=rulebook,
        now=NOW,  # type: ignore[attr-defined,arg-type]
    )


def test_clean_applicant_is_provisional_for_eight_weeks(session: Session) -> None:
    app = make_app(session, "A1")
    summary = _decide(session, app)
    assert app.status == ApplicationStatus.PROVISIONAL
    row = current_outcome(session, app.id)
    assert row is not None and row.outcome == "provisional" and row.clause_ids == []
    assert row.deadline_at == NOW + timedelta(weeks=8)
    assert row.rulebook_version == "labour-2016@2016.1"
    assert summary.by_outcome == {"provisional": 1}  # type: ignore[attr-defined]


def test_clean_applicant_is_admitted_under_a_rulebook_without_probation(session: Session) -> None:
    app = make_app(session, "A1", applied_at=datetime(2022, 7, 20, tzinfo=UTC))
    _decide(session, app, rulebook=CONSERVATIVE)
    assert app.status == ApplicationStatus.ADMITTED


def test_other_party_member_opens_a_conduct_case_and_a_referral_notice(session: Session) -> None:
    app = make_app(session, "A1", email="jane@example.org")
    greens = make_list(session, "green-members", ListKind.PARTY_MEMBERS)
    hit = make_hit(session, make_run(session), app, entry=make_entry(session, greens, "G1"))
    summary = _decide(session, app)
    assert app.status == ApplicationStatus.REFERRED
    case = session.scalars(select(Case)).one()
    assert (case.track, case.status) == ("conduct", CaseStatus.OPEN)
    assert case.clause_ids == ["LAB-2.1-other-party"]
    assert case.evidence_hit_ids == [hit.id]
    assert case.evidence_score == pytest.approx(0.7)
    notice = session.scalars(select(Notice)).one()
    assert notice.kind == "referral" and notice.channel == "email"
    assert "LAB-2.1-other-party" in notice.body
    assert "Green Party" in notice.body  # the evidence, in plain words
    assert "some details agree" in notice.body
    # from the matcher's per-field explanation, in words (the prior is not a detail)
    assert "Details that agree: surname. Details that differ: postcode." in notice.body
    assert notice.respond_by == NOW + timedelta(days=14)
    assert summary.cases_opened == 1  # type: ignore[attr-defined]
    # traceable: the audit event carries the rulebook version, the score and the threshold
    event = session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == "screening.outcome")
    ).one()
    assert event.rulebook_version == "labour-2016@2016.1"
    assert event.score == pytest.approx(0.7) and event.threshold == pytest.approx(0.05)


def test_weak_band_below_the_clause_band_does_not_refer(session: Session) -> None:
    app = make_app(session, "A1")
    greens = make_list(session, "green-members", ListKind.PARTY_MEMBERS)
    make_hit(
        session,
        make_run(session),
        app,
        entry=make_entry(session, greens, "G1"),
        band="name-only",
        score=0.2,
    )
    _decide(session, app)
    assert app.status == ApplicationStatus.PROVISIONAL


def test_candidate_name_only_hit_refers(session: Session) -> None:
    app = make_app(session, "A1")
    cands = make_list(session, "dc-2016", ListKind.CANDIDATES)
    entry = make_entry(session, cands, "C1", event_date=date(2016, 5, 5))
    make_hit(session, make_run(session), app, entry=entry, band="name-only", score=0.3)
    _decide(session, app)
    assert session.scalars(select(Case)).one().clause_ids == ["LAB-2.2-stood-against"]


RULES_2016 = """
name: test-effective
version: "1"
title: t
party: t
summary: t
effective_from: 2016-06-01
appeal: {lodge_within_days: 28, decide_within_days: 56}
clauses:
  - id: X-stood
    title: stood against
    citation: test
    effective_from: 2016-06-01
    track: conduct
    when: {hit: {list: candidates, band: name-only}}
    outcome: refer
    explanation: test
"""


def test_clause_never_reaches_conduct_before_its_effective_date(session: Session) -> None:
    rulebook = parse_rulebook(RULES_2016, "test.yaml")
    app = make_app(session, "A1")
    cands = make_list(session, "dc", ListKind.CANDIDATES)
    old = make_entry(session, cands, "C2015", event_date=date(2015, 5, 7))
    make_hit(session, make_run(session), app, entry=old, band="match", score=0.9)
    _decide(session, app, rulebook=rulebook)
    assert app.status == ApplicationStatus.ADMITTED
    row = current_outcome(session, app.id)
    assert row is not None
    notes = [r["note"] for r in row.facts["clause_results"]]
    assert any("predates the clause" in (n or "") for n in notes)
    # the same candidacy a year later is within reach
    app2 = make_app(session, "A2", first="Ann")
    new = make_entry(session, cands, "C2016", event_date=date(2016, 6, 2))
    make_hit(session, make_run(session), app2, entry=new, band="match", score=0.9)
    _decide(session, app2, rulebook=rulebook)
    assert app2.status == ApplicationStatus.REFERRED


def test_clause_not_in_force_on_the_application_date(session: Session) -> None:
    # the registered-supporter declaration only applies from 18 July 2016
    early = make_app(
        session, "A1", applied_at=datetime(2016, 7, 1, tzinfo=UTC), category="registered_supporter"
    )
    late = make_app(session, "A2", first="Ann", category="registered_supporter")
    greens = make_list(session, "green-members", ListKind.PARTY_MEMBERS)
    run = make_run(session)
    make_hit(session, run, early, entry=make_entry(session, greens, "G1"))
    make_hit(session, run, late, entry=make_entry(session, greens, "G2", first="Ann"))
    _decide(session, early, late)
    by_app = {c.application_id: c.clause_ids for c in session.scalars(select(Case))}
    assert by_app[early.id] == ["LAB-2.1-other-party"]
    assert by_app[late.id] == ["LAB-2.1-other-party", "LAB-NEC-2016-supporter-declaration"]


def test_not_on_register_gives_a_fix_it_notice_only_when_a_register_is_loaded(
    session: Session,
) -> None:
    app = make_app(session, "A1")
    _decide(session, app)
    assert app.status == ApplicationStatus.PROVISIONAL  # no register loaded: absence means nothing
    make_list(session, "register-sheffield", ListKind.REGISTER)
    app2 = make_app(session, "A2", first="Ann")
    _decide(session, app2)
    assert app2.status == ApplicationStatus.FIX_IT
    case = session.scalars(select(Case).where(Case.application_id == app2.id)).one()
    assert (case.track, case.status) == ("administrative", CaseStatus.AWAITING_RESPONSE)
    assert case.clause_ids == ["LAB-ADM-register"]
    assert case.due_at == NOW + timedelta(days=14)
    notice = session.scalars(select(Notice).where(Notice.case_id == case.id)).one()
    assert notice.kind == "fix_it" and "electoral register" in notice.body
    # a register hit clears it
    app3 = make_app(session, "A3", first="Bea")
    reg = make_list(session, "register-2", ListKind.REGISTER)
    make_hit(
        session,
        make_run(session),
        app3,
        entry=make_entry(session, reg, "EA-1"),
        band="match",
        score=0.95,
    )
    _decide(session, app3)
    assert app3.status == ApplicationStatus.PROVISIONAL


def test_payment_failed_and_age_paths(session: Session) -> None:
    failed = make_app(session, "A1", payment_status="failed")
    young_member = make_app(session, "A2", first="Kid", dob=date(2003, 1, 1))  # 13
    member_15 = make_app(session, "A3", first="Teen", dob=date(2001, 1, 1))  # 15
    supporter_17 = make_app(
        session, "A4", first="Sup", dob=date(1999, 1, 1), category="registered_supporter"
    )
    _decide(session, failed, young_member, member_15, supporter_17)
    clauses = {c.application_id: c.clause_ids for c in session.scalars(select(Case))}
    assert clauses[failed.id] == ["LAB-ADM-payment"]
    assert clauses[young_member.id] == ["LAB-ADM-age-member"]
    assert member_15.id not in clauses and member_15.status == ApplicationStatus.PROVISIONAL
    assert clauses[supporter_17.id] == ["LAB-ADM-age-supporter"]


def test_duplicates_flag_the_member_and_only_the_later_application(session: Session) -> None:
    first = make_app(session, "A1", applied_at=SURGE)
    second = make_app(session, "A2", applied_at=SURGE + timedelta(hours=1), first="Jayne")
    run = make_run(session)
    make_hit(session, run, first, other=second, band="match", score=0.97)
    make_hit(session, run, second, other=first, band="match", score=0.97)
    dup_member = make_app(session, "A3", first="Joan")
    make_hit(session, run, dup_member, member=make_member(session, "M1"), band="match", score=0.9)
    _decide(session, first, second, dup_member)
    clauses = {c.application_id: c.clause_ids for c in session.scalars(select(Case))}
    assert first.id not in clauses
    assert clauses[second.id] == ["LAB-ADM-duplicate-application"]
    assert clauses[dup_member.id] == ["LAB-ADM-duplicate-member"]


def test_expelled_within_five_years_refers_older_expulsions_do_not(session: Session) -> None:
    recent = make_app(session, "A1")
    old = make_app(session, "A2", first="Olga")
    expelled = make_list(session, "expelled", ListKind.EXPELLED)
    run = make_run(session)
    make_hit(
        session, run, recent, entry=make_entry(session, expelled, "E1", event_date=date(2013, 3, 1))
    )
    make_hit(
        session,
        run,
        old,
        entry=make_entry(session, expelled, "E2", first="Olga", event_date=date(2009, 3, 1)),
    )
    _decide(session, recent, old)
    assert recent.status == ApplicationStatus.REFERRED
    assert old.status == ApplicationStatus.PROVISIONAL


def test_cleared_pair_is_not_raised_again_until_a_record_changes(
    session: Session, engine: object
) -> None:
    from test_cases_support import make_users

    users = make_users(session)
    app = make_app(session, "A1")
    greens = make_list(session, "green-members", ListKind.PARTY_MEMBERS)
    run = make_run(session)
    hit = make_hit(session, run, app, entry=make_entry(session, greens, "G1"))
    session.add(
        ClearedPair(
            pair_hash=hit.pair_hash,
            application_id=app.id,
            hit_id=hit.id,
            cleared_by_id=users["rosa"].id,
            reason="different DOB",
        )
    )
    session.flush()
    _decide(session, app)
    assert app.status == ApplicationStatus.PROVISIONAL
    row = current_outcome(session, app.id)
    assert row is not None and row.facts["cleared_hit_ids"] == [hit.id]
    # the reference record changes: new content hash -> new pair hash -> raised again
    changed = make_entry(session, greens, "G1-v2", first="Jane")
    make_hit(session, run, app, entry=changed)
    _decide(session, app)
    assert app.status == ApplicationStatus.REFERRED
    assert isinstance(users["rosa"], User)


def test_rerun_keeps_the_open_case_and_records_the_new_outcome(session: Session) -> None:
    app = make_app(session, "A1")
    greens = make_list(session, "green-members", ListKind.PARTY_MEMBERS)
    make_hit(session, make_run(session), app, entry=make_entry(session, greens, "G1"))
    _decide(session, app)
    summary = _decide(session, app)
    assert len(session.scalars(select(Case)).all()) == 1
    assert len(session.scalars(select(ScreeningOutcome)).all()) == 2
    assert summary.kept_open_case == 1  # type: ignore[attr-defined]


def test_changed_rulebook_text_under_the_same_version_is_refused(session: Session) -> None:
    app = make_app(session, "A1")
    _decide(session, app)
    edited = parse_rulebook(
        LABOUR.body.replace("response_days: 14\nappeal", "response_days: 7\nappeal"), "edited.yaml"
    )
    assert edited.sha256 != LABOUR.sha256
    with pytest.raises(Conflict, match="new version"):
        _decide(session, app, rulebook=edited)


def test_removed_reference_entry_no_longer_counts(session: Session) -> None:
    app = make_app(session, "A1")
    greens = make_list(session, "green-members", ListKind.PARTY_MEMBERS)
    entry = make_entry(session, greens, "G1")
    make_hit(session, make_run(session), app, entry=entry)
    entry.removed_in_version = 2
    session.flush()
    _decide(session, app)
    assert app.status == ApplicationStatus.PROVISIONAL


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)), st.integers(0, 120))
def test_age_counts_birthdays_passed(born: date, years: int) -> None:
    from vetline.outcomes import age_on

    try:
        birthday = born.replace(year=born.year + years)
    except ValueError:  # born 29 February: the birthday is 1 March in other years (UK)
        birthday = date(born.year + years, 3, 1)
    assert age_on(born, birthday) == years
    assert age_on(born, birthday - timedelta(days=1)) == max(years - 1, 0) or years == 0
    assert age_on(None, birthday) is None
