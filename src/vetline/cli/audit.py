"""`vetline audit …`: verify the hash chains, note their head, read events."""

from __future__ import annotations

import typer
from rich.markup import escape
from sqlalchemy import select

from vetline import audit
from vetline.cli.app import app, console, err_console, print_json
from vetline.db import session_scope
from vetline.db.review import AuditEvent

audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    head: str | None = typer.Option(
        None, help="A head noted earlier with `vetline audit head` (detects truncation)."
    ),
    exact: bool = typer.Option(
        False, "--exact", help="With --head: also fail if events were added since it was noted."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check every event's hash and link in every chain; exit 1 naming the first bad event.

    Example: vetline audit verify --head 0:1520:3f5a…,1:87:9b2c…
    """
    with session_scope() as session:
        result = audit.verify(session, expected_head=head, exact=exact)
    if as_json:
        print_json(vars(result))
    elif result.ok:
        console.print(f"audit trail intact: {result.events} events, head {result.head}")
    else:
        where = f" at event id {result.bad_event_id}" if result.bad_event_id is not None else ""
        if result.bad_chain is not None:
            where += f" (chain {result.bad_chain}, seq {result.bad_seq})"
        err_console.print(
            f"[bold red]audit trail broken[/]{escape(where)}: {escape(str(result.problem))}",
            highlight=False,
            markup=True,
        )
    if not result.ok:
        raise typer.Exit(1)


@audit_app.command("head")
def head() -> None:
    """Print how many events the head covers and the head (every chain's last seq and hash).

    Keep the head (the second field) somewhere else; `vetline audit verify --head HEAD` later
    fails if any chain lost events at its end. Example: vetline audit head
    """
    with session_scope() as session:
        events, digest = audit.head(session)
    typer.echo(f"{events} {digest}")


@audit_app.command("list")
def list_(
    limit: int = typer.Option(50),
    action: str | None = typer.Option(None, help="Only this action (case.approve, …)."),
    entity: str | None = typer.Option(None, help="Only this entity (case, application, …)."),
    entity_id: str | None = typer.Option(None, "--id", help="Only this entity id."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Newest events first. Example: vetline audit list --entity case --id 12 --json"""
    with session_scope() as session:
        # id is the global order; seq is the position within the event's chain
        query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit)
        if action:
            query = query.where(AuditEvent.action == action)
        if entity:
            query = query.where(AuditEvent.entity == entity)
        if entity_id:
            query = query.where(AuditEvent.entity_id == entity_id)
        rows = [
            {
                "id": e.id,
                "chain": e.chain,
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "before": e.before,
                "after": e.after,
                "rulebook_version": e.rulebook_version,
                "score": e.score,
                "threshold": e.threshold,
                "reason": e.reason,
                "hash": e.hash,
            }
            for e in session.scalars(query)
        ]
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(
            f"{r['id']:>7} {r['at']:%Y-%m-%d %H:%M:%S} {r['actor']:<10} "
            f"{r['action']:<20} {r['entity']} {r['entity_id'] or ''} "
            f"{r['reason'] or ''}",
            highlight=False,
            markup=False,
        )
