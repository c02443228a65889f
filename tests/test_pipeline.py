"""The first vertical slice end to end: synth → import → screen-run → outcomes, on both dialects."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vetline.db.people import Application, ApplicationStatus, ReferenceEntry
from vetline.db.screening import Hit, HitTarget
from vetline.demo import import_demo_lists
from vetline.intake import import_applications, import_members, import_reference
from vetline.screening import screen_and_decide
from vetline.status import status_counts
from vetline.synth import generate


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


def _truth(surge: Path) -> list[dict[str, str]]:
    with (surge / "truth.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_surge_is_screened_and_routed(session: Session, surge: Path) -> None:
    _load(session, surge)
    summary = screen_and_decide(session, actor="test")
    session.commit()

    assert summary.applications == 500
    statuses = dict(
        session.execute(select(Application.status, func.count()).group_by(Application.status)).all()
    )
    # every application got an outcome; none is left merely received or screened
    assert set(statuses) <= {
        ApplicationStatus.ADMITTED,
        ApplicationStatus.PROVISIONAL,
        ApplicationStatus.FIX_IT,
        ApplicationStatus.REFERRED,
    }
    assert sum(statuses.values()) == 500
    assert statuses.get(ApplicationStatus.REFERRED, 0) > 0

    # every hit carries a score in [0, 1], a band and a per-field explanation
    hits = list(session.scalars(select(Hit)))
    assert hits
    for hit in hits:
        assert 0.0 <= hit.score <= 1.0
        assert hit.band
        assert hit.explanation and all("field" in part for part in hit.explanation)

    # planted same-person pairs on the adverse lists are found (listed for review)
    found = {
        (a.external_id, e.external_id)
        for a, e in session.execute(
            select(Application, ReferenceEntry)
            .join(Hit, Hit.application_id == Application.id)
            .join(ReferenceEntry, ReferenceEntry.id == Hit.reference_entry_id)
        )
    }
    planted = [
        t
        for t in _truth(surge)
        if t["relation"] == "match" and t["target_file"] in ("party_members", "expelled")
    ]
    assert planted
    listed = sum(
        1
        for t in planted
        if any(
            app == t["applicant_id"] and entry.startswith(t["target_id"]) for app, entry in found
        )
    )
    assert listed / len(planted) >= 0.9

    counts = status_counts(session)
    assert counts["hits"] == len(hits)
    assert counts["open_cases"] > 0


def test_screen_run_twice_changes_nothing(session: Session, surge: Path) -> None:
    _load(session, surge)
    screen_and_decide(session)
    session.commit()
    hits_before = session.scalar(select(func.count()).select_from(Hit))
    second = screen_and_decide(session)
    session.commit()
    assert second.applications == 0
    assert session.scalar(select(func.count()).select_from(Hit)) == hits_before
    member_dupes = session.scalar(
        select(func.count()).select_from(Hit).where(Hit.target == HitTarget.MEMBER)
    )
    assert member_dupes is not None and member_dupes > 0


def test_entries_of_different_lists_do_not_compete(session: Session) -> None:
    """Being on the register must not weaken the hit on another party's member list."""
    from datetime import UTC, date, datetime

    from vetline.db.people import ListKind, ReferenceList
    from vetline.screening import screen_applications

    person = {
        "first_name": "Siobhán",
        "last_name": "O'Brien",
        "date_of_birth": date(1984, 3, 9),
        "postcode": "S11 8YE",
        "address": "12 Ecclesall Road",
        "email": "siobhan.obrien@example.org",
        "phone": "07700 900123",
    }
    session.add(
        Application(external_id="A1", applied_at=datetime.now(UTC), content_hash="a" * 64, **person)
    )
    for name, kind in (("register", ListKind.REGISTER), ("greens", ListKind.PARTY_MEMBERS)):
        lst = ReferenceList(name=name, kind=kind, version=1)
        session.add(lst)
        session.flush()
        session.add(
            ReferenceEntry(
                list_id=lst.id,
                external_id="E1",
                content_hash="b" * 64,
                added_in_version=1,
                changed_in_version=1,
                **person,
            )
        )
    session.flush()
    screen_applications(session)
    bands = {
        name: band
        for name, band in session.execute(
            select(ReferenceList.name, Hit.band).join(Hit, Hit.list_id == ReferenceList.id)
        )
    }
    assert bands == {"register": "match", "greens": "match"}


def test_an_application_changed_by_reimport_is_screened_again(
    session: Session, surge: Path, tmp_path: Path
) -> None:
    _load(session, surge)
    screen_and_decide(session)
    session.commit()
    app = session.scalars(
        select(Application).join(Hit, Hit.application_id == Application.id).limit(1)
    ).one()
    old_hits = set(session.scalars(select(Hit.id).where(Hit.application_id == app.id)))
    status_before = app.status

    # the same file again, with one applicant's email corrected
    with (surge / "applications.csv").open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = reader.fieldnames
    assert header is not None
    for row in rows:
        if row["id"] == app.external_id:
            row["email"] = "corrected.address@example.org"
    changed = tmp_path / "applications.csv"
    with changed.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    import_applications(session, changed)
    session.commit()

    again = screen_and_decide(session)
    session.commit()
    assert again.application_ids == [app.id]
    live = set(
        session.scalars(
            select(Hit.id).where(Hit.application_id == app.id, Hit.superseded_at.is_(None))
        )
    )
    assert live and not (live & old_hits)
    superseded = set(
        session.scalars(
            select(Hit.id).where(Hit.application_id == app.id, Hit.superseded_at.is_not(None))
        )
    )
    assert superseded == old_hits
    session.refresh(app)
    assert app.status != ApplicationStatus.SCREENED
    if status_before == ApplicationStatus.REFERRED:
        assert app.status == ApplicationStatus.REFERRED  # an open case is never undone
    # a third run finds nothing new
    assert screen_and_decide(session).applications == 0


def test_a_new_list_version_rescreens_earlier_applications(session: Session, surge: Path) -> None:
    """Entries added by a new version are screened against applications screened before."""
    from vetline.db.people import ReferenceList

    _load(session, surge)
    screen_and_decide(session)
    session.commit()
    # an application that is on no other party's list yet ...
    app = session.scalars(
        select(Application)
        .where(Application.date_of_birth.is_not(None), Application.postcode.is_not(None))
        .where(Application.status == ApplicationStatus.PROVISIONAL)
        .where(
            ~Application.id.in_(
                select(Hit.application_id)
                .join(ReferenceList, Hit.list_id == ReferenceList.id)
                .where(ReferenceList.kind != "register", Hit.application_id.is_not(None))
            )
        )
        .limit(1)
    ).one()
    # ... turns up on the next version of the party-members list
    source = surge / "reference" / "party_members.csv"
    with source.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    new_row = dict.fromkeys(header, "")
    new_row.update(
        id="PM-NEW-1",
        first_name=app.first_name or "",
        last_name=app.last_name or "",
        date_of_birth=app.date_of_birth.isoformat() if app.date_of_birth else "",
        postcode=app.postcode or "",
        address=app.address or "",
        email=app.email or "",
    )
    if "party" in header:
        new_row["party"] = "Green Party"
    version2 = surge.parent / f"{surge.name}-pm-v2.csv"
    with version2.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows([*rows, new_row])
    summary = import_reference(
        session, version2, list_name="other-party-members", kind="party_members"
    )
    session.commit()
    assert summary.list_version == 2
    # one application screened on its own in between (the API's submit path) must not mark
    # the earlier applications as checked against version 2
    from vetline.screening import screen_applications

    other = session.scalars(select(Application.id).where(Application.id != app.id).limit(1)).one()
    screen_applications(session, application_ids=[other])
    session.commit()

    result = screen_and_decide(session)
    session.commit()
    assert result.applications == 0  # no new applications: only the list changed
    assert result.relisted == {"other-party-members": 1}
    hit = session.scalars(
        select(Hit).where(Hit.application_id == app.id, Hit.new_in_version == 2)
    ).one()
    lst = session.scalars(
        select(ReferenceList).where(ReferenceList.name == "other-party-members")
    ).one()
    assert hit.list_id == lst.id and hit.band == "match"
    session.refresh(app)
    assert app.status == ApplicationStatus.REFERRED  # the new evidence reached the rulebook
    from vetline.outcomes import current_outcome

    outcome = current_outcome(session, app.id)
    assert outcome is not None and hit.id in outcome.evidence_hit_ids
    # a further run finds nothing more
    assert screen_and_decide(session).relisted == {}
