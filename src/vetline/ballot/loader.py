"""Read the people the franchise considers from the database: members and surge applications."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vetline.ballot.electorate import Person
from vetline.db.people import Application, ApplicationStatus, Member
from vetline.db.review import Case, CaseKind, CaseStatus, Track


def open_case_application_ids(session: Session) -> set[int]:
    """Applications with a conduct case or an appeal not yet closed, plus any marked 'referred'.

    An administrative case (a fix-it notice) is vetting still under way, not an open case: the
    application's status says so and the rules' `unvetted_applications` decides.
    """
    referred = select(Application.id).where(Application.status == ApplicationStatus.REFERRED)
    open_cases = select(Case.application_id).where(
        Case.status != CaseStatus.CLOSED,
        or_(Case.track == Track.CONDUCT, Case.kind == CaseKind.APPEAL),
    )
    return set(session.scalars(referred)) | set(session.scalars(open_cases))


def load_people(session: Session) -> list[Person]:
    """Every member and every application as a `Person`, open cases marked.

    Reads plain columns, not ORM objects: a 600,000-member roll loads in seconds.
    """
    open_ids = open_case_application_ids(session)
    people: list[Person] = []
    members = select(
        Member.external_id,
        Member.category,
        Member.joined_at,
        Member.status,
        Member.date_of_birth,
        Member.paid_until,
        Member.status_changed_at,
    )
    for ext, category, joined, status, dob, paid, changed in session.execute(members):
        people.append(
            Person(
                kind="member",
                id=ext,
                category=category,
                joined_at=joined,
                status=status,
                date_of_birth=dob,
                paid_until=paid,
                status_changed_at=changed,
            )
        )
    applications = select(
        Application.id,
        Application.external_id,
        Application.category,
        Application.applied_at,
        Application.status,
        Application.date_of_birth,
        Application.payment_status,
    )
    for pk, ext, category, applied, status, dob, payment in session.execute(applications):
        people.append(
            Person(
                kind="application",
                id=ext,
                category=category,
                joined_at=applied,
                status=status,
                date_of_birth=dob,
                payment_status=payment,
                open_case=pk in open_ids,
            )
        )
    return people
