"""Read the people the franchise considers from the database: members and surge applications."""

from __future__ import annotations

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from vetline.ballot.electorate import Person
from vetline.db.people import Application, ApplicationStatus, Member


def open_case_application_ids(session: Session) -> set[int]:
    """Applications with a case not yet closed (review tables), plus any marked 'referred'."""
    ids = set(
        session.scalars(
            select(Application.id).where(Application.status == ApplicationStatus.REFERRED)
        )
    )
    if inspect(session.get_bind()).has_table("cases"):
        columns = {c["name"] for c in inspect(session.get_bind()).get_columns("cases")}
        if "application_id" in columns and "status" in columns:
            rows = session.execute(
                text("SELECT application_id FROM cases WHERE status <> 'closed'")
            )
            ids.update(int(r[0]) for r in rows if r[0] is not None)
    return ids


def load_people(session: Session) -> list[Person]:
    """Every member and every application as a `Person`, open cases marked."""
    open_ids = open_case_application_ids(session)
    people: list[Person] = []
    for m in session.scalars(select(Member)):
        people.append(
            Person(
                kind="member",
                id=m.external_id,
                category=m.category,
                joined_at=m.joined_at,
                status=m.status,
                date_of_birth=m.date_of_birth,
                paid_until=m.paid_until,
                status_changed_at=m.status_changed_at,
            )
        )
    for a in session.scalars(select(Application)):
        people.append(
            Person(
                kind="application",
                id=a.external_id,
                category=a.category,
                joined_at=a.applied_at,
                status=a.status,
                date_of_birth=a.date_of_birth,
                payment_status=a.payment_status,
                open_case=a.id in open_ids,
            )
        )
    return people
