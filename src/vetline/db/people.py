"""People as they arrive: applications, members, reference lists and their entries, imports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.functions import FunctionElement

from vetline.db.base import Base, UTCDateTime, utcnow


class PersonColumns:
    """The documented person fields, kept exactly as given (display) — matching folds them."""

    first_name: Mapped[str | None] = mapped_column(String(200))
    last_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    postcode: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(500))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    # sha256 of the canonical row: idempotent re-import and decision memory key on it
    content_hash: Mapped[str] = mapped_column(String(64))


class ApplicationStatus:
    RECEIVED = "received"  # imported, not yet screened
    SCREENED = "screened"  # hits stored, no outcome yet
    ADMITTED = "admitted"
    PROVISIONAL = "provisional"
    FIX_IT = "fix_it"  # administrative track: a notice with a deadline
    REFERRED = "referred"  # conduct track: a case is open
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    ALL = (RECEIVED, SCREENED, ADMITTED, PROVISIONAL, FIX_IT, REFERRED, REJECTED, WITHDRAWN)


class Application(PersonColumns, Base):
    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str | None] = mapped_column(String(100), index=True)
    category: Mapped[str] = mapped_column(String(40), default="member")
    payment_ref: Mapped[str | None] = mapped_column(String(100))
    payment_status: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.RECEIVED, index=True)
    screened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class trimmed(FunctionElement[str]):
    """trim(x): PostgreSQL stores it as TRIM(BOTH FROM x), so say so (index comparison)."""

    type = String()
    name = "trimmed"
    inherit_cache = True


@compiles(trimmed)
def _trim(element: trimmed, compiler: Any, **kw: Any) -> str:
    return f"trim({compiler.process(element.clauses, **kw)})"


@compiles(trimmed, "postgresql")
def _trim_pg(element: trimmed, compiler: Any, **kw: Any) -> str:
    return f"TRIM(BOTH FROM {compiler.process(element.clauses, **kw)})"


def application_keys() -> dict[str, Any]:
    """The normalised keys of an application that its double sign-up look-up compares
    (vetline.double_signups.duplicate_candidates), as the indexes below spell them: the
    constants are part of the SQL text (not bound values), so an index on the expression also
    answers a prepared statement's generic plan, and SQLite's."""
    one, space, nothing = text("1"), text("' '"), text("''")
    return {
        "initial": func.lower(func.substr(trimmed(Application.first_name), one, one)),
        "email": func.lower(Application.email),
        "first": func.lower(trimmed(Application.first_name)),
        "last": func.lower(trimmed(Application.last_name)),
        "postcode": func.replace(func.upper(Application.postcode), space, nothing),
    }


# Double sign-up look-ups for one application (vetline.double_signups.duplicate_candidates) use
# exactly these expressions, so the database answers them from indexes (migrations 0007, 0010:
# a surname or postcode with the initial, and both names, indexed as pairs).
def _keys(*names: str) -> list[Any]:
    keys = application_keys()
    return [keys[name] for name in names]


Index("ix_applications_date_of_birth", Application.date_of_birth)
Index("ix_applications_email_key", *_keys("email"))
Index("ix_applications_phone", Application.phone)
Index("ix_applications_last_name_initial_key", *_keys("last", "initial"))
Index("ix_applications_first_last_name_key", *_keys("first", "last"))
Index("ix_applications_postcode_initial_key", *_keys("postcode", "initial"))


class MemberStatus:
    CURRENT = "current"
    LAPSED = "lapsed"
    SUSPENDED = "suspended"
    EXPELLED = "expelled"
    EXCLUDED = "excluded"
    ALL = (CURRENT, LAPSED, SUSPENDED, EXPELLED, EXCLUDED)


class MemberCategory:
    MEMBER = "member"
    REGISTERED_SUPPORTER = "registered_supporter"
    AFFILIATED_SUPPORTER = "affiliated_supporter"
    ALL = (MEMBER, REGISTERED_SUPPORTER, AFFILIATED_SUPPORTER)


class Member(PersonColumns, Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100), unique=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=MemberStatus.CURRENT, index=True)
    category: Mapped[str] = mapped_column(String(40), default=MemberCategory.MEMBER)
    # when the status last changed (lapsed/expelled on); the franchise and readmission use it
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ListKind:
    """What a reference list is; the rulebook's conditions name these kinds."""

    CANDIDATES = "candidates"  # other parties' candidates (Democracy Club): no address, no DOB
    PARTY_MEMBERS = "party_members"  # other parties' members and officers
    OFFICERS = "officers"
    EXPELLED = "expelled"  # previously expelled or excluded from this party
    REGISTER = "register"  # electoral register extract
    DONORS = "donors"
    ALL = (CANDIDATES, PARTY_MEMBERS, OFFICERS, EXPELLED, REGISTER, DONORS)


class ReferenceList(Base):
    __tablename__ = "reference_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    source: Mapped[str | None] = mapped_column(String(300))
    licence: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReferenceEntry(PersonColumns, Base):
    """One record on a reference list; for candidate lists, one candidacy."""

    __tablename__ = "reference_entries"
    __table_args__ = (UniqueConstraint("list_id", "external_id", name="uq_reference_entries_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("reference_lists.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(200))
    # the person behind the record (a candidate has one person_id over many candidacies)
    person_key: Mapped[str | None] = mapped_column(String(100))
    party: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))  # post/ward, office held
    event_date: Mapped[date | None] = mapped_column(Date)  # election date, expulsion date, ...
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    added_in_version: Mapped[int] = mapped_column(Integer)
    changed_in_version: Mapped[int] = mapped_column(Integer)
    removed_in_version: Mapped[int | None] = mapped_column(Integer)


class Import(Base):
    """One import of one file; re-importing the same file is recorded with zero changes."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))  # applications | members | reference
    file_format: Mapped[str] = mapped_column(String(30))  # person | democracy_club | register
    file_name: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("reference_lists.id"))
    # the list's version after this import (unchanged when the import changed nothing)
    list_version: Mapped[int | None] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)  # reference entries gone from the file
    actor: Mapped[str | None] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecordChange(Base):
    """A changed row on re-import: the before and after, so an update is never silent."""

    __tablename__ = "record_changes"
    __table_args__ = (Index("ix_record_changes_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int] = mapped_column(Integer)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


__all__ = [
    "Application",
    "ApplicationStatus",
    "Import",
    "ListKind",
    "Member",
    "MemberCategory",
    "MemberStatus",
    "RecordChange",
    "ReferenceEntry",
    "ReferenceList",
]
