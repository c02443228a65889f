"""Pydantic row models, one per documented format (docs/formats.md is their prose twin).

Every field arrives as the text of one cell. An empty cell is "not known" (None). Text is
kept exactly as written — O'Brien, Siobhán, Nguyễn, 李小龍, `=HYPERLINK(...)` alike — and
only dates, timestamps and the documented codes are parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from vetline.db.people import MemberCategory, MemberStatus
from vetline.intake import values as v

PAYMENT_STATUSES = ("paid", "failed", "pending")


# One Python call per cell (not three): 600,000 rows x 13 cells make this the hot path.


def _optional(parse: Callable[[str], Any]) -> BeforeValidator:
    def run(cell: str | None) -> Any:
        return None if cell is None or not cell.strip() else parse(cell)

    return BeforeValidator(run)


def _required(parse: Callable[[str], Any]) -> BeforeValidator:
    def run(cell: str | None) -> Any:
        if cell is None or not cell.strip():
            raise ValueError("is required but empty")
        return parse(cell)

    return BeforeValidator(run)


class _Text:
    """Any text, kept exactly; the column's length and NUL characters are checked."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, cell: str) -> str:
        if len(cell) > self.limit or "\x00" in cell:
            return v.check_text(cell, self.limit)  # raises with the message
        return cell


def _text(limit: int) -> Callable[[str], str]:
    return _Text(limit)


Id = Annotated[str, _required(_text(100))]
Name = Annotated[str | None, _optional(_text(200))]
RequiredName = Annotated[str, _required(_text(200))]
Text100 = Annotated[str | None, _optional(_text(100))]
Text200 = Annotated[str | None, _optional(_text(200))]
Address = Annotated[str | None, _optional(_text(500))]
RequiredAddress = Annotated[str, _required(_text(500))]
Postcode = Annotated[str | None, _optional(v.check_postcode)]
RequiredPostcode = Annotated[str, _required(v.check_postcode)]
Email = Annotated[str | None, _optional(v.check_email)]
Phone = Annotated[str | None, _optional(v.check_phone)]
BirthDate = Annotated[date | None, _optional(v.parse_birth_date)]
OptionalDate = Annotated[date | None, _optional(v.parse_date)]
RequiredDate = Annotated[date, _required(v.parse_date)]
Timestamp = Annotated[datetime | None, _optional(v.parse_timestamp)]
RequiredTimestamp = Annotated[datetime, _required(v.parse_timestamp)]
Category = Annotated[
    str, BeforeValidator(lambda c: "member" if v.blank(c) else v.choice(c, MemberCategory.ALL))
]
Status = Annotated[
    str, BeforeValidator(lambda c: "current" if v.blank(c) else v.choice(c, MemberStatus.ALL))
]
PaymentStatus = Annotated[str | None, _optional(lambda c: v.choice(c, PAYMENT_STATUSES))]


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PersonRow(_Row):
    """The person CSV: the sender's id and the documented person fields."""

    id: Id
    first_name: Name = None
    last_name: Name = None
    date_of_birth: BirthDate = None
    postcode: Postcode = None
    address: Address = None
    email: Email = None
    phone: Phone = None

    @model_validator(mode="after")
    def _a_name(self) -> PersonRow:
        if self.first_name is None and self.last_name is None:
            raise ValueError("first_name and last_name are both empty; give at least one")
        return self


class ApplicationRow(PersonRow):
    applied_at: RequiredTimestamp
    source: Text100 = None
    category: Category = MemberCategory.MEMBER
    payment_ref: Annotated[str | None, _optional(v.check_payment_ref)] = None
    payment_status: PaymentStatus = None


class MemberRow(PersonRow):
    joined_at: RequiredTimestamp
    status: Status = MemberStatus.CURRENT
    category: Category = MemberCategory.MEMBER
    paid_until: OptionalDate = None
    status_changed_at: Timestamp = None


class ReferencePersonRow(PersonRow):
    """A reference list in the person format: party members, officers, expelled, donors."""

    party: Text200 = None
    role: Text200 = None
    event_date: OptionalDate = None


class DemocracyClubRow(_Row):
    """One candidacy in the Democracy Club candidates CSV (its other columns go to details)."""

    person_id: Id
    person_name: RequiredName
    election_id: Text200 = None
    ballot_paper_id: Annotated[str, _required(_text(99))]
    election_date: RequiredDate
    party_name: Text200 = None
    party_id: Text100 = None
    post_label: Text200 = None
    sopn_first_names: Name = None
    sopn_last_name: Name = None
    email: Email = None


class RegisterRow(_Row):
    """One elector on an electoral-register extract."""

    elector_number: Id
    first_name: RequiredName
    last_name: RequiredName
    address: RequiredAddress
    postcode: RequiredPostcode
    date_of_birth: BirthDate = None
    title: Text100 = None
    markers: Text100 = None


def columns(model: type[BaseModel]) -> tuple[set[str], set[str]]:
    """The (required, optional) columns of a row model: required means the column must exist."""
    required = {name for name, f in model.model_fields.items() if f.is_required()}
    return required, set(model.model_fields) - required
