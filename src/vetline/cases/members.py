"""Cases about existing members: the rulebook decides which member hits people review.

A new reference-list version (or a changed membership record) can match someone who is
already a member: another party's candidate, the expelled list. Such a hit is put to the
configured rulebook exactly as an applicant's would be — the same clauses, the same
`evaluate` — and when a clause refers it, a conduct case opens whose subject is the member,
with a referral notice inviting them to respond. From there it is the ordinary review path:
queue, claim, proposal, four-eyes approval, notice, appeal (vetline.cases). Only a final
decision by people changes the membership (vetline.cases.subject.settle_member).

The facts a member gives the rulebook are their standing reference hits and nothing else: no
register check (a member is not screened against the register), no age, no payment — the
membership's own conditions are not re-opened by a hit. The rules read are those in force on
the day the hit is judged, and a clause still never reaches conduct dated before it.

Re-running opens nothing twice: a member with a case still open is left to people, and after
a closed case only a clause or a record pair people have not judged opens another.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from vetline import audit
from vetline.cases import notices
from vetline.db.base import utcnow
from vetline.db.people import Member, MemberStatus, ReferenceEntry, ReferenceList
from vetline.db.review import (
    Case,
    CaseKind,
    CaseStatus,
    ClearedPair,
    OutcomeKind,
    ScreeningOutcome,
    Track,
)
from vetline.db.screening import Hit, HitTarget
from vetline.rulebook.evaluate import Evaluation, evaluate, outcome_facts
from vetline.rulebook.facts import Facts, HitFact
from vetline.rulebook.model import Rulebook
from vetline.rulebook.store import register

_CHUNK = 500
REFERRAL_MESSAGE = (
    "A check of our membership records against an updated reference list found a record that "
    "may be yours, and it has been passed to a reviewer. Nothing about your membership has "
    "changed: before anyone decides, we want you to see what our checks found and to hear "
    "from you."
)


@dataclass
class MemberReferrals:
    members: int = 0  # members whose hits were put to the rulebook
    cases_opened: int = 0
    case_ids: list[int] = field(default_factory=list)
    kept_open_case: int = 0  # a case about the member is already open: left to people
    already_judged: int = 0  # people decided on these grounds already
    not_referred: int = 0  # no clause refers the hits (e.g. below the clause's band)


def member_facts(session: Session, members: Iterable[Member], *, as_of: date) -> dict[int, Facts]:
    """Each member's standing reference hits as rulebook facts (decision memory applied)."""
    members = list(members)
    rows = session.execute(
        select(Hit, ReferenceList.kind, ReferenceEntry.event_date)
        .join(ReferenceList, Hit.list_id == ReferenceList.id)
        .join(ReferenceEntry, Hit.reference_entry_id == ReferenceEntry.id)
        .where(
            Hit.subject_member_id.in_([m.id for m in members]),
            Hit.superseded_at.is_(None),
            ReferenceList.active.is_(True),
            ReferenceEntry.removed_in_version.is_(None),
        )
        .order_by(Hit.id)
    ).all()
    pairs = {hit.pair_hash for hit, _, _ in rows}
    cleared = (
        set(session.scalars(select(ClearedPair.pair_hash).where(ClearedPair.pair_hash.in_(pairs))))
        if pairs
        else set()
    )
    hits: dict[int, dict[str, HitFact]] = defaultdict(dict)
    cleared_ids: dict[int, list[int]] = defaultdict(list)
    for hit, kind, event_date in rows:
        member_id = int(hit.subject_member_id or 0)
        if hit.pair_hash in cleared:
            cleared_ids[member_id].append(hit.id)
            continue
        hits[member_id][hit.pair_hash] = HitFact(  # the latest hit for a pair wins
            hit_id=hit.id,
            target=HitTarget.REFERENCE,
            list_kind=kind,
            band=hit.band,
            score=hit.score,
            event_date=event_date,
            pair_hash=hit.pair_hash,
        )
    return {
        m.id: Facts(
            application_id=None,
            member_id=m.id,
            as_of=as_of,
            category=m.category or "member",
            hits=tuple(hits[m.id].values()),
            cleared_hit_ids=tuple(cleared_ids[m.id]),
        )
        for m in members
    }


@dataclass(frozen=True)
class _Judged:
    open_case: bool
    clauses: frozenset[str]
    pairs: frozenset[str]


def _judged(session: Session, member_ids: list[int]) -> dict[int, _Judged]:
    """Per member: a case still open, and the clauses and record pairs people have judged."""
    rows = session.execute(
        select(Case.member_id, Case.status, Case.clause_ids, Case.evidence_hit_ids).where(
            Case.member_id.in_(member_ids)
        )
    ).all()
    hit_ids = {h for row in rows for h in (row[3] or [])}
    pair_of = (
        dict(session.execute(select(Hit.id, Hit.pair_hash).where(Hit.id.in_(hit_ids))).all())
        if hit_ids
        else {}
    )
    open_: set[int] = set()
    clauses: dict[int, set[str]] = defaultdict(set)
    pairs: dict[int, set[str]] = defaultdict(set)
    for member_id, status, clause_ids, evidence in rows:
        if member_id is None:
            continue
        if status != CaseStatus.CLOSED:
            open_.add(member_id)
        clauses[member_id].update(clause_ids or [])
        pairs[member_id].update(pair_of[h] for h in evidence or [] if h in pair_of)
    return {
        m: _Judged(m in open_, frozenset(clauses[m]), frozenset(pairs[m]))
        for m in set(clauses) | open_
    }


def _new_grounds(ev: Evaluation, facts: Facts, judged: _Judged | None) -> bool:
    if judged is None:
        return True
    evidence = {h.pair_hash for h in facts.hits if h.hit_id in ev.evidence_hit_ids}
    return bool(set(ev.clause_ids) - judged.clauses or evidence - judged.pairs)


def refer_members(
    session: Session,
    member_ids: Iterable[int],
    *,
    rulebook: Rulebook,
    actor: str = "system",
    now: datetime | None = None,
) -> MemberReferrals:
    """Put these members' standing hits to the rulebook; open a case where a clause refers."""
    now = now or utcnow()
    out = MemberReferrals()
    ids = sorted(set(member_ids))
    if not ids:
        return out
    rulebook_id = register(session, rulebook, actor=actor)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        members = list(
            session.scalars(
                select(Member)
                .where(Member.id.in_(chunk), Member.status == MemberStatus.CURRENT)
                .order_by(Member.id)
            )
        )
        facts = member_facts(session, members, as_of=now.date())
        judged = _judged(session, chunk)
        for member in members:
            out.members += 1
            ev = evaluate(rulebook, facts[member.id])
            held = judged.get(member.id)
            referred = ev.outcome == OutcomeKind.REFER
            opened: Case | None = None
            if not referred:
                out.not_referred += 1
            elif held is not None and held.open_case:
                out.kept_open_case += 1
            elif not _new_grounds(ev, facts[member.id], held):
                out.already_judged += 1
            else:
                opened = _open_case(
                    session,
                    member,
                    ev,
                    facts[member.id],
                    rulebook,
                    rulebook_id,
                    actor=actor,
                    now=now,
                )
                out.cases_opened += 1
                out.case_ids.append(opened.id)
            audit.record(
                session,
                actor=actor,
                action="screening.member_outcome",
                entity="member",
                entity_id=member.id,
                after={
                    "referred": referred,
                    "clause_ids": list(ev.clause_ids),
                    "evidence_hit_ids": list(ev.evidence_hit_ids),
                    "case_id": opened.id if opened else None,
                    "status": member.status,  # unchanged: people decide
                },
                rulebook_version=rulebook.label,
                score=ev.evidence_score if ev.evidence_hit_ids else None,
                at=now,
            )
    return out


def _open_case(
    session: Session,
    member: Member,
    ev: Evaluation,
    facts: Facts,
    rulebook: Rulebook,
    rulebook_id: int,
    *,
    actor: str,
    now: datetime,
) -> Case:
    """Record the outcome, open the conduct case and send the member the referral notice."""
    respond_by = now + timedelta(days=ev.response_days or rulebook.model.response_days)
    outcome = ScreeningOutcome(
        application_id=None,
        member_id=member.id,
        rulebook_id=rulebook_id,
        rulebook_version=rulebook.label,
        clause_ids=list(ev.clause_ids),
        outcome=ev.outcome,
        track=ev.track,
        facts=outcome_facts(facts, ev),
        evidence_hit_ids=list(ev.evidence_hit_ids),
        deadline_at=respond_by,
        actor=actor,
        created_at=now,
    )
    session.add(outcome)
    session.flush()
    case = Case(
        application_id=None,
        member_id=member.id,
        kind=CaseKind.REVIEW,
        track=Track.CONDUCT,
        status=CaseStatus.OPEN,
        outcome_id=outcome.id,
        rulebook_version=rulebook.label,
        clause_ids=list(ev.clause_ids),
        evidence_hit_ids=list(ev.evidence_hit_ids),
        evidence_score=ev.evidence_score,
        opened_at=now,
        due_at=respond_by,
        updated_at=now,
    )
    session.add(case)
    session.flush()
    notices.issue(
        session,
        kind="referral",
        app=member,
        case=case,
        clauses=[rulebook.clause(c) for c in ev.clause_ids],
        evidence_hit_ids=ev.evidence_hit_ids,
        respond_by=respond_by,
        rulebook_label=rulebook.label,
        actor=actor,
        message=REFERRAL_MESSAGE,
    )
    return case


__all__ = ["MemberReferrals", "member_facts", "refer_members"]
