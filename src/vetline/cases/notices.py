"""Notices: letters and emails rendered into the outbox table (nothing is really sent).

Every notice cites the clause, says in plain words what the evidence is and how strong, and
gives the date by which the applicant can answer — the opposite of a generic reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Executable, bindparam, select
from sqlalchemy.orm import Session, aliased

from vetline import audit
from vetline.db.people import Application, Member, ReferenceEntry, ReferenceList
from vetline.db.review import Case, Notice
from vetline.db.screening import Hit
from vetline.rulebook.schema import Clause

BAND_WORDS = {
    "match": "several details agree (such as name, date of birth and address)",
    "possible": "some details agree while others are missing or differ",
    "name-only": "only the name agrees, so this may well be a different person",
}

LIST_WORDS = {
    "candidates": "published lists of election candidates",
    "party_members": "records of another party's members",
    "officers": "records of another party's officers",
    "expelled": "our record of people expelled or excluded",
    "register": "the electoral register",
    "donors": "the Electoral Commission's register of donations",
}

SUBJECTS = {
    "fix_it": "Your membership application: something to put right by {respond_by}",
    "referral": "Your membership application: we need your comments by {respond_by}",
    "decision": "Your membership application: our decision",
    "appeal_received": "Your appeal has been received",
    "appeal_decision": "Your appeal: our decision",
}
# the same notices to an existing member whose record a reference list matched
MEMBER_SUBJECTS = {
    **SUBJECTS,
    "referral": "Your membership: we need your comments by {respond_by}",
    "decision": "Your membership: our decision",
}


def _day(when: date | datetime | None) -> str:
    return f"{when.day} {when:%B %Y}" if when else ""


FIELD_WORDS = {
    "first_name": "first name",
    "last_name": "surname",
    "name": "name",
    "date_of_birth": "date of birth",
    "postcode": "postcode",
    "address": "address",
    "email": "email address",
    "phone": "phone number",
}


def agreement(explanation: Sequence[dict[str, Any]]) -> str:
    """'Details that agree: surname, date of birth. … differ: address.' from the comparison
    levels (what the values are), not the weights' signs (how much that counted)."""
    # lazy: vetline.matching brings pandas and DuckDB, which the review CLI does not need
    from vetline.matching.explain import level_agreement

    said: dict[str, list[str]] = {"agrees": [], "partly": [], "differs": []}
    for part in explanation or []:
        words = FIELD_WORDS.get(str(part.get("field")))
        if words is None:
            continue  # the prior and unknown features are not details of the person
        kind = level_agreement(part.get("level"))
        if kind in said:
            said[kind].append(words)
    out = []
    for kind, label in (
        ("agrees", "Details that agree"),
        ("partly", "Details that partly agree"),
        ("differs", "Details that differ"),
    ):
        if said[kind]:
            out.append(f"{label}: " + ", ".join(dict.fromkeys(said[kind])) + ".")
    return " ".join(out)


@cache
def _evidence_query() -> Executable:
    """Each hit with what it points at (its entry and list, the member, the other application)
    in one query, not one per kind; built once."""
    other_app = aliased(Application)
    return (
        select(
            Hit,
            ReferenceEntry.id,
            ReferenceEntry.first_name,
            ReferenceEntry.last_name,
            ReferenceEntry.party,
            ReferenceEntry.role,
            ReferenceEntry.event_date,
            ReferenceList.id,
            ReferenceList.kind,
            ReferenceList.name,
            Member.id,
            Member.joined_at,
            other_app.id,
            other_app.applied_at,
        )
        .outerjoin(ReferenceEntry, Hit.reference_entry_id == ReferenceEntry.id)
        .outerjoin(ReferenceList, Hit.list_id == ReferenceList.id)
        .outerjoin(Member, Hit.member_id == Member.id)
        .outerjoin(other_app, Hit.other_application_id == other_app.id)
        .where(Hit.id.in_(bindparam("ids", expanding=True)))
        .order_by(Hit.id)
    )


def evidence_lines(session: Session, hit_ids: Sequence[int]) -> list[str]:
    """One plain sentence per hit: what was found, where, and how strong the match is."""
    rows: list[Any] = list(session.execute(_evidence_query(), {"ids": list(hit_ids)}))
    hits = [row[0] for row in rows]
    entries = {
        r[1]: SimpleNamespace(
            first_name=r[2], last_name=r[3], party=r[4], role=r[5], event_date=r[6]
        )
        for r in rows
        if r[1] is not None
    }
    lists = {r[7]: SimpleNamespace(kind=r[8], name=r[9]) for r in rows if r[7] is not None}
    joined = {r[10]: SimpleNamespace(joined_at=r[11]) for r in rows if r[10] is not None}
    applied = {r[12]: SimpleNamespace(applied_at=r[13]) for r in rows if r[12] is not None}
    lines = []
    for hit in hits:
        strength = BAND_WORDS.get(hit.band, f"match band {hit.band}")
        if hit.reference_entry_id is not None:
            entry = entries.get(hit.reference_entry_id)
            rlist = lists.get(hit.list_id) if hit.list_id else None
            where = LIST_WORDS.get(rlist.kind, rlist.name) if rlist else "a reference list"
            what = []
            if entry is not None:
                name = " ".join(p for p in (entry.first_name, entry.last_name) if p)
                what.append(name or "a record")
                if entry.party:
                    what.append(entry.party)
                if entry.role:
                    what.append(entry.role)
                if entry.event_date:
                    what.append(f"dated {_day(entry.event_date)}")
            found = ", ".join(what) or "a record"
            detail = agreement(hit.explanation)
            lines.append(
                f"In {where}" + (f" ({rlist.name})" if rlist else "") + f": {found}. "
                f"How strong: {strength} (score {hit.score:.2f})."
                + (f" {detail}" if detail else "")
            )
        elif hit.member_id is not None:
            member = joined.get(hit.member_id)
            when = _day(member.joined_at) if member else "?"
            lines.append(
                f"An existing membership record (joined {when}). How strong: {strength}. "
                + agreement(hit.explanation)
            )
        elif hit.other_application_id is not None:
            other = applied.get(hit.other_application_id)
            made = _day(other.applied_at) if other else "?"
            lines.append(
                f"Another application (made {made}). How strong: {strength}. "
                + agreement(hit.explanation)
            )
    return lines


def _recipient(app: Application | Member) -> tuple[str, str]:
    if app.email:
        return "email", app.email
    name = " ".join(p for p in (app.first_name, app.last_name) if p)
    address = ", ".join(p for p in (name, app.address, app.postcode) if p)
    return "letter", address or f"applicant {app.external_id}"


def render(
    kind: str,
    app: Application | Member,
    clauses: Sequence[Clause],
    evidence: Sequence[str],
    *,
    respond_by: datetime | None,
    rulebook_label: str,
    message: str | None = None,
) -> tuple[str, str]:
    """The subject and plain-text body of a notice."""
    name = app.first_name or "applicant"
    subjects, default = (
        (MEMBER_SUBJECTS, "Your membership")
        if isinstance(app, Member)
        else (SUBJECTS, "Your membership application")
    )
    subject = subjects.get(kind, default).format(respond_by=_day(respond_by))
    out = [f"Dear {name},", ""]
    if message:
        out += [message, ""]
    if clauses:
        out.append("The rule(s) this concerns:")
        for clause in clauses:
            out.append(f"  • {clause.title} [{clause.id}]")
            out.append(f"    {clause.explanation.strip()}")
            out.append(f"    Source: {clause.citation.strip()}")
        out.append("")
    if evidence:
        out.append("What we found:")
        out += [f"  • {line}" for line in evidence]
        out += ["", "A match is not a verdict: a person looks at every case before any decision."]
        out.append("")
    if respond_by:
        out.append(
            f"You can reply by {_day(respond_by)} with anything you want us to consider "
            "(for example, that this is not you, or a correction)."
        )
        out.append("")
    out += [
        f"Your reference: {app.external_id}. Rules applied: {rulebook_label}.",
        "You may ask for a copy of the personal data we hold about you, including this check.",
        "",
        "Membership team",
    ]
    return subject, "\n".join(out)


def issue(
    session: Session,
    *,
    kind: str,
    app: Application | Member,
    case: Case | None,
    clauses: Sequence[Clause],
    evidence_hit_ids: Sequence[int],
    respond_by: datetime | None,
    rulebook_label: str,
    actor: str,
    message: str | None = None,
) -> Notice:
    """Render a notice into the outbox and log it."""
    evidence = evidence_lines(session, evidence_hit_ids) if evidence_hit_ids else []
    subject, body = render(
        kind,
        app,
        clauses,
        evidence,
        respond_by=respond_by,
        rulebook_label=rulebook_label,
        message=message,
    )
    channel, recipient = _recipient(app)
    notice = Notice(
        application_id=None if isinstance(app, Member) else app.id,
        member_id=app.id if isinstance(app, Member) else None,
        case_id=case.id if case else None,
        kind=kind,
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        clause_ids=[c.id for c in clauses],
        rulebook_version=rulebook_label,
        respond_by=respond_by,
        created_by=actor,
    )
    session.add(notice)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notice.issue",
        entity="notice",
        entity_id=notice.id,
        after={
            "kind": kind,
            "application_id": notice.application_id,
            **({"member_id": notice.member_id} if notice.member_id is not None else {}),
            "case_id": notice.case_id,
            "clause_ids": notice.clause_ids,
            "respond_by": respond_by,
        },
        rulebook_version=rulebook_label,
    )
    return notice


def list_notices(
    session: Session,
    *,
    application_id: int | None = None,
    case_id: int | None = None,
    limit: int = 200,
) -> list[Notice]:
    query = select(Notice).order_by(Notice.id.desc()).limit(limit)
    if application_id is not None:
        query = query.where(Notice.application_id == application_id)
    if case_id is not None:
        query = query.where(Notice.case_id == case_id)
    return list(session.scalars(query))


def export_outbox(session: Session, directory: Path, *, since_id: int = 0) -> int:
    """Write each notice as a text file (`000042-decision.txt`) for a mail merge; returns count."""
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for notice in session.scalars(select(Notice).where(Notice.id > since_id).order_by(Notice.id)):
        text = (
            f"To: {notice.recipient}\nChannel: {notice.channel}\nSubject: {notice.subject}\n"
            f"Rules: {notice.rulebook_version} {' '.join(notice.clause_ids)}\n\n{notice.body}\n"
        )
        (directory / f"{notice.id:06d}-{notice.kind}.txt").write_text(text, encoding="utf-8")
        count += 1
    return count
