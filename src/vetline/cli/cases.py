"""`vetline cases …` and `vetline rulebook …`: the review queue from the command line, acting as a
named user (`--as`). Thin: parse, call vetline.cases.service, print."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from vetline.cases import service
from vetline.cli.app import app, console, print_json
from vetline.db import session_scope
from vetline.db.base import utcnow
from vetline.errors import InputError
from vetline.rulebook import example_names, load_rulebook
from vetline.users import get_user

cases_app = typer.Typer(
    help="Review cases: queue, claim, propose, approve, return, appeal.", no_args_is_help=True
)
rulebook_app = typer.Typer(
    help="Rulebooks: list the shipped ones, check a file.", no_args_is_help=True
)
app.add_typer(cases_app, name="cases")
app.add_typer(rulebook_app, name="rulebook")

AS_USER = typer.Option(..., "--as", envvar="VETLINE_AS", help="Act as this user (VETLINE_AS).")
JSON = typer.Option(False, "--json", help="Print JSON.")


def _freeze(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError as exc:
        raise InputError(f"--freeze-date {value!r}: use YYYY-MM-DD") from exc


def _print_cases(rows: list[service.CaseSummary], title: str) -> None:
    table = Table(title=title)
    for col in ("id", "track", "status", "applicant", "clauses", "score", "due", "held by"):
        table.add_column(col, overflow="fold")
    for c in rows:
        track = ("admin" if c.track == "administrative" else c.track) + (
            " appeal" if c.kind == "appeal" else ""
        )
        table.add_row(
            str(c.id),
            track,
            c.status.replace("_", " "),
            f"{c.applicant} ({'member ' if c.member_id else ''}{c.external_id})",
            " ".join(c.clause_ids),
            f"{c.evidence_score:.2f}",
            f"{c.due_at:%Y-%m-%d}" if c.due_at else "",
            c.claimed_by or "",
        )
    console.print(table)


@cases_app.command("list")
def list_cases(
    as_user: str = AS_USER,
    status: str | None = typer.Option(None, help="Only this status (open, claimed, …)."),
    track: str | None = typer.Option(None, help="administrative or conduct."),
    freeze_date: str | None = typer.Option(None, help="Ballot freeze date: its cases first."),
    include_closed: bool = typer.Option(False, "--all", help="Include closed cases."),
    overdue: bool = typer.Option(False, "--overdue", help="Only cases past their deadline."),
    limit: int = typer.Option(100, help="At most this many."),
    as_json: bool = JSON,
) -> None:
    """List cases in priority order.

    Example: vetline cases list --as rosa --freeze-date 2016-07-20 --json
    """
    with session_scope() as session:
        user = get_user(session, as_user)
        rows = service.list_queue(
            session,
            user,
            status=status,
            track=track,
            freeze_at=_freeze(freeze_date),
            include_closed=include_closed,
            overdue_at=utcnow() if overdue else None,
            limit=limit,
        )
    if as_json:
        print_json([r.to_json() for r in rows])
    else:
        _print_cases(rows, f"cases ({len(rows)})")


@cases_app.command("claim-next")
def claim_next(
    as_user: str = AS_USER,
    track: str | None = typer.Option(None, help="administrative or conduct."),
    freeze_date: str | None = typer.Option(None, help="Ballot freeze date: its cases first."),
    as_json: bool = JSON,
) -> None:
    """Claim the most urgent case you may work on (or get back the one you hold).

    Example: vetline cases claim-next --as rosa --json
    """
    with session_scope() as session:
        user = get_user(session, as_user)
        got = service.claim_next(session, user, track=track, freeze_at=_freeze(freeze_date))
    if as_json:
        print_json(got.to_json() if got else {"id": None})
    elif got is None:
        console.print("nothing to claim: the queue is empty (or every case is off-limits to you)")
    else:
        _print_cases([got], f"claimed case {got.id}")


@cases_app.command("claim")
def claim(case_id: int, as_user: str = AS_USER) -> None:
    """Claim one named case. Example: vetline cases claim 12 --as rosa"""
    with session_scope() as session:
        service.claim(session, get_user(session, as_user), case_id)
    console.print(f"case {case_id} claimed by {as_user}")


@cases_app.command("release")
def release(case_id: int, as_user: str = AS_USER) -> None:
    """Put a case you hold back in the queue. Example: vetline cases release 12 --as rosa"""
    with session_scope() as session:
        service.release(session, get_user(session, as_user), case_id)
    console.print(f"case {case_id} is back in the queue")


@cases_app.command("show")
def show(case_id: int, as_user: str = AS_USER, as_json: bool = JSON) -> None:
    """Everything about one case: applicant, hits and explanations, clauses, notices, decisions.

    Example: vetline cases show 12 --as rosa --json
    """
    with session_scope() as session:
        detail = service.case_detail(session, get_user(session, as_user), case_id)
    if as_json:
        print_json(detail.to_json())
        return
    c = detail.case
    console.print(
        f"[bold]case {c.id}[/] {c.kind} · {c.track} · {c.status}"
        + (f" · held by {c.claimed_by}" if c.claimed_by else "")
        + f" · rules {escape(str(detail.rulebook_version))}",
        markup=True,
    )
    a = detail.applicant
    where = ", ".join(str(a[k]) for k in ("address", "postcode") if a[k]) or "address not given"
    since = (
        f"joined {a['joined_at']:%Y-%m-%d}, membership {a['status']}"
        if detail.subject == "member"
        else f"applied {a['applied_at']:%Y-%m-%d}, source {a['source'] or 'not given'}"
    )
    console.print(
        f"{'member' if detail.subject == 'member' else 'applicant'} {a['external_id']}: "
        f"{a['first_name'] or ''} {a['last_name'] or ''}, born "
        f"{a['date_of_birth'] or 'not given'}, {where}, {since}",
        highlight=False,
        markup=False,  # applicant data is never Rich markup
    )
    for h in detail.hits:
        rec = h.record
        console.print(
            f"  hit {h.id}: {h.list_name or h.target} band {h.band} score {h.score:.2f}"
            + (" [cleared]" if h.cleared else "")
            + f" → {rec.get('first_name')} {rec.get('last_name')} "
            f"{rec.get('party') or ''} {rec.get('event_date') or ''}",
            highlight=False,
            markup=False,
        )
        for e in h.explanation:
            if isinstance(e, dict) and "field" in e:
                weight = e.get("weight")
                console.print(
                    f"      {e['field']}: {e.get('level', '')} {e.get('detail', '')}"
                    + (f" ({weight:+.2f})" if isinstance(weight, int | float) else ""),
                    highlight=False,
                    markup=False,
                )
            else:
                console.print(f"      {e}", highlight=False, markup=False)
    for cl in detail.clauses:
        console.print(
            f"  clause {cl.id} ({cl.track}, from {cl.effective_from}): {cl.title}", markup=False
        )
    for n in detail.notices:
        console.print(f"  notice {n['id']} {n['kind']}: {n['subject']}", markup=False)
    for r in detail.responses:
        console.print(
            f"  response {r['id']} ({r['received_at']:%Y-%m-%d}): {r['body']}", markup=False
        )
    for d in detail.decisions:
        console.print(
            f"  decision {d.id} {d.kind} {d.outcome} by {d.actor} "
            f"({d.created_at:%Y-%m-%d %H:%M}): {d.reason}",
            highlight=False,
            markup=False,
        )


@cases_app.command("propose")
def propose(
    case_id: int,
    outcome: str = typer.Option(..., help="admit, reject, exclude (appeals: uphold, overturn)."),
    reason: str = typer.Option(..., help="Why, in words the applicant will read."),
    clause: list[str] = typer.Option(None, "--clause", help="Clause id cited (repeatable)."),
    evidence: list[int] = typer.Option(None, "--evidence", help="Hit id relied on (repeatable)."),
    clear_hit: list[int] = typer.Option(
        None, "--clear-hit", help="Hit judged 'not the same person' (repeatable)."
    ),
    as_user: str = AS_USER,
) -> None:
    """Decide a claimed case; reject/exclude/uphold then wait for a different senior.

    Example: vetline cases propose 12 --outcome admit --reason "Born 1990, not 1962"
    --clear-hit 40 --as rosa
    """
    with session_scope() as session:
        d = service.propose(
            session,
            get_user(session, as_user),
            case_id,
            outcome=outcome,
            reason=reason,
            clause_ids=clause or None,
            evidence_hit_ids=evidence or None,
            cleared_hit_ids=clear_hit or None,
        )
        final = d.is_final
    console.print(
        f"case {case_id}: {outcome} "
        + (
            "decided (closed)"
            if final
            else "proposed — waits for a different senior to approve or return it"
        )
    )


@cases_app.command("approve")
def approve(case_id: int, reason: str | None = typer.Option(None), as_user: str = AS_USER) -> None:
    """Approve the waiting adverse proposal (a senior other than the proposer).

    Example: vetline cases approve 12 --as sam
    """
    with session_scope() as session:
        d = service.approve(session, get_user(session, as_user), case_id, reason=reason)
        outcome = d.outcome
    console.print(f"case {case_id}: {outcome} approved and closed")


@cases_app.command("return")
def return_(case_id: int, reason: str = typer.Option(...), as_user: str = AS_USER) -> None:
    """Send the waiting proposal back to its proposer, saying why.

    Example: vetline cases return 12 --reason "Check the date of birth first" --as sam
    """
    with session_scope() as session:
        service.return_(session, get_user(session, as_user), case_id, reason=reason)
    console.print(f"case {case_id} returned to its proposer")


@cases_app.command("appeal")
def appeal(
    case_id: int,
    grounds: str = typer.Option(..., help="The applicant's grounds."),
    as_user: str = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Lodge the applicant's appeal against a closed case's adverse decision.

    Example: vetline cases appeal 12 --grounds "That is my namesake" --as ravi
    """
    with session_scope() as session:
        new = service.appeal(session, get_user(session, as_user), case_id, grounds=grounds)
        new_id, due = new.id, new.due_at
    if as_json:
        print_json({"id": new_id, "appeal_of_case_id": case_id, "due_at": due})
    else:
        console.print(
            f"appeal case {new_id} opened (hear by {due:%Y-%m-%d})"
            if due
            else f"appeal case {new_id} opened"
        )


@cases_app.command("conflict")
def conflict(case_id: int, reason: str = typer.Option(...), as_user: str = AS_USER) -> None:
    """Declare a conflict of interest: you are kept off this case and its appeals.

    Example: vetline cases conflict 12 --reason "Applicant is my neighbour" --as rosa
    """
    with session_scope() as session:
        service.declare_conflict(session, get_user(session, as_user), case_id, reason=reason)
    console.print(f"conflict recorded: {as_user} is kept off case {case_id}")


@cases_app.command("respond")
def respond(
    case_id: int,
    text: str = typer.Option(..., help="What the applicant said."),
    channel: str = typer.Option("email"),
    as_user: str = AS_USER,
) -> None:
    """Record the applicant's response on the case.

    Example: vetline cases respond 12 --text "I registered last week" --as rosa
    """
    with session_scope() as session:
        r = service.record_response(
            session, get_user(session, as_user), case_id, body=text, channel=channel
        )
        rid = r.id
    console.print(f"response {rid} recorded on case {case_id}")


@cases_app.command("bulk-prepare")
def bulk_prepare(
    sample: int = typer.Option(10, help="Sample size to check by eye."),
    seed: int | None = typer.Option(None),
    as_user: str = AS_USER,
    as_json: bool = JSON,
) -> None:
    """Batch the fix-it cases past their deadline without a response, with a random sample.

    Example: vetline cases bulk-prepare --as rosa
    """
    with session_scope() as session:
        p = service.prepare_bulk(session, get_user(session, as_user), sample_size=sample, seed=seed)
    if as_json:
        print_json(
            {"batch_id": p.batch_id, "cases": p.cases, "sample": [s.to_json() for s in p.sample]}
        )
        return
    _print_cases(p.sample, f"batch {p.batch_id}: {p.cases} cases — random sample to check")
    console.print(f"a different senior confirms with: vetline cases bulk-confirm {p.batch_id}")


@cases_app.command("bulk-confirm")
def bulk_confirm(batch_id: int, as_user: str = AS_USER) -> None:
    """Confirm a prepared batch (a senior other than its preparer).

    Example: vetline cases bulk-confirm 3 --as sam
    """
    with session_scope() as session:
        n = service.confirm_bulk(session, get_user(session, as_user), batch_id)
    console.print(f"batch {batch_id}: {n} cases closed")


@cases_app.command("extend-provisional")
def extend_provisional(
    application_id: int, reason: str = typer.Option(...), as_user: str = AS_USER
) -> None:
    """Extend an applicant's provisional period once, by the rulebook's extension (seniors).

    Example: vetline cases extend-provisional 812 --reason "Awaiting branch comments" --as sam
    """
    with session_scope() as session:
        row = service.extend_provisional(
            session, get_user(session, as_user), application_id, reason=reason
        )
        until = row.deadline_at
    console.print(f"application {application_id}: provisional until {until:%Y-%m-%d}")


@rulebook_app.command("list")
def rulebook_list(as_json: bool = JSON) -> None:
    """The rulebooks shipped with vetline. Example: vetline rulebook list"""
    rows = []
    for name in example_names():
        rb = load_rulebook(name)
        rows.append(
            {
                "name": name,
                "version": rb.version,
                "title": rb.model.title,
                "clauses": len(rb.clauses),
            }
        )
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['name']}@{r['version']}: {r['title']} ({r['clauses']} clauses)")


@rulebook_app.command("check")
def rulebook_check(path: Path) -> None:
    """Validate a rulebook file; errors name the line and the key.

    Example: vetline rulebook check rulebooks/labour-2016.yaml
    """
    rb = load_rulebook(path)
    console.print(f"{path}: {rb.label}, {len(rb.clauses)} clauses, sha256 {rb.sha256[:12]}…")
