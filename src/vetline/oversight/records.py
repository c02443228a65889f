"""The plain inputs every oversight computation takes (the loader builds them from the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NO_SOURCE = "(no campaign given)"


@dataclass(frozen=True)
class ApplicationRecord:
    """One surge application with what happened to it so far."""

    id: int
    applied_at: datetime
    source: str = NO_SOURCE
    email: str | None = None
    phone: str | None = None
    payment_ref: str | None = None
    address: str | None = None
    postcode: str | None = None
    has_hit: bool = False  # a hit on a list of concern (not the register, not a duplicate)
    referred: bool = False  # sent to the conduct track (a case)
    decided: bool = False  # a final outcome: admitted or refused
    excluded: bool = False  # the final outcome is adverse (rejected / excluded)


@dataclass(frozen=True)
class CaseRecord:
    """One review case: its track, when it opened and closed, and who worked it."""

    id: int
    track: str  # administrative | conduct | appeal
    opened_at: datetime
    closed_at: datetime | None = None
    reviewer: str | None = None  # who proposed or decided the outcome
    adverse: bool | None = None  # the final outcome refused or excluded (None while open)
    awaiting_applicant: bool = False  # a fix-it notice is out: the applicant must act first
