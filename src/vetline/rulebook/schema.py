"""The shape of a rulebook file, validated with pydantic (unknown keys are errors, not ignored)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ListKindName = Literal["candidates", "party_members", "officers", "expelled", "register", "donors"]
BandName = Literal["match", "possible", "name-only"]
OutcomeName = Literal["admit", "provisional", "fix_it", "refer"]
TrackName = Literal["administrative", "conduct"]

# the matching engine's bands, weakest first; "B or better" means rank >= rank(B)
BAND_RANK: dict[str, int] = {"name-only": 1, "possible": 2, "match": 3}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HitOn(_Strict):
    """A hit on a reference list of this kind, in this band or better."""

    list: ListKindName
    band: BandName = "possible"


class DuplicateOf(_Strict):
    """A hit on an existing member, or on an application made earlier."""

    target: Literal["member", "application"]
    band: BandName = "match"


class NotOnRegister(_Strict):
    """No register hit in this band or better (only when a register has been loaded)."""

    band: BandName = "possible"


class ExpelledWithin(_Strict):
    """A hit on the expelled list whose expulsion date is less than `years` before applying."""

    years: int = Field(ge=0, le=100)
    band: BandName = "possible"


class Condition(_Strict):
    """Exactly one test, or a combination of tests with all / any / not."""

    hit: HitOn | None = None
    duplicate_of: DuplicateOf | None = None
    not_on_register: NotOnRegister | None = None
    expelled_within: ExpelledWithin | None = None
    age_under: int | None = Field(default=None, ge=0, le=150)
    payment: Literal["failed", "pending"] | None = None
    category: Literal["member", "registered_supporter", "affiliated_supporter"] | None = None
    all: list[Condition] | None = None
    any: list[Condition] | None = None
    not_: Condition | None = Field(default=None, alias="not")

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            names = ", ".join(
                (f.alias or n) for n, f in type(self).model_fields.items() if n != "not_"
            )
            raise ValueError(
                f"a condition has exactly one key, got {len(given)}"
                f" ({', '.join(given) or 'none'}); keys: {names}, not"
            )
        return self


class Clause(_Strict):
    id: str = Field(min_length=1, max_length=40)
    title: str
    citation: str  # where the rule comes from, in our own words
    effective_from: date
    effective_to: date | None = None
    track: TrackName
    when: Condition
    outcome: OutcomeName
    appealable: bool = True
    response_days: int | None = Field(default=None, ge=1, le=365)
    # what the applicant is told, in plain language
    explanation: str

    @model_validator(mode="after")
    def _consistent(self) -> Clause:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must come after effective_from")
        if self.track == "administrative" and self.outcome == "refer":
            raise ValueError("an administrative clause gives a fix_it notice, not a referral")
        if self.track == "conduct" and self.outcome == "fix_it":
            raise ValueError("a conduct clause refers to a case; fix_it is administrative")
        return self


class Provisional(_Strict):
    weeks: int = Field(ge=1, le=104)
    extension_weeks: int = Field(default=0, ge=0, le=52)


class AppealRules(_Strict):
    lodge_within_days: int = Field(ge=1, le=365)
    decide_within_days: int = Field(ge=1, le=365)


class RulebookModel(_Strict):
    # name@version is what outcomes and decisions store (40 characters at most)
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=30)
    version: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=9)
    title: str
    party: str
    summary: str
    effective_from: date
    default_outcome: Literal["admit", "provisional"] = "admit"
    provisional: Provisional | None = None
    response_days: int = Field(default=14, ge=1, le=365)
    appeal: AppealRules
    clauses: list[Clause] = Field(min_length=1)

    @field_validator("clauses")
    @classmethod
    def _unique_ids(cls, clauses: list[Clause]) -> list[Clause]:
        seen: set[str] = set()
        for clause in clauses:
            if clause.id in seen:
                raise ValueError(f"clause id {clause.id!r} appears twice")
            seen.add(clause.id)
        return clauses

    @model_validator(mode="after")
    def _provisional_declared(self) -> RulebookModel:
        if self.default_outcome == "provisional" and self.provisional is None:
            raise ValueError("default_outcome provisional needs a 'provisional:' section")
        return self
