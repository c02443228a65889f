"""From a validated row to the database record, and the record's canonical content hash.

The hash covers exactly the imported fields (never workflow state such as an application's
status), so the same file imported twice hashes the same and a changed cell is an update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from vetline.intake import rows
from vetline.intake.detect import DEMOCRACY_CLUB, REGISTER, Format
from vetline.intake.names import split_full_name
from vetline.intake.values import parse_date

PERSON_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "address",
    "email",
    "phone",
)
APPLICATION_FIELDS = (
    *PERSON_FIELDS,
    "applied_at",
    "source",
    "category",
    "payment_ref",
    "payment_status",
)
MEMBER_FIELDS = (
    *PERSON_FIELDS,
    "joined_at",
    "status",
    "category",
    "paid_until",
    "status_changed_at",
)
ENTRY_FIELDS = (*PERSON_FIELDS, "person_key", "party", "role", "event_date", "details")


def jsonable(value: Any) -> Any:
    """Dates and timestamps as ISO text (timestamps are UTC already)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return value.isoformat()  # date or (UTC) datetime


def content_hash(record: dict[str, Any], fields: tuple[str, ...]) -> str:
    """sha256 over the fields' canonical text, in the fixed order of `fields`."""
    canonical = [_canonical(record[f]) for f in fields]
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _pick(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(row, f) for f in fields}


def application_record(row: rows.ApplicationRow) -> dict[str, Any]:
    return _pick(row, APPLICATION_FIELDS)


def member_record(row: rows.MemberRow) -> dict[str, Any]:
    return _pick(row, MEMBER_FIELDS)


def person_entry(row: rows.ReferencePersonRow) -> dict[str, Any]:
    record = _pick(row, PERSON_FIELDS)
    record.update(person_key=row.id, party=row.party, role=row.role, event_date=row.event_date)
    record["details"] = {}
    return record


def register_entry(row: rows.RegisterRow) -> dict[str, Any]:
    return {
        "first_name": row.first_name,
        "last_name": row.last_name,
        "date_of_birth": row.date_of_birth,
        "postcode": row.postcode,
        "address": row.address,
        "email": None,
        "phone": None,
        "person_key": row.elector_number,
        "party": None,
        "role": None,
        "event_date": None,
        "details": {k: val for k, val in (("title", row.title), ("markers", row.markers)) if val},
    }


def dc_entry(row: rows.DemocracyClubRow, extra: dict[str, str]) -> dict[str, Any]:
    """One candidacy; the SOPN's own name split wins over splitting person_name ourselves."""
    if row.sopn_first_names or row.sopn_last_name:
        first, last = row.sopn_first_names, row.sopn_last_name
    else:
        first, last = split_full_name(row.person_name)
    details: dict[str, Any] = {
        "person_name": row.person_name,
        "election_id": row.election_id,
        "ballot_paper_id": row.ballot_paper_id,
        "party_id": row.party_id,
    }
    details.update({k: val for k, val in extra.items() if val != ""})
    born = None
    raw_birth = extra.get("birth_date", "").strip()
    if raw_birth:
        try:
            born = parse_date(raw_birth)  # DC mostly gives only a year: kept in details
        except ValueError:
            born = None
    return {
        "first_name": first,
        "last_name": last,
        "date_of_birth": born,
        "postcode": None,
        "address": None,
        "email": row.email,
        "phone": None,
        "person_key": row.person_id,
        "party": row.party_name,
        "role": row.post_label,
        "event_date": row.election_date,
        "details": details,
    }


def entry_builder(
    fmt: Format,
) -> tuple[Callable[[Any], dict[str, Any]], Callable[[Any], str], str]:
    """For a reference format: (parsed row -> entry record, row -> key, key column name)."""
    if fmt is DEMOCRACY_CLUB:
        return (
            lambda p: dc_entry(p.row, p.extra),
            lambda r: f"{r.person_id}:{r.ballot_paper_id}",
            "person_id/ballot_paper_id",
        )
    if fmt is REGISTER:
        return lambda p: register_entry(p.row), lambda r: r.elector_number, "elector_number"
    return lambda p: person_entry(p.row), lambda r: r.id, "id"
