"""Pydantic models for what the API returns: people, hits with explanations, outcomes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PersonOut(_Out):
    id: int
    external_id: str
    first_name: str | None
    last_name: str | None
    date_of_birth: date | None
    postcode: str | None
    address: str | None
    email: str | None
    phone: str | None


class HitOut(_Out):
    id: int
    # the subject screened: an application, or (a list's new version) a current member
    application_id: int | None = None
    subject_member_id: int | None = None
    target: str
    list_id: int | None
    list_version: int | None
    new_in_version: int | None
    reference_entry_id: int | None
    member_id: int | None
    other_application_id: int | None
    score: float
    band: str
    explanation: list[dict[str, Any]]
    created_at: datetime


class OutcomeOut(_Out):
    outcome: str
    track: str | None
    rulebook_version: str
    clause_ids: list[str]
    deadline_at: datetime | None
    created_at: datetime


class ApplicationOut(PersonOut):
    applied_at: datetime
    source: str | None
    category: str
    payment_status: str | None
    status: str
    screened_at: datetime | None
    hits: list[HitOut] = []
    outcome: OutcomeOut | None = None
    case_ids: list[int] = []


class MemberOut(PersonOut):
    joined_at: datetime
    status: str
    category: str
    paid_until: date | None
    status_changed_at: datetime | None
    case_ids: list[int] = []  # cases about this member (a reference list matched them)
