"""Ballot franchise: rules as data, the electorate at a date with reasons, snapshots, comparison."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from vetline.ballot.compare import compare, movers_csv
from vetline.ballot.electorate import Person, Reason, Verdict, compute, evaluate
from vetline.ballot.loader import load_people
from vetline.ballot.rules import FranchiseRules, bundled_names, load_rules, parse_rules
from vetline.ballot.snapshot import Snapshot, take
from vetline.errors import InputError


def snapshot_date(rules: FranchiseRules, at: date | None) -> date:
    """The snapshot date: `at`, else the rules' reference date; never silently 'today'."""
    if at is not None:
        return at
    if rules.reference_date is not None:
        return rules.reference_date
    raise InputError(f"{rules.name}: the rules have no reference_date; give the date (--at)")


def electorate(session: Session, rules: FranchiseRules, at: date | None = None) -> Snapshot:
    """The electorate of the database under `rules` on `at` (default: the rules' date)."""
    return take(load_people(session), rules, snapshot_date(rules, at))


__all__ = [
    "FranchiseRules",
    "Person",
    "Reason",
    "Snapshot",
    "Verdict",
    "bundled_names",
    "compare",
    "compute",
    "electorate",
    "evaluate",
    "load_people",
    "load_rules",
    "movers_csv",
    "parse_rules",
    "snapshot_date",
    "take",
]
