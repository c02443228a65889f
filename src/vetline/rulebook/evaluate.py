"""Apply a rulebook to screening facts: which clauses apply, on what evidence, and the outcome.

Pure: the same facts and rulebook always give the same evaluation, so it can be tested and
re-checked without a database. A clause applies only when it was in force on the application
date, and never to conduct dated before the clause took effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from vetline.rulebook.facts import Facts, HitFact
from vetline.rulebook.model import Rulebook
from vetline.rulebook.schema import BAND_RANK, Clause, Condition

SEVERITY = {"admit": 0, "provisional": 1, "fix_it": 2, "refer": 3}


@dataclass(frozen=True)
class ClauseResult:
    clause_id: str
    applies: bool
    evidence_hit_ids: tuple[int, ...] = ()
    note: str | None = None  # why it did not apply, when that is worth saying


@dataclass(frozen=True)
class Evaluation:
    rulebook: str  # name@version
    outcome: str
    track: str | None
    clause_ids: tuple[str, ...]
    evidence_hit_ids: tuple[int, ...]
    evidence_score: float
    response_days: int | None
    results: tuple[ClauseResult, ...]


@dataclass
class _Ctx:
    facts: Facts
    clause: Clause
    too_early: set[int]  # hits ignored because the conduct predates the clause


def _band_ok(hit: HitFact, band: str) -> bool:
    return BAND_RANK.get(hit.band, 0) >= BAND_RANK[band]


def _in_time(hit: HitFact, ctx: _Ctx) -> bool:
    """Conduct before the clause's effective date is out of its reach."""
    if hit.event_date is not None and hit.event_date < ctx.clause.effective_from:
        ctx.too_early.add(hit.hit_id)
        return False
    return True


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _test(cond: Condition, ctx: _Ctx) -> tuple[bool, list[int]]:
    facts = ctx.facts
    if cond.hit is not None:
        spec = cond.hit
        ids = [
            h.hit_id
            for h in facts.hits
            if h.target == "reference"
            and h.list_kind == spec.list
            and _band_ok(h, spec.band)
            and _in_time(h, ctx)
        ]
        return bool(ids), ids
    if cond.duplicate_of is not None:
        dup = cond.duplicate_of
        ids = [
            h.hit_id
            for h in facts.hits
            if h.target == dup.target
            and _band_ok(h, dup.band)
            and (dup.target == "member" or h.other_is_earlier)
        ]
        return bool(ids), ids
    if cond.not_on_register is not None:
        if not facts.register_checked:
            return False, []
        band = cond.not_on_register.band
        found = any(
            h.target == "reference" and h.list_kind == "register" and _band_ok(h, band)
            for h in facts.hits
        )
        return not found, []
    if cond.expelled_within is not None:
        spec_e = cond.expelled_within
        since = _years_before(facts.as_of, spec_e.years)
        ids = [
            h.hit_id
            for h in facts.hits
            if h.target == "reference"
            and h.list_kind == "expelled"
            and _band_ok(h, spec_e.band)
            and h.event_date is not None
            and h.event_date > since
            and _in_time(h, ctx)
        ]
        return bool(ids), ids
    if cond.age_under is not None:
        return facts.age is not None and facts.age < cond.age_under, []
    if cond.payment is not None:
        return facts.payment_status == cond.payment, []
    if cond.category is not None:
        return facts.category == cond.category, []
    if cond.all is not None:
        ids_all: list[int] = []
        for sub in cond.all:
            ok, ids = _test(sub, ctx)
            if not ok:
                return False, []
            ids_all += ids
        return True, ids_all
    if cond.any is not None:
        hit_any = False
        ids_any: list[int] = []
        for sub in cond.any:
            ok, ids = _test(sub, ctx)
            if ok:
                hit_any = True
                ids_any += ids
        return hit_any, ids_any
    assert cond.not_ is not None
    ok, _ids = _test(cond.not_, ctx)
    return not ok, []


def _in_force(clause: Clause, day: date) -> bool:
    return clause.effective_from <= day and (
        clause.effective_to is None or day < clause.effective_to
    )


def evaluate_clause(clause: Clause, facts: Facts) -> ClauseResult:
    if not _in_force(clause, facts.as_of):
        return ClauseResult(
            clause.id, False, note=f"not in force on the application date {facts.as_of}"
        )
    ctx = _Ctx(facts, clause, set())
    ok, ids = _test(clause.when, ctx)
    note = None
    if ctx.too_early:
        note = (
            f"hits {sorted(ctx.too_early)} ignored: the conduct predates the clause "
            f"(in force from {clause.effective_from})"
        )
    return ClauseResult(clause.id, ok, tuple(dict.fromkeys(ids)), note)


def evaluate(rulebook: Rulebook, facts: Facts) -> Evaluation:
    """The outcome for one application: the most serious outcome among the clauses that apply."""
    results = tuple(evaluate_clause(c, facts) for c in rulebook.clauses)
    applied = [r for r in results if r.applies]
    outcome: str = rulebook.model.default_outcome
    for r in applied:
        clause_outcome = rulebook.clause(r.clause_id).outcome
        if SEVERITY[clause_outcome] > SEVERITY[outcome]:
            outcome = clause_outcome
    track = {"refer": "conduct", "fix_it": "administrative"}.get(outcome)
    evidence = tuple(dict.fromkeys(i for r in applied for i in r.evidence_hit_ids))
    scores = {h.hit_id: h.score for h in facts.hits}
    response_days = None
    if track is not None:
        days = [
            rulebook.clause(r.clause_id).response_days
            for r in applied
            if rulebook.clause(r.clause_id).track == track
        ]
        response_days = min((d for d in days if d is not None), default=None)
        response_days = response_days or rulebook.model.response_days
    return Evaluation(
        rulebook=rulebook.label,
        outcome=outcome,
        track=track,
        clause_ids=tuple(r.clause_id for r in applied),
        evidence_hit_ids=evidence,
        evidence_score=max((scores[i] for i in evidence if i in scores), default=0.0),
        response_days=response_days,
        results=results,
    )


def outcome_facts(facts: Facts, ev: Evaluation) -> dict[str, Any]:
    """The facts as an outcome row stores them, with each clause that applied or has a note
    (e.g. hits ignored because the conduct predates it)."""
    data = facts.to_json()
    data["clause_results"] = [
        {"clause_id": r.clause_id, "applies": r.applies, "note": r.note}
        for r in ev.results
        if r.applies or r.note
    ]
    return data
