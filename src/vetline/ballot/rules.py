"""Franchise rules as data: who may vote in a ballot, read from YAML and validated by pydantic.

A rule set names, per membership category, the cut-off (a freeze date, a minimum continuous
membership, or a sign-up window), plus the checks every voter must pass (good standing, arrears,
age) and what happens to people whose vetting or case is still open. Bad files fail with an
error that names the file and the field.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from vetline.errors import InputError, NotFound

CATEGORIES = ("member", "registered_supporter", "affiliated_supporter")


class OpenMatter(StrEnum):
    """What the franchise does with someone whose case or vetting is not finished."""

    EXCLUDED = "excluded"  # left out until cleared
    INCLUDED = "included"  # counted; a later exclusion removes them
    PENDING = "pending"  # listed separately: eligible only if cleared in time


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tenure(_Strict):
    """A minimum continuous membership at the snapshot date: days, or calendar months."""

    days: int | None = Field(default=None, ge=0)
    months: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _one_unit(self) -> Tenure:
        if (self.days is None) == (self.months is None):
            raise ValueError("give exactly one of 'days' or 'months'")
        return self


class Window(_Strict):
    """A sign-up window (inclusive at both ends); timestamps need an offset or Z."""

    opens: datetime
    closes: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        for name in ("opens", "closes"):
            if getattr(self, name).tzinfo is None:
                raise ValueError(f"'{name}' needs a UTC offset, e.g. 2016-07-18T17:00:00+01:00")
        if self.closes < self.opens:
            raise ValueError("'closes' is before 'opens'")
        return self


class CategoryRule(_Strict):
    """How one membership category qualifies; unset limits do not apply."""

    freeze_date: date | None = None  # joined on or before this date
    minimum_tenure: Tenure | None = None
    window: Window | None = None  # signed up inside this window
    minimum_age: int | None = Field(default=None, ge=0, le=120)
    fee: float | None = Field(default=None, ge=0)  # a fee means the payment must be 'paid'
    note: str | None = None


class FranchiseRules(_Strict):
    """One franchise: the categories that vote and the checks every voter must pass."""

    name: str
    version: int = Field(default=1, ge=1)
    citation: str | None = None
    reference_date: date | None = None  # the default snapshot date (e.g. the ballot freeze)
    minimum_age: int | None = Field(default=None, ge=0, le=120)
    unknown_age: Literal["include", "exclude"] = "include"
    good_standing: tuple[str, ...] = ("current",)
    lapsed_grace_days: int | None = Field(default=None, ge=0)
    arrears_grace_days: int | None = Field(default=None, ge=0)
    admitted_application_statuses: tuple[str, ...] = ("admitted", "provisional")
    unvetted_applications: OpenMatter = OpenMatter.PENDING
    open_case: OpenMatter = OpenMatter.EXCLUDED
    categories: dict[str, CategoryRule]

    @model_validator(mode="after")
    def _known_categories(self) -> FranchiseRules:
        unknown = sorted(set(self.categories) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories {unknown}; known: {list(CATEGORIES)}")
        if not self.categories:
            raise ValueError("'categories' is empty: nobody could vote")
        return self

    def canonical_json(self) -> str:
        """Stable text of the rules: the snapshot hash is taken over it, not over YAML layout."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def sha256(self) -> str:
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()


def bundled_names() -> list[str]:
    """The rule sets shipped with vetline (usable by name, e.g. 'labour-2016')."""
    folder = resources.files("vetline.ballot") / "franchises"
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml")
    )


def _format_error(source: str, exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "(top level)"
        parts.append(f"{where}: {err['msg']}")
    return f"{source}: invalid franchise rules — " + "; ".join(parts)


def parse_rules(data: Any, source: str = "<rules>") -> FranchiseRules:
    """Validate already-parsed YAML/JSON; the error names `source` and each bad field."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: franchise rules must be a mapping, got {type(data).__name__}")
    try:
        return FranchiseRules.model_validate(data)
    except ValidationError as exc:
        raise InputError(_format_error(source, exc)) from exc


def load_rules(name_or_path: str | Path) -> FranchiseRules:
    """Load a rule set from a YAML file path or a bundled name ('conservative-2024')."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise NotFound(f"{path}: no such franchise rules file")
        text, source = path.read_text(encoding="utf-8"), str(path)
    else:
        resource = resources.files("vetline.ballot") / "franchises" / f"{name_or_path}.yaml"
        if not resource.is_file():
            raise NotFound(
                f"{name_or_path!r} is neither a file nor a bundled franchise; "
                f"bundled: {', '.join(bundled_names())}"
            )
        text, source = resource.read_text(encoding="utf-8"), f"{name_or_path} (bundled)"
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError on 2016-13-40
        raise InputError(f"{source}: not valid YAML — {exc}") from exc
    return parse_rules(data, source)
