"""Builders for the review tests (no tests here): applicants, lists, hits and users, written
straight into the database the way intake and screening would leave them."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from vetline.db.people import Application, Member, ReferenceEntry, ReferenceList
from vetline.db.review import Role, User
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.users import add_user

SURGE = datetime(2016, 7, 20, 10, 0, tzinfo=UTC)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_app(
    session: Session,
    ext: str,
    *,
    applied_at: datetime = SURGE,
    first: str = "Jane",
    last: str = "Smith",
    dob: date | None = date(1980, 5, 1),
    category: str = "member",
    payment_status: str | None = "paid",
    email: str | None = None,
    source: str | None = "direct",
) -> Application:
    app = Application(
        external_id=ext,
        applied_at=applied_at,
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        category=category,
        payment_status=payment_status,
        email=email,
        address="1 High Street",
        postcode="S1 2AB",
        source=source,
        status="screened",
        content_hash=sha(f"app:{ext}:{first}:{last}:{dob}"),
    )
    session.add(app)
    session.flush()
    return app


def make_list(session: Session, name: str, kind: str) -> ReferenceList:
    rlist = ReferenceList(name=name, kind=kind, version=1)
    session.add(rlist)
    session.flush()
    return rlist


def make_entry(
    session: Session,
    rlist: ReferenceList,
    ext: str,
    *,
    event_date: date | None = None,
    party: str | None = "Green Party",
    first: str = "Jane",
    last: str = "Smith",
) -> ReferenceEntry:
    entry = ReferenceEntry(
        list_id=rlist.id,
        external_id=ext,
        first_name=first,
        last_name=last,
        party=party,
        event_date=event_date,
        content_hash=sha(f"entry:{rlist.id}:{ext}:{first}:{last}"),
        added_in_version=1,
        changed_in_version=1,
    )
    session.add(entry)
    session.flush()
    return entry


def make_member(session: Session, ext: str) -> Member:
    member = Member(
        external_id=ext,
        joined_at=datetime(2010, 1, 1, tzinfo=UTC),
        first_name="Jane",
        last_name="Smith",
        content_hash=sha(f"member:{ext}"),
    )
    session.add(member)
    session.flush()
    return member


def make_run(session: Session) -> ScreeningRun:
    run = ScreeningRun(engine="test", model_version="t1", review_threshold=0.05)
    session.add(run)
    session.flush()
    return run


def make_hit(
    session: Session,
    run: ScreeningRun,
    app: Application,
    *,
    entry: ReferenceEntry | None = None,
    member: Member | None = None,
    other: Application | None = None,
    band: str = "possible",
    score: float = 0.7,
) -> Hit:
    if entry is not None:
        target, right = HitTarget.REFERENCE, entry.content_hash
    elif member is not None:
        target, right = HitTarget.MEMBER, member.content_hash
    else:
        assert other is not None
        target, right = HitTarget.APPLICATION, other.content_hash
    hit = Hit(
        run_id=run.id,
        application_id=app.id,
        target=target,
        list_id=entry.list_id if entry else None,
        list_version=1 if entry else None,
        reference_entry_id=entry.id if entry else None,
        member_id=member.id if member else None,
        other_application_id=other.id if other else None,
        score=score,
        band=band,
        explanation=[
            {"field": "last_name", "level": "exact", "detail": "Smith", "weight": 3.2},
            {"field": "postcode", "level": "different", "detail": "S1 2AB / LS1", "weight": -1.5},
            {"field": "prior", "level": "base rate", "weight": -5.0},
        ],
        pair_hash=sha(app.content_hash + right),
    )
    session.add(hit)
    session.flush()
    return hit


def make_users(session: Session) -> dict[str, User]:
    """ada (admin), rosa and ravi (reviewers), sam and tess (seniors), olu (auditor)."""
    admin = add_user(session, "ada", Role.ADMIN)
    out = {"ada": admin}
    for name, role in (
        ("rosa", Role.REVIEWER),
        ("ravi", Role.REVIEWER),
        ("sam", Role.SENIOR),
        ("tess", Role.SENIOR),
        ("olu", Role.AUDITOR),
    ):
        out[name] = add_user(session, name, role, actor=admin)
    return out
