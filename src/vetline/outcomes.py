"""Turn stored hits into outcomes: build each application's facts, apply the rulebook, record
the outcome, and route it — admit (or provisional), a fix-it notice on the administrative track,
or a case on the conduct track. The machine only refers: nobody is refused here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Executable, bindparam, exists, select
from sqlalchemy.orm import Session, aliased

from vetline import audit
from vetline.cases import notices
from vetline.db.base import utcnow
from vetline.db.inserted import insert_loaded
from vetline.db.people import (
    Application,
    ApplicationStatus,
    ListKind,
    ReferenceEntry,
    ReferenceList,
)
from vetline.db.review import (
    Case,
    CaseKind,
    CaseOutcome,
    CaseStatus,
    ClearedPair,
    OutcomeKind,
    ScreeningOutcome,
    Track,
)
from vetline.db.screening import Hit, HitTarget, ScreeningRun
from vetline.rulebook.evaluate import Evaluation, evaluate, outcome_facts
from vetline.rulebook.facts import Facts, HitFact
from vetline.rulebook.model import Rulebook
from vetline.rulebook.store import register

_CHUNK = 500


@dataclass
class OutcomeSummary:
    rulebook: str
    applications: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    cases_opened: int = 0
    notices_issued: int = 0
    kept_open_case: int = 0  # an open case already exists: outcome recorded, case left to people
    kept_human_decision: int = 0  # people decided already and nothing new was found
    skipped: int = 0  # withdrawn applications
    # given the applications' rows (the submit path): each one's outcome row, the case opened
    recorded: dict[int, ScreeningOutcome] = field(default_factory=dict)
    opened: dict[int, int] = field(default_factory=dict)


def age_on(born: date | None, day: date) -> int | None:
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# built once: building a statement costs more than running this one
_REGISTER_CHECKED = select(
    exists().where(ReferenceList.kind == ListKind.REGISTER, ReferenceList.active.is_(True))
)


def _register_checked(session: Session) -> bool:
    return bool(session.scalar(_REGISTER_CHECKED))


def build_facts(
    session: Session,
    apps: Sequence[Application],
    *,
    register_checked: bool | None = None,
    without_hits: Collection[int] = (),
) -> dict[int, Facts]:
    """Screening facts for each application, from its stored hits (decision memory applied).

    `without_hits`: applications the caller knows have no stored hit (not looked up).
    """
    return _facts_and_thresholds(session, apps, register_checked, without_hits)[0]


@cache
def _facts_query() -> Executable:
    """The hits' columns the facts need, not whole hits (their explanations are large JSON),
    with what they point at (list, entry, the other application, a clearing, the run) in one
    query; built once (building it costs more than running it on a submission)."""
    other = aliased(Application)
    return (
        select(
            Hit.id,
            Hit.application_id,
            Hit.target,
            Hit.band,
            Hit.score,
            Hit.pair_hash,
            Hit.other_application_id,
            ReferenceList.kind,
            ReferenceList.active,
            ReferenceEntry.event_date,
            ReferenceEntry.removed_in_version,
            ClearedPair.id.is_not(None).label("cleared"),
            other.applied_at.label("other_applied_at"),
            ScreeningRun.review_threshold,
        )
        .outerjoin(ReferenceList, Hit.list_id == ReferenceList.id)
        .outerjoin(ReferenceEntry, Hit.reference_entry_id == ReferenceEntry.id)
        .outerjoin(ClearedPair, ClearedPair.pair_hash == Hit.pair_hash)  # unique: one or none
        .outerjoin(other, Hit.other_application_id == other.id)
        .join(ScreeningRun, Hit.run_id == ScreeningRun.id)
        .where(
            Hit.application_id.in_(bindparam("ids", expanding=True)),
            Hit.superseded_at.is_(None),
        )
        .order_by(Hit.id)
    )


def _facts_and_thresholds(
    session: Session,
    apps: Sequence[Application],
    register_checked: bool | None,
    without_hits: Collection[int],
) -> tuple[dict[int, Facts], dict[int, float]]:
    """`build_facts`, and the review threshold of the run that stored each hit in them."""
    if register_checked is None:
        register_checked = _register_checked(session)
    ids = [a.id for a in apps if a.id not in without_hits]
    if not ids:
        return {app.id: _facts(app, register_checked, (), ()) for app in apps}, {}
    rows = session.execute(_facts_query(), {"ids": ids}).all()
    by_app: dict[int, dict[str, HitFact]] = defaultdict(dict)
    cleared_ids: dict[int, list[int]] = defaultdict(list)
    thresholds: dict[int, float] = {}
    applied = {a.id: a.applied_at for a in apps}
    for hit in rows:
        kind, active, removed = hit.kind, hit.active, hit.removed_in_version
        app_id = hit.application_id
        if app_id is None:  # the query selects hits on these applications only
            continue
        thresholds[hit.id] = hit.review_threshold
        if hit.target == HitTarget.REFERENCE and (removed is not None or active is False):
            continue  # the entry left the list, or the list was withdrawn
        if hit.cleared:
            cleared_ids[app_id].append(hit.id)
            continue
        earlier = False
        if hit.other_application_id is not None:
            when = hit.other_applied_at
            mine = applied[app_id]
            earlier = when is not None and (
                when < mine or (when == mine and hit.other_application_id < app_id)
            )
        # the latest hit for a pair wins (re-screening stores a fresh one)
        by_app[app_id][hit.pair_hash] = HitFact(
            hit_id=hit.id,
            target=hit.target,
            list_kind=kind,
            band=hit.band,
            score=hit.score,
            event_date=hit.event_date,
            other_is_earlier=earlier,
            pair_hash=hit.pair_hash,
        )
    facts = {
        app.id: _facts(
            app, register_checked, tuple(by_app[app.id].values()), tuple(cleared_ids[app.id])
        )
        for app in apps
    }
    return facts, thresholds


def _facts(
    app: Application,
    register_checked: bool,
    hits: tuple[HitFact, ...],
    cleared_hit_ids: tuple[int, ...],
) -> Facts:
    as_of = app.applied_at.date()
    return Facts(
        application_id=app.id,
        as_of=as_of,
        age=age_on(app.date_of_birth, as_of),
        category=app.category or "member",
        payment_status=app.payment_status,
        register_checked=register_checked,
        hits=hits,
        cleared_hit_ids=cleared_hit_ids,
    )


@dataclass(frozen=True)
class _Held:
    """Where people already have an application: its status follows their case or decision."""

    status: str
    open_case: bool
    judged_clauses: frozenset[str] = frozenset()
    judged_pairs: frozenset[str] = frozenset()


def _human_state(session: Session, chunk: Sequence[int], rulebook: Rulebook) -> dict[int, _Held]:
    """Per application: an open case, or else the final outcome of its latest closed case."""
    admitted = (
        ApplicationStatus.PROVISIONAL
        if rulebook.model.default_outcome == "provisional" and rulebook.model.provisional
        else ApplicationStatus.ADMITTED
    )
    out: dict[int, _Held] = {}
    rows = session.execute(
        select(
            Case.application_id,
            Case.kind,
            Case.track,
            Case.status,
            Case.final_outcome,
            Case.clause_ids,
            Case.evidence_hit_ids,
        )
        .where(Case.application_id.in_(chunk))
        .order_by(Case.id)
    ).all()
    judged_hits = {h for row in rows for h in (row[6] or [])}
    pairs = (
        dict(session.execute(select(Hit.id, Hit.pair_hash).where(Hit.id.in_(judged_hits))).all())
        if judged_hits
        else {}
    )
    clauses: dict[int, set[str]] = defaultdict(set)
    judged: dict[int, set[str]] = defaultdict(set)
    for app_id, kind, track, status, final, clause_ids, hit_ids in rows:
        if app_id is None:  # a member's case (the query selects these applications' cases)
            continue
        clauses[app_id].update(clause_ids or [])
        judged[app_id].update(pairs[h] for h in hit_ids or [] if h in pairs)
        if out.get(app_id, _Held("", False)).open_case:
            continue
        if status != CaseStatus.CLOSED:
            if kind == CaseKind.APPEAL:
                out[app_id] = _Held(ApplicationStatus.REJECTED, True)  # the decision stands
            elif track == Track.ADMINISTRATIVE:
                out[app_id] = _Held(ApplicationStatus.FIX_IT, True)
            else:
                out[app_id] = _Held(ApplicationStatus.REFERRED, True)
        elif final in CaseOutcome.ADVERSE:
            out[app_id] = _Held(ApplicationStatus.REJECTED, False)
        elif final is not None:
            out[app_id] = _Held(admitted, False)
    return {
        app_id: _Held(h.status, h.open_case, frozenset(clauses[app_id]), frozenset(judged[app_id]))
        for app_id, h in out.items()
    }


def _new_grounds(ev: Evaluation, held: _Held, facts: Facts) -> bool:
    """After an admission by people, only grounds they have not judged (a clause or a record
    pair new to this applicant) reopen review; after a refusal nothing the machine finds
    changes it (an appeal is the way)."""
    if held.status == ApplicationStatus.REJECTED:
        return False
    if ev.outcome not in (OutcomeKind.REFER, OutcomeKind.FIX_IT):
        return False
    evidence = {h.pair_hash for h in facts.hits if h.hit_id in ev.evidence_hit_ids}
    return bool(set(ev.clause_ids) - held.judged_clauses or evidence - held.judged_pairs)


def _carried_deadline(prev: ScreeningOutcome | None, ev: Evaluation) -> datetime | None:
    """Re-screening does not restart a provisional period that is already running."""
    if prev is not None and prev.outcome == ev.outcome == OutcomeKind.PROVISIONAL:
        return prev.deadline_at
    return None


def _deadline(ev: Evaluation, rulebook: Rulebook, now: datetime) -> datetime | None:
    """Fix-it and referral: the response date; provisional: the end of the provisional period."""
    if ev.outcome == OutcomeKind.PROVISIONAL and rulebook.model.provisional is not None:
        return now + timedelta(weeks=rulebook.model.provisional.weeks)
    if ev.outcome in (OutcomeKind.FIX_IT, OutcomeKind.REFER):
        return now + timedelta(days=ev.response_days or rulebook.model.response_days)
    return None


def _admits(ev: Evaluation) -> bool:
    return ev.outcome in (OutcomeKind.ADMIT, OutcomeKind.PROVISIONAL)


def _admit(app: Application, ev: Evaluation, rulebook: Rulebook) -> None:
    """Routing of an admission: the status only (provisional if the rulebook has a period)."""
    if ev.outcome == OutcomeKind.PROVISIONAL and rulebook.model.provisional is not None:
        app.status = ApplicationStatus.PROVISIONAL
    else:
        app.status = ApplicationStatus.ADMITTED


def _route(
    session: Session,
    app: Application,
    outcome_row: ScreeningOutcome,
    ev: Evaluation,
    rulebook: Rulebook,
    now: datetime,
    actor: str,
    summary: OutcomeSummary,
) -> dict[str, object]:
    """Set the application status, open the case or issue the notice; return what changed."""
    changed: dict[str, object] = {}
    if _admits(ev):
        _admit(app, ev, rulebook)
        return changed
    days = ev.response_days or rulebook.model.response_days
    respond_by = now + timedelta(days=days)
    admin = ev.outcome == OutcomeKind.FIX_IT
    case = Case(
        application_id=app.id,
        kind=CaseKind.REVIEW,
        track=Track.ADMINISTRATIVE if admin else Track.CONDUCT,
        status=CaseStatus.AWAITING_RESPONSE if admin else CaseStatus.OPEN,
        outcome_id=outcome_row.id,
        rulebook_version=rulebook.label,
        clause_ids=list(ev.clause_ids),
        evidence_hit_ids=list(ev.evidence_hit_ids),
        evidence_score=ev.evidence_score,
        opened_at=now,
        due_at=respond_by,
        updated_at=now,
    )
    app.status = ApplicationStatus.FIX_IT if admin else ApplicationStatus.REFERRED
    session.add(case)
    session.flush()  # the case's id; the application's new status goes in the same flush
    summary.cases_opened += 1
    notices.issue(
        session,
        kind="fix_it" if admin else "referral",
        app=app,
        case=case,
        clauses=[rulebook.clause(c) for c in ev.clause_ids],
        evidence_hit_ids=ev.evidence_hit_ids,
        respond_by=respond_by,
        rulebook_label=rulebook.label,
        actor=actor,
        message=None
        if admin
        else "Your application has been passed to a reviewer. Before anyone decides, we want "
        "you to see what our checks found and to hear from you.",
    )
    summary.notices_issued += 1
    changed["case_id"] = case.id
    return changed


def decide_outcomes(
    session: Session,
    application_ids: Sequence[int],
    *,
    rulebook: Rulebook,
    actor: str = "system",
    now: datetime | None = None,
    applications: Sequence[Application] | None = None,
    inserted_now: bool = False,
    without_hits: Collection[int] = (),
    register_checked: bool | None = None,
) -> OutcomeSummary:
    """Apply `rulebook` to the applications' stored hits and route each one (see module doc).

    `applications`: the rows of `application_ids` if the caller has them loaded in this
    session (the submit path), so they are not read again; the summary then keeps each
    one's outcome row and the case opened on it (`recorded`, `opened`). `inserted_now`: they
    were inserted in this transaction, so nobody else can have a case or an outcome on them
    yet and none is looked for; `without_hits`: of those, the ones the caller screened and
    found no hit for. `register_checked`: whether an active register list is loaded, if the
    caller read it in this transaction already (vetline.instant).
    """
    if without_hits and not inserted_now:
        raise ValueError("without_hits: only for applications inserted in this transaction")
    now = now or utcnow()
    summary = OutcomeSummary(rulebook=rulebook.label)
    counts: Counter[str] = Counter()

    # new rows' screened values wait in the session for routing's UPDATE (one, not two); the
    # reads need nothing of theirs written first
    def reading() -> AbstractContextManager[object]:
        return session.no_autoflush if inserted_now else nullcontext()

    with reading():
        rulebook_id = register(session, rulebook, actor=actor)
        if register_checked is None:
            register_checked = _register_checked(session)
    ids = list(dict.fromkeys(application_ids))
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        loaded = {a.id: a for a in applications or ()}
        if all(i in loaded for i in chunk):
            apps = [loaded[i] for i in chunk]
        else:
            apps = list(session.scalars(select(Application).where(Application.id.in_(chunk))))
        people = {} if inserted_now else _human_state(session, chunk, rulebook)
        previous = (
            {}
            if inserted_now
            else {
                o.application_id: o
                for o in session.scalars(
                    select(ScreeningOutcome)
                    .where(ScreeningOutcome.application_id.in_(chunk))
                    .order_by(ScreeningOutcome.id)
                )
            }
        )
        with reading():
            facts, thresholds = _facts_and_thresholds(session, apps, register_checked, without_hits)
        evaluated: list[tuple[Application, Evaluation]] = []
        values: list[dict[str, Any]] = []
        for app in sorted(apps, key=lambda a: a.id):
            if app.status == ApplicationStatus.WITHDRAWN:
                summary.skipped += 1
                continue
            ev = evaluate(rulebook, facts[app.id])
            evaluated.append((app, ev))
            values.append(
                dict(
                    application_id=app.id,
                    rulebook_id=rulebook_id,
                    rulebook_version=rulebook.label,
                    clause_ids=list(ev.clause_ids),
                    outcome=ev.outcome,
                    track=ev.track,
                    facts=outcome_facts(facts[app.id], ev),
                    evidence_hit_ids=list(ev.evidence_hit_ids),
                    deadline_at=_carried_deadline(previous.get(app.id), ev)
                    or _deadline(ev, rulebook, now),
                    actor=actor,
                    created_at=now,
                )
            )
        # new rows admitted: routed before their outcome's INSERT (routing needs nothing of
        # it), so a submission's status goes in that statement with its screening run
        admitted_before: dict[int, str] = {}
        if inserted_now:
            for app, ev in evaluated:
                if _admits(ev):
                    admitted_before[app.id] = app.status
                    app.updated_at = now
                    _admit(app, ev, rulebook)
        # one round trip for the chunk's outcome rows, which come back loaded (their ids)
        rows: list[tuple[Application, Evaluation, ScreeningOutcome]] = []
        if values:
            # a new submission's run and changed row (vetline.instant) go in the same statement
            stored = insert_loaded(session, ScreeningOutcome, values, with_pending=inserted_now)
            rows = [(app, ev, row) for (app, ev), row in zip(evaluated, stored, strict=True)]
        for app, ev, row in rows:
            before = admitted_before.get(app.id, app.status)
            changed: dict[str, object] = {}
            held = people.get(app.id)
            if app.id in admitted_before:
                pass  # routed above (nobody else has anything on a new row: `held` is None)
            elif held is not None and (held.open_case or not _new_grounds(ev, held, facts[app.id])):
                # people have this one: an open case, or a decision the machine must not undo
                app.status = held.status
                summary.kept_open_case += held.open_case
                summary.kept_human_decision += not held.open_case
            else:
                app.updated_at = now  # first: flushed with the new status, one UPDATE
                changed = _route(session, app, row, ev, rulebook, now, actor, summary)
            if applications is not None:
                summary.recorded[app.id] = row
                if isinstance(case_id := changed.get("case_id"), int):
                    summary.opened[app.id] = case_id
            counts[ev.outcome] += 1
            audit.record(
                session,
                actor=actor,
                action="screening.outcome",
                entity="application",
                entity_id=app.id,
                before={"status": before},
                after={
                    "status": app.status,
                    "outcome": ev.outcome,
                    "track": ev.track,
                    "clause_ids": list(ev.clause_ids),
                    "evidence_hit_ids": list(ev.evidence_hit_ids),
                    "outcome_id": row.id,
                    **changed,
                },
                rulebook_version=rulebook.label,
                score=ev.evidence_score if ev.evidence_hit_ids else None,
                threshold=max(
                    (thresholds[i] for i in ev.evidence_hit_ids if i in thresholds), default=None
                ),
                at=now,
            )
        summary.applications += len(apps)
    summary.by_outcome = dict(counts)
    return summary


def current_outcome(session: Session, application_id: int) -> ScreeningOutcome | None:
    """The latest outcome row for an application (rows are never updated, only superseded)."""
    return session.scalar(
        select(ScreeningOutcome)
        .where(ScreeningOutcome.application_id == application_id)
        .order_by(ScreeningOutcome.id.desc())
        .limit(1)
    )


__all__ = ["OutcomeSummary", "age_on", "build_facts", "current_outcome", "decide_outcomes"]
